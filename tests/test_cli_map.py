"""``opscom-import map``: the printed mapping, the written profile, and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer import cli
from importer.mapping import load_profile
from tests.conftest import ROOT

CAMPUS = ROOT / "samples" / "campus_fleet.csv"

FLEET_CSV = """\
Unit,Plate #,Plate Type,State,Colour,Model
U-1,ABC123,PAS,ON,BLK,Civic
U-2,,COM,QC,WHI,Transit
U-3,XYZ987,MC,ON,,Ninja
U-4,JKL555,PAS,NY,BLK,Corolla
"""


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    path = tmp_path / "fleet.csv"
    path.write_text(FLEET_CSV, encoding="utf-8")
    return path


def test_complete_matching(fleet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["map", str(fleet)])
    assert code == 0
    assert capsys.readouterr().out == (
        f"{fleet}: header on row 1, automatic matching\n"
        "\n"
        "  field      column        sample values\n"
        "  plate      'Plate #'     'ABC123', 'XYZ987', 'JKL555'\n"
        "  plateType  'Plate Type'  'PAS', 'COM', 'MC'\n"
        "  prov       'State'       'ON', 'QC', 'NY'\n"
        "  colour     'Colour'      'BLK', 'WHI'\n"
        "\n"
        "Unmapped columns: 'Unit', 'Model'\n"
        "Every required field is mapped.\n"
    )


def test_missing_field_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["map", str(CAMPUS)])
    assert code == 2
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == (
        "Missing required field: plateType; name its column in a profile, or pass "
        "--set plateType=VALUE."
    )


def test_set_fills_missing(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["map", str(CAMPUS), "--set", "plateType=Passenger"])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[4] == "  plateType  (constant)        'Passenger'"
    assert lines[-1] == "Every required field is mapped."


def test_conflict_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "two.csv"
    path.write_text("Plate,Plate ID,State,Plate Type\nA1,B2,ON,PAS\n", encoding="utf-8")
    code = cli.main(["map", str(path)])
    assert code == 2
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Conflict: columns 'Plate', 'Plate ID' match plate; keep one in a profile."
    )


def test_out_writes_profile(
    fleet: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "profiles" / "fleet.yaml"
    code = cli.main(["map", str(fleet), "--out", str(out)])
    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"Profile written to {out}; check it, then pass it with --mapping {out}."
    )
    assert out.read_text(encoding="utf-8") == (
        "# Mapping profile for fleet.csv, written by opscom-import map.\n"
        "# Check each line and fill in any empty field, then try it with:\n"
        "#   opscom-import validate fleet.csv --mapping THIS_FILE\n"
        "fields:\n"
        "  plate: 'Plate #'\n"
        "  plateType: Plate Type\n"
        "  prov: State\n"
        "  colour: Colour\n"
        "# Columns that feed no field:\n"
        "ignore_columns:\n"
        "  - Unit\n"
        "  - Model\n"
    )


def test_written_profile_maps_same(fleet: Path, tmp_path: Path) -> None:
    out = tmp_path / "fleet.yaml"
    cli.main(["map", str(fleet), "--out", str(out)])
    profile = load_profile(out)
    assert [(rule.api_field, rule.columns) for rule in profile.rules] == [
        ("plate", ("Plate #",)),
        ("plateType", ("Plate Type",)),
        ("prov", ("State",)),
        ("colour", ("Colour",)),
    ]


def test_out_with_gaps(tmp_path: Path) -> None:
    out = tmp_path / "campus.yaml"
    code = cli.main(["map", str(CAMPUS), "--out", str(out)])
    assert code == 2
    assert out.read_text(encoding="utf-8").splitlines()[4:9] == [
        "  plate: Licence Plate",
        "  # Required, but no column matches. Write the column that holds the plate type name",
        "  # or {value: ...} for one value on every row (or plateTypeID: for an ID).",
        "  plateType:",
        "  prov: Province/State",
    ]


def test_out_keeps_existing(
    fleet: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine.yaml"
    out.write_text("fields:\n  plate: Tag\n", encoding="utf-8")
    code = cli.main(["map", str(fleet), "--out", str(out)])
    assert code == 2
    assert capsys.readouterr().err == f"error: {out} already exists; pass --force to replace it.\n"
    assert out.read_text(encoding="utf-8") == "fields:\n  plate: Tag\n"


def test_out_force_replaces(fleet: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine.yaml"
    out.write_text("fields:\n  plate: Tag\n", encoding="utf-8")
    code = cli.main(["map", str(fleet), "--out", str(out), "--force"])
    assert code == 0
    assert "  plate: 'Plate #'\n" in out.read_text(encoding="utf-8")


def test_out_with_mapping_rejected(fleet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = ROOT / "mappings" / "campus_fleet.yaml"
    code = cli.main(["map", str(fleet), "-m", str(profile), "--out", "x.yaml"])
    assert code == 2
    assert capsys.readouterr().err == (
        "error: --out writes the automatic matching; leave out --mapping to use it.\n"
    )


def test_with_profile(fleet: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "fleet.yaml"
    profile.write_text(
        "ignore_columns: [Unit]\n"
        "fields:\n"
        "  plate: {column: Plate, transform: remove-spaces-dashes}\n"
        "  plateType:\n"
        "    column: Plate Type\n"
        "    map: {PAS: Passenger, COM: Commercial}\n"
        "    unmapped: invalid\n"
        "  prov: State\n"
        "  colour: {column: Colour, default: Unknown}\n",
        encoding="utf-8",
    )
    code = cli.main(["map", str(fleet), "--mapping", str(profile)])
    assert code == 0
    assert capsys.readouterr().out == (
        f"{fleet}: header on row 1, profile {profile}\n"
        "\n"
        "  field      column        sample values\n"
        "  plate      'Plate #'     'ABC123', 'XYZ987', 'JKL555'\n"
        "  plateType  'Plate Type'  'PAS' (sent as 'Passenger'), 'COM' (sent as 'Commercial'), "
        "'MC' (not in the map: row invalid)\n"
        "  prov       'State'       'ON', 'QC', 'NY'\n"
        "  colour     'Colour'      'BLK', 'WHI'\n"
        "\n"
        "Unmapped columns: 'Model'\n"
        "Ignored columns: 'Unit'\n"
        "Every required field is mapped.\n"
    )


def test_profile_missing_required(
    fleet: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "fleet.yaml"
    profile.write_text("fields:\n  plate: Plate\n", encoding="utf-8")
    code = cli.main(["map", str(fleet), "--mapping", str(profile)])
    assert code == 2
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "Missing required field: plateType; name its column in a profile, or pass "
        "--set plateType=VALUE.",
        "Missing required field: prov; name its column in a profile, or pass --set prov=VALUE.",
    ]


def test_profile_drift_exit_2(
    fleet: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "fleet.yaml"
    profile.write_text("fields:\n  plate: Plate\n  prov: Province\n", encoding="utf-8")
    code = cli.main(["map", str(fleet), "--mapping", str(profile)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err == (
        f"error: {profile}:3: field 'prov' reads column 'Province', which is not in fleet.csv "
        "('State' looks like it; renamed?). Columns found: 'Unit', 'Plate #', 'Plate Type', "
        "'State', 'Colour', 'Model'. The file's headers may have changed since the profile "
        "was written: fix the 'column' lines of the profile, or the headers.\n"
    )


def test_bad_profile_exit_2(
    fleet: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "fleet.yaml"
    profile.write_text("fields:\n  plate: Plate\n  color: Colour\n", encoding="utf-8")
    code = cli.main(["map", str(fleet), "--mapping", str(profile)])
    assert code == 2
    assert capsys.readouterr().err.startswith(
        f"error: {profile}:3: unknown field 'color' in 'fields'. Did you mean 'colour'?"
    )


def test_sheet_and_header_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = "Notes"
    sheet = workbook.create_sheet("Fleet")
    sheet.append(["Fleet list, March"])
    sheet.append([])
    sheet.append(["Kenn-\nzeichen", "Typ"])
    sheet.append(["MZ-PE-309", "Lkw"])
    path = tmp_path / "fleet.xlsx"
    workbook.save(path)
    code = cli.main(["map", str(path), "--sheet", "Fleet", "--header-row", "3"])
    assert code == 2
    assert capsys.readouterr().out.splitlines()[0] == (
        f"{path}, sheet 'Fleet': header on row 3, automatic matching"
    )


def test_bad_set_exit_2(fleet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["map", str(fleet), "--set", "province=ON"])
    assert code == 2
    assert capsys.readouterr().err == (
        "error: --set: unknown field 'province'; fields are: plate, plateType, plateTypeID, "
        "prov, provID, make, makeID, type, typeID, colour, colourID, year, vin.\n"
    )


def test_missing_file_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["map", "no-such-file.csv"])
    assert code == 2
    assert capsys.readouterr().err == "error: no-such-file.csv: file not found; check the path.\n"


def test_missing_plate_no_set_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "evs.csv"
    path.write_text("VIN (1-10),State,Make\nYV4H60DP5R,WA,VOLVO\n", encoding="utf-8")
    code = cli.main(["map", str(path), "--set", "plateType=Passenger"])
    assert code == 2
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Missing required field: plate; name its column in a profile."
    )


def test_set_over_column_exit_2(fleet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["map", str(fleet), "--set", "prov=ON"])
    assert code == 2
    assert capsys.readouterr().err.startswith(
        f"error: {fleet}: --set prov=ON would replace column 'State', which feeds prov, on "
        "every row."
    )
