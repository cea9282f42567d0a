"""The results of a run: every input row with its verdict, and a Summary of the run.

The ``Results`` sheet has ``Row`` (the row number the input showed), the input's columns
with their headers and values as read, then ``Status``, ``Errors``, ``Warnings``,
``Attempts``, ``HTTP status`` and ``Finished at``. The ``Summary`` sheet has the counts, the
input, the mapping, the target (never the token) and the command that retries the rows not
yet stored. The same table can be written as CSV.

Modules: ``layout`` (columns and colours), ``cells`` (text and formula safety), ``summary``,
``workbook`` and ``csv_output`` (the two formats), ``writer`` (the choice between them),
``files`` (temporary file renamed into place).
"""

from __future__ import annotations

from importer.results.csv_output import summary_path
from importer.results.layout import RESULT_COLUMNS, RESULTS_SHEET, ROW_COLUMN, SUMMARY_SHEET
from importer.results.summary import mapping_yaml, retry_options
from importer.results.writer import (
    EXCEL_MAX_ROWS,
    RESULTS_FORMATS,
    ResultsFormat,
    ResultsWriter,
    default_results_path,
    results_format_for,
    write_results,
)

__all__ = [
    "EXCEL_MAX_ROWS",
    "RESULTS_FORMATS",
    "RESULTS_SHEET",
    "RESULT_COLUMNS",
    "ROW_COLUMN",
    "SUMMARY_SHEET",
    "ResultsFormat",
    "ResultsWriter",
    "default_results_path",
    "mapping_yaml",
    "results_format_for",
    "retry_options",
    "summary_path",
    "write_results",
]
