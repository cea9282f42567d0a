"""Read one sheet of an xlsx, xlsm, xlsb, xls or ods workbook as the text Excel shows.

python-calamine reads every format, and a 100,000-row xlsx about 7 times faster than
openpyxl's reader (figures in docs/reading.md). It returns each cell's cached value (the
result of a formula, not the formula), with dates as ``date``/``datetime`` values.
``cell_text`` turns each value into the text a spreadsheet shows.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import python_calamine
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from importer.errors import InputFileError
from importer.reading.ods_formats import DisplayedCells, zero_padded_ods_cells
from importer.reading.rows import RawRow
from importer.reading.sniff import FileKind
from importer.reading.xls_formats import padded_xls_cells
from importer.reading.xlsx_formats import (
    PaddedCells,
    RowPadding,
    format_padded,
    padded_number_cells,
)

logger = logging.getLogger(__name__)

CellValue = object
#: A merged range as calamine gives it: ((first row, first column), (last row, last column)).
MergedRange = tuple[tuple[int, int], tuple[int, int]]


@dataclass(slots=True)
class Sheet:
    """The chosen sheet: its name, its cell values and its merged ranges (0-based)."""

    name: str
    values: Sequence[Sequence[CellValue]]
    merged: list[MergedRange] = field(default_factory=list)
    padded: PaddedCells = field(default_factory=dict)
    displayed: DisplayedCells = field(default_factory=dict)

    def rows(self) -> Generator[RawRow, None, None]:
        """Yield every row as cell texts, numbered from 1 like Excel's rows."""
        for index, values in enumerate(self.values):
            padded = self.padded.get(index)
            cells = [value if type(value) is str else cell_text(value) for value in values]
            if padded:
                _apply_padding(cells, values, padded)
            for column, text in self.displayed.get(index, {}).items():
                if column < len(cells):
                    cells[column] = text
            yield RawRow(index + 1, cells)


def _apply_padding(cells: list[str], values: Sequence[CellValue], padded: RowPadding) -> None:
    for column, tokens in padded.items():
        if column >= len(values):
            continue
        value = values[column]
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if value >= 0 and float(value).is_integer():
            cells[column] = format_padded(int(value), tokens)


def read_sheet(path: Path, kind: FileKind, requested: str | None, notes: list[str]) -> Sheet:
    """Open the workbook and read the sheet named or numbered ``requested``, or the default one.

    The default is the first visible worksheet that has data. Hidden and empty sheets are
    skipped, and a note names the sheet read when other sheets have data too.
    """
    name, values, merged = _load_sheet(path, kind, requested, notes)
    padded: PaddedCells = {}
    if kind is FileKind.XLSX:
        padded = padded_number_cells(path, name)
    elif kind is FileKind.XLS:
        padded = padded_xls_cells(path, name)
    displayed = zero_padded_ods_cells(path, name) if kind is FileKind.ODS else {}
    # NOTE: .xlsb number formats are not read, so a number shown with leading zeros there
    # reads without them.
    return Sheet(name, values, merged, padded, displayed)


def _load_sheet(
    path: Path, kind: FileKind, requested: str | None, notes: list[str]
) -> tuple[str, Sequence[Sequence[CellValue]], list[MergedRange]]:
    """Return the chosen sheet's name, cell values and merged ranges, as calamine reads them."""
    try:
        with path.open("rb") as handle, CalamineWorkbook.from_filelike(handle) as workbook:
            if requested is not None:
                sheet = workbook.get_sheet_by_name(_named_sheet(path, workbook, requested))
            else:
                sheet = _default_sheet(path, workbook, notes)
            return (
                sheet.name,
                sheet.to_python(skip_empty_area=False),
                sheet.merged_cell_ranges or [],
            )
    except python_calamine.PasswordError as exc:
        raise InputFileError(
            path,
            "the workbook is password-protected; open it in Excel, remove the password, "
            "save it and try again.",
        ) from exc
    except python_calamine.CalamineError as exc:
        raise InputFileError(
            path,
            f"cannot be read as {kind} ({exc}); open it in Excel, save it again as .xlsx "
            "and try again.",
        ) from exc
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror or exc}).") from exc


