"""Write the results workbook in openpyxl's write-only (streaming) mode.

Rows go to disk as they come, so memory stays flat for any number of rows. Write-only mode
needs the column widths before the first row, so the first rows (``width_sample``) are held
back, the widths are fitted to them and capped, and then everything is written.

The input's columns have the Text number format, so that what an admin types into them
(a plate ``00123``) stays text. The column format covers empty cells. Cells with a value get
the format only in the rows an admin is expected to fix, those not yet in OPS-COM, because
writing a styled cell takes about a third longer than a plain one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from importer.records import FINISHED_STATUSES, RowResult, RunSummary
from importer.results.cells import TEXT_FORMAT, sheet_text, text_cell, text_width
from importer.results.files import AtomicFile
from importer.results.layout import (
    MESSAGE_COLUMNS,
    RESULTS_SHEET,
    SUMMARY_SHEET,
    Value,
    header_row,
    row_values,
    status_colour,
    status_fill,
)
from importer.results.summary import SUMMARY_HEADERS, summary_rows

#: Rows held back to fit the column widths before streaming starts.
WIDTH_SAMPLE_ROWS = 1_000
#: Column widths, in characters: the narrowest and the widest a fitted column gets.
MIN_WIDTH = 6
MAX_WIDTH = 60
#: The Summary's value column is wider, because it contains commands and the mapping.
MAX_SUMMARY_WIDTH = 100

BOLD = Font(bold=True)
#: A row held back: its values, its Status fill, and whether an admin may fix it.
PendingRow = tuple[list[Value], str, bool]
WRAPPED = Alignment(wrap_text=True, vertical="top")


class WorkbookWriter:
    """Stream result rows into the Results sheet; ``finish`` adds the Summary and saves."""

    def __init__(
        self, path: Path, headers: Sequence[str], *, width_sample: int = WIDTH_SAMPLE_ROWS
    ) -> None:
        self.path = path
        self.headers = list(headers)
        self.rows = 0
        self._file = AtomicFile(path)
        self._workbook = Workbook(write_only=True)
        # Typed as Worksheet: a write-only sheet has its column_dimensions and auto_filter,
        # which the openpyxl stubs leave out.
        self._sheet: Worksheet = self._workbook.create_sheet(RESULTS_SHEET)
        self._width_sample = max(1, width_sample)
        self._pending: list[PendingRow] | None = []
        self._fills: dict[str, PatternFill] = {}
        first_result = len(self.headers) + 2
        self._status_column = first_result
        self._message_columns = {first_result + offset for offset in MESSAGE_COLUMNS}
        # The input's own columns: identifiers such as plates and VINs stay text.
        self._text_columns = set(range(2, first_result))

    def write(self, result: RowResult) -> None:
        row = (row_values(result), status_colour(result), result.status not in FINISHED_STATUSES)
        self.rows += 1
        if self._pending is None:
            self._append(*row)
            return
        self._pending.append(row)
        if len(self._pending) >= self._width_sample:
            self._start_streaming()

    def finish(self, summary: RunSummary) -> Path:
        """Add the Summary sheet, save under a temporary name and rename into place."""
        self._start_streaming()
        last_column = get_column_letter(len(header_row(self.headers)))
        self._sheet.auto_filter.ref = f"A1:{last_column}{self.rows + 1}"
        _write_summary(self._workbook.create_sheet(SUMMARY_SHEET), summary)
        self._workbook.save(self._file.temporary)
        return self._file.commit()

    def written_rows(self) -> Iterator[list[Value]]:
        """Yield the rows written so far as plain values, then discard the workbook.

        Used when the results turn out too long for one sheet and move to CSV: rows still
        held back come from memory, the others are read back from a temporary save.
        """
        if self._pending is not None:
            pending, self._pending = self._pending, None
            yield from (values for values, _, _ in pending)
            self.discard()
            return
        self._workbook.save(self._file.temporary)
        width = len(header_row(self.headers))
        try:
            # Opened as a file object: openpyxl rejects a path whose suffix is not .xlsx.
            with self._file.temporary.open("rb") as handle:
                workbook = load_workbook(handle, read_only=True)
                for values in workbook[RESULTS_SHEET].iter_rows(min_row=2, values_only=True):
                    padded = [*values, *([None] * (width - len(values)))]
                    yield [_plain(value) for value in padded[:width]]
                workbook.close()
        finally:
            self.discard()

    def discard(self) -> None:
        """Give up the workbook: nothing is written to ``path``."""
        self._file.discard()

    def _start_streaming(self) -> None:
        if self._pending is None:
            return
        pending, self._pending = self._pending, None
        titles = header_row(self.headers)
        for index, width in enumerate(_fitted_widths(titles, pending), start=1):
            dimension = self._sheet.column_dimensions[get_column_letter(index)]
            dimension.width = width
            if index in self._text_columns:
                dimension.number_format = TEXT_FORMAT
        self._sheet.freeze_panes = "B2"
        self._sheet.append([text_cell(self._sheet, title, font=BOLD) for title in titles])
        for row in pending:
            self._append(*row)

    def _append(self, values: list[Value], colour: str, editable: bool) -> None:
        cells = [
            self._cell(column, value, colour, editable)
            for column, value in enumerate(values, start=1)
        ]
        self._sheet.append(cells)

    def _cell(self, column: int, value: Value, colour: str, editable: bool) -> object:
        if column == self._status_column:
            return text_cell(self._sheet, str(value), fill=self._fill(colour))
        text_format = editable and column in self._text_columns
        if value is None or value == "":
            return text_cell(self._sheet, "", text_format=True) if text_format else None
        if not isinstance(value, str):
            return value
        if column in self._message_columns and "\n" in value:
            return text_cell(self._sheet, value, alignment=WRAPPED)
        return sheet_text(self._sheet, value, text_format=text_format)

    def _fill(self, colour: str) -> PatternFill:
        fill = self._fills.get(colour)
        if fill is None:
            fill = self._fills[colour] = status_fill(colour)
        return fill


def _fitted_widths(titles: list[str], rows: list[PendingRow]) -> list[float]:
    widths = [text_width(title) for title in titles]
    for values, _, _ in rows:
        for index, value in enumerate(values):
            if value is not None:
                widths[index] = max(widths[index], text_width(str(value)))
    return [min(MAX_WIDTH, max(MIN_WIDTH, width + 2)) for width in widths]


def _plain(value: object) -> Value:
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)


def _write_summary(sheet: Worksheet, summary: RunSummary) -> None:
    rows = summary_rows(summary)
    label_width = max(text_width(label) for label, _ in rows)
    value_width = max(text_width(str(value)) for _, value in rows)
    sheet.column_dimensions["A"].width = min(MAX_WIDTH, label_width + 2)
    sheet.column_dimensions["B"].width = min(MAX_SUMMARY_WIDTH, max(MIN_WIDTH, value_width + 2))
    sheet.freeze_panes = "A2"
    sheet.append([text_cell(sheet, title, font=BOLD) for title in SUMMARY_HEADERS])
    for label, value in rows:
        if isinstance(value, str):
            cell: object = text_cell(sheet, value, alignment=WRAPPED if "\n" in value else None)
        else:
            cell = value
        sheet.append([text_cell(sheet, label), cell])
