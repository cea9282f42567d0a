"""Reading delimited text: encodings, delimiters, quoting, ragged rows, NUL bytes, row numbers."""

from __future__ import annotations

import encodings
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from importer.errors import InputFileError, UsageError
from importer.reading import ReadOptions, read_table
from importer.reading.text import parse_delimiter, sniff_delimiter
from importer.records import SourceRow, Table


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read(path: Path, **options: str | int) -> tuple[Table, list[SourceRow]]:
    table = read_table(path, ReadOptions(**options))  # type: ignore[arg-type]
    return table, list(table.rows)


def test_utf8_bom_not_in_first_header(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.csv", "\ufeffPlate,Make\r\nABC123,Ford\r\n".encode())
    table, rows = read(path)
    assert table.headers == ["Plate", "Make"]
    assert rows == [SourceRow(2, ("ABC123", "Ford"))]


def test_utf8_bom_with_forced_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.csv", "\ufeffPlate,Make\nABC123,Ford\n".encode())
    table, _ = read(path, encoding="utf-8")
    assert table.headers == ["Plate", "Make"]


def test_utf16_unicode_text_from_excel(tmp_path: Path) -> None:
    data = "Plate\tProvince\tMake\r\nAB-123\tQuébec\tCitroën\r\n".encode("utf-16")
    table, rows = read(write(tmp_path, "unicode_text_utf16.txt", data))
    assert table.headers == ["Plate", "Province", "Make"]
    assert rows[0].cells == ("AB-123", "Québec", "Citroën")
    assert table.notes == []


def test_utf16_without_bom(tmp_path: Path) -> None:
    data = "Plate,Make\r\nAB-123,Citroën\r\n".encode("utf-16-le")
    _, rows = read(write(tmp_path, "utf16_no_bom.csv", data))
    assert rows[0].cells == ("AB-123", "Citroën")


def test_cp1252_semicolon_detected(tmp_path: Path) -> None:
    data = "Plaque;Province;Marque\r\nAB-123;Québec;Citroën\r\nCD-456;Montréal;Renault\r\n"
    table, rows = read(write(tmp_path, "semicolon_cp1252.csv", data.encode("cp1252")))
    assert table.headers == ["Plaque", "Province", "Marque"]
    assert rows[0].cells == ("AB-123", "Québec", "Citroën")
    assert rows[1].cells == ("CD-456", "Montréal", "Renault")
    assert table.notes == [
        "The file is not valid UTF-8 (byte 0xE9 at offset 33, line 2), so it was read as "
        "Windows-1252 text; if accented letters look wrong, pass --encoding with the right "
        "encoding."
    ]


def test_latin1_when_cp1252_undefined(tmp_path: Path) -> None:
    data = b"Plate,Note\nAB1,caf\xe9\x81\n"
    table, rows = read(write(tmp_path, "latin1_control_byte.csv", data))
    assert rows[0].cells == ("AB1", "café\x81")
    assert "read as Latin-1 text" in table.notes[0]


def test_encoding_option_overrides(tmp_path: Path) -> None:
    data = "Plate,City\nAB1,Montréal\n".encode("latin-1")
    table, rows = read(write(tmp_path, "latin1.csv", data), encoding="latin-1")
    assert rows[0].cells == ("AB1", "Montréal")
    assert table.notes == []


def test_encoding_option_wrong(tmp_path: Path) -> None:
    path = write(tmp_path, "cp1252.csv", "Plate,City\nAB1,Montréal\n".encode("cp1252"))
    with pytest.raises(InputFileError) as caught:
        read_table(path, ReadOptions(encoding="utf-8"))
    assert str(caught.value) == (
        f"{path}: not valid utf-8 text (byte 0xE9 at offset 20, line 2); pass --encoding "
        "with the right encoding (e.g. utf-8, cp1252 or utf-16)."
    )


def test_encoding_option_unknown(tmp_path: Path) -> None:
    path = write(tmp_path, "fleet.csv", b"Plate\nAB1\n")
    with pytest.raises(UsageError) as caught:
        read_table(path, ReadOptions(encoding="klingon"))
    assert str(caught.value) == (
        "--encoding 'klingon' is not a known encoding; use e.g. utf-8, cp1252 or utf-16."
    )


@pytest.mark.parametrize("encoding", ["utf-16", "UTF16", "utf_16"])
def test_utf16_option_without_bom(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path, "flotte.csv", "Plaque;Province\nAB1;Québec\n".encode("cp1252"))
    with pytest.raises(InputFileError) as caught:
        read_table(path, ReadOptions(encoding=encoding))
    assert str(caught.value) == (
        f"{path}: not valid UTF-16 text (the file does not start with a byte order mark); "
        "pass --encoding utf-16-le or utf-16-be for UTF-16 text without a byte order mark, "
        "or the right encoding (e.g. utf-8 or cp1252)."
    )


def test_utf32_option_without_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "fleet.csv", "Plate,Make\nAB1,Ford\n".encode("utf-32-le"))
    with pytest.raises(InputFileError) as caught:
        read_table(path, ReadOptions(encoding="utf-32"))
    assert str(caught.value) == (
        f"{path}: not valid UTF-32 text (the file does not start with a byte order mark); "
        "pass --encoding utf-32-le or utf-32-be for UTF-32 text without a byte order mark, "
        "or the right encoding (e.g. utf-8 or cp1252)."
    )


