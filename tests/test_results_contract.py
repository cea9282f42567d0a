"""The results contract: sheet names, columns, status words and Summary labels.

Admins filter on these words and ``opscom-import retry`` reads them back, so a change here
breaks every results workbook already written. Change them only on purpose.
"""

from __future__ import annotations

from importer.records import FINISHED_STATUSES, Status
from importer.results import RESULT_COLUMNS, RESULTS_SHEET, ROW_COLUMN, SUMMARY_SHEET
from importer.results.layout import STATUS_COLOURS, WARNING_COLOUR
from importer.results.summary import (
    ERROR_PREFIX,
    STATUS_PREFIX,
    SUMMARY_HEADERS,
    WARNING_PREFIX,
    Item,
)


def test_sheet_names() -> None:
    assert RESULTS_SHEET == "Results"
    assert SUMMARY_SHEET == "Summary"


def test_row_column() -> None:
    assert ROW_COLUMN == "Row"


def test_result_columns() -> None:
    assert RESULT_COLUMNS == (
        "Status",
        "Errors",
        "Warnings",
        "Attempts",
        "HTTP status",
        "Finished at",
    )


def test_status_words() -> None:
    assert [status.value for status in Status] == [
        "pushed",
        "exists",
        "unchanged",
        "valid",
        "invalid",
        "duplicate",
        "rejected",
        "failed",
        "not attempted",
    ]


def test_finished_statuses() -> None:
    assert {Status.PUSHED, Status.EXISTS, Status.UNCHANGED} == FINISHED_STATUSES


def test_every_status_has_colour() -> None:
    assert set(STATUS_COLOURS) == set(Status)


def test_status_colours() -> None:
    assert {status.value: colour for status, colour in STATUS_COLOURS.items()} == {
        "pushed": "C6EFCE",
        "exists": "D9D9D9",
        "unchanged": "D9D9D9",
        "duplicate": "D9D9D9",
        "valid": "DDEBF7",
        "invalid": "FFC7CE",
        "rejected": "FFC7CE",
        "failed": "FFC7CE",
        "not attempted": "F8CBAD",
    }
    assert WARNING_COLOUR == "FFEB9C"


def test_summary_headers() -> None:
    assert SUMMARY_HEADERS == ("Item", "Value")


def test_summary_count_prefixes() -> None:
    assert (STATUS_PREFIX, ERROR_PREFIX, WARNING_PREFIX) == ("Rows: ", "Error: ", "Warning: ")


def test_summary_labels() -> None:
    assert [item.value for item in Item] == [
        "Command",
        "Input file",
        "Sheet",
        "Mapping profile",
        "Profile file",
        "Constant (--set)",
        "Mapping used",
        "Target",
        "Started",
        "Finished",
        "Duration (s)",
        "Rows",
        "Rows per second",
        "Tool version",
        "Reprocess command",
        "Note",
    ]
