"""Reading a results file back as an admin left it, and choosing the retry's mapping."""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from importer.errors import InputFileError, MappingError, UsageError
from importer.mapping import Mapper, automatic_profile, load_profile
from importer.records import RowResult, RunSummary, SourceRow, Status
from importer.reprocess import (
    choose_profile,
    merged_results,
    read_results,
    retry_results_path,
)
from importer.results import mapping_yaml, write_results
from importer.runner import RunOptions

HEADERS = ["Unit", "Plate", "Prov"]
PROFILE = "fields:\n  plate: Plate\n  plateType: {value: Passenger}\n  prov: Prov\n"

Rows = list[list[object]]


def result(number: int, cells: tuple[str, ...], status: Status, **fields: object) -> RowResult:
    return RowResult(SourceRow(number, cells), {}, status, **fields)  # type: ignore[arg-type]


ROWS = [
    result(2, ("U-1", "00123", "ON"), Status.PUSHED, attempts=1, http_status=200,
           finished_at="2026-01-05T10:00:01+01:00"),
    result(3, ("U-2", "", "ON"), Status.INVALID, errors=["Row 3: no plate.", "Row 3: second."]),
    result(4, ("=1+1", "XYZ789", "QC"), Status.FAILED, errors=["gave up after 6 attempts"],
           warnings=["a warning"], attempts=6, http_status=503),
    result(5, ("U-4", "XYZ", "QC"), Status.EXISTS, attempts=1, http_status=409),
]  # fmt: skip


def summary(tmp_path: Path, **fields: object) -> RunSummary:
    profile_path = tmp_path / "fleet.yaml"
    if not profile_path.exists():
        profile_path.write_text(PROFILE, encoding="utf-8")
    mapper = Mapper(load_profile(profile_path), HEADERS)
    values: dict[str, object] = {
        "command": "opscom-import run fleet.csv",
        "input_file": tmp_path / "fleet.csv",
        "sheet": None,
        "profile": str(profile_path),
        "target": "t",
        "started_at": "s",
        "profile_file": profile_path,
        "mapping": mapping_yaml(mapper),
        "counts": {"pushed": 1, "invalid": 1, "failed": 1, "exists": 1},
        **fields,
    }
    return RunSummary(**values)  # type: ignore[arg-type]


@pytest.fixture
def book_path(tmp_path: Path) -> Path:
    return write_results(tmp_path / "fleet.results.xlsx", HEADERS, ROWS, summary(tmp_path))