def test_utf16_le_option_without_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "fleet.csv", "Plate,Make\nAB1,Citroën\n".encode("utf-16-le"))
    _, rows = read(path, encoding="utf-16-le")
    assert rows == [SourceRow(2, ("AB1", "Citroën"))]


def test_encoding_option_undefined(tmp_path: Path) -> None:
    path = write(tmp_path, "fleet.csv", b"Plate\nAB1\n")
    with pytest.raises(InputFileError) as caught:
        read_table(path, ReadOptions(encoding="undefined"))
    assert str(caught.value) == (
        f"{path}: not valid undefined text (undefined encoding); pass --encoding with the "
        "right encoding (e.g. utf-8, cp1252 or utf-16)."
    )


@pytest.mark.parametrize("encoding", ["rot13", "hex", "base64", "zlib", "bz2", "uu"])
def test_encoding_option_not_text(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path, "fleet.csv", b"Plate\nAB1\n")
    with pytest.raises(UsageError) as caught:
        read_table(path, ReadOptions(encoding=encoding))
    assert str(caught.value) == (
        f"--encoding '{encoding}' is not a text encoding; use e.g. utf-8, cp1252 or utf-16."
    )


def _stdlib_codecs() -> list[str]:
    """Return the name of every codec module the standard library ships."""
    skipped = {"aliases", "mbcs", "oem"}  # not codecs, or Windows only
    return sorted({m.name for m in pkgutil.iter_modules(encodings.__path__)} - skipped)


@pytest.mark.parametrize("encoding", _stdlib_codecs())
def test_any_codec_clean_error(tmp_path: Path, encoding: str) -> None:
    """Every codec either reads the file or raises one of our errors, never a codec error."""
    data = "Plaque;Province\r\nAB-123;Québec\r\nCD 456;Ontario\r\n".encode("cp1252") * 40
    path = write(tmp_path, "flotte.csv", data)
    try:
        table = read_table(path, ReadOptions(encoding=encoding))
        list(table.rows)
    except InputFileError as exc:
        assert str(exc).startswith(f"{path}: ")
    except UsageError as exc:
        assert str(exc).startswith(f"--encoding '{encoding}' is not a ")


