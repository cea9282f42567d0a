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

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

#: First characters that make a spreadsheet program read a value as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Excel's limit on the length of the text in one cell.
MAX_CELL_TEXT = 32_767

#: Excel's Text number format: whatever is typed into the cell stays text.
TEXT_FORMAT = "@"

QUOTE = "'"
REPLACEMENT_CHARACTER = "\N{REPLACEMENT CHARACTER}"
_ESCAPED_CSV_TEXT = re.compile(r"'+[=+\-@\t\r]")


def is_formula_like(text: str) -> bool:
    """Return whether a spreadsheet program could read ``text`` as a formula."""
    return text.startswith(FORMULA_PREFIXES)


def cell_safe_text(text: str) -> str:
    """Return ``text`` as a worksheet accepts it: control characters replaced, length capped.

    XML cannot carry most control characters, so openpyxl rejects them; each one becomes
    U+FFFD. Text over Excel's 32,767-character limit is cut, ending with an ellipsis.
    """
    text = ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT_CHARACTER, text)
    if len(text) > MAX_CELL_TEXT:
        text = text[: MAX_CELL_TEXT - 1] + "\N{HORIZONTAL ELLIPSIS}"
    return text


def sheet_text(sheet: Worksheet, text: str, *, text_format: bool = False) -> Cell | str | None:
    """Return what to append to a write-only sheet so that it shows ``text`` exactly.

    That is the plain string where openpyxl stores it as text anyway, which is several times
    faster than a cell object, and a ``text_cell`` where the text is formula-like or the
    Text number format is wanted.
    """
    if text_format or is_formula_like(text):
        return text_cell(sheet, text, text_format=text_format)
    return cell_safe_text(text) or None


def text_cell(
    sheet: Worksheet,
    text: str,
    *,
    font: Font | None = None,
    fill: PatternFill | None = None,
    alignment: Alignment | None = None,
    text_format: bool = False,
) -> Cell | None:
    """Return a string cell that shows ``text`` exactly, never as a number or formula.

    ``text_format`` also sets the Text number format, so that a value an admin retypes in
    Excel (such as a plate ``00123``) stays text. Empty unstyled text gives no cell at all.
    """
    if not text and fill is None and font is None and not text_format:
        return None
    cell = WriteOnlyCell(sheet, value=cell_safe_text(text) or None)
    if text:
        # openpyxl infers a formula for a string starting with "="; the type is forced back.
        cell.data_type = "s"
    if text_format:
        cell.number_format = TEXT_FORMAT
    if is_formula_like(text):
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    return cell


def csv_field(value: object) -> str:
    """Return ``value`` as a CSV field that no spreadsheet program runs as a formula.

    A formula-like text gets one leading single quote. So does a text that already starts
    with quotes before a formula character, which keeps ``csv_text`` an exact inverse.
    """
    if value is None:
        return ""
    text = str(value)
    if is_formula_like(text) or _ESCAPED_CSV_TEXT.match(text):
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