def edit(path: Path, change: Callable[[Rows], Rows], *, header: list[object] | None = None) -> None:
    """Rewrite the Results sheet as an admin would, keeping text cells text."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Results"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    old_header = [cell.value for cell in sheet[1]]
    sheet.delete_rows(1, sheet.max_row)
    for values in [header or old_header, *change(rows)]:
        sheet.append([None] * len(values))
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(sheet.max_row, index)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
    workbook.save(path)


def test_read_headers(book_path: Path) -> None:
    assert read_results(book_path).headers == HEADERS


def test_read_rows(book_path: Path) -> None:
    rows = read_results(book_path).rows
    assert [row.source for row in rows] == [
        SourceRow(2, ("U-1", "00123", "ON")),
        SourceRow(3, ("U-2", "", "ON")),
        SourceRow(4, ("=1+1", "XYZ789", "QC")),
        SourceRow(5, ("U-4", "XYZ", "QC")),
    ]


def test_read_outcomes(book_path: Path) -> None:
    row = read_results(book_path).rows[2]
    assert row.status is Status.FAILED
    assert row.errors == ("gave up after 6 attempts",)
    assert row.warnings == ("a warning",)
    assert row.attempts == 6
    assert row.http_status == 503
    assert row.finished_at is None
    assert row.line == 4


def test_read_messages_per_line(book_path: Path) -> None:
    assert read_results(book_path).rows[1].errors == ("Row 3: no plate.", "Row 3: second.")


def test_read_finished(book_path: Path) -> None:
    assert [row.finished for row in read_results(book_path).rows] == [True, False, False, True]


def test_read_summary(book_path: Path, tmp_path: Path) -> None:
    recorded = read_results(book_path).summary
    assert recorded is not None
    assert recorded.profile_file == tmp_path / "fleet.yaml"
    assert recorded.input_file == tmp_path / "fleet.csv"
    assert recorded.rows == 4


def test_read_constants(tmp_path: Path) -> None:
    facts = summary(tmp_path, constants={"plateType": "Bus", "colour": "a=b"})
    path = write_results(tmp_path / "r.xlsx", HEADERS, ROWS, facts)
    recorded = read_results(path).summary
    assert recorded is not None
    assert recorded.constants == {"plateType": "Bus", "colour": "a=b"}


def test_read_sorted_sheet(book_path: Path) -> None:
    edit(book_path, lambda rows: sorted(rows, key=lambda row: str(row[2] or ""), reverse=True))
    rows = read_results(book_path).rows
    assert [row.source.number for row in rows] == [2, 3, 4, 5]
    assert [row.status for row in rows] == [
        Status.PUSHED,
        Status.INVALID,
        Status.FAILED,
        Status.EXISTS,
    ]


def test_read_sorted_sheet_lines(book_path: Path) -> None:
    edit(book_path, lambda rows: list(reversed(rows)))
    assert [row.line for row in read_results(book_path).rows] == [5, 4, 3, 2]


def test_read_filtered_sheet(book_path: Path) -> None:
    workbook = openpyxl.load_workbook(book_path)
    sheet = workbook["Results"]
    sheet.auto_filter.add_filter_column(5, ["failed"])
    for number in (2, 3, 5):
        sheet.row_dimensions[number].hidden = True
    workbook.save(book_path)
    assert [row.source.number for row in read_results(book_path).rows] == [2, 3, 4, 5]


def test_read_deleted_rows(book_path: Path) -> None:
    edit(book_path, lambda rows: [row for row in rows if row[0] != 3])
    assert [row.source.number for row in read_results(book_path).rows] == [2, 4, 5]


def test_read_blank_rows_skipped(book_path: Path) -> None:
    edit(book_path, lambda rows: [rows[0], [None] * len(rows[0]), *rows[1:]])
    assert [row.source.number for row in read_results(book_path).rows] == [2, 3, 4, 5]


def test_read_admin_typed_numbers(book_path: Path) -> None:
    def retype(rows: Rows) -> Rows:
        rows[1][2] = 12345
        rows[2][2] = 12.5
        rows[3][2] = dt.datetime(2026, 1, 5)
        return rows

    edit(book_path, retype)
    plates = [row.source.cells[1] for row in read_results(book_path).rows]
    assert plates == ["00123", "12345", "12.5", "2026-01-05"]


def test_read_row_number_as_text(book_path: Path) -> None:
    def as_text(rows: Rows) -> Rows:
        rows[0][0] = " 2 "
        return rows

    edit(book_path, as_text)
    assert read_results(book_path).rows[0].source.number == 2


def test_read_status_case_ignored(book_path: Path) -> None:
    def shout(rows: Rows) -> Rows:
        rows[0][4] = " Pushed "
        return rows

    edit(book_path, shout)
    assert read_results(book_path).rows[0].status is Status.PUSHED


def test_read_unknown_status_not_finished(book_path: Path) -> None:
    def fixed(rows: Rows) -> Rows:
        rows[0][4] = "fixed it"
        return rows

    edit(book_path, fixed)
    row = read_results(book_path).rows[0]
    assert row.status is None
    assert row.finished is False


def test_read_extra_admin_column(book_path: Path) -> None:
    header = ["Row", *HEADERS, "Status", "Errors", "Warnings", "Attempts", "HTTP status"]
    header += ["Finished at", "Admin notes"]
    edit(book_path, lambda rows: [[*row, "called the owner"] for row in rows], header=header)
    book = read_results(book_path)
    assert book.headers == HEADERS
    assert book.rows[0].source.cells == ("U-1", "00123", "ON")


def test_read_input_column_named_status(tmp_path: Path) -> None:
    headers = ["Status", "Plate", "Prov"]
    rows = [result(2, ("active", "ABC", "ON"), Status.PUSHED)]
    path = write_results(tmp_path / "r.xlsx", headers, rows, summary(tmp_path))
    book = read_results(path)
    assert book.headers == headers
    assert book.rows[0].source.cells == ("active", "ABC", "ON")
    assert book.rows[0].status is Status.PUSHED


def test_read_duplicate_row_value(book_path: Path) -> None:
    edit(book_path, lambda rows: [*rows, rows[1]])
    with pytest.raises(InputFileError) as caught:
        read_results(book_path)
    assert str(caught.value) == (
        f"{book_path}: sheet Results, row 6: Row 3 is also on row 3; each input row may "
        "appear once. Delete one of the two."
    )


def test_read_missing_row_value(book_path: Path) -> None:
    def clear(rows: Rows) -> Rows:
        rows[1][0] = None
        return rows

    edit(book_path, clear)
    with pytest.raises(InputFileError) as caught:
        read_results(book_path)
    assert str(caught.value) == (
        f"{book_path}: sheet Results, row 3 has no Row value; put back the row number the "
        "run wrote, or delete the row."
    )


@pytest.mark.parametrize(("value", "shown"), [("abc", "abc"), (0, "0"), (2.5, "2.5")])
def test_read_bad_row_value(book_path: Path, value: object, shown: str) -> None:
    def spoil(rows: Rows) -> Rows:
        rows[1][0] = value
        return rows

    edit(book_path, spoil)
    with pytest.raises(InputFileError) as caught:
        read_results(book_path)
    assert str(caught.value) == (
        f"{book_path}: sheet Results, row 3: Row value '{shown}' is not a row number; put "
        "back the number the run wrote, or delete the row."
    )


def test_read_header_without_result_columns(book_path: Path) -> None:
    header = ["Row", *HEADERS, "Status", "Errors", "Warnings", "Attempts", "HTTP"]
    edit(book_path, lambda rows: rows, header=header)
    with pytest.raises(InputFileError) as caught:
        read_results(book_path)
    assert "hold Status, Errors, Warnings, Attempts, HTTP status, Finished at side by side" in str(
        caught.value
    )


def test_read_header_without_row(book_path: Path) -> None:
    header = ["Line", *HEADERS, "Status", "Errors", "Warnings", "Attempts", "HTTP status"]
    edit(book_path, lambda rows: rows, header=[*header, "Finished at"])
    with pytest.raises(InputFileError) as caught:
        read_results(book_path)
    assert str(caught.value).startswith(f"{book_path}: the Results header must start with 'Row'")


def test_read_no_results_sheet(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Fleet"
    workbook.save(path)
    with pytest.raises(InputFileError) as caught:
        read_results(path)
    assert str(caught.value) == (
        f"{path}: no sheet named 'Results' (sheets: Fleet); pass a results workbook written "
        "by opscom-import run."
    )


def test_read_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_text("not a zip", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        read_results(path)
    assert str(caught.value).startswith(f"{path}: cannot be read as a workbook (")


def test_read_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as caught:
        read_results(tmp_path / "gone.xlsx")
    assert str(caught.value) == (
        f"{tmp_path / 'gone.xlsx'}: file not found; pass the results file a run wrote."
    )


def test_read_csv_results(tmp_path: Path) -> None:
    path = write_results(tmp_path / "r.csv", HEADERS, ROWS, summary(tmp_path))
    book = read_results(path)
    assert book.is_csv is True
    assert [row.source for row in book.rows] == [row.source for row in ROWS]
    assert [row.status for row in book.rows] == [row.status for row in ROWS]


def test_read_csv_summary(tmp_path: Path) -> None:
    path = write_results(tmp_path / "r.csv", HEADERS, ROWS, summary(tmp_path))
    recorded = read_results(path).summary
    assert recorded is not None
    assert recorded.profile_file == tmp_path / "fleet.yaml"


def test_read_csv_without_summary(tmp_path: Path) -> None:
    path = write_results(tmp_path / "r.csv", HEADERS, ROWS, summary(tmp_path))
    (tmp_path / "r.summary.csv").unlink()
    assert read_results(path).summary is None


def excel_resave(path: Path, encoding: str, delimiter: str = ";") -> None:
    """Save a results CSV again as French Excel does, with an accent typed into row 3."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    table[2][1] = "Unité 2"
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\r\n").writerows(table)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8"])
def test_read_csv_excel_resaved(tmp_path: Path, encoding: str) -> None:
    path = write_results(tmp_path / "r.csv", HEADERS, ROWS, summary(tmp_path))
    excel_resave(path, encoding)
    excel_resave(tmp_path / "r.summary.csv", encoding)
    book = read_results(path)
    assert book.headers == HEADERS
    assert [row.source.cells for row in book.rows] == [
        ("U-1", "00123", "ON"),
        ("Unité 2", "", "ON"),
        ("=1+1", "XYZ789", "QC"),
        ("U-4", "XYZ", "QC"),
    ]
    assert [row.status for row in book.rows] == [row.status for row in ROWS]
    assert book.summary is not None
    assert book.summary.profile_file == tmp_path / "fleet.yaml"