def test_bom_file_with_bad_bytes(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbfPlate,City\nAB1,Montr\xe9al\n"
    path = write(tmp_path, "bom_then_cp1252.csv", data)
    with pytest.raises(InputFileError) as caught:
        read_table(path)
    assert str(caught.value) == (
        f"{path}: not valid UTF-8 with BOM text (byte 0xE9 at offset 23, line 2); pass "
        "--encoding with the right encoding (e.g. utf-8, cp1252 or utf-16)."
    )


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_sniffed(tmp_path: Path, delimiter: str) -> None:
    lines = [["Plate", "Make", "Year"], ["AB1", "Ford", "2011"], ["CD2", "GM", "2012"]]
    text = "".join(delimiter.join(line) + "\n" for line in lines)
    table, rows = read(write(tmp_path, "fleet.csv", text.encode()))
    assert table.headers == ["Plate", "Make", "Year"]
    assert rows[1].cells == ("CD2", "GM", "2012")


def test_semicolon_beats_decimal_commas(tmp_path: Path) -> None:
    text = "Plate;Km;Litres\nAB1;12,5;40,1\nCD2;3,25;38,0\n"
    table, rows = read(write(tmp_path, "semicolon_decimal_commas.csv", text.encode()))
    assert table.headers == ["Plate", "Km", "Litres"]
    assert rows[0].cells == ("AB1", "12,5", "40,1")


def test_sniff_prefers_tab_for_tsv() -> None:
    assert sniff_delimiter("Plate\nAB1\n", "\t") == "\t"


def test_sniff_ignores_title_line() -> None:
    sample = "Fleet list, exported today\n\nPlate;Make;Year\nAB1;Ford;2011\nCD2;GM;2012\n"
    assert sniff_delimiter(sample, ",") == ";"


def test_delimiter_option_by_name(tmp_path: Path) -> None:
    path = write(tmp_path, "fleet.txt", b"Plate\tMake,Model\nAB1\tFord,F-150\n")
    _, rows = read(path, delimiter="tab")
    assert rows[0].cells == ("AB1", "Ford,F-150")


def test_delimiter_option_character(tmp_path: Path) -> None:
    path = write(tmp_path, "fleet.csv", b"Plate;Make,Model\nAB1;Ford,F-150\n")
    table, _ = read(path, delimiter=",")
    assert table.headers == ["Plate;Make", "Model"]


def test_delimiter_option_invalid() -> None:
    with pytest.raises(UsageError) as caught:
        parse_delimiter("ab")
    assert str(caught.value) == (
        "--delimiter 'ab' must be one character or one of: tab, \\t, comma, semicolon, "
        "pipe; e.g. --delimiter ';' or --delimiter tab."
    )


def test_excel_sep_hint_line(tmp_path: Path) -> None:
    path = write(tmp_path, "sep_hint.csv", b"sep=;\r\nPlate;Make\r\nAB1;Ford\r\n")
    table, rows = read(path)
    assert table.headers == ["Plate", "Make"]
    assert table.header_row == 1
    assert rows == [SourceRow(2, ("AB1", "Ford"))]


def test_quoted_newline_and_delimiter(tmp_path: Path) -> None:
    text = 'Plate,Notes,Make\nAB1,"line one\nline two, with comma",Ford\nCD2,"say ""hi""",GM\n'
    _, rows = read(write(tmp_path, "quoted_newlines.csv", text.encode()))
    assert rows == [
        SourceRow(2, ("AB1", "line one\nline two, with comma", "Ford")),
        SourceRow(3, ("CD2", 'say "hi"', "GM")),
    ]


def test_line_endings_cr_only(tmp_path: Path) -> None:
    _, rows = read(write(tmp_path, "mac_line_endings.csv", b"Plate,Make\rAB1,Ford\rCD2,GM\r"))
    assert [row.cells for row in rows] == [("AB1", "Ford"), ("CD2", "GM")]


def test_blank_rows_skipped_numbers_kept(tmp_path: Path) -> None:
    text = "Plate,Make\n\nAB1,Ford\n,\n   ,  \n\nCD2,GM\n"
    _, rows = read(write(tmp_path, "blank_rows.csv", text.encode()))
    assert [(row.number, row.cells) for row in rows] == [(3, ("AB1", "Ford")), (7, ("CD2", "GM"))]


def test_ragged_short_row(tmp_path: Path) -> None:
    _, rows = read(write(tmp_path, "ragged.csv", b"Plate,Make,Year\nAB1,Ford\n"))
    assert rows == [
        SourceRow(
            2,
            ("AB1", "Ford", ""),
            (
                "Row 2 has 2 cells but the header row has 3; the missing cells at the end are "
                "read as empty.",
            ),
        )
    ]


def test_ragged_long_row_empty_extras(tmp_path: Path) -> None:
    _, rows = read(write(tmp_path, "ragged.csv", b"Plate,Make\nAB1,Ford,,\nCD2,GM\n"))
    assert rows[0].cells == ("AB1", "Ford")
    assert rows[0].warnings == (
        "Row 2 has 4 cells but the header row has 2; the extra cells are empty.",
    )
    assert rows[1].warnings == ()


def test_ragged_long_row_values_lost(tmp_path: Path) -> None:
    data = b"Plate,Make\nAB1,Ford\nCD2,GM,Sierra,2012\nEF3,Kia\n"
    _, rows = read(write(tmp_path, "ragged.csv", data))
    assert rows[1].cells == ("CD2", "GM")
    assert rows[1].warnings == (
        "Row 3 has 4 cells but the header row has 2; values past column B are not read: "
        "'Sierra', '2012'.",
    )


def test_ragged_long_row_many_values(tmp_path: Path) -> None:
    extra = ",".join(f"v{index}" for index in range(8))
    data = f"Plate,Make\nAB1,Ford\nCD2,GM,{extra}\nEF3,Kia\n".encode()
    _, rows = read(write(tmp_path, "ragged_many.csv", data))
    assert rows[1].warnings == (
        "Row 3 has 10 cells but the header row has 2; values past column B are not read: "
        "'v0', 'v1', 'v2', 'v3', 'v4' and 3 more.",
    )


def test_data_wider_than_header(tmp_path: Path) -> None:
    table, rows = read(write(tmp_path, "unnamed_column.csv", b"Plate,Make\nAB1,Ford,blue\n"))
    assert table.headers == ["Plate", "Make", "C"]
    assert rows[0].cells == ("AB1", "Ford", "blue")
    assert rows[0].warnings == ()
    assert table.notes == ["No header in column(s) C; each is named by its column letter."]


def test_trailing_delimiter_on_header_only(tmp_path: Path) -> None:
    table, rows = read(write(tmp_path, "header_trailing_comma.csv", b"Plate,Make,\nAB1,Ford\n"))
    assert table.headers == ["Plate", "Make"]
    assert rows == [SourceRow(2, ("AB1", "Ford"))]


def test_trailing_delimiter_everywhere(tmp_path: Path) -> None:
    data = b"Plate,Make,\nAB1,Ford,\nCD2,GM\n"
    table, rows = read(write(tmp_path, "trailing_commas.csv", data))
    assert table.headers == ["Plate", "Make"]
    assert rows == [SourceRow(2, ("AB1", "Ford")), SourceRow(3, ("CD2", "GM"))]


def test_nul_bytes_removed(tmp_path: Path) -> None:
    _, rows = read(write(tmp_path, "nul_bytes.csv", b"Plate,Make\nAB\x00\x001,Ford\n"))
    assert rows[0].cells == ("AB1", "Ford")
    assert rows[0].warnings == (
        "Row 2, column 'Plate': removed 2 NUL byte(s) (\\0), which usually come from a "
        "damaged or wrongly encoded export; check the value 'AB1'.",
    )


def test_nul_padding_after_data(tmp_path: Path) -> None:
    data = b"Plate,Make\nAB1,Ford\n" + b"\x00" * 4096
    _, rows = read(write(tmp_path, "nul_padded_tail.csv", data))
    assert [row.cells for row in rows] == [("AB1", "Ford")]


def test_scientific_notation_read_as_written(tmp_path: Path) -> None:
    data = b"Plate,Make,Odometer\n1.23457E+11,Ford,12E3\n"
    _, rows = read(write(tmp_path, "scientific_plate.csv", data))
    assert rows[0].cells == ("1.23457E+11", "Ford", "12E3")
    assert rows[0].warnings == ()


def test_unclosed_quote(tmp_path: Path) -> None:
    data = b'Plate,Notes\nAB1,"never closed\n' + b"x" * 140_000 + b"\n"
    path = write(tmp_path, "unclosed_quote.csv", data)
    with pytest.raises(InputFileError) as caught:
        read_table(path)
    assert str(caught.value) == (
        f"{path}: row 2 has a cell longer than 131,072 characters, which usually means a "
        'quote (") that is never closed; check the quotes on that row and the rows above it.'
    )


def test_rows_are_lazy(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "fleet.csv", b"Plate\nAB1\nCD2\n"))
    assert isinstance(table.rows, Iterator)


def test_unclosed_quote_far_down(tmp_path: Path) -> None:
    good = "".join(f"P{index},x\n" for index in range(200))
    data = f'Plate,Notes\n{good}AB1,"never closed\n'.encode() + b"x" * 140_000
    path = write(tmp_path, "unclosed_quote_late.csv", data)
    table = read_table(path)
    with pytest.raises(InputFileError) as caught:
        list(table.rows)
    assert str(caught.value).startswith(f"{path}: row 202 has a cell longer than 131,072")


def test_rows_read_in_order(tmp_path: Path) -> None:
    lines = "".join(f"P{index:05d},{index}\n" for index in range(3000))
    _, rows = read(write(tmp_path, "many.csv", f"Plate,N\n{lines}".encode()))
    assert len(rows) == 3000
    assert rows[-1] == SourceRow(3001, ("P02999", "2999"))
