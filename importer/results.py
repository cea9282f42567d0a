"""Write the results workbook: every input row with its verdict, plus a Summary sheet.

Identifier cells are always written as text and never as formulas, so a plate such as
``00123`` or a value such as ``=HYPERLINK(...)`` shows exactly as it was read. The workbook is
written to a temporary file beside the target and renamed into place, so an interrupted run
never leaves a broken file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from importer import __version__
from importer.records import RowResult, RunSummary

RESULT_COLUMNS = ("Status", "Errors", "Warnings", "Attempts", "HTTP status", "Finished at")
RESULTS_SHEET = "Results"
SUMMARY_SHEET = "Summary"


def default_results_path(input_path: Path) -> Path:
    """Return ``<input stem>.results.xlsx`` beside the input."""
    return input_path.with_name(f"{input_path.stem}.results.xlsx")


class ResultsWriter:
    """Stream rows into a results workbook; ``finish`` adds the Summary and renames it into place.

    openpyxl's write-only mode spools rows to disk as they come, so memory stays flat. Used
    as a context manager, a writer that never reached ``finish`` leaves no file behind.
    """

    def __init__(self, path: Path, headers: Sequence[str]) -> None:
        self.path = path
        self._workbook = Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet(RESULTS_SHEET)
        self._bold = Font(bold=True)
        self._sheet.freeze_panes = "A2"
        titles = ("Row", *headers, *RESULT_COLUMNS)
        self._sheet.append([_text_cell(self._sheet, text, self._bold) for text in titles])

    def write(self, result: RowResult) -> None:
        self._sheet.append(_result_cells(self._sheet, result))

    def finish(self, summary: RunSummary) -> Path:
        _write_summary(self._workbook.create_sheet(SUMMARY_SHEET), summary, self._bold)
        return _save_atomically(self._workbook, self.path)

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._workbook.close()


def write_results(
    path: Path, headers: Sequence[str], results: Iterable[RowResult], summary: RunSummary
) -> Path:
    """Write a whole results workbook atomically and return its path."""
    with ResultsWriter(path, headers) as writer:
        for result in results:
            writer.write(result)
        return writer.finish(summary)


def _result_cells(sheet: Worksheet, result: RowResult) -> list[object]:
    cells: list[object] = [result.source.number]
    cells.extend(_text_cell(sheet, text) for text in result.source.cells)
    cells.extend(
        [
            _text_cell(sheet, result.status.value),
            _text_cell(sheet, "\n".join(result.errors)),
            _text_cell(sheet, "\n".join(result.warnings)),
            result.attempts or None,
            result.http_status,
            _text_cell(sheet, result.finished_at or ""),
        ]
    )
    return cells


def _text_cell(sheet: Worksheet, text: str, font: Font | None = None) -> Cell:
    """Return a cell that Excel shows as the exact text, never as a number or a formula."""
    cell = WriteOnlyCell(sheet, value=text or None)
    if text:
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


def _write_summary(sheet: Worksheet, summary: RunSummary, bold: Font) -> None:
    rows: list[tuple[str, object]] = [
        ("Command", summary.command),
        ("Input file", str(summary.input_file)),
        ("Sheet", summary.sheet or ""),
        ("Mapping profile", summary.profile),
        ("Target", summary.target),
        ("Started", summary.started_at),
        ("Finished", summary.finished_at),
        ("Duration (s)", round(summary.duration_seconds, 2)),
        ("Tool version", __version__),
    ]
    rows.extend((f"Rows {status}", count) for status, count in summary.counts.items())
    rows.extend(("Note", note) for note in summary.notes)
    sheet.append([_text_cell(sheet, "Item", bold), _text_cell(sheet, "Value", bold)])
    for label, value in rows:
        shown = _text_cell(sheet, value) if isinstance(value, str) else value
        sheet.append([_text_cell(sheet, label), shown])


def _save_atomically(workbook: Workbook, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        workbook.save(temporary)
        Path(temporary).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(temporary).unlink()
        raise
    return path
