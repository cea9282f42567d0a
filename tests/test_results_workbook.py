"""The results workbook as an admin opens it: values, cell types, fills, widths, safety."""

from __future__ import annotations

import contextlib
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine
import xlsxwriter
from openpyxl.worksheet.worksheet import Worksheet
from xlsxwriter.exceptions import FileCreateError

from importer import __version__
from importer.errors import UsageError
from importer.records import RowResult, RunSummary, SourceRow, Status
from importer.results import ResultsWriter, write_results

HEADERS = ["Unit", "Plate", "Prov", "VIN"]
FORMULAS = ['=HYPERLINK("http://example.invalid","x")', "+1", "-2", "@SUM(A1)", "\tTAB", "\rCR"]


def result(
    number: int,
    cells: tuple[str, ...] = ("U-1", "ABC123", "ON", "1HGCM82633A004352"),
    status: Status = Status.PUSHED,
    **fields: object,
) -> RowResult:
    return RowResult(SourceRow(number, cells), {}, status, **fields)  # type: ignore[arg-type]


def summary(**fields: object) -> RunSummary:
    values: dict[str, object] = {
        "command": "opscom-import run fleet.csv",
        "input_file": Path("/data/fleet.csv"),
        "sheet": None,
        "profile": "/data/fleet.yaml",
        "target": "https://example.invalid (client code OC_TEST)",
        "started_at": "2026-01-05T10:00:00+01:00",
        **fields,
    }
    return RunSummary(**values)  # type: ignore[arg-type]


def written(tmp_path: Path, results: list[RowResult], **options: object) -> Worksheet:
    path = tmp_path / "fleet.results.xlsx"
    with ResultsWriter(path, HEADERS, **options) as writer:  # type: ignore[arg-type]
        for row in results:
            writer.write(row)
        writer.finish(summary())
    sheet: Worksheet = openpyxl.load_workbook(path)["Results"]
    return sheet


def column(sheet: Worksheet, title: str) -> int:
    return [cell.value for cell in sheet[1]].index(title) + 1


def shown_width(stored: float | None) -> float | None:
    """Return a column's width as Excel shows it: the stored width less 5 pixels of padding.

    A character is 7 pixels wide in Excel's default font, which the stored width counts.
    """
    return None if stored is None else round(stored - 5 / 7, 2)


def calamine_values(tmp_path: Path) -> list[list[object]]:
    """Read the Results sheet as Excel shows it; openpyxl leaves _xHHHH_ escapes undecoded."""
    workbook = python_calamine.CalamineWorkbook.from_path(str(tmp_path / "fleet.results.xlsx"))
    rows: list[list[object]] = workbook.get_sheet_by_name("Results").to_python()
    return rows


def test_header_values(tmp_path: Path) -> None:
    sheet = written(tmp_path, [result(2)])
    assert [cell.value for cell in sheet[1]] == [
        "Row",
        "Unit",
        "Plate",
        "Prov",
        "VIN",
        "Status",
        "Errors",
        "Warnings",
        "Attempts",
        "HTTP status",
        "Finished at",
    ]


def test_header_bold(tmp_path: Path) -> None:
    sheet = written(tmp_path, [result(2)])
    assert all(cell.font.bold for cell in sheet[1])


def test_freeze_panes_keep_header_and_row(tmp_path: Path) -> None:
    sheet = written(tmp_path, [result(2)])
    assert sheet.freeze_panes == "B2"


def test_autofilter_covers_table(tmp_path: Path) -> None:
    sheet = written(tmp_path, [result(2), result(3), result(4)])
    assert sheet.auto_filter.ref == "A1:K4"


def test_row_values(tmp_path: Path) -> None:
    row = result(
        7,
        status=Status.REJECTED,
        errors=["error 9021: Plate must be 50 characters or fewer."],
        attempts=2,
        http_status=400,
        finished_at="2026-01-05T10:00:01+01:00",
    )
    sheet = written(tmp_path, [row])
    assert [cell.value for cell in sheet[2]] == [
        7,
        "U-1",
        "ABC123",
        "ON",
        "1HGCM82633A004352",
        "rejected",
        "error 9021: Plate must be 50 characters or fewer.",
        None,
        2,
        400,
        "2026-01-05T10:00:01+01:00",
    ]


