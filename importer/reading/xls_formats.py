"""Recover the leading zeros that a legacy .xls number format such as ``000000`` shows.

python-calamine returns a cell's number but not its number format. For BIFF files (.xls),
xlrd reads the formats: the workbook-wide format and style records are parsed first, and
the sheet itself only when some style pads integers with zeros.
"""

from __future__ import annotations

import logging
import struct
from pathlib import Path

import xlrd
from xlrd.biffh import XLRDError
from xlrd.compdoc import CompDocError

from importer.reading.xlsx_formats import PaddedCells, Token, padded_format

logger = logging.getLogger(__name__)

#: Exceptions xlrd raises on a file it cannot parse, its own error classes and others.
XLRD_FAILURES = (XLRDError, CompDocError, OSError, ValueError, IndexError, struct.error)


def padded_xls_cells(path: Path, sheet_name: str) -> PaddedCells:
    """Return the number cells of ``sheet_name`` whose format pads integers with zeros.

    Returns an empty mapping when no style pads, and logs a warning when xlrd cannot read
    a file that calamine could: the values are read all the same, only without padding.
    """
    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    except XLRD_FAILURES as exc:
        logger.warning("%s: cannot read number formats (%s); leading zeros may be lost", path, exc)
        return {}
    try:
        styles = _padded_styles(book)
        return _padded_cells(book.sheet_by_name(sheet_name), styles) if styles else {}
    except XLRD_FAILURES as exc:
        logger.warning("%s: cannot read number formats (%s); leading zeros may be lost", path, exc)
        return {}
    finally:
        book.release_resources()


def _padded_styles(book: xlrd.Book) -> dict[int, tuple[Token, ...]]:
    """Return the style (XF) indexes whose number format pads integers with zeros."""
    padded: dict[int, tuple[Token, ...]] = {}
    for index, style in enumerate(book.xf_list):
        number_format = book.format_map.get(style.format_key)
        tokens = padded_format(number_format.format_str) if number_format else None
        if tokens is not None:
            padded[index] = tokens
    return padded


def _padded_cells(sheet: xlrd.sheet.Sheet, styles: dict[int, tuple[Token, ...]]) -> PaddedCells:
    cells: PaddedCells = {}
    for row in range(sheet.nrows):
        for column, cell_type in enumerate(sheet.row_types(row)):
            if cell_type != xlrd.XL_CELL_NUMBER:
                continue
            tokens = styles.get(sheet.cell_xf_index(row, column))
            if tokens is not None:
                cells.setdefault(row, {})[column] = tokens
    return cells
