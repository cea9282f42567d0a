"""Write the results workbook with XlsxWriter in constant-memory (streaming) mode.

XlsxWriter writes each row to a temporary file as soon as the next row starts, so memory
stays flat for any number of rows. It writes cells as text, numbers or blanks exactly as
called, so a value that looks like a formula, a number or a URL stays the text it was.
Column settings are written when the workbook is closed: the widths are fitted to the first
rows (``width_sample``) and capped.

The input's columns have the Text number format, so that what an admin types into them
(a plate ``00123``) stays text. Excel applies a column's format to its empty cells, and
XlsxWriter gives it to every cell written without a format of its own. The empty input cells
of the rows an admin is expected to fix (those not yet in OPS-COM) are also written as blank
Text cells, for spreadsheet programs that ignore column formats.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError

from importer.errors import UsageError
from importer.records import FINISHED_STATUSES, RowResult, RunSummary
from importer.results.cells import (
    TEXT_FORMAT,
    cell_safe_text,
    is_formula_like,
    is_plain_text,
    is_rich_string_markup,
    rich_string_fragments,
    text_width,
)
from importer.results.files import AtomicFile
from importer.results.layout import (
    MESSAGE_COLUMNS,
    RESULTS_SHEET,
    STATUS_COLOURS,
    SUMMARY_SHEET,
    WARNING_COLOUR,
    Value,
    header_row,
    row_values,
    status_colour,
)
from importer.results.summary import SUMMARY_HEADERS, summary_rows

#: Rows whose values the column widths are fitted to.
WIDTH_SAMPLE_ROWS = 1_000
#: Column widths, in characters: the narrowest and the widest a fitted column gets.
MIN_WIDTH = 6
MAX_WIDTH = 60
#: The Summary's value column is wider, because it contains commands and the mapping.
MAX_SUMMARY_WIDTH = 100

#: XlsxWriter's options: stream rows to disk, allow a sheet over 2 GiB (zipfile then adds
#: ZIP64 records, which it leaves out of smaller files), and never turn a string into a
#: formula, a number or a hyperlink. Only its generic ``write`` converts strings, and this
#: module calls ``write_string``, so the last three are a safeguard.
WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "use_zip64": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}

#: What a column of the Results sheet holds, which decides how its cells are written.
NUMBER, INPUT, STATUS, MESSAGE, OTHER = range(5)

# XlsxWriter ships no type information, so its objects are typed Any.
Format = Any


class Formats:
    """The cell formats of one workbook, each created once: XlsxWriter stores one per call."""

    def __init__(self, workbook: Any) -> None:
        self._workbook = workbook
        self.text = workbook.add_format({"num_format": TEXT_FORMAT})
        self.fills = {
            colour: workbook.add_format({"bg_color": f"#{colour}", "pattern": 1})
            for colour in {*STATUS_COLOURS.values(), WARNING_COLOUR}
        }
        self._text_cells: dict[tuple[bool, bool, bool, bool], Format | None] = {}

    def for_text(self, *, bold: bool, quoted: bool, wrapped: bool, text: bool) -> Format | None:
        """Return the format of a text cell, or ``None`` for a plain one.

        ``quoted`` sets the quote prefix, which makes Excel keep a formula-like value as
        text when it is edited. ``wrapped`` shows each line of the cell, and ``text`` sets
        the Text number format.
        """
        key = (bold, quoted, wrapped, text)
        if key in self._text_cells:
            return self._text_cells[key]
        properties: dict[str, object] = {}
        if bold:
            properties["bold"] = True
        if quoted:
            properties["quote_prefix"] = True
        if wrapped:
            properties |= {"text_wrap": True, "valign": "top"}
        if text:
            properties["num_format"] = TEXT_FORMAT
        cell_format = self._workbook.add_format(properties) if properties else None
        self._text_cells[key] = cell_format
        return cell_format


class WorkbookWriter:
    """Stream result rows into the Results sheet; ``finish`` adds the Summary and saves."""

    def __init__(
        self, path: Path, headers: Sequence[str], *, width_sample: int = WIDTH_SAMPLE_ROWS
    ) -> None:
        self.path = path
        self.headers = list(headers)
        self.rows = 0
        self._file = AtomicFile(path)
        # XlsxWriter's own temporary files go here, so that ``discard`` can remove them. A
        # process killed outright leaves this folder in the system's temporary folder.
        self._scratch = tempfile.TemporaryDirectory(prefix="opscom-results-")
        options = {**WORKBOOK_OPTIONS, "tmpdir": self._scratch.name}
        self._workbook = xlsxwriter.Workbook(str(self._file.temporary), options)
        self._formats = Formats(self._workbook)
        self._sheet = self._workbook.add_worksheet(RESULTS_SHEET)
        self._width_sample = max(1, width_sample)
        titles = header_row(self.headers)
        self._widths = [text_width(title) for title in titles]
        self._kinds = _column_kinds(len(self.headers), len(titles))
        if self.headers:
            # Set before any row is written: XlsxWriter formats each cell as it writes it.
            self._sheet.set_column(1, len(self.headers), None, self._formats.text)
        self._sheet.freeze_panes(1, 1)
        for column, title in enumerate(titles):
            self._write_text(self._sheet, 0, column, title, kind=OTHER, bold=True)

    def write(self, result: RowResult) -> None:
        values = row_values(result)
        self.rows += 1
        if self.rows <= self._width_sample:
            _widen(self._widths, values)
        editable = result.status not in FINISHED_STATUSES
        self._append(values, self._formats.fills[status_colour(result)], editable)

    def finish(self, summary: RunSummary) -> Path:
        """Add the Summary sheet, save under a temporary name and rename into place."""
        self._save(summary)
        return self._file.commit()

    def written_rows(self) -> Iterator[list[Value]]:
        """Yield the rows written so far as plain values, then discard the workbook.

        Used when the results turn out too long for one sheet and move to CSV: the workbook
        is saved under its temporary name and read back. openpyxl streams the rows, but it
        leaves the ``_xHHHH_`` escapes that XlsxWriter writes for control characters (and
        for text that looks like one) as they are, so each text is decoded as Excel does.
        """
        # Imported here: only the move to CSV reads a workbook back.
        from openpyxl import load_workbook  # noqa: PLC0415
        from openpyxl.utils.escape import unescape  # noqa: PLC0415

        self._save(None)
        width = len(header_row(self.headers))
        try:
            # Opened as a file object: openpyxl rejects a path whose suffix is not .xlsx.
            with self._file.temporary.open("rb") as handle:
                workbook = load_workbook(handle, read_only=True)
                for values in workbook[RESULTS_SHEET].iter_rows(min_row=2, values_only=True):
                    padded = [*values, *([None] * (width - len(values)))]
                    yield [_plain(value, unescape) for value in padded[:width]]
                workbook.close()
        finally:
            self.discard()

    def discard(self) -> None:
        """Give up the workbook: nothing is written to ``path``, no temporary file is left."""
        # XlsxWriter has no public call that abandons a workbook. Closing each sheet's row
        # file, as ``Workbook.close`` does after saving, releases it unsaved. A second close
        # does nothing.
        for sheet in self._workbook.worksheets():
            sheet._opt_close()
        self._scratch.cleanup()
        self._file.discard()

    def _save(self, summary: RunSummary | None) -> None:
        """Set the widths and the autofilter, add the Summary if given, and close the file."""
        for column, width in enumerate(_capped(self._widths, MAX_WIDTH)):
            text = 1 <= column <= len(self.headers)
            self._sheet.set_column(column, column, width, self._formats.text if text else None)
        self._sheet.autofilter(0, 0, self.rows, len(self._kinds) - 1)
        if summary is not None:
            self._write_summary(summary)
        try:
            self._workbook.close()
        except FileCreateError as exc:
            raise UsageError(
                f"{self.path}: cannot write the results workbook ({exc}); free some space "
                "there or choose another place with --results."
            ) from exc
        finally:
            self._scratch.cleanup()

    def _append(self, values: list[Value], fill: Format, editable: bool) -> None:
        row = self.rows
        sheet = self._sheet
        for column, (kind, value) in enumerate(zip(self._kinds, values, strict=True)):
            if value is None or value == "":
                if editable and kind == INPUT:
                    sheet.write_blank(row, column, None, self._formats.text)
            elif not isinstance(value, str):
                sheet.write_number(row, column, value)
            elif kind == STATUS:
                sheet.write_string(row, column, value, fill)
            elif kind != MESSAGE and is_plain_text(value):
                sheet.write_string(row, column, value)  # most cells: no format to choose
            else:
                self._write_text(sheet, row, column, value, kind=kind)

    def _write_text(
        self, sheet: Any, row: int, column: int, value: str, *, kind: int, bold: bool = False
    ) -> None:
        """Write ``value`` as a text cell that shows it exactly, never as a formula."""
        text = cell_safe_text(value)
        quoted = is_formula_like(text)
        wrapped = kind == MESSAGE and "\n" in text
        cell_format = None
        if bold or quoted or wrapped:
            cell_format = self._formats.for_text(
                bold=bold, quoted=quoted, wrapped=wrapped, text=kind == INPUT
            )
        if not text:
            if cell_format is not None:
                sheet.write_blank(row, column, None, cell_format)
            return
        if is_rich_string_markup(text):
            # XlsxWriter copies such a string into the XML unescaped, as rich text markup.
            # Written as plain rich text fragments, the value stays exactly as read.
            fragments = rich_string_fragments(text)
            sheet.write_rich_string(row, column, *fragments, *_given(cell_format))
            return
        sheet.write_string(row, column, text, cell_format)

    def _write_summary(self, summary: RunSummary) -> None:
        sheet = self._workbook.add_worksheet(SUMMARY_SHEET)
        rows = summary_rows(summary)
        label_width = max(text_width(label) for label, _ in rows)
        value_width = max(text_width(str(value)) for _, value in rows)
        sheet.set_column(0, 0, min(MAX_WIDTH, label_width + 2))
        sheet.set_column(1, 1, min(MAX_SUMMARY_WIDTH, max(MIN_WIDTH, value_width + 2)))
        sheet.freeze_panes(1, 0)
        for column, title in enumerate(SUMMARY_HEADERS):
            self._write_text(sheet, 0, column, title, kind=OTHER, bold=True)
        for row, (label, value) in enumerate(rows, start=1):
            self._write_text(sheet, row, 0, label, kind=OTHER)
            if isinstance(value, str):
                self._write_text(sheet, row, 1, value, kind=MESSAGE)
            else:
                sheet.write_number(row, 1, value)


def _column_kinds(input_columns: int, width: int) -> list[int]:
    """Return the kind of each column: Row, the input's columns, then the result columns."""
    kinds = [NUMBER, *([INPUT] * input_columns), *([OTHER] * (width - input_columns - 1))]
    kinds[input_columns + 1] = STATUS
    for offset in MESSAGE_COLUMNS:
        kinds[input_columns + 1 + offset] = MESSAGE
    return kinds


def _widen(widths: list[int], values: list[Value]) -> None:
    for index, value in enumerate(values):
        if value is not None:
            widths[index] = max(widths[index], text_width(str(value)))


def _capped(widths: list[int], maximum: int) -> list[int]:
    return [min(maximum, max(MIN_WIDTH, width + 2)) for width in widths]


def _given(cell_format: Format | None) -> tuple[Format, ...]:
    return () if cell_format is None else (cell_format,)


def _plain(value: object, unescape: Callable[[str], str]) -> Value:
    if isinstance(value, str):
        return unescape(value)
    if value is None or isinstance(value, int | float):
        return value
    return str(value)
