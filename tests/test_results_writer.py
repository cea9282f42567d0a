"""Choosing the results format, and moving to CSV when the rows outgrow an Excel sheet."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import openpyxl
import pytest

from importer.errors import UsageError
from importer.records import RowResult, RunSummary, SourceRow, Status
from importer.results import ResultsWriter, default_results_path, results_format_for

HEADERS = ["Plate", "Prov"]


def result(number: int) -> RowResult:
    return RowResult(SourceRow(number, (f"=P{number}", "ON")), {}, Status.PUSHED, attempts=1)


def summary() -> RunSummary:
    return RunSummary("opscom-import run", Path("fleet.csv"), None, "p", "t", "s")


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def expected_rows(count: int) -> list[list[str]]:
    header = ["Row", "Plate", "Prov", "Status", "Errors", "Warnings", "Attempts"]
    header += ["HTTP status", "Finished at"]
    rows = [[str(n), f"'=P{n}", "ON", "pushed", "", "", "1", "", ""] for n in range(2, count + 2)]
    return [header, *rows]


@pytest.mark.parametrize(
    ("path", "requested", "chosen"),
    [
        (None, None, "xlsx"),
        (None, "csv", "csv"),
        (Path("out.csv"), None, "csv"),
        (Path("out.CSV"), None, "csv"),
        (Path("out.xlsx"), None, "xlsx"),
        (Path("out.txt"), "csv", "csv"),
        (Path("out.txt"), "xlsx", "xlsx"),
        (Path("out.csv"), "csv", "csv"),
    ],
)
def test_results_format_for(path: Path | None, requested: str | None, chosen: str) -> None:
    assert results_format_for(path, requested) == chosen


def test_results_format_conflict() -> None:
    with pytest.raises(UsageError) as caught:
        results_format_for(Path("out.xlsx"), "csv")
    assert str(caught.value) == (
        "--results out.xlsx ends in .xlsx but --results-format is csv; make them agree."
    )


@pytest.mark.parametrize("name", ["out.txt", "out", "out.xls"])
def test_results_suffix_unknown(name: str) -> None:
    with pytest.raises(UsageError) as caught:
        results_format_for(Path(name), None)
    assert str(caught.value) == (
        f"--results {name}: a results file must end in .xlsx or .csv; rename it, or "
        "pass --results-format xlsx or csv to write that format under this name."
    )


def test_default_results_path() -> None:
    assert default_results_path(Path("/d/fleet.csv")) == Path("/d/fleet.results.xlsx")
    assert default_results_path(Path("/d/fleet.xlsx"), "csv") == Path("/d/fleet.results.csv")


def test_default_results_path_dry_run() -> None:
    path = default_results_path(Path("/d/fleet.csv"), "csv", dry_run=True)
    assert path == Path("/d/fleet.validation.csv")


def test_expected_rows_over_limit_csv(tmp_path: Path) -> None:
    with ResultsWriter(tmp_path / "r.xlsx", HEADERS, max_sheet_rows=3) as writer:
        writer.expect_rows(3)
        for number in range(2, 5):
            writer.write(result(number))
        path = writer.finish(summary())
    assert path == tmp_path / "r.csv"
    assert csv_rows(path) == expected_rows(3)


def test_expected_rows_within_limit_xlsx(tmp_path: Path) -> None:
    with ResultsWriter(tmp_path / "r.xlsx", HEADERS, max_sheet_rows=3) as writer:
        writer.expect_rows(2)
        writer.write(result(2))
        writer.write(result(3))
        path = writer.finish(summary())
    assert path == tmp_path / "r.xlsx"


@pytest.mark.parametrize("width_sample", [2, 10])
def test_overflow_moves_rows_to_csv(tmp_path: Path, width_sample: int) -> None:
    with ResultsWriter(
        tmp_path / "r.xlsx", HEADERS, max_sheet_rows=5, width_sample=width_sample
    ) as writer:
        for number in range(2, 9):
            writer.write(result(number))
        path = writer.finish(summary())
    assert path == tmp_path / "r.csv"
    assert csv_rows(path) == expected_rows(7)


def test_overflow_leaves_no_workbook(tmp_path: Path) -> None:
    with ResultsWriter(tmp_path / "r.xlsx", HEADERS, max_sheet_rows=3, width_sample=1) as writer:
        for number in range(2, 6):
            writer.write(result(number))
        writer.finish(summary())
    assert sorted(item.name for item in tmp_path.iterdir()) == ["r.csv", "r.summary.csv"]


def test_overflow_note_says_why(tmp_path: Path) -> None:
    facts = summary()
    with ResultsWriter(tmp_path / "r.xlsx", HEADERS, max_sheet_rows=3) as writer:
        for number in range(2, 6):
            writer.write(result(number))
        writer.finish(facts)
    assert facts.notes == [
        "The input has more than 2 rows, more than the 2 data rows an Excel sheet can hold, "
        f"so the results are written as CSV to {tmp_path / 'r.csv'}."
    ]


def test_overflow_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with ResultsWriter(tmp_path / "r.xlsx", HEADERS, max_sheet_rows=3) as writer:
        writer.expect_rows(1_500)
        writer.finish(summary())
    assert caplog.record_tuples == [
        (
            "importer.results.writer",
            logging.WARNING,
            "The input has 1,500 rows, more than the 2 data rows an Excel sheet can hold, "
            f"so the results are written as CSV to {tmp_path / 'r.csv'}.",
        )
    ]


def test_retry_command_names_final_path(tmp_path: Path) -> None:
    facts = summary()
    facts.retry_options = ["--client-code", "OC_TEST"]
    with ResultsWriter(tmp_path / "r.xlsx", HEADERS, max_sheet_rows=2) as writer:
        writer.expect_rows(2)
        writer.finish(facts)
    assert facts.retry_command == f"opscom-import retry {tmp_path / 'r.csv'} --client-code OC_TEST"


def test_exactly_full_sheet_stays_xlsx(tmp_path: Path) -> None:
    with ResultsWriter(tmp_path / "r.xlsx", HEADERS, max_sheet_rows=4, width_sample=1) as writer:
        for number in range(2, 5):
            writer.write(result(number))
        path = writer.finish(summary())
    sheet = openpyxl.load_workbook(path)["Results"]
    assert sheet.max_row == 4


def test_overflow_keeps_escaped_text(tmp_path: Path) -> None:
    texts = ["\rCR", "_x0041_", "a\tb"]
    with ResultsWriter(tmp_path / "r.xlsx", HEADERS, max_sheet_rows=3, width_sample=1) as writer:
        for number, text in enumerate(texts, start=2):
            writer.write(RowResult(SourceRow(number, (text, "ON")), {}, Status.PUSHED))
        path = writer.finish(summary())
    assert [row[1] for row in csv_rows(path)[1:]] == ["'\rCR", "_x0041_", "a\tb"]
