"""Read a results file back, as an admin may have left it, for ``opscom-import retry``.

Rows are identified by their ``Row`` value, never by their position, so a Results sheet that
was sorted, filtered or had rows deleted reads the same. The rows come back in Row order.
The input's columns are those between ``Row`` and the block of result columns, so a column
the admin added after ``Finished at`` is ignored. Cell values become the text a spreadsheet
shows, as the reader does for an input file: a plate the admin typed as ``123`` in Excel
is stored as a number and comes back as ``"123"``. A results CSV is read with the input
reader's encoding and delimiter detection, because Excel saves a CSV again in the locale's
encoding and list separator (Windows-1252 and ``;`` in French).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import python_calamine

from importer.errors import InputFileError
from importer.reading.sniff import read_head
from importer.reading.text import text_format, text_rows
from importer.records import FINISHED_STATUSES, RowResult, SourceRow, Status
from importer.results import RESULT_COLUMNS, RESULTS_SHEET, ROW_COLUMN, SUMMARY_SHEET
from importer.results.cells import csv_text
from importer.results.csv_output import summary_path
from importer.results.summary import Item

logger = logging.getLogger(__name__)

Grid = list[list[object]]
STATUS_WORDS = {status.value: status for status in Status}


@dataclass(frozen=True, slots=True)
class PreviousRow:
    """One row of a results file: the input row as it is now, and the outcome recorded for it.

    ``status`` is ``None`` when the Status cell is empty or contains a word that is not a status.
    ``line`` is the row's place in the sheet or CSV file, for messages.
    """

    source: SourceRow
    status: Status | None
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    attempts: int = 0
    http_status: int | None = None
    finished_at: str | None = None
    line: int = 0

    @property
    def finished(self) -> bool:
        """Whether the vehicle is in OPS-COM already, so the row is not sent again."""
        return self.status in FINISHED_STATUSES

    def kept_result(self, checked: RowResult) -> RowResult:
        """Return the recorded outcome as a row result; ``checked`` gives its codes."""
        assert self.status is not None
        return RowResult(
            source=self.source,
            payload=checked.payload,
            status=self.status,
            errors=list(self.errors),
            warnings=list(self.warnings),
            attempts=self.attempts,
            http_status=self.http_status,
            finished_at=self.finished_at,
            warning_codes=list(checked.warning_codes),
        )


@dataclass(frozen=True, slots=True)
class RecordedSummary:
    """The Summary of a results file: the first value of each label, and the constants."""

    values: dict[str, str]
    constants: dict[str, str]

    def get(self, item: Item) -> str:
        return self.values.get(item.value, "")

    @property
    def profile_file(self) -> Path | None:
        text = self.get(Item.PROFILE_FILE)
        return Path(text) if text else None

    @property
    def input_file(self) -> Path | None:
        text = self.get(Item.INPUT_FILE)
        return Path(text) if text else None

    @property
    def rows(self) -> int | None:
        text = self.get(Item.ROWS)
        return int(text) if text.isdigit() else None


@dataclass(frozen=True, slots=True)
class ResultsBook:
    """A results file read back: the input's headers, its rows in Row order, its Summary."""

    path: Path
    headers: list[str]
    rows: list[PreviousRow]
    summary: RecordedSummary | None
    is_csv: bool = False


def read_results(
    path: Path, *, encoding: str | None = None, delimiter: str | None = None
) -> ResultsBook:
    """Read a results workbook or results CSV; raise ``InputFileError`` naming what is wrong.

    ``encoding`` and ``delimiter`` apply to a results CSV, as ``--encoding`` and
    ``--delimiter`` do to an input file; ``None`` means detect. Its Summary CSV is always
    detected, because it is a separate file that Excel may not have saved again.
    """
    if not path.is_file():
        raise InputFileError(path, "file not found; pass the results file a run wrote.")
    is_csv = path.suffix.lower() == ".csv"
    if is_csv:
        table = _read_csv(path, encoding, delimiter)
        summary_grid = _read_summary_csv(summary_path(path))
    else:
        table, summary_grid = _read_workbook(path)
    if not table:
        raise InputFileError(path, f"the {RESULTS_SHEET} table is empty.")
    headers, columns = _split_header(path, [_text(value).strip() for value in table[0]])
    rows = _previous_rows(path, table, columns, is_csv)
    summary = _recorded_summary(summary_grid) if summary_grid is not None else None
    return ResultsBook(path, headers, rows, summary, is_csv)


def _read_workbook(path: Path) -> tuple[Grid, Grid | None]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        if RESULTS_SHEET not in workbook.sheet_names:
            raise InputFileError(
                path,
                f"no sheet named '{RESULTS_SHEET}' (sheets: {', '.join(workbook.sheet_names)}); "
                "pass a results workbook written by opscom-import run.",
            )
        table = _sheet_grid(workbook, RESULTS_SHEET)
        summary = None
        if SUMMARY_SHEET in workbook.sheet_names:
            summary = _sheet_grid(workbook, SUMMARY_SHEET)
    except python_calamine.CalamineError as exc:
        raise InputFileError(path, f"cannot be read as a workbook ({exc}).") from exc
    return table, summary