def _has_data(sheet: python_calamine.CalamineSheet) -> bool:
    if sheet.height == 0:
        return False
    return any(value not in ("", None) for row in sheet.iter_rows() for value in row)


def _worksheets(workbook: CalamineWorkbook) -> list[python_calamine.SheetMetadata]:
    return [meta for meta in workbook.sheets_metadata if meta.typ == SheetTypeEnum.WorkSheet]


def _default_sheet(
    path: Path, workbook: CalamineWorkbook, notes: list[str]
) -> python_calamine.CalamineSheet:
    chosen: python_calamine.CalamineSheet | None = None
    others: list[str] = []
    hidden_with_data: list[str] = []
    for meta in _worksheets(workbook):
        sheet = workbook.get_sheet_by_name(meta.name)
        if not _has_data(sheet):
            logger.debug("%s: sheet '%s' is empty; skipped", path, meta.name)
        elif meta.visible != SheetVisibleEnum.Visible:
            hidden_with_data.append(meta.name)
        elif chosen is None:
            chosen = sheet
        else:
            others.append(meta.name)
    if chosen is None:
        raise InputFileError(path, _no_visible_data_message(hidden_with_data))
    if others:
        listed = ", ".join(f"'{name}'" for name in others)
        notes.append(
            f"Read sheet '{chosen.name}', the first with data; sheets {listed} have data too. "
            "Pass --sheet to read another."
        )
    return chosen


def _no_visible_data_message(hidden_with_data: Sequence[str]) -> str:
    if hidden_with_data:
        listed = ", ".join(f"'{name}'" for name in hidden_with_data)
        return (
            f"no visible sheet has data, but hidden sheets {listed} do; pass --sheet with "
            "the name of the sheet to read."
        )
    return "the workbook has no data on any sheet; check that it is the right file."


def _named_sheet(path: Path, workbook: CalamineWorkbook, requested: str) -> str:
    """Return the sheet named ``requested`` (ignoring case), else the visible sheet numbered so."""
    sheets = _worksheets(workbook)
    names = [meta.name for meta in sheets]
    if requested in names:
        return requested
    folded = [name for name in names if name.strip().casefold() == requested.strip().casefold()]
    if folded:
        return folded[0]
    visible = [meta.name for meta in sheets if meta.visible == SheetVisibleEnum.Visible]
    if requested.strip().isdigit() and 1 <= int(requested) <= len(visible):
        return visible[int(requested) - 1]
    raise InputFileError(path, f"no sheet '{requested}'; {_sheet_choices(sheets, visible)}.")


def _sheet_choices(sheets: list[python_calamine.SheetMetadata], visible: list[str]) -> str:
    """Name the sheets a ``--sheet`` option can pick, by name or by number."""
    listed = ", ".join(
        f"'{meta.name}'" + ("" if meta.visible == SheetVisibleEnum.Visible else " (hidden)")
        for meta in sheets
    )
    if len(sheets) == 1:
        return f"the only sheet is {listed}. Pass --sheet with its name, or leave out --sheet"
    choices = f"the sheets are {listed}. Pass --sheet with one of these names"
    if len(visible) == 1:
        return f"{choices}, or 1 for '{visible[0]}', the only visible sheet"
    if visible:
        return f"{choices} or a number from 1 to {len(visible)} (visible sheets, left to right)"
    return choices


def cell_text(value: object) -> str:
    """Return the text a spreadsheet shows for a cell value read by calamine.

    Whole numbers have no ".0" and keep every digit up to Excel's 15 significant ones;
    other numbers show 15 significant digits. Dates are ISO dates, date-times ISO date and
    time, booleans TRUE/FALSE and empty cells "".
    """
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.timedelta):
        return _duration_text(value)
    return str(value)


def _number_text(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    rounded = Decimal(f"{value:.15g}")
    if rounded == rounded.to_integral_value():
        return str(int(rounded))
    return format(rounded, "f") if abs(value) >= 1e-4 else f"{value:.15g}"


def _duration_text(value: dt.timedelta) -> str:
    seconds = round(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"
