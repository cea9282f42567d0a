"""Reprocess a results file: read it back, as an admin left it, and retry its unfinished rows.

``book`` reads a results workbook or CSV back and matches rows by their ``Row`` value.
``retrying`` chooses the mapping, sends the rows not yet in OPS-COM and writes new results.
"""

from __future__ import annotations

from importer.reprocess.book import PreviousRow, RecordedSummary, ResultsBook, read_results
from importer.reprocess.retrying import (
    ProfileChoice,
    choose_profile,
    merged_results,
    retry_import,
    retry_results_path,
)

__all__ = [
    "PreviousRow",
    "ProfileChoice",
    "RecordedSummary",
    "ResultsBook",
    "choose_profile",
    "merged_results",
    "read_results",
    "retry_import",
    "retry_results_path",
]