def _sheet_grid(workbook: python_calamine.CalamineWorkbook, name: str) -> Grid:
    rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return [list(row) for row in rows]


def _read_csv(path: Path, encoding: str | None = None, delimiter: str | None = None) -> Grid:
    notes: list[str] = []
    text = text_format(path, read_head(path), encoding, delimiter, notes)
    for note in notes:
        logger.warning("%s: %s", path, note)
    return [[csv_text(field) for field in row.cells] for row in text_rows(path, text)]


def _read_summary_csv(path: Path) -> Grid | None:
    return _read_csv(path) if path.is_file() else None


def _split_header(path: Path, header: list[str]) -> tuple[list[str], dict[str, int]]:
    """Return the input's headers and the position of Row and of each result column."""
    width = len(RESULT_COLUMNS)
    starts = [
        index
        for index in range(1, len(header) - width + 1)
        if tuple(header[index : index + width]) == RESULT_COLUMNS
    ]
    if not header or header[0] != ROW_COLUMN or not starts:
        raise InputFileError(
            path,
            f"the {RESULTS_SHEET} header must start with '{ROW_COLUMN}' and hold "
            f"{', '.join(RESULT_COLUMNS)} side by side; found {', '.join(map(repr, header))}. "
            "Put back the columns as the run wrote them.",
        )
    start = starts[-1]
    columns = {ROW_COLUMN: 0, **{name: start + i for i, name in enumerate(RESULT_COLUMNS)}}
    return header[1:start], columns


def _previous_rows(
    path: Path, table: Grid, columns: dict[str, int], is_csv: bool
) -> list[PreviousRow]:
    first_result = columns[RESULT_COLUMNS[0]]
    seen: dict[int, int] = {}
    rows: list[PreviousRow] = []
    for line, values in enumerate(table[1:], start=2):
        texts = [_text(value) for value in values]
        texts += [""] * (first_result + len(RESULT_COLUMNS) - len(texts))
        if not any(text.strip() for text in texts):
            continue
        where = f"line {line}" if is_csv else f"sheet {RESULTS_SHEET}, row {line}"
        number = _row_number(path, where, values[0] if values else None)
        if number in seen:
            raise InputFileError(
                path,
                f"{where}: Row {number} is also on {'line' if is_csv else 'row'} "
                f"{seen[number]}; each input row may appear once. Delete one of the two.",
            )
        seen[number] = line
        rows.append(_previous_row(texts, columns, number, line))
    rows.sort(key=lambda row: row.source.number)
    return rows


def _previous_row(texts: list[str], columns: dict[str, int], number: int, line: int) -> PreviousRow:
    def cell(name: str) -> str:
        return texts[columns[name]].strip()

    status, errors, warnings, attempts, http_status, finished_at = RESULT_COLUMNS
    return PreviousRow(
        source=SourceRow(number, tuple(texts[1 : columns[status]])),
        status=STATUS_WORDS.get(cell(status).lower()),
        errors=_messages(texts[columns[errors]]),
        warnings=_messages(texts[columns[warnings]]),
        attempts=_whole_number(cell(attempts)) or 0,
        http_status=_whole_number(cell(http_status)),
        finished_at=cell(finished_at) or None,
        line=line,
    )


def _row_number(path: Path, where: str, value: object) -> int:
    text = _text(value).strip()
    if not text:
        raise InputFileError(
            path,
            f"{where} has no {ROW_COLUMN} value; put back the row number the run wrote, "
            "or delete the row.",
        )
    number = _whole_number(text)
    if number is None or number < 1:
        raise InputFileError(
            path,
            f"{where}: {ROW_COLUMN} value '{text}' is not a row number; put back the number "
            "the run wrote, or delete the row.",
        )
    return number


def _whole_number(text: str) -> int | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _messages(text: str) -> tuple[str, ...]:
    return tuple(line for line in text.splitlines() if line.strip())


def _text(value: object) -> str:
    """Return the text a spreadsheet shows for a cell value read by calamine."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _recorded_summary(grid: Sequence[Sequence[object]]) -> RecordedSummary:
    values: dict[str, str] = {}
    constants: dict[str, str] = {}
    for row in grid[1:]:
        if len(row) < 2:
            continue
        label, value = _text(row[0]).strip(), _text(row[1])
        if label == Item.CONSTANT:
            name, _, constant = value.partition("=")
            constants[name.strip()] = constant
        else:
            values.setdefault(label, value)
    return RecordedSummary(values, constants)
