"""The demo: samples imported into the in-process fake server, verdicts matching their faults."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from importer import cli


def _verdicts(path: Path) -> dict[int, str]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = workbook["Results"].iter_rows(values_only=True)
        header = list(next(rows))
        status = header.index("Status")
        return {int(str(row[0])): str(row[status]) for row in rows}
    finally:
        workbook.close()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    out = tmp_path_factory.mktemp("demo")
    return cli.main(["demo", "--out", str(out)]), out


def test_demo_exit_code(demo_run: tuple[int, Path]) -> None:
    assert demo_run[0] == 0


def test_demo_campus_faults(demo_run: tuple[int, Path]) -> None:
    verdicts = _verdicts(demo_run[1] / "campus_fleet.results.xlsx")
    faulty = {row: status for row, status in verdicts.items() if status != "pushed"}
    assert faulty == {6: "invalid", 13: "invalid", 21: "invalid", 29: "duplicate"}
    assert len(verdicts) == 36


def test_demo_hospital_faults(demo_run: tuple[int, Path]) -> None:
    verdicts = _verdicts(demo_run[1] / "hospital_fleet.results.xlsx")
    faulty = {row: status for row, status in verdicts.items() if status != "pushed"}
    assert faulty == {8: "invalid", 15: "invalid", 22: "invalid"}
    assert len(verdicts) == 34


def test_demo_prints_counts(demo_run: tuple[int, Path], capsys: pytest.CaptureFixture[str]) -> None:
    # The module-scoped run printed before this test; run the demo again to capture it.
    out = demo_run[1] / "again"
    assert cli.main(["demo", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "samples/campus_fleet.csv: 32 pushed, 3 invalid, 1 duplicate" in printed
    assert "samples/hospital_fleet.xlsx: 31 pushed, 3 invalid" in printed
    assert "The fake server stored 63 vehicles." in printed
