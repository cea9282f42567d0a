"""read_table on whole files: formats decided by content, and bad files with one-line errors."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from importer import cli
from importer.errors import InputFileError
from importer.reading import read_table
from importer.records import SourceRow
from tests.conftest import FIXTURES, ROOT


def small_workbook(path: Path) -> Path:
    book = Workbook()
    book.active.append(["Licence Plate", "Province/State", "Make"])
    book.active.append(["AB1", "ON", "Ford"])
    book.save(path)
    return path


def error_for(path: Path) -> str:
    with pytest.raises(InputFileError) as caught:
        read_table(path)
    return str(caught.value)


def test_workbook_named_csv(tmp_path: Path) -> None:
    path = small_workbook(tmp_path / "fleet.xlsx").rename(tmp_path / "workbook_named.csv")
    table = read_table(path)
    assert table.sheet == "Sheet"
    assert list(table.rows) == [SourceRow(2, ("AB1", "ON", "Ford"))]
    assert table.notes == [
        "The file is named .csv but contains an Excel workbook (.xlsx); it was read as a workbook."
    ]


def test_csv_named_xls(tmp_path: Path) -> None:
    path = tmp_path / "csv_named.xls"
    path.write_bytes(b"Plate,Make\r\nAB1,Ford\r\n")
    table = read_table(path)
    assert list(table.rows) == [SourceRow(2, ("AB1", "Ford"))]
    assert table.notes == [
        "The file is named .xls but contains delimited text (CSV); it was read as text."
    ]


def test_text_named_xlsx_fails(tmp_path: Path) -> None:
    path = tmp_path / "not_a_workbook.xlsx"
    path.write_bytes(b"garbage")
    assert error_for(path) == (
        f"{path}: row 1 looks like the header row but no data rows follow it; check that it "
        "is the right file or sheet. The file is named .xlsx but contains delimited text "
        "(CSV); it was read as text."
    )


def test_xlsm_suffix(tmp_path: Path) -> None:
    table = read_table(small_workbook(tmp_path / "macros.xlsm"))
    assert table.notes == []


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"
    assert error_for(path) == f"{path}: file not found; check the path."


def test_folder(tmp_path: Path) -> None:
    assert error_for(tmp_path) == (
        f"{tmp_path}: is a folder, not a file; pass the path of the fleet file."
    )


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.csv"
    path.write_bytes(b"Plate\nAB1\n")

    def deny(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", deny)
    assert error_for(path) == (
        f"{path}: cannot be read (Permission denied); check the file's permissions."
    )


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert error_for(path) == f"{path}: the file is empty; export the sheet again."


def test_whitespace_only_file(tmp_path: Path) -> None:
    path = tmp_path / "whitespace_only.csv"
    path.write_bytes(b"\r\n \r\n\t\r\n")
    assert error_for(path) == f"{path}: the file is empty; export the sheet again."


def test_corrupt_zip(tmp_path: Path) -> None:
    whole = small_workbook(tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    assert error_for(path) == (
        f"{path}: the workbook is corrupt or truncated (not a valid zip archive); save it "
        "again from Excel or ask the sender for a new copy."
    )


def test_damaged_sheet_xml(tmp_path: Path) -> None:
    source = small_workbook(tmp_path / "whole.xlsx")
    path = tmp_path / "damaged_sheet.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            new.writestr(item, data)
    assert error_for(path).startswith(f"{path}: cannot be read as an Excel workbook (.xlsx) (")


def test_password_protected(tmp_path: Path) -> None:
    path = FIXTURES / "password_protected.xlsx"
    assert error_for(path) == (
        f"{path}: the workbook is password-protected; open it in Excel, remove the password "
        "(File > Info > Protect Workbook > Encrypt with Password), save it and try again."
    )


def test_html_saved_as_xls(tmp_path: Path) -> None:
    path = tmp_path / "web_export.xls"
    path.write_text(
        "<html><body><table><tr><td>Plate</td></tr><tr><td>AB1</td></tr></table></body></html>",
        encoding="utf-8",
    )
    assert error_for(path) == (
        f"{path}: this is an HTML page (often what a web export saves as .xls), not a "
        "spreadsheet; open it in Excel and save it as .xlsx, or export it again as .csv."
    )


def test_excel_2003_xml(tmp_path: Path) -> None:
    path = tmp_path / "spreadsheet_2003.xls"
    path.write_text(
        '<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
        "</Workbook>",
        encoding="utf-8",
    )
    assert error_for(path) == (
        f"{path}: this is an Excel 2003 XML spreadsheet, not a CSV file or workbook; open it "
        "in Excel and save it as .xlsx."
    )


def test_image_named_csv(tmp_path: Path) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    assert error_for(path) == (
        f"{path}: this is a PNG image, not a spreadsheet; export the fleet list from its "
        "program as .xlsx or .csv."
    )


def test_binary_named_csv(tmp_path: Path) -> None:
    path = tmp_path / "binary.csv"
    path.write_bytes(bytes(range(1, 32)) * 40)
    assert error_for(path) == (
        f"{path}: this is binary data, not a spreadsheet; export the fleet list from its "
        "program as .xlsx or .csv."
    )


def test_word_document(tmp_path: Path) -> None:
    path = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    assert error_for(path) == (
        f"{path}: this is a Word document, not a spreadsheet; export the fleet list from its "
        "program as .xlsx or .csv."
    )


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    path.write_text('[{"plate": "AB1"}]\n', encoding="utf-8")
    assert error_for(path) == (
        f"{path}: unsupported file type '.json'; save the sheet as .csv or .xlsx."
    )


def test_legacy_xls(tmp_path: Path) -> None:
    source = ROOT.parent / "shared" / "realdata" / "rwanda_car_tax_catalogue_2015.xls"
    if not source.is_file():
        pytest.skip(f"{source} is not there; it comes with the shared data folder.")
    path = Path(shutil.copy(source, tmp_path / "catalogue.xls"))
    table = read_table(path)
    assert next(iter(table.rows)).cells[:6] == (
        "1",
        "AUDI",
        "A1 (TFSI 122)",
        "1.4TC/4",
        "FWD",
        "2015",
    )


def test_cli_bad_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(small_workbook(tmp_path / "whole.xlsx").read_bytes()[:300])
    profile = ROOT / "mappings" / "campus_fleet.yaml"
    code = cli.main(["validate", str(path), "-m", str(profile)])
    assert code == 2
    assert capsys.readouterr().err == (
        f"error: {path}: the workbook is corrupt or truncated (not a valid zip archive); save "
        "it again from Excel or ask the sender for a new copy.\n"
    )


def test_cli_sheet_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = Workbook()
    book.active.append(["Notes"])
    book.active.append(["not a fleet"])
    fleet = book.create_sheet("Fleet")
    fleet.append(["Licence Plate", "Province/State", "Make", "Colour", "Year", "VIN"])
    fleet.append(["AB1", "ON", "Ford", "Red", 2011, ""])
    path = tmp_path / "two_sheets.xlsx"
    book.save(path)
    profile = ROOT / "mappings" / "campus_fleet.yaml"
    code = cli.main(["validate", str(path), "-m", str(profile), "--sheet", "2"])
    assert capsys.readouterr().err == ""
    assert code == 0
