"""Recover the leading zeros that an xlsx number format such as ``000000`` shows.

python-calamine returns a cell's number but not its number format, so the plate ``001234``
stored as the number 1234 with format ``000000`` would read as "1234". This module reads the
format codes from ``xl/styles.xml`` and, only when some style pads integers with zeros,
finds the cells of the sheet that use such a style. Workbooks without such formats cost one
small XML parse. The others also cost one regular-expression pass over the sheet's XML.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree as ET

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
CELL_TAG = re.compile(rb"<(?:\w+:)?c\s")
CELL_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
CELL_TYPE = re.compile(rb'\bt="(\w+)"')
CHUNK_SIZE = 8 << 20
#: Characters Excel shows as themselves in a number format without quotes.
PLAIN_LITERALS = frozenset(" -+()$")

#: One token of a format: ("digit", "0" | "#" | "?") or ("text", literal).
Token = tuple[str, str]
#: 0-based column to the tokens of the cell's format, for one row.
RowPadding = dict[int, tuple[Token, ...]]
#: 0-based row to the padded cells of that row.
PaddedCells = dict[int, RowPadding]


def padded_number_cells(path: Path, sheet_name: str) -> PaddedCells:
    """Return the cells of ``sheet_name`` whose number format pads integers with zeros.

    Returns an empty mapping when the workbook has no such format or its parts cannot be
    found. calamine has already read the values, so a missing format only loses padding.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            styles = _padded_styles(archive)
            if not styles:
                return {}
            part = _sheet_part(archive, sheet_name)
            if part is None:
                return {}
            return _scan_sheet(archive, part, styles)
    except (KeyError, zipfile.BadZipFile, ET.ParseError):
        return {}


def parse_part(archive: zipfile.ZipFile, name: str) -> ET.Element:
    """Parse one small XML part of the workbook.

    ElementTree never loads external entities, and expat 2.4.1 or later (Python 3.11 ships
    2.5) limits entity expansion, so a hostile workbook cannot blow up memory here.
    """
    return ET.fromstring(archive.read(name))  # noqa: S314 - safe with expat >= 2.4.1, above


def _padded_styles(archive: zipfile.ZipFile) -> dict[int, tuple[Token, ...]]:
    """Return the cell style indexes (the ``s`` attribute of a cell) that pad with zeros."""
    if "xl/styles.xml" not in archive.namelist():
        return {}
    root = parse_part(archive, "xl/styles.xml")
    codes = {
        int(element.get("numFmtId", "-1")): element.get("formatCode", "")
        for element in root.iter(f"{MAIN}numFmt")
    }
    cell_formats = root.find(f"{MAIN}cellXfs")
    if cell_formats is None:
        return {}
    padded: dict[int, tuple[Token, ...]] = {}
    for index, element in enumerate(cell_formats.findall(f"{MAIN}xf")):
        tokens = padded_format(codes.get(int(element.get("numFmtId", "0")), ""))
        if tokens is not None:
            padded[index] = tokens
    return padded


def _sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """Return the zip path of the worksheet named ``sheet_name``."""
    workbook = parse_part(archive, "xl/workbook.xml")
    relation_id = next(
        (
            sheet.get(OFFICE_RELATIONSHIP_ID)
            for sheet in workbook.iter(f"{MAIN}sheet")
            if sheet.get("name") == sheet_name
        ),
        None,
    )
    relations = parse_part(archive, "xl/_rels/workbook.xml.rels")
    for relation in relations.iter(f"{RELATIONSHIPS}Relationship"):
        if relation.get("Id") == relation_id:
            target = relation.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join("xl", target))
    return None


def _scan_sheet(
    archive: zipfile.ZipFile, part: str, styles: Mapping[int, tuple[Token, ...]]
) -> PaddedCells:
    """Find the cells using ``styles`` in the sheet XML, read in chunks to bound memory.

    Each chunk ends just after a ``>``, so no cell tag is split between two chunks.
    """
    ids = b"|".join(str(style).encode() for style in styles)
    # Excel and openpyxl write the attributes of <c> in the order r, s, t.
    ordered = re.compile(rb'<c r="([A-Z]{1,3})(\d+)" s="(' + ids + rb')"(?: t="(\w+)")?')
    needles = [b' s="%d"' % style for style in styles]
    cells: PaddedCells = {}
    rest = b""
    with archive.open(part) as stream:
        while chunk := stream.read(CHUNK_SIZE):
            text = rest + chunk
            cut = text.rfind(b">") + 1
            rest = text[cut:]
            _scan_chunk(text[:cut], ordered, needles, styles, cells)
    _scan_chunk(rest, ordered, needles, styles, cells)
    return cells