def test_numbers_are_number_cells(tmp_path: Path) -> None:
    sheet = written(tmp_path, [result(7, attempts=2, http_status=200)])
    assert sheet.cell(2, 1).data_type == "n"
    assert sheet.cell(2, column(sheet, "Attempts")).data_type == "n"
    assert sheet.cell(2, column(sheet, "HTTP status")).data_type == "n"


def test_identifiers_stay_text(tmp_path: Path) -> None:
    sheet = written(tmp_path, [result(2, ("00123", "0042", "QC", "123456789012"))])
    assert [sheet.cell(2, index).value for index in range(2, 6)] == [
        "00123",
        "0042",
        "QC",
        "123456789012",
    ]
    assert [sheet.cell(2, index).data_type for index in range(2, 6)] == ["s", "s", "s", "s"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_value_is_text(tmp_path: Path, text: str) -> None:
    sheet = written(tmp_path, [result(2, (text, "ABC123", "ON", ""))])
    cell = sheet.cell(2, 2)
    assert calamine_values(tmp_path)[1][1] == text
    assert cell.data_type == "s"
    assert cell.quotePrefix is True


def test_rich_text_markup_value_kept(tmp_path: Path) -> None:
    markup = "<r><t>x</t></r>"
    sheet = written(tmp_path, [result(2, (markup, "<r>", "ON", "<r></r>"))])
    assert [sheet.cell(2, index).value for index in range(2, 6)] == [
        markup,
        "<r>",
        "ON",
        "<r></r>",
    ]
    assert sheet.cell(2, 2).data_type == "s"


def test_no_formula_anywhere(tmp_path: Path) -> None:
    rows = [
        result(2, (FORMULAS[0], FORMULAS[1], FORMULAS[2], FORMULAS[3])),
        result(3, status=Status.INVALID, errors=list(FORMULAS), warnings=list(FORMULAS)),
    ]
    sheet = written(tmp_path, rows)
    types = {cell.data_type for row in sheet.iter_rows() for cell in row}
    assert "f" not in types


def test_formula_like_message_is_text(tmp_path: Path) -> None:
    sheet = written(tmp_path, [result(2, status=Status.FAILED, errors=["=1+1"])])
    cell = sheet.cell(2, column(sheet, "Errors"))
    assert cell.value == "=1+1"
    assert cell.data_type == "s"


def test_messages_one_per_line(tmp_path: Path) -> None:
    row = result(
        2,
        status=Status.INVALID,
        errors=["Row 2: first problem.", "Row 2: second problem."],
        warnings=["one warning"],
    )
    sheet = written(tmp_path, [row])
    errors = sheet.cell(2, column(sheet, "Errors"))
    assert errors.value == "Row 2: first problem.\nRow 2: second problem."
    assert errors.alignment.wrap_text is True
    assert sheet.cell(2, column(sheet, "Warnings")).value == "one warning"


@pytest.mark.parametrize(
    ("status", "warnings", "colour"),
    [
        (Status.PUSHED, [], "C6EFCE"),
        (Status.PUSHED, ["Server: colour was truncated."], "FFEB9C"),
        (Status.EXISTS, [], "D9D9D9"),
        (Status.EXISTS, ["a warning"], "FFEB9C"),
        (Status.UNCHANGED, [], "D9D9D9"),
        (Status.DUPLICATE, [], "D9D9D9"),
        (Status.VALID, [], "DDEBF7"),
        (Status.INVALID, [], "FFC7CE"),
        (Status.INVALID, ["a warning"], "FFC7CE"),
        (Status.REJECTED, [], "FFC7CE"),
        (Status.FAILED, [], "FFC7CE"),
        (Status.NOT_ATTEMPTED, [], "F8CBAD"),
    ],
)
def test_status_fill(tmp_path: Path, status: Status, warnings: list[str], colour: str) -> None:
    sheet = written(tmp_path, [result(2, status=status, warnings=warnings)])
    fill = sheet.cell(2, column(sheet, "Status")).fill
    assert fill.fill_type == "solid"
    assert fill.start_color.rgb == f"FF{colour}"


def test_unfinished_row_cells_text_format(tmp_path: Path) -> None:
    sheet = written(tmp_path, [result(2, ("U-1", "", "ON", ""), status=Status.INVALID)])
    assert [sheet.cell(2, index).number_format for index in range(2, 6)] == ["@", "@", "@", "@"]


def test_finished_row_cells_text_format(tmp_path: Path) -> None:
    sheet = written(tmp_path, [result(2)])
    assert sheet.cell(2, 3).number_format == "@"


def test_result_cells_general_format(tmp_path: Path) -> None:
    sheet = written(tmp_path, [result(2, attempts=1, finished_at="2026-01-05T10:00:01+01:00")])
    assert [sheet.cell(2, index).number_format for index in (1, 9, 11)] == ["General"] * 3


def test_input_columns_text_format(tmp_path: Path) -> None:
    sheet = written(tmp_path, [result(2)])
    formats = {letter: sheet.column_dimensions[letter].number_format for letter in "ABCDEF"}
    assert formats == {"A": "General", "B": "@", "C": "@", "D": "@", "E": "@", "F": "General"}


def test_widths_fitted(tmp_path: Path) -> None:
    sheet = written(tmp_path, [result(2, ("U-1", "ABCDEFGHIJKL", "ON", "x" * 80))])
    widths = {letter: shown_width(sheet.column_dimensions[letter].width) for letter in "ABCE"}
    assert widths == {"A": 6, "B": 6, "C": 14, "E": 60}


def test_widths_from_first_rows(tmp_path: Path) -> None:
    rows = [result(2), result(3), result(4, ("U-1", "P" * 30, "ON", ""))]
    sheet = written(tmp_path, rows, width_sample=2)
    assert shown_width(sheet.column_dimensions["C"].width) == 8


def test_widths_longest_line(tmp_path: Path) -> None:
    row = result(2, status=Status.INVALID, errors=["short", "a line of twenty-five char"])
    sheet = written(tmp_path, [row])
    assert shown_width(sheet.column_dimensions["G"].width) == 28


def test_rows_after_sample_in_order(tmp_path: Path) -> None:
    sheet = written(tmp_path, [result(number) for number in range(2, 9)], width_sample=3)
    assert [sheet.cell(row, 1).value for row in range(2, 9)] == [2, 3, 4, 5, 6, 7, 8]


def test_control_characters_replaced(tmp_path: Path) -> None:
    sheet = written(tmp_path, [result(2, ("U\x0b1", "AB\x00C", "ON", ""))])
    assert sheet.cell(2, 2).value == "U\ufffd1"
    assert sheet.cell(2, 3).value == "AB\ufffdC"


def test_long_text_cut_to_excel_limit(tmp_path: Path) -> None:
    sheet = written(tmp_path, [result(2, ("U-1", "P", "ON", "v" * 40_000))])
    value = sheet.cell(2, 5).value
    assert len(value) == 32_767
    assert value.endswith("\N{HORIZONTAL ELLIPSIS}")


def test_unfinished_writer_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "fleet.results.xlsx"
    with pytest.raises(KeyboardInterrupt), ResultsWriter(path, HEADERS) as writer:
        writer.write(result(2))
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_unfinished_writer_keeps_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "fleet.results.xlsx"
    write_results(path, HEADERS, [result(2)], summary())
    with pytest.raises(KeyboardInterrupt), ResultsWriter(path, HEADERS) as writer:
        writer.write(result(3))
        raise KeyboardInterrupt
    sheet = openpyxl.load_workbook(path)["Results"]
    assert [cell.value for cell in sheet["A"]] == ["Row", 2]
    assert sorted(item.name for item in tmp_path.iterdir()) == ["fleet.results.xlsx"]


def test_folder_not_writable_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        ResultsWriter(blocker / "fleet.results.xlsx", HEADERS)
    assert str(caught.value).startswith(f"{blocker / 'fleet.results.xlsx'}: cannot write")
    assert str(caught.value).endswith("choose another place with --results.")


def summary_items(path: Path) -> list[tuple[object, object]]:
    sheet = openpyxl.load_workbook(path)["Summary"]
    return [(row[0].value, row[1].value) for row in sheet.iter_rows(min_row=2)]


def test_summary_sheet(tmp_path: Path) -> None:
    path = tmp_path / "fleet.results.xlsx"
    facts = summary(
        finished_at="2026-01-05T10:00:04+01:00",
        duration_seconds=4.0,
        counts={"invalid": 1, "pushed": 3},
        profile_file=Path("/data/fleet.yaml"),
        constants={"plateType": "Passenger"},
        mapping="fields:\n  plate:\n    column: Plate",
        retry_options=["--base-url", "https://example.invalid", "--client-code", "OC_TEST"],
        notes=["a note"],
    )
    rows = [
        result(2, status=Status.INVALID, error_codes=["missing-plate", "missing-province"]),
        result(3, warning_codes=["value-changed"]),
        result(4, warning_codes=["value-changed"]),
        result(5, error_codes=["missing-plate"]),
    ]
    write_results(path, HEADERS, rows, facts)
    assert summary_items(path) == [
        ("Command", "opscom-import run fleet.csv"),
        ("Input file", "/data/fleet.csv"),
        ("Sheet", None),
        ("Mapping profile", "/data/fleet.yaml"),
        ("Profile file", "/data/fleet.yaml"),
        ("Constant (--set)", "plateType=Passenger"),
        ("Mapping used", "fields:\n  plate:\n    column: Plate"),
        ("Target", "https://example.invalid (client code OC_TEST)"),
        ("Started", "2026-01-05T10:00:00+01:00"),
        ("Finished", "2026-01-05T10:00:04+01:00"),
        ("Duration (s)", 4),
        ("Rows", 4),
        ("Rows per second", 1),
        ("Tool version", __version__),
        (
            "Reprocess command",
            f"opscom-import retry {path} --base-url https://example.invalid --client-code OC_TEST",
        ),
        ("Rows: pushed", 3),
        ("Rows: invalid", 1),
        ("Error: missing-plate", 2),
        ("Error: missing-province", 1),
        ("Warning: value-changed", 2),
        ("Note", "a note"),
    ]


def test_summary_fills_code_counts(tmp_path: Path) -> None:
    facts = summary()
    rows = [result(2, warning_codes=["b", "a"]), result(3, warning_codes=["b"])]
    write_results(tmp_path / "fleet.results.xlsx", HEADERS, rows, facts)
    assert facts.warning_counts == {"b": 2, "a": 1}


def test_summary_formula_like_value_is_text(tmp_path: Path) -> None:
    path = tmp_path / "fleet.results.xlsx"
    write_results(path, HEADERS, [result(2)], summary(command="=cmd"))
    cell = openpyxl.load_workbook(path)["Summary"]["B2"]
    assert cell.value == "=cmd"
    assert cell.data_type == "s"


def test_save_failure_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(workbook: object) -> None:
        raise FileCreateError(OSError(28, "No space left on device"))

    monkeypatch.setattr(xlsxwriter.Workbook, "close", fail)
    path = tmp_path / "fleet.results.xlsx"
    with pytest.raises(UsageError) as caught, ResultsWriter(path, HEADERS) as writer:
        writer.write(result(2))
        writer.finish(summary())
    assert str(caught.value) == (
        f"{path}: cannot write the results workbook ([Errno 28] No space left on device); "
        "free some space there or choose another place with --results."
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("finished", [True, False])
def test_no_temporary_files_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, finished: bool
) -> None:
    scratch = tmp_path / "system-temp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    with (
        contextlib.suppress(KeyboardInterrupt),
        ResultsWriter(tmp_path / "fleet.results.xlsx", HEADERS) as writer,
    ):
        for number in range(2, 2_000):
            writer.write(result(number))
        if finished:
            writer.finish(summary())
        raise KeyboardInterrupt
    assert list(scratch.iterdir()) == []


def test_small_workbook_without_zip64(tmp_path: Path) -> None:
    path = tmp_path / "fleet.results.xlsx"
    write_results(path, HEADERS, [result(2)], summary())
    with zipfile.ZipFile(path) as archive:
        extras = [info.extra for info in archive.infolist()]
    assert extras == [b""] * len(extras)
