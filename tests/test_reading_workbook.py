"""Reading workbooks: cell texts as Excel shows them, sheets, merged and multi-line headers."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from importer.errors import InputFileError
from importer.reading import ReadOptions, cell_text, read_table, xlsx_formats
from importer.records import SourceRow, Table
from tests.conftest import FIXTURES

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def save(workbook: Workbook, path: Path) -> Path:
    workbook.save(path)
    return path


def read(path: Path, **options: str | int) -> tuple[Table, list[SourceRow]]:
    table = read_table(path, ReadOptions(**options))  # type: ignore[arg-type]
    return table, list(table.rows)


def write_raw_xlsx(path: Path, sheet_data: str, number_formats: Sequence[str] = ()) -> Path:
    """Write a minimal xlsx whose one sheet contains ``sheet_data`` (the XML inside sheetData).

    openpyxl cannot write cached formula values, but Excel does, so these tests write the
    XML. Style 0 is General, and style N (from 1) uses ``number_formats[N - 1]``.
    """
    formats = "".join(
        f'<numFmt numFmtId="{164 + index}" formatCode="{code}"/>'
        for index, code in enumerate(number_formats)
    )
    styles = "".join(f'<xf numFmtId="{164 + index}"/>' for index in range(len(number_formats)))
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PACKAGE_REL_NS}"><Relationship Id="rId1" '
            f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
            '<sheet name="Fleet" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PACKAGE_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL_NS}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{MAIN_NS}"><numFmts>{formats}</numFmts>'
            f'<cellXfs><xf numFmtId="0"/>{styles}</cellXfs></styleSheet>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{MAIN_NS}"><sheetData>{sheet_data}</sheetData></worksheet>'
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + xml)
    return path


def text_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_numbers_as_excel_shows(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Plate", "Year", "Long", "Odometer", "Ratio", "Negative"])
    sheet.append([123456, 2011, 123456789012, 12345.5, 0.1 + 0.2, -7])
    _, rows = read(save(book, tmp_path / "numbers.xlsx"))
    assert rows[0].cells == ("123456", "2011", "123456789012", "12345.5", "0.3", "-7")


def test_dates_times_booleans(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Since", "Seen", "At", "Active", "Retired"])
    sheet.append(
        [dt.date(2020, 1, 2), dt.datetime(2021, 3, 4, 13, 45), dt.time(7, 30), True, False]
    )
    _, rows = read(save(book, tmp_path / "dates_booleans.xlsx"))
    assert rows[0].cells == ("2020-01-02", "2021-03-04 13:45:00", "07:30:00", "TRUE", "FALSE")


def test_leading_zero_format(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Plate", "Unit", "Year"])
    sheet.append([1234, 42, 2011])
    sheet["A2"].number_format = "000000"
    sheet["B2"].number_format = '"U-"0000'
    _, rows = read(save(book, tmp_path / "leading_zero_format.xlsx"))
    assert rows[0].cells == ("001234", "U-0042", "2011")


def test_leading_zero_format_raw_xml(tmp_path: Path) -> None:
    data = (
        f'<row r="1">{text_cell("A1", "Plate")}{text_cell("B1", "Zip")}</row>'
        '<row r="2"><c r="A2" s="1"><v>1234</v></c><c r="B2" s="2" t="n"><v>1234567</v></c>'
        "</row>"
        f'<row r="3"><c r="A3" s="1" t="inlineStr"><is><t>12</t></is></c>'
        '<c r="B3" s="2"><v>2.5</v></c></row>'
    )
    path = write_raw_xlsx(tmp_path / "padded.xlsx", data, ["000000", "00000-0000"])
    _, rows = read(path)
    assert [row.cells for row in rows] == [("001234", "00123-4567"), ("12", "2.5")]


def test_leading_zero_format_xls() -> None:
    # Written once with xlwt, which the project does not depend on.
    _, rows = read(FIXTURES / "leading_zero_format.xls")
    assert rows == [
        SourceRow(2, ("001234", "U-0042", "2011", "12345.5")),
        SourceRow(3, ("987654", "text", "2012", "7")),
    ]


def test_padding_other_attribute_order(tmp_path: Path) -> None:
    data = (
        f'<row r="1">{text_cell("A1", "Plate")}{text_cell("B1", "Unit")}</row>'
        '<row r="2" s="1" customFormat="1"><c s="1" r="A2"><v>77</v></c>'
        '<c r="B2" t="n" s="1"><v>5</v></c></row>'
    )
    _, rows = read(write_raw_xlsx(tmp_path / "attributes_reordered.xlsx", data, ["0000"]))
    assert rows[0].cells == ("0077", "0005")


def test_padding_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_formats, "CHUNK_SIZE", 7)
    rows_xml = "".join(
        f'<row r="{number}"><c r="A{number}" s="1"><v>{number}</v></c></row>'
        for number in range(2, 40)
    )
    data = f'<row r="1">{text_cell("A1", "Plate")}</row>{rows_xml}'
    _, rows = read(write_raw_xlsx(tmp_path / "padded_many.xlsx", data, ["00000"]))
    assert [row.cells[0] for row in rows] == [f"{number:05d}" for number in range(2, 40)]


def test_cached_formula_values(tmp_path: Path) -> None:
    data = (
        f'<row r="1">{text_cell("A1", "Plate")}{text_cell("B1", "Year")}'
        f"{text_cell('C1', 'Label')}{text_cell('D1', 'Flag')}</row>"
        '<row r="2"><c r="A2" t="str"><f>"AB"&amp;"123"</f><v>AB123</v></c>'
        '<c r="B2"><f>2000+11</f><v>2011</v></c>'
        '<c r="C2" t="str"><f>UPPER("ford")</f><v>FORD</v></c>'
        '<c r="D2" t="b"><f>TRUE()</f><v>1</v></c></row>'
    )
    _, rows = read(write_raw_xlsx(tmp_path / "cached_formulas.xlsx", data))
    assert rows[0].cells == ("AB123", "2011", "FORD", "TRUE")


def test_line_breaks_in_header_cells(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Fuhrpark-Abrechnung"])
    sheet.append([])
    sheet.append(["Typ", "Kenn-\nzeichen", "Anfangsstand\nkm"])
    sheet.append(["Pkw", "MZ-PE-309", 67920])
    table, rows = read(save(book, tmp_path / "title_and_multiline_headers.xlsx"))
    assert table.header_row == 3
    assert table.headers == ["Typ", "Kenn-zeichen", "Anfangsstand km"]
    assert rows == [SourceRow(4, ("Pkw", "MZ-PE-309", "67920"))]


def test_merged_title_skipped(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Fleet 2024"])
    sheet.merge_cells("A1:C1")
    sheet.append(["Plate", "Make", "Year"])
    sheet.append(["AB1", "Ford", 2011])
    table, rows = read(save(book, tmp_path / "merged_title.xlsx"))
    assert table.headers == ["Plate", "Make", "Year"]
    assert rows[0].number == 3


def test_merged_group_header(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Plate", "Vehicle", None, "Year"])
    sheet.append([None, "Make", "Model", None])
    sheet.append(["AB1", "Ford", "F-150", 2011])
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:C1")
    sheet.merge_cells("D1:D2")
    table, rows = read(save(book, tmp_path / "merged_group_header.xlsx"))
    assert table.headers == ["Plate", "Vehicle Make", "Vehicle Model", "Year"]
    assert table.header_row == 2
    assert rows == [SourceRow(3, ("AB1", "Ford", "F-150", "2011"))]
    assert table.notes == [
        "Rows 1 and 2 form the header: merged cells in row 1 group the names in row 2, so "
        "each name is joined to its group's (e.g. 'Vehicle Make'). Pass --header-row 2 to use "
        "row 2 alone."
    ]


def test_merged_header_row_alone(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Plate", "Vehicle", None])
    sheet.append([None, "Make", "Model"])
    sheet.append(["AB1", "Ford", "F-150"])
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:C1")
    table, _ = read(save(book, tmp_path / "merged_group_header.xlsx"), header_row=2)
    assert table.headers == ["Plate", "Make", "Model"]


def test_merged_header_over_text_data(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Plate", "Owner", None])
    sheet.append(["AB1", "Kim", "Lee"])
    sheet.merge_cells("B1:C1")
    table, rows = read(save(book, tmp_path / "merged_header_cell.xlsx"))
    assert table.headers == ["Plate", "Owner", "Owner (2)"]
    assert rows == [SourceRow(2, ("AB1", "Kim", "Lee"))]


def test_empty_first_sheet_skipped(tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "Empty"
    data = book.create_sheet("Fleet")
    data.append(["Plate"])
    data.append(["AB1"])
    table, _ = read(save(book, tmp_path / "empty_first_sheet.xlsx"))
    assert table.sheet == "Fleet"
    assert table.notes == []


def test_hidden_sheet_skipped(tmp_path: Path) -> None:
    book = Workbook()
    hidden = book.active
    hidden.title = "Lookup"
    hidden.append(["Code", "Name"])
    hidden.append(["ON", "Ontario"])
    hidden.sheet_state = "hidden"
    data = book.create_sheet("Fleet")
    data.append(["Plate"])
    data.append(["AB1"])
    table, _ = read(save(book, tmp_path / "hidden_first_sheet.xlsx"))
    assert table.sheet == "Fleet"


def several_sheets(tmp_path: Path) -> Path:
    book = Workbook()
    book.active.title = "Cars"
    book.active.append(["Plate"])
    book.active.append(["CAR1"])
    for name in ("Trucks", "Old"):
        sheet = book.create_sheet(name)
        sheet.append(["Plate"])
        sheet.append([name.upper()])
    book["Old"].sheet_state = "hidden"
    return save(book, tmp_path / "several_sheets.xlsx")


def test_several_sheets_note(tmp_path: Path) -> None:
    table, rows = read(several_sheets(tmp_path))
    assert table.sheet == "Cars"
    assert rows[0].cells == ("CAR1",)
    assert table.notes == [
        "Read sheet 'Cars', the first with data; sheets 'Trucks' have data too. Pass --sheet "
        "to read another."
    ]


def test_sheet_by_name(tmp_path: Path) -> None:
    _, rows = read(several_sheets(tmp_path), sheet="trucks")
    assert rows[0].cells == ("TRUCKS",)


def test_sheet_by_number(tmp_path: Path) -> None:
    table, rows = read(several_sheets(tmp_path), sheet="2")
    assert table.sheet == "Trucks"
    assert rows[0].cells == ("TRUCKS",)
    assert table.notes == []


def test_hidden_sheet_by_name(tmp_path: Path) -> None:
    _, rows = read(several_sheets(tmp_path), sheet="Old")
    assert rows[0].cells == ("OLD",)


def test_sheet_unknown(tmp_path: Path) -> None:
    path = several_sheets(tmp_path)
    with pytest.raises(InputFileError) as caught:
        read_table(path, ReadOptions(sheet="3"))
    assert str(caught.value) == (
        f"{path}: no sheet '3'; the sheets are 'Cars', 'Trucks', 'Old' (hidden). Pass --sheet "
        "with one of these names or a number from 1 to 2 (visible sheets, left to right)."
    )


def test_sheet_unknown_one_sheet(tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "Fleet"
    book.active.append(["Plate"])
    book.active.append(["AB1"])
    path = save(book, tmp_path / "one_sheet.xlsx")
    with pytest.raises(InputFileError) as caught:
        read_table(path, ReadOptions(sheet="Nope"))
    assert str(caught.value) == (
        f"{path}: no sheet 'Nope'; the only sheet is 'Fleet'. Pass --sheet with its name, or "
        "leave out --sheet."
    )


def test_sheet_unknown_one_visible(tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "Fleet"
    book.active.append(["Plate"])
    book.create_sheet("Old").sheet_state = "hidden"
    path = save(book, tmp_path / "one_visible.xlsx")
    with pytest.raises(InputFileError) as caught:
        read_table(path, ReadOptions(sheet="2"))
    assert str(caught.value) == (
        f"{path}: no sheet '2'; the sheets are 'Fleet', 'Old' (hidden). Pass --sheet with one "
        "of these names, or 1 for 'Fleet', the only visible sheet."
    )


def test_only_hidden_sheet_has_data(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["Plate"])
    book.active.append(["AB1"])
    book.active.sheet_state = "hidden"
    book.create_sheet("Blank")
    path = save(book, tmp_path / "hidden_data_only.xlsx")
    with pytest.raises(InputFileError) as caught:
        read_table(path)
    assert str(caught.value) == (
        f"{path}: no visible sheet has data, but hidden sheets 'Sheet' do; pass --sheet with "
        "the name of the sheet to read."
    )


def test_workbook_without_data(tmp_path: Path) -> None:
    path = save(Workbook(), tmp_path / "empty_workbook.xlsx")
    with pytest.raises(InputFileError) as caught:
        read_table(path)
    assert str(caught.value) == (
        f"{path}: the workbook has no data on any sheet; check that it is the right file."
    )


def test_header_only_sheet(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["Plate", "Make"])
    path = save(book, tmp_path / "header_only.xlsx")
    with pytest.raises(InputFileError) as caught:
        read_table(path)
    assert str(caught.value) == (
        f"{path}: row 1 looks like the header row but no data rows follow it; check that "
        "it is the right file or sheet."
    )


def test_blank_rows_and_row_numbers(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet["B3"] = "Plate"
    sheet["C3"] = "Make"
    sheet["B5"] = "AB1"
    sheet["C5"] = "Ford"
    sheet["B9"] = "CD2"
    _, rows = read(save(book, tmp_path / "offset_table.xlsx"))
    assert rows == [SourceRow(5, ("", "AB1", "Ford")), SourceRow(9, ("", "CD2", ""))]


def test_value_under_no_header(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Plate", "Make"])
    for index in range(4):
        sheet.append([f"AB{index}", "Ford"])
    sheet["D3"] = "stray note"
    table, rows = read(save(book, tmp_path / "stray_value_past_headers.xlsx"))
    assert table.headers == ["Plate", "Make"]
    assert rows[1].warnings == (
        "Row 3: the columns past B have no header, so their values are not read: 'stray note'.",
    )


def write_ods(path: Path, tables: str, styles: str = "") -> Path:
    """Write a minimal OpenDocument spreadsheet whose body contains ``tables``."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
        'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:automatic-styles>{styles}</office:automatic-styles>"
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", MANIFEST, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def ods_row(*cells: str, repeat: int = 1) -> str:
    return (
        f'<table:table-row table:number-rows-repeated="{repeat}">{"".join(cells)}</table:table-row>'
    )


