"""Recover the leading zeros that an OpenDocument number style such as ``000000`` shows.

python-calamine returns an ods cell's number, not the text LibreOffice displays, so the
plate ``001234`` stored as 1234 would read as "1234". OpenDocument stores the displayed
text next to the value (``<text:p>``), so this module takes that text for numeric cells
whose text is the same whole number written with leading zeros. ``content.xml`` is only
parsed when some number style sets a minimum of two or more integer digits.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import IO
from xml.etree import ElementTree as ET

TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
#: A number style padding with zeros: number:min-integer-digits="2" or more.
PADDING_STYLE = re.compile(rb'min-integer-digits="(?:[2-9]|[1-9]\d+)"')
LEADING_ZEROS = re.compile(r"0\d+")
CHUNK_SIZE = 8 << 20
#: 0-based row to (0-based column to displayed text).
DisplayedCells = dict[int, dict[int, str]]


def zero_padded_ods_cells(path: Path, sheet_name: str) -> DisplayedCells:
    """Return the displayed text of the numeric cells of ``sheet_name`` shown with zeros.

    Returns an empty mapping when no number style pads with zeros or the parts are missing.
    calamine has already read the values, so that only loses the padding.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            if not any(_has_padding_style(archive, part) for part in ("styles.xml", "content.xml")):
                return {}
            with archive.open("content.xml") as stream:
                return _displayed_cells(stream, sheet_name)
    except (KeyError, zipfile.BadZipFile, ET.ParseError):
        return {}


def _has_padding_style(archive: zipfile.ZipFile, part: str) -> bool:
    if part not in archive.namelist():
        return False
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(CHUNK_SIZE):
            if PADDING_STYLE.search(tail + chunk):
                return True
            tail = chunk[-64:]
    return False


def _displayed_cells(stream: IO[bytes], sheet_name: str) -> DisplayedCells:
    """Walk the rows and cells of one table, counting repeated rows and columns.

    ElementTree never loads external entities, and expat 2.4.1 or later (Python 3.11 ships
    2.5) limits entity expansion, so a hostile file cannot blow up memory here.
    """
    cells: DisplayedCells = {}
    row = column = 0
    in_table = False
    events = ET.iterparse(stream, events=("start", "end"))  # noqa: S314 - see docstring
    for event, element in events:
        tag = element.tag
        if tag == f"{TABLE}table":
            if event == "end" and in_table:
                break
            in_table = event == "start" and element.get(f"{TABLE}name") == sheet_name
        elif not in_table or event != "end":
            continue
        elif tag in (f"{TABLE}table-cell", f"{TABLE}covered-table-cell"):
            repeat = int(element.get(f"{TABLE}number-columns-repeated", "1"))
            text = _padded_text(element)
            if text is not None:
                cells.setdefault(row, {}).update(
                    dict.fromkeys(range(column, column + repeat), text)
                )
            column += repeat
            element.clear()
        elif tag == f"{TABLE}table-row":
            repeat = int(element.get(f"{TABLE}number-rows-repeated", "1"))
            for copy in range(row + 1, row + repeat) if row in cells else ():
                cells[copy] = dict(cells[row])
            row += repeat
            column = 0
            element.clear()
    return cells


def _padded_text(cell: ET.Element) -> str | None:
    """Return the cell's displayed text if it is its whole-number value with leading zeros."""
    if cell.get(f"{OFFICE}value-type") not in ("float", "currency"):
        return None
    paragraph = cell.find(f"{TEXT}p")
    if paragraph is None:
        return None
    text = "".join(paragraph.itertext())
    if not LEADING_ZEROS.fullmatch(text):
        return None
    try:
        value = float(cell.get(f"{OFFICE}value", ""))
    except ValueError:
        return None
    return text if value == int(text) else None
