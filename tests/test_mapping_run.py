"""Mapping inside whole runs through the fake server: automatic matching, row issues, drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer import cli
from importer.config import Target
from importer.errors import MappingError
from importer.fake_server import DEMO_TOKEN, RunningServer
from importer.records import Status
from importer.runner import RunOptions, run_import

FLEET_CSV = """\
Unit,Licence Plate,Plate Type,Province,Colour
U-1,AB123,PAS,ON,BLK
U-2,CD456,OMT,QC,
U-3,ef789,com,NY,WHI
"""

UNTYPED_CSV = """\
Unit,Licence Plate,Province,Colour
U-1,AB123,ON,BLK
U-2,CD456,QC,
U-3,ef789,NY,WHI
"""

PROFILE = """\
fields:
  plate: {column: Licence Plate, transform: upper}
  plateType:
    column: Plate Type
    map: {PAS: Passenger, COM: Commercial}
    unmapped: invalid
  prov: Province
  colour: {column: Colour, default: Unknown, map: {BLK: Black, WHI: White}}
"""


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    path = tmp_path / "fleet.csv"
    path.write_text(FLEET_CSV, encoding="utf-8")
    return path


@pytest.fixture
def untyped(tmp_path: Path) -> Path:
    path = tmp_path / "untyped.csv"
    path.write_text(UNTYPED_CSV, encoding="utf-8")
    return path


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "fleet.yaml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


def test_automatic_run_sends_matched(
    untyped: Path, fake_target: Target, fake_server: RunningServer
) -> None:
    options = RunOptions(input_path=untyped, constants={"plateType": "Passenger"})
    outcome = run_import(options, fake_target)
    assert [r.status for r in outcome.results] == [Status.PUSHED] * 3
    assert fake_server.state.vehicles[0] == {
        "plate": "AB123",
        "plateType": "Passenger",
        "prov": "ON",
        "colour": "BLK",
    }


def test_automatic_run_summary(untyped: Path, fake_target: Target) -> None:
    options = RunOptions(input_path=untyped, constants={"plateType": "Passenger"})
    outcome = run_import(options, fake_target)
    assert outcome.summary.profile == (
        "automatic matching: plate = 'Licence Plate', plateType = constant 'Passenger', "
        "prov = 'Province', colour = 'Colour'"
    )


def test_automatic_gap_sends_nothing(
    tmp_path: Path, fake_target: Target, fake_server: RunningServer
) -> None:
    path = tmp_path / "buses.csv"
    path.write_text("Reg Plate,Year\nHF17 AZA,2017\n", encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        run_import(RunOptions(input_path=path), fake_target)
    assert str(caught.value).startswith(
        f"{path}: automatic matching cannot map this file. No column matches the required "
        "fields plateType, prov."
    )
    assert fake_server.state.vehicles == []


def test_profile_row_issues(
    fleet: Path, profile: Path, fake_target: Target, fake_server: RunningServer
) -> None:
    outcome = run_import(RunOptions(input_path=fleet, profile_path=profile), fake_target)
    assert [r.status for r in outcome.results] == [Status.PUSHED, Status.INVALID, Status.PUSHED]
    assert outcome.results[1].error_codes == ["unmapped-value"]
    assert outcome.results[1].errors == [
        f"Row 3: column 'Plate Type' value 'OMT' is not in the 'map' of field 'plateType' in "
        f"{profile}; add it to the map or correct the cell."
    ]
    assert [v["plate"] for v in fake_server.state.vehicles] == ["AB123", "EF789"]


def test_profile_changes_are_warnings(fleet: Path, profile: Path, fake_target: Target) -> None:
    outcome = run_import(RunOptions(input_path=fleet, profile_path=profile), fake_target)
    last = outcome.results[2]
    assert last.warning_codes[:3] == ["value-changed", "value-changed", "value-changed"]
    assert last.warnings[:3] == [
        "Row 4: column 'Licence Plate' value 'ef789' sent as 'EF789' (upper in the profile).",
        "Row 4: column 'Plate Type' value 'com' sent as 'Commercial' (map in the profile).",
        "Row 4: column 'Colour' value 'WHI' sent as 'White' (map in the profile).",
    ]


def test_default_is_warning(fleet: Path, profile: Path, fake_target: Target) -> None:
    outcome = run_import(RunOptions(input_path=fleet, profile_path=profile), fake_target)
    assert outcome.results[1].warnings[0] == (
        "Row 3: column 'Colour' is empty; sent the profile's default 'Unknown' as colour."
    )


def test_profile_payloads(
    fleet: Path, profile: Path, fake_target: Target, fake_server: RunningServer
) -> None:
    run_import(RunOptions(input_path=fleet, profile_path=profile), fake_target)
    assert fake_server.state.vehicles[1] == {
        "plate": "EF789",
        "plateType": "Commercial",
        "prov": "NY",
        "colour": "White",
    }


def test_drift_sends_nothing(
    fleet: Path, tmp_path: Path, fake_target: Target, fake_server: RunningServer
) -> None:
    profile = tmp_path / "old.yaml"
    profile.write_text(
        "fields:\n  plate: Plate\n  plateType: {value: Passenger}\n  prov: Province\n",
        encoding="utf-8",
    )
    with pytest.raises(MappingError) as caught:
        run_import(RunOptions(input_path=fleet, profile_path=profile), fake_target)
    assert caught.value.line == 2
    assert fake_server.state.vehicles == []


def test_validate_cli_without_profile(fleet: Path, tmp_path: Path) -> None:
    results = tmp_path / "out.xlsx"
    code = cli.main(["validate", str(fleet), "--results", str(results)])
    assert code == 0
    assert results.is_file()


def test_validate_cli_gap_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "buses.csv"
    path.write_text("Reg Plate,Year\nHF17 AZA,2017\n", encoding="utf-8")
    code = cli.main(["validate", str(path), "--set", "plateType=Commercial"])
    assert code == 2
    assert capsys.readouterr().err.startswith(
        f"error: {path}: automatic matching cannot map this file. No column matches the "
        "required field prov."
    )


@pytest.fixture
def cli_target(
    fake_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """Options and environment for a command-line run against the fake server."""
    for name in ("OPSCOM_BASE_URL", "OPSCOM_CLIENT_CODE", "OPSCOM_API_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPSCOM_API_TOKEN", DEMO_TOKEN)
    state = str(tmp_path / "state")
    return ["--base-url", fake_server.base_url, "--client-code", "OC_DEMO", "--state-dir", state]


def test_set_over_column_exit_2(
    tmp_path: Path,
    cli_target: list[str],
    fake_server: RunningServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "setover2.csv"
    path.write_text(
        "Licence Plate,Province/State,Plate Type\nSETQ1,Québec,Passenger\nSETN2,NY,Passenger\n",
        encoding="utf-8",
    )
    code = cli.main(["run", str(path), "--set", "prov=ON", *cli_target])
    assert code == 2
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .startswith(
            f"error: {path}: --set prov=ON would replace column 'Province/State', which feeds "
            "prov, on every row."
        )
    )
    assert fake_server.state.vehicles == []
    assert not (tmp_path / "setover2.results.xlsx").exists()


def test_set_over_profile_column_exit_2(
    fleet: Path, profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["validate", str(fleet), "--mapping", str(profile), "--set", "prov=ON"])
    assert code == 2
    assert capsys.readouterr().err.startswith(
        f"error: {fleet}: --set prov=ON would replace column 'Province', which line 7 of the "
        "profile maps to prov, on every row."
    )


def test_set_over_profile_value(
    fleet: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "typed.yaml"
    profile.write_text(
        "fields:\n  plate: Licence Plate\n  plateType: {value: Passenger}\n  prov: Province\n",
        encoding="utf-8",
    )
    results = tmp_path / "out.xlsx"
    arguments = ["--mapping", str(profile), "--set", "plateType=Bus", "--results", str(results)]
    assert cli.main(["validate", str(fleet), *arguments]) == 0
    assert capsys.readouterr().out.startswith("Checked 3 rows of fleet.csv: 3 valid.\n")


def test_retry_set_over_recorded_column(
    tmp_path: Path, cli_target: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "untyped.csv"
    path.write_text("Licence Plate,Province\nAB123,ON\n,QC\n", encoding="utf-8")
    assert cli.main(["run", str(path), "--set", "plateType=Bus", *cli_target]) == 1
    results = tmp_path / "untyped.results.xlsx"
    capsys.readouterr()
    code = cli.main(["retry", str(results), "--set", "prov=ON", *cli_target])
    assert code == 2
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .startswith(
            f"error: {results}: --set prov=ON would replace column 'Province', which feeds prov, "
            "on every row."
        )
    )
