"""Rules that keep every value exactly as read when a spreadsheet program opens the results.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(CSV injection), and some also treat a leading tab or carriage return that way. In the
workbook every text value is written as a string cell, never a formula, and a formula-like
one also gets Excel's quote prefix so that editing the cell keeps it text. CSV has no cell
types, so there a formula-like value gets a leading single quote (the OWASP convention).
``csv_text`` removes that quote when a results CSV is read back.
"""

from __future__ import annotations

import re

#: First characters that make a spreadsheet program read a value as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Excel's limit on the length of the text in one cell.
MAX_CELL_TEXT = 32_767

#: Excel's Text number format: whatever is typed into the cell stays text.
TEXT_FORMAT = "@"

QUOTE = "'"
REPLACEMENT_CHARACTER = "\N{REPLACEMENT CHARACTER}"
_ESCAPED_CSV_TEXT = re.compile(r"'+[=+\-@\t\r]")
#: A formula-like text, or one whose leading quotes come before a formula character.
_QUOTED_IN_CSV = re.compile(r"'*[=+\-@\t\r]")
#: The control characters that XML 1.0 cannot carry: all but tab, line feed and carriage return.
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: XlsxWriter's markup of a rich text string: such a value is written with rich string calls.
RICH_STRING_START, RICH_STRING_END = "<r>", "</r>"
#: Finds what keeps a text from being written as it is: a control character, a formula
#: prefix, or the start of rich text markup. One search per cell is cheaper than three tests.
_NEEDS_CARE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]|^[=+\-@\t\r]|^<r>")


def is_formula_like(text: str) -> bool:
    """Return whether a spreadsheet program could read ``text`` as a formula."""
    return text.startswith(FORMULA_PREFIXES)


def is_plain_text(text: str) -> bool:
    """Return whether a worksheet can show ``text`` exactly as it is, without a format.

    That is text without control characters, formula prefix or rich text markup, within
    Excel's length limit.
    """
    return len(text) <= MAX_CELL_TEXT and _NEEDS_CARE.search(text) is None


def cell_safe_text(text: str) -> str:
    """Return ``text`` as a worksheet accepts it: control characters replaced, length capped.

    XML cannot carry most control characters, so each one becomes U+FFFD. Text over Excel's
    32,767-character limit is cut, ending with an ellipsis.
    """
    if ILLEGAL_CHARACTERS.search(text):
        text = ILLEGAL_CHARACTERS.sub(REPLACEMENT_CHARACTER, text)
    if len(text) > MAX_CELL_TEXT:
        text = text[: MAX_CELL_TEXT - 1] + "\N{HORIZONTAL ELLIPSIS}"
    return text


def is_rich_string_markup(text: str) -> bool:
    """Return whether XlsxWriter would take ``text`` for its own rich text markup.

    XlsxWriter 3 copies a string that starts with ``<r>`` and ends with ``</r>`` into the
    sheet's XML without escaping it, as if it were rich text it had built.
    """
    return text.startswith(RICH_STRING_START) and text.endswith(RICH_STRING_END)


def rich_string_fragments(text: str) -> tuple[str, str, str]:
    """Split ``text`` into three non-empty fragments: XlsxWriter's rich strings need three."""
    return text[:1], text[1:2], text[2:]


def csv_field(value: object) -> str:
    """Return ``value`` as a CSV field that no spreadsheet program runs as a formula.

    A formula-like text gets one leading single quote. So does a text that already starts
    with quotes before a formula character, which keeps ``csv_text`` an exact inverse.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if _QUOTED_IN_CSV.match(text):
        return QUOTE + text
    return text


def csv_text(field: str) -> str:
    """Return the original value of a field written by ``csv_field``."""
    if _ESCAPED_CSV_TEXT.match(field):
        return field[1:]
    return field


def text_width(text: str) -> int:
    """Return the width of ``text`` in characters: its longest line."""
    return max((len(line) for line in text.split("\n")), default=0)
