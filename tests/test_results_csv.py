"""The results as CSV: UTF-8 with a byte order mark, formula-safe, Summary beside them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from importer.records import RowResult, RunSummary, SourceRow, Status
from importer.results import ResultsWriter, summary_path, write_results

HEADERS = ["Unité", "Plate", "Prov"]


def result(number: int, cells: tuple[str, ...], status: Status = Status.PUSHED) -> RowResult:
    return RowResult(SourceRow(number, cells), {}, status, attempts=1, http_status=200)


def summary() -> RunSummary:
    return RunSummary(
        command="opscom-import run fleet.csv --results-format csv",
        input_file=Path("/data/fleet.csv"),
        sheet=None,
        profile="/data/fleet.yaml",
        target="https://example.invalid (client code OC_TEST)",
        started_at="2026-01-05T10:00:00+01:00",
        counts={"pushed": 1, "invalid": 1},
    )


def rows_of(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def written(tmp_path: Path) -> Path:
    results = [
        result(2, ("Véhicule-1", "00123", "QC")),
        RowResult(
            SourceRow(3, ('=HYPERLINK("http://example.invalid","x")', "+1", "-2")),
            {},
            Status.INVALID,
            errors=["@SUM(A1)", "second message"],
        ),
    ]
    return write_results(tmp_path / "fleet.results.csv", HEADERS, results, summary())


def test_csv_starts_with_bom(written: Path) -> None:
    assert written.read_bytes().startswith(b"\xef\xbb\xbfRow,Unit\xc3\xa9,Plate,Prov,Status")


def test_csv_rows(written: Path) -> None:
    assert rows_of(written) == [
        ["Row", "Unité", "Plate", "Prov", "Status", "Errors", "Warnings", "Attempts",
         "HTTP status", "Finished at"],
        ["2", "Véhicule-1", "00123", "QC", "pushed", "", "", "1", "200", ""],
        ["3", "'=HYPERLINK(\"http://example.invalid\",\"x\")", "'+1", "'-2", "invalid",
         "'@SUM(A1)\nsecond message", "", "", "", ""],
    ]  # fmt: skip


def test_csv_lines_end_crlf(written: Path) -> None:
    assert written.read_bytes().split(b"\r\n")[1] == b"2,V\xc3\xa9hicule-1,00123,QC,pushed,,,1,200,"


def test_csv_summary_beside(written: Path) -> None:
    assert summary_path(written) == written.with_name("fleet.results.summary.csv")


def test_csv_summary_rows(written: Path) -> None:
    rows = rows_of(summary_path(written))
    assert rows[0] == ["Item", "Value"]
    assert ["Command", "opscom-import run fleet.csv --results-format csv"] in rows
    assert ["Rows: pushed", "1"] in rows
    assert ["Rows: invalid", "1"] in rows
    assert ["Reprocess command", f"opscom-import retry {written}"] in rows


def test_csv_summary_formula_safe(tmp_path: Path) -> None:
    facts = summary()
    facts.notes = ["-not a formula"]
    path = write_results(tmp_path / "r.csv", HEADERS, [result(2, ("a", "b", "c"))], facts)
    assert ["Note", "'-not a formula"] in rows_of(summary_path(path))


def test_csv_unfinished_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "fleet.results.csv"
    with pytest.raises(KeyboardInterrupt), ResultsWriter(path, HEADERS) as writer:
        writer.write(result(2, ("a", "b", "c")))
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