def ods_text(text: str) -> str:
    return (
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    )


def ods_number(value: str, shown: str, style: str = "", repeat: int = 1) -> str:
    return (
        f'<table:table-cell table:style-name="{style}" table:number-columns-repeated="{repeat}" '
        f'office:value-type="float" office:value="{value}"><text:p>{shown}</text:p>'
        "</table:table-cell>"
    )


def test_ods_workbook(tmp_path: Path) -> None:
    date = (
        '<table:table-cell office:value-type="date" office:date-value="2020-05-01">'
        "<text:p>01/05/2020</text:p></table:table-cell>"
    )
    table_xml = (
        '<table:table table:name="Fleet">'
        f"{ods_row(ods_text('Plate'), ods_text('Year'), ods_text('Since'))}"
        f"{ods_row(ods_number('123456', '123456'), ods_number('2011', '2011'), date)}"
        "</table:table>"
    )
    table, rows = read(write_ods(tmp_path / "fleet.ods", table_xml))
    assert table.sheet == "Fleet"
    assert rows == [SourceRow(2, ("123456", "2011", "2020-05-01"))]


def test_ods_leading_zeros(tmp_path: Path) -> None:
    styles = (
        '<number:number-style style:name="N1"><number:number number:min-integer-digits="6"/>'
        '</number:number-style><style:style style:name="ce1" style:family="table-cell" '
        'style:data-style-name="N1"/>'
    )
    other = (
        f'<table:table table:name="Notes">{ods_row(ods_number("7", "000007", "ce1"))}</table:table>'
    )
    fleet = (
        '<table:table table:name="Fleet">'
        f"{ods_row(ods_text('Plate'), ods_text('Unit'), ods_text('Code'))}"
        f"{ods_row(ods_number('1234', '001234', 'ce1'), ods_number('5', '000005', 'ce1', 2))}"
        + ods_row(ods_number("42", "000042", "ce1"), ods_text("x"), ods_number("9", "9"), repeat=2)
        + "</table:table>"
    )
    path = write_ods(tmp_path / "ods_leading_zeros.ods", other + fleet, styles)
    _, rows = read(path, sheet="Fleet")
    assert rows == [
        SourceRow(2, ("001234", "000005", "000005")),
        SourceRow(3, ("000042", "x", "9")),
        SourceRow(4, ("000042", "x", "9")),
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("  AB 123 ", "  AB 123 "),
        (True, "TRUE"),
        (2011.0, "2011"),
        (2011, "2011"),
        (123456.0, "123456"),
        (12345678901234567.0, "12345678901234600"),
        (0.1, "0.1"),
        (1.5e-7, "1.5e-07"),
        (-0.0, "0"),
        (dt.datetime(2020, 1, 2), "2020-01-02"),
        (dt.timedelta(hours=26, minutes=5), "26:05:00"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text
