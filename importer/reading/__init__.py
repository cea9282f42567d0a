"""Read a CSV or Excel fleet file into rows of text, as a person sees them.

Every cell becomes the text a spreadsheet shows: whole numbers without ``.0``, empty cells
as ``""`` (never ``nan``), leading zeros kept. Each row keeps the row number a spreadsheet
or text editor shows, so that the results point at the right row.

The steps, one module each: ``sniff`` decides what the file really is and its encoding;
``text`` or ``workbook`` yields its raw rows; ``header`` finds the header row and names the
columns; ``rows`` fits each data row to the headers and adds its warnings.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from importer.errors import InputFileError, UsageError
from importer.reading.header import (
    HEADER_SEARCH_ROWS,
    combine_header_rows,
    common_span,
    find_header,
    header_names,
    is_sub_header,
    span,
)
from importer.reading.rows import RawRow, is_blank, source_rows
from importer.reading.sniff import FileKind, read_head, sniff_kind
from importer.reading.text import text_format, text_rows
from importer.reading.workbook import MergedRange, cell_text, read_sheet
from importer.records import SourceRow, Table

__all__ = ["ReadOptions", "cell_text", "read_table"]

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
SUFFIXES = {
    FileKind.TEXT: TEXT_SUFFIXES,
    FileKind.XLSX: frozenset({".xlsx", ".xlsm"}),
    FileKind.XLSB: frozenset({".xlsb"}),
    FileKind.XLS: frozenset({".xls"}),
    FileKind.ODS: frozenset({".ods"}),
}
EXCEL_SUFFIXES = frozenset().union(
    *(SUFFIXES[kind] for kind in FileKind if kind is not FileKind.TEXT)
)
#: Rows read ahead to find the header: enough non-blank rows, within a bounded number of rows.
HEAD_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read the file; ``None`` means detect.

    ``sheet`` is a sheet name or a 1-based number counting visible sheets; ``header_row``
    is the row number Excel shows.
    """

    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None
    delimiter: str | None = None


@dataclass(frozen=True, slots=True)
class _Source:
    """An opened file: a way to iterate its raw rows (again), and facts about it."""

    open_rows: Callable[[], Generator[RawRow, None, None]]
    sheet: str | None = None
    merged: Sequence[MergedRange] = ()
    #: Set when the extension does not match the content: what the file really contains.
    kind_note: str | None = None


def read_table(path: Path, options: ReadOptions | None = None) -> Table:
    """Open ``path`` and return its headers and a lazy iterator over its data rows.

    Raises ``InputFileError`` naming the file when it cannot be read, is not a spreadsheet,
    is empty or has a header row but no data.
    """
    options = options or ReadOptions()
    if options.header_row is not None and options.header_row < 1:
        raise UsageError(f"--header-row {options.header_row}: row numbers start at 1.")
    notes: list[str] = []
    source = _open_source(path, options, notes)
    try:
        return _read_table(path, options, source, notes)
    except InputFileError as exc:
        if source.kind_note is None:
            raise
        # Say what the file really is: a .xlsx that turns out to hold text is most likely
        # not the file the user meant.
        message = str(exc).removeprefix(f"{path}: ")
        raise InputFileError(path, f"{message} {source.kind_note}") from exc


def _read_table(path: Path, options: ReadOptions, source: _Source, notes: list[str]) -> Table:
    head, complete = _read_head(source.open_rows, options.header_row)
    first = _header_position(path, head, options.header_row, source.sheet)
    detect = options.header_row is None
    header_cells, last = _header_cells(head, first, source.merged, detect)
    width = _table_width(path, head, last, header_cells, complete)
    headers, header_notes = header_names(header_cells, width)
    if detect:
        notes.extend(_header_row_notes(head[first].number, head[last].number))
    notes.extend(header_notes)
    for note in notes:
        logger.warning("%s: %s", path, note)
    header = head[last]
    field_range = None if header.field_count is None else (width, max(header.field_count, width))
    return Table(
        path=path,
        headers=headers,
        rows=_data_rows(source.open_rows, header.number, headers, field_range),
        sheet=source.sheet,
        header_row=header.number,
        notes=notes,
    )


def _table_width(
    path: Path, head: Sequence[RawRow], header: int, header_cells: Sequence[str], complete: bool
) -> int:
    """Return the number of columns: up to the last header, or further if most rows are wider.

    Raises ``InputFileError`` when the whole file was read and no data row follows the header.
    """
    after = [row for row in head[header + 1 :] if not is_blank(row.cells)]
    if complete and not after:
        raise InputFileError(
            path,
            f"row {head[header].number} looks like the header row but no data rows follow it; "
            "check that it is the right file or sheet.",
        )
    # Columns past the header that most rows fill are part of the table and get letter
    # names. Values that only a few rows have past it are ragged cells, with a row warning.
    return max(span(header_cells), common_span([row.cells for row in after]))


def _header_row_notes(first: int, last: int) -> list[str]:
    if first != last:
        return [
            f"Rows {first} and {last} form the header: merged cells in row {first} group the "
            f"names in row {last}, so each name is joined to its group's (e.g. 'Vehicle Make'). "
            f"Pass --header-row {last} to use row {last} alone."
        ]
    if first > 1:
        return [
            f"The header row is row {first}; the rows above it hold a title, notes or nothing. "
            "Pass --header-row to choose another row."
        ]
    return []