def test_read_csv_encoding_option(tmp_path: Path) -> None:
    path = write_results(tmp_path / "r.csv", HEADERS, ROWS, summary(tmp_path))
    excel_resave(path, "utf-8", delimiter="|")
    book = read_results(path, encoding="latin-1", delimiter="pipe")
    assert book.rows[1].source.cells == ("UnitÃ© 2", "", "ON")


def test_read_csv_wrong_encoding_option(tmp_path: Path) -> None:
    path = write_results(tmp_path / "r.csv", HEADERS, ROWS, summary(tmp_path))
    excel_resave(path, "cp1252")
    with pytest.raises(InputFileError) as caught:
        read_results(path, encoding="utf-8")
    assert str(caught.value) == (
        f"{path}: not valid utf-8 text (byte 0xE9 at offset 140, line 3); pass --encoding "
        "with the right encoding (e.g. utf-8, cp1252 or utf-16)."
    )


def options(tmp_path: Path, **fields: object) -> RunOptions:
    return RunOptions(input_path=tmp_path / "fleet.results.xlsx", **fields)  # type: ignore[arg-type]


def test_profile_recorded_file(book_path: Path, tmp_path: Path) -> None:
    choice = choose_profile(read_results(book_path), options(tmp_path))
    assert choice.file == tmp_path / "fleet.yaml"
    assert choice.label == str(tmp_path / "fleet.yaml")


