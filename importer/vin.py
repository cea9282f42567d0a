"""Vehicle identification numbers: the check digit of a 17-character VIN.

ISO 3779 fixes the 17-character structure. North America (49 CFR 565) also requires a check
digit in position 9: each character is transliterated to a number, weighted by its position,
and the sum modulo 11 is the check digit, written ``X`` for 10. VINs from other regions may
carry any character in position 9, so a mismatch is a reason to look, not proof of a typo.
"""

from __future__ import annotations

import operator
import string

VIN_LENGTH = 17
CHECK_DIGIT_POSITION = 9

#: Letters a VIN never contains, because they are too easily read as 1 and 0.
FORBIDDEN_LETTERS = frozenset("IOQ")

#: The value of each character allowed in a VIN.
TRANSLITERATION: dict[str, int] = {
    **{digit: int(digit) for digit in string.digits},
    **dict.fromkeys("AJ", 1),
    **dict.fromkeys("BKS", 2),
    **dict.fromkeys("CLT", 3),
    **dict.fromkeys("DMU", 4),
    **dict.fromkeys("ENV", 5),
    **dict.fromkeys("FW", 6),
    **dict.fromkeys("GPX", 7),
    **dict.fromkeys("HY", 8),
    **dict.fromkeys("RZ", 9),
}

#: The characters a VIN may contain.
ALPHABET = frozenset(TRANSLITERATION)

#: The weight of each of the 17 positions; position 9, the check digit itself, weighs 0.
WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def invalid_characters(vin: str) -> list[str]:
    """Return the characters of ``vin`` that no VIN may contain, in order, each once."""
    text = vin.upper()
    if ALPHABET.issuperset(text):
        return []
    return [character for character in dict.fromkeys(text) if character not in ALPHABET]


def check_digit(vin: str) -> str:
    """Compute the check digit of a 17-character VIN: ``0``-``9`` or ``X``.

    Raise ``ValueError`` when ``vin`` is not 17 characters long or contains a character
    outside the VIN alphabet (letters other than I, O and Q, and digits).
    """
    text = vin.upper()
    if len(text) != VIN_LENGTH:
        raise ValueError(f"a VIN has {VIN_LENGTH} characters, not {len(text)}")
    bad = invalid_characters(text)
    if bad:
        raise ValueError(f"a VIN cannot contain {', '.join(repr(c) for c in bad)}")
    total = sum(map(operator.mul, map(TRANSLITERATION.__getitem__, text), WEIGHTS))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def has_valid_check_digit(vin: str) -> bool:
    """Return whether position 9 of a 17-character VIN contains its computed check digit."""
    return vin.upper()[CHECK_DIGIT_POSITION - 1] == check_digit(vin)