def _open_source(path: Path, options: ReadOptions, notes: list[str]) -> _Source:
    head = read_head(path)
    kind = sniff_kind(path, head)
    kind_note = _check_suffix(path, kind)
    if kind_note is not None:
        notes.append(kind_note)
    if kind is FileKind.TEXT:
        text = text_format(path, head, options.encoding, options.delimiter, notes)
        return _Source(lambda: text_rows(path, text), kind_note=kind_note)
    sheet = read_sheet(path, kind, options.sheet, notes)
    return _Source(sheet.rows, sheet.name, sheet.merged, kind_note)


def _check_suffix(path: Path, kind: FileKind) -> str | None:
    """Return a note when the extension does not match the content; raise if unsupported."""
    suffix = path.suffix.lower()
    if suffix in SUFFIXES[kind]:
        return None
    if kind is FileKind.TEXT and suffix not in EXCEL_SUFFIXES:
        raise InputFileError(
            path, f"unsupported file type '{suffix or '(none)'}'; save the sheet as .csv or .xlsx."
        )
    named = f"named {suffix}" if suffix else "named without an extension"
    reader = "as text" if kind is FileKind.TEXT else "as a workbook"
    return f"The file is {named} but contains {kind}; it was read {reader}."


def _read_head(
    open_rows: Callable[[], Generator[RawRow, None, None]], header_row: int | None
) -> tuple[list[RawRow], bool]:
    """Return the first rows, enough to find the header, and whether they are the whole file."""
    head: list[RawRow] = []
    enough = HEADER_SEARCH_ROWS + 1
    filled = 0
    rows = open_rows()
    try:
        for row in rows:
            head.append(row)
            filled += not is_blank(row.cells)
            past_header = header_row is None or row.number > header_row
            if (filled >= enough and past_header) or len(head) >= HEAD_LIMIT + (header_row or 0):
                return head, False
    finally:
        rows.close()
    return head, True


def _header_position(
    path: Path, head: Sequence[RawRow], header_row: int | None, sheet: str | None
) -> int:
    where = f"sheet '{sheet}'" if sheet else "the file"
    if header_row is None:
        found = find_header(head)
        if found is None:
            raise InputFileError(path, f"{where} has no data: every row is blank.")
        return found
    position = next((i for i, row in enumerate(head) if row.number == header_row), None)
    if position is None:
        last = head[-1].number if head else 0
        raise InputFileError(
            path,
            f"the header row is set to {header_row}, but {where} has only {last} rows; fix "
            "--header-row or the profile's header_row.",
        )
    if is_blank(head[position].cells):
        raise InputFileError(
            path,
            f"the header row is set to {header_row}, but row {header_row} is blank; set "
            "--header-row or the profile's header_row to the row that holds the column names.",
        )
    return position


def _header_cells(
    head: Sequence[RawRow], header: int, merged: Sequence[MergedRange], detect: bool
) -> tuple[list[str], int]:
    """Return the header cells, and the position of the last header row.

    When a detected header row groups columns under horizontally merged cells ("Vehicle"
    over "Make" and "Model") and the row below names them, both rows form the header and
    the names are joined ("Vehicle Make").
    """
    cells = _merged_cells(head, header, merged)
    below = header + 1
    if not detect or below >= len(head) or head[below].number != head[header].number + 1:
        return cells, header
    groups = [
        (first[1], last[1])
        for first, last in merged
        if first[0] == header and last[1] > first[1] and last[0] == first[0]
    ]
    lower = _merged_cells(head, below, merged)
    if not groups or not is_sub_header(lower, groups, vertical=_vertical_columns(merged, header)):
        return cells, header
    return combine_header_rows(cells, lower), below


def _vertical_columns(merged: Sequence[MergedRange], row: int) -> set[int]:
    """Return the columns whose cell in ``row`` is merged with the cell below it."""
    return {
        column
        for (first_row, first_column), (last_row, last_column) in merged
        if first_row <= row < last_row
        for column in range(first_column, last_column + 1)
    }


def _merged_cells(
    head: Sequence[RawRow], position: int, merged: Sequence[MergedRange]
) -> list[str]:
    """Return the cells of a row with each merged range's text copied into all its cells."""
    cells = list(head[position].cells)
    row = head[position].number - 1
    for (first_row, first_column), (last_row, last_column) in merged:
        if not first_row <= row <= last_row or first_row >= len(head):
            continue
        source = head[first_row].cells
        text = source[first_column] if first_column < len(source) else ""
        for column in range(first_column, min(last_column + 1, len(cells))):
            cells[column] = text
    return cells


def _data_rows(
    open_rows: Callable[[], Generator[RawRow, None, None]],
    header_number: int,
    headers: list[str],
    field_range: tuple[int, int] | None,
) -> Iterator[SourceRow]:
    """Yield the data rows below the header; the file is read again from its start."""
    rows = itertools.dropwhile(lambda row: row.number <= header_number, open_rows())
    yield from source_rows(rows, headers, field_range)