def test_profile_recorded_file_fix_applies(book_path: Path, tmp_path: Path) -> None:
    (tmp_path / "fleet.yaml").write_text(
        PROFILE.replace("{value: Passenger}", "{value: Truck}"), encoding="utf-8"
    )
    choice = choose_profile(read_results(book_path), options(tmp_path))
    payload = Mapper(choice.profile, HEADERS).map_row(SourceRow(2, ("U", "P", "ON"))).payload
    assert payload["plateType"] == "Truck"


def test_profile_option_wins(book_path: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(PROFILE.replace("Passenger", "Bus"), encoding="utf-8")
    choice = choose_profile(read_results(book_path), options(tmp_path, profile_path=other))
    assert choice.file == other
    payload = Mapper(choice.profile, HEADERS).map_row(SourceRow(2, ("U", "P", "ON"))).payload
    assert payload["plateType"] == "Bus"


def test_profile_file_gone_uses_recorded(
    book_path: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "fleet.yaml").unlink()
    with caplog.at_level(logging.WARNING):
        choice = choose_profile(read_results(book_path), options(tmp_path))
    assert choice.file is None
    assert choice.label == "the mapping recorded in fleet.results.xlsx"
    assert caplog.messages == [
        f"the profile {tmp_path / 'fleet.yaml'} is gone; mapping with the copy recorded "
        f"in {book_path}"
    ]


def test_profile_automatic_uses_recorded(tmp_path: Path) -> None:
    headers = ["Licence Plate", "Province", "Make"]
    mapper = Mapper(automatic_profile({"plateType": "Passenger"}), headers)
    facts = summary(tmp_path, profile_file=None, mapping=mapping_yaml(mapper))
    facts.constants = {"plateType": "Passenger"}
    rows = [result(2, ("ABC", "ON", "Ford"), Status.FAILED)]
    path = write_results(tmp_path / "auto.results.xlsx", headers, rows, facts)
    choice = choose_profile(read_results(path), options(tmp_path))
    row = SourceRow(2, ("ABC", "ON", "Ford"))
    assert Mapper(choice.profile, headers).map_row(row).payload == mapper.map_row(row).payload


def test_profile_constants_recorded_and_overridden(tmp_path: Path) -> None:
    facts = summary(tmp_path, constants={"plateType": "Bus", "colour": "Red"})
    path = write_results(tmp_path / "r.xlsx", HEADERS, ROWS, facts)
    choice = choose_profile(read_results(path), options(tmp_path, constants={"colour": "Blue"}))
    assert choice.constants == {"plateType": "Bus", "colour": "Blue"}
    payload = Mapper(choice.profile, HEADERS).map_row(SourceRow(2, ("U", "P", "ON"))).payload
    assert payload["plateType"] == "Bus"
    assert payload["colour"] == "Blue"


def test_profile_without_summary(tmp_path: Path) -> None:
    path = write_results(tmp_path / "r.csv", HEADERS, ROWS, summary(tmp_path))
    (tmp_path / "r.summary.csv").unlink()
    with pytest.raises(UsageError) as caught:
        choose_profile(read_results(path), options(tmp_path))
    assert str(caught.value) == (
        f"{path}: no Summary, so the mapping of the first run is unknown; pass --mapping PATH."
    )


def test_profile_nothing_recorded(tmp_path: Path) -> None:
    facts = summary(tmp_path, profile_file=None, mapping="")
    path = write_results(tmp_path / "r.xlsx", HEADERS, ROWS, facts)
    with pytest.raises(MappingError) as caught:
        choose_profile(read_results(path), options(tmp_path))
    assert str(caught.value) == (
        f"{path}: the Summary records no mapping ('Mapping used' is empty); pass --mapping PATH."
    )


def test_merged_results_keep_finished(book_path: Path, tmp_path: Path) -> None:
    book = read_results(book_path)
    choice = choose_profile(book, options(tmp_path))
    results = merged_results(book, choice, Mapper(choice.profile, HEADERS))
    assert [(r.source.number, r.status) for r in results] == [
        (2, Status.PUSHED),
        (3, Status.INVALID),
        (4, Status.VALID),
        (5, Status.EXISTS),
    ]
    assert (results[0].attempts, results[0].http_status) == (1, 200)
    assert results[0].finished_at == "2026-01-05T10:00:01+01:00"


def test_merged_results_recheck_fixed_row(book_path: Path, tmp_path: Path) -> None:
    def fix(rows: Rows) -> Rows:
        rows[1][2] = "NEW3"
        return rows

    edit(book_path, fix)
    book = read_results(book_path)
    choice = choose_profile(book, options(tmp_path))
    fixed = merged_results(book, choice, Mapper(choice.profile, HEADERS))[1]
    assert fixed.status is Status.VALID
    assert fixed.errors == []
    assert fixed.payload == {"plate": "NEW3", "plateType": "Passenger", "prov": "ON"}


@pytest.mark.parametrize(
    ("existing", "name", "expected"),
    [
        ([], "fleet.results.xlsx", "fleet.results.retry-1.xlsx"),
        (["fleet.results.retry-1.xlsx"], "fleet.results.xlsx", "fleet.results.retry-2.xlsx"),
        ([], "fleet.results.retry-1.xlsx", "fleet.results.retry-2.xlsx"),
        ([], "fleet.results.retry-7.xlsx", "fleet.results.retry-1.xlsx"),
        ([], "fleet.results.csv", "fleet.results.retry-1.csv"),
    ],
)
def test_retry_results_path(tmp_path: Path, existing: list[str], name: str, expected: str) -> None:
    for other in [name, *existing]:
        (tmp_path / other).touch()
    suffix = Path(name).suffix
    assert retry_results_path(tmp_path / name, suffix) == tmp_path / expected
