"""Read a CSV or Excel fleet file into rows of text, as a person sees them.

Every cell becomes the text a spreadsheet shows: whole numbers without ``.0``, empty cells
as ``""`` (never ``nan``), leading zeros kept. Each row keeps the row number a spreadsheet
or text editor shows, so that the results point at the right row.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import python_calamine

from importer.errors import InputFileError
from importer.records import SourceRow, Table

logger = logging.getLogger(__name__)

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})
TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read the file; ``None`` means detect."""

    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None
    delimiter: str | None = None


def read_table(path: Path, options: ReadOptions | None = None) -> Table:
    """Read ``path`` into a ``Table``; raise ``InputFileError`` naming the file on failure."""
    options = options or ReadOptions()
    if not path.is_file():
        raise InputFileError(path, "file not found; check the path.")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        grid, sheet_name = _read_workbook_grid(path, options.sheet)
    elif suffix in TEXT_SUFFIXES:
        grid, sheet_name = _read_text_grid(path, options), None
    else:
        raise InputFileError(
            path, f"unsupported file type '{suffix}'; save the sheet as .csv or .xlsx."
        )
    return _table_from_grid(path, grid, sheet_name, options.header_row)


def _read_text_grid(path: Path, options: ReadOptions) -> list[list[object]]:
    encoding = options.encoding or "utf-8-sig"
    try:
        frame = pd.read_csv(
            path,
            dtype=str,
            header=None,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            sep=options.delimiter or _sniff_delimiter(path, encoding),
            encoding=encoding,
            engine="c",
        )
    except UnicodeDecodeError as exc:
        raise InputFileError(
            path, f"not valid {encoding} text ({exc.reason}); pass --encoding cp1252 or similar."
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise InputFileError(path, "the file is empty; export the sheet again.") from exc
    except pd.errors.ParserError as exc:
        raise InputFileError(path, f"cannot be parsed as CSV ({exc}).") from exc
    rows: list[list[object]] = frame.to_numpy().tolist()
    return rows


def _sniff_delimiter(path: Path, encoding: str) -> str:
    try:
        with path.open(encoding=encoding, newline="") as handle:
            sample = handle.read(64 * 1024)
    except UnicodeDecodeError:
        return ","
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _read_workbook_grid(path: Path, sheet: str | None) -> tuple[list[list[object]], str]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        name = sheet if sheet is not None else _first_sheet_with_data(workbook)
        cells = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        rows: list[list[object]] = [list(row) for row in cells]
    except python_calamine.WorksheetNotFound as exc:
        raise InputFileError(
            path, f"no sheet named '{sheet}'; sheets: {', '.join(workbook.sheet_names)}."
        ) from exc
    except python_calamine.CalamineError as exc:
        raise InputFileError(path, f"cannot be read as a workbook ({exc}).") from exc
    return rows, name


def _first_sheet_with_data(workbook: python_calamine.CalamineWorkbook) -> str:
    for meta in workbook.sheets_metadata:
        if meta.visible != python_calamine.SheetVisibleEnum.Visible:
            continue
        if workbook.get_sheet_by_name(meta.name).height > 0:
            return str(meta.name)
    return str(workbook.sheet_names[0])


def cell_text(value: object) -> str:
    """Return the text a spreadsheet shows for a cell value read by calamine."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _table_from_grid(
    path: Path, grid: Sequence[Sequence[object]], sheet: str | None, header_row: int | None
) -> Table:
    texts = [[cell_text(value) for value in row] for row in grid]
    header_index = (header_row - 1) if header_row else _first_non_blank(texts)
    if header_index is None or header_index >= len(texts):
        raise InputFileError(path, "the file has no header row; it looks empty.")
    headers = [text.strip() for text in texts[header_index]]
    rows = [
        SourceRow(number=index + 1, cells=_fit(cells, len(headers)))
        for index, cells in enumerate(texts[header_index + 1 :], start=header_index + 1)
        if any(text.strip() for text in cells)
    ]
    if not rows:
        raise InputFileError(path, "the file has a header row but no data rows.")
    return Table(path=path, headers=headers, rows=rows, sheet=sheet, header_row=header_index + 1)


def _first_non_blank(texts: Sequence[Sequence[str]]) -> int | None:
    for index, cells in enumerate(texts):
        if any(text.strip() for text in cells):
            return index
    return None


def _fit(cells: Sequence[str], width: int) -> tuple[str, ...]:
    if len(cells) >= width:
        return tuple(cells[:width])
    return (*cells, *([""] * (width - len(cells))))
