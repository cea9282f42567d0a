"""Results written by whole runs: the format options, the row limit and the Summary's records."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import openpyxl
import pytest
import yaml

from importer import cli
from importer.config import Target
from importer.fake_server import DEMO_CLIENT_CODE, DEMO_TOKEN, RunningServer
from importer.results import writer
from importer.runner import RunOptions, run_import

FLEET = "Plate,Prov,Make\nRR001,ON,Ford\n,ON,GMC\nRR003,QC,Kia\nRR004,BC,Ford\n"
PROFILE = "fields:\n  plate: Plate\n  plateType: {value: Passenger}\n  prov: Prov\n  make: Make\n"


@pytest.fixture
def fleet(tmp_path: Path) -> RunOptions:
    source = tmp_path / "fleet.csv"
    source.write_text(FLEET, encoding="utf-8")
    profile = tmp_path / "fleet.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    return RunOptions(input_path=source, profile_path=profile)


def summary_items(path: Path) -> dict[object, object]:
    sheet = openpyxl.load_workbook(path)["Summary"]
    return {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2)}


def test_run_results_format_csv(
    tmp_path: Path, fleet: RunOptions, fake_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSCOM_API_TOKEN", DEMO_TOKEN)
    arguments = ["run", str(fleet.input_path), "-m", str(fleet.profile_path)]
    arguments += ["--base-url", fake_server.base_url, "--client-code", DEMO_CLIENT_CODE]
    arguments += ["--state-dir", str(tmp_path / "state"), "--results-format", "csv"]
    assert cli.main(arguments) == 1
    assert sorted(path.name for path in tmp_path.glob("fleet.results*")) == [
        "fleet.results.csv",
        "fleet.results.summary.csv",
    ]


def test_run_results_path_csv(tmp_path: Path, fleet: RunOptions) -> None:
    results_path = tmp_path / "o.csv"
    options = RunOptions(fleet.input_path, fleet.profile_path, results_path=results_path)
    outcome = run_import(dataclasses.replace(options, dry_run=True), None)
    with outcome.results_path.open(encoding="utf-8-sig", newline="") as handle:
        statuses = [row[4] for row in csv.reader(handle)]
    assert statuses == ["Status", "valid", "invalid", "valid", "valid"]


def test_dry_run_over_row_limit_csv(fleet: RunOptions, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "EXCEL_MAX_ROWS", 3)
    options = RunOptions(fleet.input_path, fleet.profile_path, dry_run=True)
    outcome = run_import(options, None)
    assert outcome.results_path == fleet.input_path.with_name("fleet.validation.csv")
    assert outcome.summary.notes[-1] == (
        "The input has more than 2 rows, more than the 2 data rows an Excel sheet can hold, "
        f"so the results are written as CSV to {outcome.results_path}."
    )


def test_push_run_over_row_limit_csv(
    fleet: RunOptions, fake_target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "EXCEL_MAX_ROWS", 3)
    outcome = run_import(fleet, fake_target)
    assert outcome.results_path == fleet.input_path.with_name("fleet.results.csv")
    assert outcome.summary.notes[-1].startswith("The input has 4 rows, more than the 2 data rows")
    assert outcome.summary.retry_command.startswith(f"opscom-import retry {outcome.results_path}")


def test_summary_records_profile_file(
    tmp_path: Path, fleet: RunOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    options = RunOptions(Path("fleet.csv"), Path("fleet.yaml"), dry_run=True)
    outcome = run_import(options, None)
    assert summary_items(outcome.results_path)["Profile file"] == str(tmp_path / "fleet.yaml")


def test_summary_records_constants(fleet: RunOptions) -> None:
    options = RunOptions(fleet.input_path, None, constants={"plateType": "Truck"}, dry_run=True)
    outcome = run_import(options, None)
    items = summary_items(outcome.results_path)
    assert items["Constant (--set)"] == "plateType=Truck"
    assert items["Profile file"] is None
    assert yaml.safe_load(str(items["Mapping used"])) == {
        "fields": {
            "plate": {"column": "Plate"},
            "plateType": {"value": "Truck"},
            "prov": {"column": "Prov"},
            "make": {"column": "Make"},
        },
        "plate_style": "compact",
    }


def test_summary_counts_codes(fleet: RunOptions, fake_target: Target) -> None:
    outcome = run_import(fleet, fake_target)
    items = summary_items(outcome.results_path)
    assert items["Rows: pushed"] == 3
    assert items["Rows: invalid"] == 1
    assert items["Error: missing-plate"] == 1
    assert items["Rows"] == 4


def test_summary_reprocess_command(fleet: RunOptions, fake_target: Target) -> None:
    outcome = run_import(fleet, fake_target)
    assert summary_items(outcome.results_path)["Reprocess command"] == (
        f"opscom-import retry {outcome.results_path} --base-url {fake_target.base_url} "
        f"--client-code {DEMO_CLIENT_CODE}"
    )


def test_summary_dry_run_reprocess_command(fleet: RunOptions) -> None:
    options = RunOptions(fleet.input_path, fleet.profile_path, dry_run=True)
    outcome = run_import(options, None)
    assert outcome.summary.retry_command == f"opscom-import retry {outcome.results_path}"
