"""Write the results table as CSV, and the Summary beside it as a second, two-column CSV.

The files are UTF-8 with a byte order mark, which makes Excel read accents correctly, and
every field goes through ``csv_field`` so that no value runs as a formula. The results of
``fleet.results.csv`` have their Summary in ``fleet.results.summary.csv``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from importer.records import RowResult, RunSummary
from importer.results.cells import csv_field
from importer.results.files import AtomicFile
from importer.results.layout import header_row, row_values
from importer.results.summary import SUMMARY_HEADERS, summary_rows

#: Encoding of the CSV files: UTF-8 starting with a byte order mark.
CSV_ENCODING = "utf-8-sig"


def summary_path(results_path: Path) -> Path:
    """Return the path of the Summary CSV that goes with a results CSV."""
    return results_path.with_name(f"{results_path.stem}.summary{results_path.suffix}")


class CsvWriter:
    """Stream result rows into a CSV file; ``finish`` writes the Summary CSV and renames both."""

    def __init__(self, path: Path, headers: Sequence[str]) -> None:
        self.path = path
        self.rows = 0
        self._file = AtomicFile(path)
        self._handle = self._file.temporary.open("w", encoding=CSV_ENCODING, newline="")
        self._writer = csv.writer(self._handle)
        self._writer.writerow([csv_field(title) for title in header_row(list(headers))])

    def write(self, result: RowResult) -> None:
        self.write_values(row_values(result))

    def write_values(self, values: Iterable[object]) -> None:
        """Write one row given as plain values, in the order of the header."""
        self._writer.writerow([csv_field(value) for value in values])
        self.rows += 1

    def finish(self, summary: RunSummary) -> Path:
        """Write the Summary CSV, then rename the results into place; return their path."""
        self._handle.close()
        summary_file = AtomicFile(summary_path(self.path))
        try:
            with summary_file.temporary.open("w", encoding=CSV_ENCODING, newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(SUMMARY_HEADERS)
                writer.writerows(
                    [csv_field(label), csv_field(value)] for label, value in summary_rows(summary)
                )
        except BaseException:
            summary_file.discard()
            raise
        summary_file.commit()
        return self._file.commit()

    def discard(self) -> None:
        """Give up the file: nothing is written to ``path``."""
        self._handle.close()
        self._file.discard()
