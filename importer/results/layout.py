"""The results table: its sheet names, its columns, one row's values and its status colours.

Both the workbook and the CSV writer lay out a row with ``row_values``, and the reprocessing
code reads the same layout back, so the columns are defined here once.
"""

from __future__ import annotations

from importer.records import FINISHED_STATUSES, RowResult, Status

#: A value in the results table: text, a whole number, a duration, or nothing.
Value = str | int | float | None

RESULTS_SHEET = "Results"
SUMMARY_SHEET = "Summary"

#: The first column: the row number as the input spreadsheet or text editor shows it.
ROW_COLUMN = "Row"

#: The columns after the input's own columns, in order.
RESULT_COLUMNS = ("Status", "Errors", "Warnings", "Attempts", "HTTP status", "Finished at")

#: Index of Errors and Warnings within ``RESULT_COLUMNS``: one message per line, wrapped.
MESSAGE_COLUMNS = (1, 2)

#: Fill colours (RGB hex) of the Status cell. Green: stored. Grey: nothing left to do.
#: Amber: stored, but read the warnings. Blue: a dry run would send it. Red: not stored,
#: fix the row. Orange: not sent because the run stopped; retry it.
STATUS_COLOURS = {
    Status.PUSHED: "C6EFCE",
    Status.EXISTS: "D9D9D9",
    Status.UNCHANGED: "D9D9D9",
    Status.DUPLICATE: "D9D9D9",
    Status.VALID: "DDEBF7",
    Status.INVALID: "FFC7CE",
    Status.REJECTED: "FFC7CE",
    Status.FAILED: "FFC7CE",
    Status.NOT_ATTEMPTED: "F8CBAD",
}
#: Fill of the Status cell of a stored row that has warnings.
WARNING_COLOUR = "FFEB9C"


def header_row(headers: list[str] | tuple[str, ...]) -> list[str]:
    """Return the results table's header: Row, the input's headers, then the result columns."""
    return [ROW_COLUMN, *headers, *RESULT_COLUMNS]


def row_values(result: RowResult) -> list[Value]:
    """Return one row of the results table as plain values (text, whole numbers or None)."""
    return [
        result.source.number,
        *result.source.cells,
        result.status.value,
        "\n".join(result.errors),
        "\n".join(result.warnings),
        result.attempts or None,
        result.http_status,
        result.finished_at or None,
    ]


def status_colour(result: RowResult) -> str:
    """Return the RGB fill of the row's Status cell."""
    if result.status in FINISHED_STATUSES and result.warnings:
        return WARNING_COLOUR
    return STATUS_COLOURS[result.status]
