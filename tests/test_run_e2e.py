"""End-to-end runs through the real fake server on 127.0.0.1: file in, results workbook out."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from importer.config import Secret, Target
from importer.errors import ExitCode
from importer.fake_server import RunningServer
from importer.records import Status
from importer.runner import RunOptions, run_import
from tests.conftest import FIXTURES, ROOT

FLEET_CSV = """\
Unit,Plate,Prov,Make,Colour,Year
U-1,ABCD123,ON,Ford,White,2019
U-2,,ON,Toyota,Black,2020
U-3,XYZ987,,Honda,Red,2018
U-4,0042,QC,GMC,Blue,2021
"""

PROFILE = """\
fields:
  plate: Plate
  plateType: {value: Passenger}
  prov: Prov
  make: Make
  colour: Colour
  year: Year
"""


@pytest.fixture
def fleet(tmp_path: Path) -> RunOptions:
    source = tmp_path / "fleet.csv"
    source.write_text(FLEET_CSV, encoding="utf-8")
    profile = tmp_path / "fleet.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    return RunOptions(input_path=source, profile_path=profile)


def test_run_statuses_per_row(fleet: RunOptions, fake_target: Target) -> None:
    outcome = run_import(fleet, fake_target)
    statuses = [(r.source.number, r.status) for r in outcome.results]
    assert statuses == [
        (2, Status.PUSHED),
        (3, Status.INVALID),
        (4, Status.INVALID),
        (5, Status.PUSHED),
    ]
    assert outcome.exit_code is ExitCode.ROWS_FAILED


def test_run_sends_exact_payloads(
    fleet: RunOptions, fake_target: Target, fake_server: RunningServer
) -> None:
    run_import(fleet, fake_target)
    assert fake_server.state.vehicles == [
        {
            "plate": "ABCD123",
            "plateType": "Passenger",
            "prov": "ON",
            "make": "Ford",
            "colour": "White",
            "year": "2019",
        },
        {
            "plate": "0042",
            "plateType": "Passenger",
            "prov": "QC",
            "make": "GMC",
            "colour": "Blue",
            "year": "2021",
        },
    ]


def test_run_invalid_rows_name_row_and_column(fleet: RunOptions, fake_target: Target) -> None:
    outcome = run_import(fleet, fake_target)
    by_row = {r.source.number: r for r in outcome.results}
    assert by_row[3].error_codes == ["missing-plate"]
    assert by_row[4].error_codes == ["missing-province"]
    assert "Row 3" in by_row[3].errors[0]
    assert "'Plate'" in by_row[3].errors[0]
    assert "Row 4" in by_row[4].errors[0]
    assert "'Prov'" in by_row[4].errors[0]


def test_run_writes_results_workbook(fleet: RunOptions, fake_target: Target) -> None:
    outcome = run_import(fleet, fake_target)
    assert outcome.results_path == fleet.input_path.with_name("fleet.results.xlsx")
    workbook = openpyxl.load_workbook(outcome.results_path)
    sheet = workbook["Results"]
    header = [cell.value for cell in sheet[1]]
    assert header[:7] == ["Row", "Unit", "Plate", "Prov", "Make", "Colour", "Year"]
    assert header[7] == "Status"
    assert [sheet.cell(row, 1).value for row in range(2, 6)] == [2, 3, 4, 5]
    assert [sheet.cell(row, 8).value for row in range(2, 6)] == [
        "pushed",
        "invalid",
        "invalid",
        "pushed",
    ]
    assert sheet.cell(5, 3).value == "0042"


def test_run_summary_never_holds_token(fleet: RunOptions, fake_target: Target) -> None:
    outcome = run_import(fleet, fake_target)
    workbook = openpyxl.load_workbook(outcome.results_path)
    texts = [
        str(cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]
    assert fake_target.token.reveal() not in " ".join(texts)
    summary = {row[0].value: row[1].value for row in workbook["Summary"].iter_rows(min_row=2)}
    assert summary["Target"] == fake_target.label
    assert summary["Rows: pushed"] == 2
    assert summary["Rows: invalid"] == 2


def test_run_wrong_token_stops_with_exit_3(fleet: RunOptions, fake_server: RunningServer) -> None:
    target = Target(fake_server.base_url, "OC_DEMO", Secret("wrong-token"))
    outcome = run_import(fleet, target)
    assert outcome.exit_code is ExitCode.SERVER_CONFIGURATION
    assert fake_server.state.vehicles == []


def test_chicago_slice_plates_stored(
    tmp_path: Path, fake_target: Target, fake_server: RunningServer
) -> None:
    source = FIXTURES / "chicago_towed_slice.csv"
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    options = RunOptions(
        input_path=source,
        profile_path=ROOT / "mappings" / "chicago_towed_vehicles.yaml",
        results_path=tmp_path / "chicago.results.xlsx",
    )
    outcome = run_import(options, fake_target)
    stored = sorted(vehicle["plate"] for vehicle in fake_server.state.vehicles)
    assert stored == sorted(row["Plate"] for row in rows if row["Plate"])
    assert outcome.summary.counts == {"pushed": 102, "invalid": 18}
    assert sum(outcome.summary.counts.values()) == len(rows)