def _scan_chunk(
    xml: bytes,
    ordered: re.Pattern[bytes],
    needles: list[bytes],
    styles: Mapping[int, tuple[Token, ...]],
    cells: PaddedCells,
) -> None:
    """Add the numeric cells of ``xml`` that use ``styles`` to ``cells``.

    One regular expression finds the cells written in the usual attribute order. When the
    style attributes in the chunk outnumber its hits (another order, or a styled ``<row>``),
    every style attribute is looked at one by one.
    """
    hits = 0
    for match in ordered.finditer(xml):
        hits += 1
        if match.group(4) in (None, b"n"):
            row = int(match.group(2)) - 1
            cells.setdefault(row, {})[_column_index(match.group(1))] = styles[int(match.group(3))]
    if hits < sum(xml.count(needle) for needle in needles):
        _scan_each_attribute(xml, styles, cells)


def _scan_each_attribute(
    xml: bytes, styles: Mapping[int, tuple[Token, ...]], cells: PaddedCells
) -> None:
    for style, tokens in styles.items():
        needle = b' s="%d"' % style
        position = xml.find(needle)
        while position >= 0:
            start = xml.rfind(b"<", 0, position)
            end = xml.find(b">", position)
            place = _numeric_cell_place(xml[start : end + 1])
            if place is not None:
                cells.setdefault(place[0], {})[place[1]] = tokens
            position = xml.find(needle, end)


def _numeric_cell_place(tag: bytes) -> tuple[int, int] | None:
    """Return the 0-based (row, column) of a numeric ``<c>`` tag, or None for anything else."""
    if not tag.startswith(b"<c ") and CELL_TAG.match(tag) is None:
        return None
    kind = CELL_TYPE.search(tag)
    if kind is not None and kind.group(1) != b"n":
        return None
    reference = CELL_REFERENCE.search(tag)
    if reference is None:
        # NOTE: a cell without an r="A1" reference loses its padding; Excel and the common
        # writers always write the reference.
        return None
    return int(reference.group(2)) - 1, _column_index(reference.group(1))


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - ord("A") + 1
    return index - 1


@lru_cache(maxsize=256)
def padded_format(code: str) -> tuple[Token, ...] | None:
    """Return the tokens of an integer format with two or more ``0`` placeholders, else None.

    Formats with decimals, grouping, exponents, percentages, dates or text (``.``, ``,``,
    ``E``, ``%``, ``y``, ``@``...) return None: their numbers read as plain digits.
    """
    tokens: list[Token] = []
    section = _first_section(code)
    position = 0
    while position < len(section):
        char = section[position]
        if char == '"':
            end = section.find('"', position + 1)
            if end < 0:
                return None
            tokens.append(("text", section[position + 1 : end]))
            position = end + 1
        elif char == "\\" and position + 1 < len(section):
            tokens.append(("text", section[position + 1]))
            position += 2
        elif char == "[":
            # A colour or condition such as [Red]; it does not change the digits.
            end = section.find("]", position)
            position = len(section) if end < 0 else end + 1
        elif char in "0#?":
            tokens.append(("digit", char))
            position += 1
        elif char in PLAIN_LITERALS:
            tokens.append(("text", char))
            position += 1
        else:
            return None
    zeros = sum(1 for kind, text in tokens if kind == "digit" and text == "0")
    return tuple(tokens) if zeros >= 2 else None


def _first_section(code: str) -> str:
    """Return the part of a format code for positive numbers: up to the first unquoted ``;``."""
    quoted = False
    for position, char in enumerate(code):
        if char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            return code[:position]
    return code


def format_padded(value: int, tokens: tuple[Token, ...]) -> str:
    """Return the non-negative integer ``value`` as Excel shows it through ``tokens``.

    Digits fill the placeholders from the right; the leftmost placeholder takes any digits
    left over. A ``0`` with no digit left shows 0, a ``?`` a space and a ``#`` nothing.
    """
    digits = str(value)
    if all(token == ("digit", "0") for token in tokens):
        return digits.zfill(len(tokens))
    placeholders = [index for index, (kind, _) in enumerate(tokens) if kind == "digit"]
    parts = [text for _, text in tokens]
    remaining = len(digits)
    for position, index in enumerate(reversed(placeholders)):
        last = position == len(placeholders) - 1
        if remaining > 0:
            take = remaining if last else 1
            parts[index] = digits[remaining - take : remaining]
            remaining -= take
        else:
            parts[index] = {"0": "0", "?": " ", "#": ""}[tokens[index][1]]
    return "".join(parts)
