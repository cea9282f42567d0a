"""Checks of a normalised payload against the Push API's documented rules.

Each check adds ``RowIssue`` records with a stable code to the verdict: errors for what the
server would reject, warnings for what it accepts but the admin should look at.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from importer import vin as vins
from importer.validation.normalize import DASHES, clean_spaces
from importer.validation.verdict import Places, Verdict, shown

#: Every vehicle needs one field of each group: the fields, the code, and the noun for messages.
REQUIRED_GROUPS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("plate",), "missing-plate", "a plate"),
    (("plateType", "plateTypeID"), "missing-plate-type", "a plate type (plateType or plateTypeID)"),
    (("prov", "provID"), "missing-province", "a province or state (prov or provID)"),
)

ID_FIELDS = frozenset({"plateTypeID", "provID", "makeID", "typeID", "colourID"})
OPTIONAL_NAMES = ("make", "type", "colour")
#: Fields checked for Excel's scientific notation by ``check_excel_numbers``. The plate has
#: its own Excel check, a damaged year or province is invalid, and a VIN gets VIN warnings.
EXCEL_NUMBER_FIELDS = ("plateType", "make", "type", "colour", *sorted(ID_FIELDS))

MAX_PLATE_LENGTH = 50
MAX_NAME_LENGTH = 50
MAX_VIN_LENGTH = 25

#: Excel's display of a long number, such as 1.23457E+11, which always has a sign.
EXCEL_SCIENTIFIC = re.compile(r"[0-9](?:\.[0-9]+)?E[+-][0-9]+", re.IGNORECASE)
#: A number that went through a float: 12345.0, or a plate that ends like one.
EXCEL_TRAILING_ZERO = re.compile(r"[0-9]\.0+$")

Check = Callable[[Verdict, Places], None]


def check_required(verdict: Verdict, places: Places) -> None:
    """Report each required group with no value, naming the column it should come from."""
    for fields, code, noun in REQUIRED_GROUPS:
        if any(name in verdict.payload for name in fields):
            continue
        row = verdict.row
        blank = next((name for name in fields if name in row.payload), None)
        mapped = next((name for name in fields if row.columns.get(name) is not None), None)
        if blank is not None:
            raw = row.payload[blank]
            text = f"{_emptiness(raw)}; every vehicle needs {noun}."
            verdict.errors.append(places[blank].issue(code, raw, text))
        elif mapped is not None:
            text = f"the cell is empty; every vehicle needs {noun}."
            verdict.errors.append(places[mapped].issue(code, "", text))
        else:
            text = (
                f"no column is mapped to {fields[0]}; every vehicle needs {noun}. "
                "Map a column or set a constant in the profile."
            )
            verdict.errors.append(places[fields[0]].issue(code, None, text))


def check_emptied(verdict: Verdict, places: Places) -> None:
    """Report values that normalising emptied, unless ``check_required`` already reports them."""
    for name, raw in verdict.row.payload.items():
        if name in verdict.payload or _group_is_missing(name, verdict):
            continue
        place = places[name]
        if name in ID_FIELDS:
            text = f"{_emptiness(raw)}; an ID cannot be empty. Fill in the ID or leave {name} out."
            verdict.errors.append(place.issue("empty-id", raw, text))
        else:
            text = f"{_emptiness(raw)}, so {name} is not sent."
            verdict.warnings.append(place.issue("value-left-out", raw, text))


def _group_is_missing(name: str, verdict: Verdict) -> bool:
    for fields, _code, _noun in REQUIRED_GROUPS:
        if name in fields:
            return not any(member in verdict.payload for member in fields)
    return False


def _emptiness(raw: str) -> str:
    if not raw.strip():
        return "the value is empty"
    return f"'{shown(raw)}' has no letters or digits"


def check_lengths(verdict: Verdict, places: Places) -> None:
    """Report values longer than the Push API accepts; optional names only warn."""
    limits = (
        ("plate", MAX_PLATE_LENGTH, "plate-too-long", "Correct the plate in the file."),
        (
            "plateType",
            MAX_NAME_LENGTH,
            "plate-type-too-long",
            "Use the plate type's name as set up in OPS-COM.",
        ),
        ("vin", MAX_VIN_LENGTH, "vin-too-long", "Correct the VIN or leave the cell empty."),
    )
    for name, limit, code, fix in limits:
        value = verdict.payload.get(name, "")
        if len(value) > limit:
            text = f"'{shown(value)}' has {len(value)} characters; OPS-COM accepts at most {limit}."
            verdict.errors.append(places[name].issue(code, value, f"{text} {fix}"))
    for name in OPTIONAL_NAMES:
        value = verdict.payload.get(name, "")
        if len(value) > MAX_NAME_LENGTH:
            text = (
                f"'{shown(value)}' has {len(value)} characters; OPS-COM keeps only the first "
                f"{MAX_NAME_LENGTH}. Shorten it in the file to choose what is kept."
            )
            verdict.warnings.append(places[name].issue("name-too-long", value, text))


def check_plate(verdict: Verdict, places: Places) -> None:
    """Report a plate with characters other than letters and digits, or changed by Excel.

    A plate that looks changed by Excel is only warned about, even though the dot of
    ``12345.0`` is not alphanumeric: the warning names what to check, and the row is sent.
    """
    plate = verdict.payload.get("plate")
    if plate is None:
        return
    written = clean_spaces(verdict.row.payload["plate"])
    damage = excel_damage(written)
    if damage is not None:
        text = (
            f"'{shown(written)}' looks changed by Excel, which {damage}; check the plate "
            "against the vehicle, and format the column as Text before saving the file."
        )
        verdict.warnings.append(places["plate"].issue("plate-excel-damaged", written, text))
        return
    if plate.isalnum():
        return
    odd = [c for c in dict.fromkeys(plate) if not (c.isalnum() or c == " " or DASHES.fullmatch(c))]
    if odd:
        listed = ", ".join(f"'{shown(c)}'" for c in odd)
        text = (
            f"'{shown(plate)}' contains {listed}, but a plate has only letters and digits. "
            "Correct the plate in the file."
        )
        verdict.errors.append(places["plate"].issue("plate-not-alphanumeric", plate, text))


def excel_damage(plate: str) -> str | None:
    """Describe how Excel changed ``plate``, or return ``None`` when it looks untouched."""
    if "." not in plate and "+" not in plate and "-" not in plate:
        return None  # each kind of damage needs one of these characters
    if EXCEL_SCIENTIFIC.fullmatch(plate):
        return "shows long numbers in scientific notation and drops their last digits"
    if EXCEL_TRAILING_ZERO.search(plate):
        return "adds '.0' to numbers it reads as decimals"
    return None


def check_excel_numbers(verdict: Verdict, places: Places) -> None:
    """Warn about an ID or a name that Excel turned into a number in scientific notation."""
    payload = verdict.payload
    for name in EXCEL_NUMBER_FIELDS:
        value = payload.get(name)
        if value is None or ("+" not in value and "-" not in value):
            continue
        if EXCEL_SCIENTIFIC.fullmatch(value):
            text = (
                f"'{shown(value)}' looks changed by Excel, which shows long numbers in "
                "scientific notation and drops their last digits; type the full value in the "
                "file, and format the column as Text before saving the file."
            )
            verdict.warnings.append(places[name].issue("value-excel-damaged", value, text))


def check_vin(verdict: Verdict, places: Places) -> None:
    """Warn about a VIN of unusual length, with characters no VIN has, or a wrong check digit."""
    vin = verdict.payload.get("vin")
    if vin is None or len(vin) > MAX_VIN_LENGTH:
        return
    problem = vin_problem(vin)
    if problem is not None:
        code, text = problem
        verdict.warnings.append(places["vin"].issue(code, vin, text))


def vin_problem(vin: str) -> tuple[str, str] | None:
    """Return the warning code and text for a VIN that looks wrong, or ``None``."""
    fix = "check it against the vehicle's registration."
    if len(vin) != vins.VIN_LENGTH:
        return (
            "vin-unusual-length",
            f"'{shown(vin)}' has {len(vin)} characters, not {vins.VIN_LENGTH}; {fix}",
        )
    bad = vins.invalid_characters(vin)
    if bad:
        listed = ", ".join(f"'{shown(c)}'" for c in bad)
        text = (
            f"'{shown(vin)}' contains {listed}, but a VIN has only digits and letters other "
            f"than I, O and Q; {fix}"
        )
        return "vin-invalid-characters", text
    expected = vins.check_digit(vin)
    if vin[vins.CHECK_DIGIT_POSITION - 1] != expected:
        text = (
            f"'{vin}' has '{vin[vins.CHECK_DIGIT_POSITION - 1]}' in position 9, but its check "
            f"digit is '{expected}'; {fix} VINs made for outside North America may have no "
            "check digit."
        )
        return "vin-check-digit", text
    return None


#: The checks in the order they run, which is the order of their findings on the row.
CHECKS: tuple[Check, ...] = (
    check_required,
    check_emptied,
    check_lengths,
    check_plate,
    check_excel_numbers,
    check_vin,
)
