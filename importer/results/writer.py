"""Choose the results format and stream every row into it; switch to CSV past Excel's limit.

An Excel sheet has at most 1,048,576 rows, the header included. Results longer than that
go to a CSV file of the same name, with a note on the Summary saying why. When the number of
rows is known before writing (a push run knows it), the CSV is chosen at once. Otherwise
the switch happens when the row past the limit arrives, and the rows already in the
workbook are copied over.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from importer.errors import UsageError
from importer.records import RowResult, RunSummary
from importer.results.csv_output import CsvWriter
from importer.results.summary import Tally, retry_command
from importer.results.workbook import WIDTH_SAMPLE_ROWS, WorkbookWriter

logger = logging.getLogger(__name__)

ResultsFormat = Literal["xlsx", "csv"]
RESULTS_FORMATS: tuple[ResultsFormat, ...] = ("xlsx", "csv")

#: Rows in one Excel worksheet, the header included.
EXCEL_MAX_ROWS = 1_048_576


def results_format_for(path: Path | None, requested: str | None) -> ResultsFormat:
    """Return the format to write: the one requested, else the one ``path`` ends with.

    Raise ``UsageError`` when ``path`` ends in ``.csv`` or ``.xlsx`` and that differs from
    the format requested, or when ``path`` ends otherwise and no format is requested.
    """
    suffix = path.suffix.lower().lstrip(".") if path is not None else ""
    if requested is None:
        if path is not None and suffix not in RESULTS_FORMATS:
            raise UsageError(
                f"--results {path}: a results file must end in .xlsx or .csv; rename it, or "
                "pass --results-format xlsx or csv to write that format under this name."
            )
        return "csv" if suffix == "csv" else "xlsx"
    if requested not in RESULTS_FORMATS:
        raise UsageError(f"results format '{requested}' is not known; use xlsx or csv.")
    if suffix in RESULTS_FORMATS and suffix != requested:
        raise UsageError(
            f"--results {path} ends in .{suffix} but --results-format is {requested}; "
            "make them agree."
        )
    return "csv" if requested == "csv" else "xlsx"


def default_results_path(
    input_path: Path, results_format: ResultsFormat = "xlsx", *, dry_run: bool = False
) -> Path:
    """Return ``<input stem>.results.xlsx`` (or ``.csv``) beside the input.

    A dry run gets ``<input stem>.validation.xlsx``, so that checking a file never replaces
    the outcomes that a run recorded.
    """
    kind = "validation" if dry_run else "results"
    return input_path.with_name(f"{input_path.stem}.{kind}.{results_format}")


class ResultsWriter:
    """Write the results table and its Summary; use as a context manager.

    ``finish`` completes the file and returns its path, which ends in ``.csv`` when the
    rows did not fit in a sheet. A writer left without ``finish`` leaves no file behind.
    """

    def __init__(
        self,
        path: Path,
        headers: Sequence[str],
        *,
        results_format: ResultsFormat | None = None,
        max_sheet_rows: int | None = None,
        width_sample: int = WIDTH_SAMPLE_ROWS,
    ) -> None:
        self.headers = list(headers)
        self.tally = Tally()
        self.notes: list[str] = []
        # Read at call time, so that tests can lower the limit.
        self._max_data_rows = (max_sheet_rows or EXCEL_MAX_ROWS) - 1
        self._finished = False
        self._backend: WorkbookWriter | CsvWriter
        if results_format_for(path, results_format) == "csv":
            self._backend = CsvWriter(path, self.headers)
        else:
            self._backend = WorkbookWriter(path, self.headers, width_sample=width_sample)

    @property
    def path(self) -> Path:
        """Where the results go; it changes to ``.csv`` when they outgrow a sheet."""
        return self._backend.path

    def expect_rows(self, count: int) -> None:
        """Switch to CSV now if ``count`` rows will not fit in a sheet."""
        if isinstance(self._backend, WorkbookWriter) and count > self._max_data_rows:
            self._switch_to_csv(f"The input has {count:,} rows")

    def write(self, result: RowResult) -> None:
        backend = self._backend
        if isinstance(backend, WorkbookWriter) and backend.rows >= self._max_data_rows:
            self._switch_to_csv(f"The input has more than {self._max_data_rows:,} rows")
        self._backend.write(result)
        self.tally.add(result)

    def finish(self, summary: RunSummary) -> Path:
        """Complete the file: fill in the Summary's code counts, notes and retry command."""
        self.tally.fill(summary)
        summary.notes.extend(self.notes)
        summary.retry_command = retry_command(self.path, summary.retry_options)
        path = self._backend.finish(summary)
        self._finished = True
        return path

    def _switch_to_csv(self, reason: str) -> None:
        workbook = self._backend
        assert isinstance(workbook, WorkbookWriter)
        csv_writer = CsvWriter(workbook.path.with_suffix(".csv"), self.headers)
        try:
            for values in workbook.written_rows():
                csv_writer.write_values(values)
        except BaseException:
            csv_writer.discard()
            raise
        self._backend = csv_writer
        message = (
            f"{reason}, more than the {self._max_data_rows:,} data rows an Excel sheet can hold, "
            f"so the results are written as CSV to {csv_writer.path}."
        )
        self.notes.append(message)
        logger.warning("%s", message)

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self._finished:
            self._backend.discard()


def write_results(
    path: Path,
    headers: Sequence[str],
    results: Iterable[RowResult],
    summary: RunSummary,
    *,
    results_format: ResultsFormat | None = None,
) -> Path:
    """Write a whole results file atomically and return its path."""
    with ResultsWriter(path, headers, results_format=results_format) as writer:
        for result in results:
            writer.write(result)
        return writer.finish(summary)
