"""Finding the header row and naming the columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer.errors import InputFileError, UsageError
from importer.reading import ReadOptions, read_table
from importer.reading.header import (
    clean_name,
    combine_header_rows,
    find_header,
    header_names,
    looks_like_header,
)
from importer.reading.rows import RawRow, column_letter
from importer.records import SourceRow


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def raw(*rows: list[str]) -> list[RawRow]:
    return [RawRow(number, cells) for number, cells in enumerate(rows, start=1)]


def test_title_and_blank_rows_above(tmp_path: Path) -> None:
    text = "Fleet list 2024,,\n,,\nPlate,Make,Year\nAB1,Ford,2011\n"
    table = read_table(write(tmp_path, "title_rows.csv", text))
    assert table.header_row == 3
    assert table.headers == ["Plate", "Make", "Year"]
    assert list(table.rows) == [SourceRow(4, ("AB1", "Ford", "2011"))]
    assert table.notes == [
        "The header row is row 3; the rows above it hold a title, notes or nothing. Pass "
        "--header-row to choose another row."
    ]


def test_note_rows_above(tmp_path: Path) -> None:
    text = (
        "Exported by,Parking Office,,,\n"
        "Date,2024-05-01,,,\n"
        "Plate,Province,Make,Model,Year\n"
        "AB1,ON,Ford,F-150,2011\n"
    )
    table = read_table(write(tmp_path, "note_rows.csv", text))
    assert table.header_row == 3


def test_header_row_option(tmp_path: Path) -> None:
    text = "Plate,Make\nAB1,Ford\nCD2,GM\n"
    table = read_table(write(tmp_path, "fleet.csv", text), ReadOptions(header_row=2))
    assert table.headers == ["AB1", "Ford"]
    assert list(table.rows) == [SourceRow(3, ("CD2", "GM"))]
    assert table.notes == []


def test_header_row_option_past_end(tmp_path: Path) -> None:
    path = write(tmp_path, "fleet.csv", "Plate,Make\nAB1,Ford\n")
    with pytest.raises(InputFileError) as caught:
        read_table(path, ReadOptions(header_row=9))
    assert str(caught.value) == (
        f"{path}: the header row is set to 9, but the file has only 2 rows; fix --header-row "
        "or the profile's header_row."
    )


def test_header_row_option_blank(tmp_path: Path) -> None:
    path = write(tmp_path, "fleet.csv", "Title\n\nPlate,Make\nAB1,Ford\n")
    with pytest.raises(InputFileError) as caught:
        read_table(path, ReadOptions(header_row=2))
    assert str(caught.value) == (
        f"{path}: the header row is set to 2, but row 2 is blank; set --header-row or the "
        "profile's header_row to the row that holds the column names."
    )


def test_header_row_option_zero(tmp_path: Path) -> None:
    path = write(tmp_path, "fleet.csv", "Plate\nAB1\n")
    with pytest.raises(UsageError) as caught:
        read_table(path, ReadOptions(header_row=0))
    assert str(caught.value) == "--header-row 0: row numbers start at 1."


def test_header_only(tmp_path: Path) -> None:
    path = write(tmp_path, "header_only.csv", "Plate,Make,Year\n\n\n")
    with pytest.raises(InputFileError) as caught:
        read_table(path)
    assert str(caught.value) == (
        f"{path}: row 1 looks like the header row but no data rows follow it; check that "
        "it is the right file or sheet."
    )


def test_only_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "blank_lines_only.csv", "\n,,\n  \n")
    with pytest.raises(InputFileError) as caught:
        read_table(path)
    assert str(caught.value) == f"{path}: the file has no data: every row is blank."


def test_duplicate_headers_renamed(tmp_path: Path) -> None:
    text = "Department,Department,Plate,plate,Department (2)\nA,B,AB1,CD2,X\n"
    table = read_table(write(tmp_path, "duplicate_headers.csv", text))
    assert table.headers == ["Department", "Department (3)", "Plate", "plate (2)", "Department (2)"]
    assert table.notes == [
        "The header 'Department' appears in columns A, B; the repeats are named 'Department (3)'.",
        "The header 'Plate' appears in columns C, D; the repeats are named 'plate (2)'.",
    ]


def test_blank_headers_get_letters(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "blank_headers.csv", "Plate,,Make\nAB1,x,Ford\n"))
    assert table.headers == ["Plate", "B", "Make"]
    assert table.notes == ["No header in column(s) B; each is named by its column letter."]


def test_headers_trimmed(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "spaced_headers.csv", " Plate , Make\xa0\nAB1,Ford\n"))
    assert table.headers == ["Plate", "Make"]


def test_clean_name_line_breaks() -> None:
    assert clean_name(" Anfangsstand\nkm ") == "Anfangsstand km"


def test_clean_name_hyphenated_break() -> None:
    assert clean_name("Kenn-\r\nzeichen") == "Kenn-zeichen"


def test_header_names_width_pads() -> None:
    names, notes = header_names(["Plate"], 3)
    assert names == ["Plate", "B", "C"]
    assert notes == ["No header in column(s) B, C; each is named by its column letter."]


def test_find_header_skips_title() -> None:
    head = raw(["Fleet", "", ""], ["", "", ""], ["Plate", "Make", "Year"], ["AB1", "Ford", "2011"])
    assert find_header(head) == 2


def test_find_header_skips_repeated_group_row() -> None:
    head = raw(
        ["Vehicle", "Vehicle", "Vehicle", "Owner", "Owner"],
        ["Plate", "Make", "Model", "Name", "Phone"],
        ["AB1", "Ford", "F-150", "Kim", "555-0101"],
    )
    assert find_header(head) == 1


def test_find_header_ignores_one_wide_row() -> None:
    wide = ["CD2", "GM", *(f"v{index}" for index in range(8))]
    head = raw(["Plate", "Make"], ["AB1", "Ford"], wide, ["EF3", "Kia"])
    assert find_header(head) == 0


def test_find_header_falls_back_to_first() -> None:
    head = raw(["1", "2"], ["3", "4"])
    assert find_header(head) == 0


def test_find_header_all_blank() -> None:
    assert find_header(raw(["", ""], [" "])) is None


def test_looks_like_header_numbers() -> None:
    assert looks_like_header(["2011", "2012", "Plate"], 3) is False


def test_looks_like_header_names() -> None:
    assert looks_like_header(["Plate", "Make", "Year"], 3) is True


def test_combine_header_rows() -> None:
    combined = combine_header_rows(["Plate", "Vehicle", "Vehicle"], ["Plate", "Make", ""])
    assert combined == ["Plate", "Vehicle Make", "Vehicle"]


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letter(index: int, letters: str) -> None:
    assert column_letter(index) == letters
