"""``opscom-import validate`` and ``run --dry-run``: the report, exit codes and the workbook."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from importer import cli
from importer.runner import RunOptions, prepare, run_import
from tests.conftest import FIXTURES, ROOT

PROFILE = """\
fields:
  plate: Plate
  plateType: {value: Passenger}
  prov: State
  year: Year
"""

#: The example of docs/validation.md: one valid row, one invalid, one duplicate, one valid.
FLEET = """\
Unit,Plate,State,Year
U-1,abc-123,Ontario,2019
U-2,XYZ987,Ontari,2020
U-3,ABC123,ON,2018
U-4,QRS456,QC,2021
"""

REPORT = """\
Checked 4 rows of fleet.csv: 2 valid, 1 invalid, 1 duplicate.
Errors:
  duplicate-vehicle  1
  unknown-province   1
Warnings:
  plate-normalized     1
  province-normalized  1
Invalid rows:
  Row 3, column 'State': 'Ontari' is not a Canadian province, US state or Mexican state; \
use a postal abbreviation such as ON.
Results: fleet.validation.xlsx
1 invalid row would not be sent; correct the file and run validate again.
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding the profile, with no OPS-COM settings in the environment."""
    for name in ("OPSCOM_BASE_URL", "OPSCOM_CLIENT_CODE", "OPSCOM_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("OPSCOM_API_TOKEN_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fleet.yaml").write_text(PROFILE, encoding="utf-8")
    return tmp_path


def _validate(folder: Path, csv_text: str, *extra: str) -> int:
    (folder / "fleet.csv").write_text(csv_text, encoding="utf-8")
    return cli.main(["validate", "fleet.csv", "--mapping", "fleet.yaml", *extra])


def _column(path: Path, title: str) -> list[object]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = list(workbook["Results"].iter_rows(values_only=True))
    workbook.close()
    index = rows[0].index(title)
    return [row[index] if index < len(row) else None for row in rows[1:]]


def test_validate_report(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _validate(folder, FLEET)
    assert capsys.readouterr().out == REPORT


def test_validate_exit_code_invalid(folder: Path) -> None:
    assert _validate(folder, FLEET) == 1


def test_validate_statuses_in_workbook(folder: Path) -> None:
    _validate(folder, FLEET)
    statuses = _column(folder / "fleet.validation.xlsx", "Status")
    assert statuses == ["valid", "invalid", "duplicate", "valid"]


def test_validate_keeps_run_results(folder: Path) -> None:
    (folder / "fleet.results.xlsx").write_bytes(b"outcomes of a run")
    _validate(folder, FLEET)
    assert (folder / "fleet.results.xlsx").read_bytes() == b"outcomes of a run"


def test_validate_results_option_chooses(folder: Path) -> None:
    (folder / "fleet.csv").write_text(FLEET, encoding="utf-8")
    cli.main(["validate", "fleet.csv", "--mapping", "fleet.yaml", "--results", "mine.xlsx"])
    assert _column(folder / "mine.xlsx", "Status") == ["valid", "invalid", "duplicate", "valid"]


def test_validate_results_txt_rejected(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _validate(folder, FLEET, "--results", "out.txt")
    assert code == 2
    assert capsys.readouterr().err == (
        "error: --results out.txt: a results file must end in .xlsx or .csv; rename it, or "
        "pass --results-format xlsx or csv to write that format under this name.\n"
    )
    assert not (folder / "out.txt").exists()


def test_validate_results_txt_with_format(folder: Path) -> None:
    _validate(folder, FLEET, "--results", "out.txt", "--results-format", "csv")
    with (folder / "out.txt").open(encoding="utf-8-sig") as handle:
        header = handle.readline()
    assert header.startswith("Row,Unit,Plate,State,Year,Status,")


def test_dry_run_writes_validation_file(folder: Path) -> None:
    (folder / "fleet.csv").write_text(FLEET, encoding="utf-8")
    cli.main(["run", "fleet.csv", "--mapping", "fleet.yaml", "--dry-run"])
    assert sorted(path.name for path in folder.iterdir()) == [
        "fleet.csv",
        "fleet.validation.xlsx",
        "fleet.yaml",
    ]


def test_validate_errors_in_workbook(folder: Path) -> None:
    _validate(folder, FLEET)
    errors = _column(folder / "fleet.validation.xlsx", "Errors")
    assert errors[2] == (
        "Row 4, column 'Plate': same plate, province and plate type as row 2 "
        "('ABC123', 'ON', 'Passenger'); only row 2 is sent. Delete one of the two rows, "
        "or correct the plate."
    )


def test_validate_warnings_in_workbook(folder: Path) -> None:
    _validate(folder, FLEET)
    warnings = _column(folder / "fleet.validation.xlsx", "Warnings")
    assert warnings[0] == (
        "Row 2, column 'Plate': 'abc-123' is sent as 'ABC123' (upper case, without spaces or "
        "dashes).\nRow 2, column 'State': 'Ontario' is sent as 'ON'."
    )


def test_validate_report_in_docs() -> None:
    docs = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```text\n(.*?)```", docs, re.DOTALL)
    assert blocks[:2] == [FLEET, REPORT.replace("\\\n", "")]


def test_validate_all_valid(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _validate(folder, "Plate,State,Year\nAB1,ON,2019\nAB2,QC,2020\n")
    assert code == 0
    assert capsys.readouterr().out == (
        "Checked 2 rows of fleet.csv: 2 valid.\n"
        "Results: fleet.validation.xlsx\n"
        "No invalid rows; nothing was sent.\n"
    )


def test_validate_duplicates_exit_0(folder: Path) -> None:
    assert _validate(folder, "Plate,State,Year\nAB1,ON,2019\nAB1,ON,2019\n") == 0


def test_validate_lists_first_five(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = "".join(f"AB{n},ZZ,2019\n" for n in range(7))
    _validate(folder, "Plate,State,Year\n" + rows)
    out = capsys.readouterr().out
    assert "First 5 of 7 invalid rows:\n" in out
    assert out.count("is not a Canadian province") == 5


def test_validate_one_invalid_row_wording(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _validate(folder, "Plate,State,Year\nAB1,ON,11\n")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Checked 1 row of fleet.csv: 1 invalid."
    assert lines[-1] == "1 invalid row would not be sent; correct the file and run validate again."


def test_dry_run_prints_validate_report(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "fleet.csv").write_text(FLEET, encoding="utf-8")
    code = cli.main(["run", "fleet.csv", "--mapping", "fleet.yaml", "--dry-run"])
    assert (code, capsys.readouterr().out) == (1, REPORT)


def test_validate_sends_normalised_payload(folder: Path) -> None:
    (folder / "fleet.csv").write_text(FLEET, encoding="utf-8")
    options = RunOptions(
        input_path=folder / "fleet.csv", profile_path=folder / "fleet.yaml", dry_run=True
    )
    outcome = run_import(options, None)
    assert outcome.first_invalid[0].payload == {
        "plate": "XYZ987",
        "plateType": "Passenger",
        "prov": "Ontari",
        "year": "2020",
    }


def _counts(source: str, profile: str, tmp_path: Path) -> dict[str, int]:
    options = RunOptions(
        input_path=FIXTURES / source,
        profile_path=FIXTURES / profile,
        results_path=tmp_path / "results.xlsx",
        dry_run=True,
    )
    return run_import(options, None).summary.counts


def test_nyc_slice_statuses(tmp_path: Path) -> None:
    counts = _counts("nyc_parking_slice.csv", "nyc_parking_violations.yaml", tmp_path)
    assert counts == {"valid": 17, "invalid": 4, "duplicate": 2}


def test_chicago_relocated_slice_statuses(tmp_path: Path) -> None:
    counts = _counts("chicago_relocated_slice.csv", "chicago_relocated_vehicles.yaml", tmp_path)
    assert counts == {"valid": 20, "invalid": 5, "duplicate": 1}


def test_nyc_slice_excel_plate_sent_compact(tmp_path: Path) -> None:
    options = RunOptions(
        input_path=FIXTURES / "nyc_parking_slice.csv",
        profile_path=FIXTURES / "nyc_parking_violations.yaml",
        results_path=tmp_path / "results.xlsx",
    )
    results = list(prepare(options).results)
    row = next(r for r in results if r.source.number == 17)
    assert (row.payload["plate"], row.warning_codes) == (
        "GEL1890.00",
        ["whitespace-trimmed", "plate-normalized", "plate-excel-damaged"],
    )


def test_utf16_without_bom_exit_2(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = "Plaque;Province;Marque\r\nABC123;Québec;Ford\r\n".encode("cp1252")
    (folder / "flotte.csv").write_bytes(data)
    code = cli.main(["validate", "flotte.csv", "--encoding", "utf-16"])
    assert code == 2
    assert capsys.readouterr().err == (
        "error: flotte.csv: not valid UTF-16 text (the file does not start with a byte order "
        "mark); pass --encoding utf-16-le or utf-16-be for UTF-16 text without a byte order "
        "mark, or the right encoding (e.g. utf-8 or cp1252).\n"
    )


def test_set_constant_error_names_option(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "buses.csv").write_text("Licence Plate,Year\nBUS1,2019\n", encoding="utf-8")
    arguments = ["validate", "buses.csv", "--set", "plateType=Bus", "--set", "prov=ZZ"]
    assert cli.main(arguments) == 1
    assert capsys.readouterr().out.splitlines()[4] == (
        "  Row 2, --set prov: 'ZZ' is not a Canadian province, US state or Mexican state; use "
        "a postal abbreviation such as ON."
    )


def test_scientific_plate_one_warning(folder: Path) -> None:
    (folder / "sci.csv").write_text(
        "Licence Plate,Province,Plate Type\n1.5E+3,ON,Passenger\n", encoding="utf-8"
    )
    cli.main(["validate", "sci.csv"])
    assert _column(folder / "sci.validation.xlsx", "Warnings") == [
        "Row 2, column 'Licence Plate': '1.5E+3' looks changed by Excel, which shows long "
        "numbers in scientific notation and drops their last digits; check the plate against "
        "the vehicle, and format the column as Text before saving the file."
    ]
