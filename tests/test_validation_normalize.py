"""Normalisation: spaces, plates, provinces, years and VINs, each change listed as a warning."""

from __future__ import annotations

import datetime as dt

import pytest

from importer.records import Status
from importer.validation.normalize import clean_spaces, cleaning_steps
from tests.validation_rows import codes, mapped, messages, validator, verdict


def test_clean_spaces_collapses_and_trims() -> None:
    assert clean_spaces(" Ford \t F-150\u00a0\n") == "Ford F-150"


def test_clean_spaces_removes_invisible() -> None:
    assert clean_spaces("\ufeffTo\u200byota\u00ad") == "Toyota"


def test_cleaning_steps_lists_each_change() -> None:
    assert cleaning_steps(" A\u00a0 B\u200b") == (
        "spaces at the ends removed, repeated spaces merged, "
        "tabs, line breaks or special spaces made plain spaces, invisible characters removed"
    )


def test_whitespace_trimmed_payload() -> None:
    assert verdict(make="  Ford  Motor ").payload["make"] == "Ford Motor"


def test_whitespace_trimmed_warning() -> None:
    assert messages(verdict(make="  Ford  Motor ").warnings) == [
        "Row 14, column 'Make': '  Ford  Motor ' is sent as 'Ford Motor' "
        "(spaces at the ends removed, repeated spaces merged)."
    ]


def test_whitespace_trimmed_code() -> None:
    assert codes(verdict(make=" Ford").warnings) == ["whitespace-trimmed"]


def test_whitespace_warning_escapes_invisible() -> None:
    assert messages(verdict(colour="Red\u200b").warnings) == [
        "Row 14, column 'Colour': 'Red\\u200b' is sent as 'Red' (invisible characters removed)."
    ]


def test_whitespace_warning_shows_line_break() -> None:
    assert messages(verdict(type="Pick\nUp").warnings) == [
        "Row 14, column 'Body': 'Pick\\nUp' is sent as 'Pick Up' "
        "(tabs, line breaks or special spaces made plain spaces)."
    ]


def test_clean_value_no_warning() -> None:
    result = verdict(make="Ford", colour="Red", year="2011", vin="1HGCM82633A004352")
    assert result.warnings == []


def test_plate_compact_payload() -> None:
    assert verdict(plate="abc-12 3").payload["plate"] == "ABC123"


def test_plate_compact_warning() -> None:
    assert messages(verdict(plate="abc-12 3").warnings) == [
        "Row 14, column 'Licence Plate': 'abc-12 3' is sent as 'ABC123' "
        "(upper case, without spaces or dashes)."
    ]


def test_plate_compact_unicode_dash() -> None:
    assert verdict(plate="AB\u201312").payload["plate"] == "AB12"


def test_plate_keep_style_payload() -> None:
    assert verdict(plate="abc-12 3", plate_style="keep").payload["plate"] == "ABC-12 3"


def test_plate_keep_style_warning() -> None:
    result = verdict(plate="abc-12 3", plate_style="keep")
    assert messages(result.warnings) == [
        "Row 14, column 'Licence Plate': 'abc-12 3' is sent as 'ABC-12 3' (upper case)."
    ]


def test_plate_keep_style_unchanged() -> None:
    assert verdict(plate="AB-12 3", plate_style="keep").warnings == []


def test_plate_trimmed_then_compacted() -> None:
    assert codes(verdict(plate=" ab 12").warnings) == ["whitespace-trimmed", "plate-normalized"]


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        ("ontario", "ON"),
        ("Ontario", "ON"),
        ("on", "ON"),
        ("Québec", "QC"),
        ("Quebec", "QC"),
        ("Colombie-Britannique", "BC"),
        ("N.Y.", "NY"),
        ("Mass.", "MA"),
        ("District of Columbia", "DC"),
        ("Puerto Rico", "PR"),
        ("nuevo leon", "Nuevo León"),
        ("MX-JAL", "Jalisco"),
    ],
)
def test_province_normalized_payload(written: str, sent: str) -> None:
    assert verdict(prov=written).payload["prov"] == sent


def test_province_normalized_warning() -> None:
    assert messages(verdict(prov="Québec").warnings) == [
        "Row 14, column 'State': 'Québec' is sent as 'QC'."
    ]


def test_province_normalized_code() -> None:
    assert codes(verdict(prov="ontario").warnings) == ["province-normalized"]


def test_province_abbreviation_unchanged() -> None:
    assert verdict(prov="ON").warnings == []


def test_mexican_state_name_unchanged() -> None:
    assert verdict(prov="Jalisco").warnings == []


def test_unknown_province_status() -> None:
    assert verdict(prov="Ontari").status is Status.INVALID


def test_unknown_province_message() -> None:
    assert messages(verdict(prov="Ontari").errors) == [
        "Row 14, column 'State': 'Ontari' is not a Canadian province, US state or Mexican "
        "state; use a postal abbreviation such as ON."
    ]


def test_unknown_province_suggests_closest() -> None:
    assert messages(verdict(prov="Illinios").errors) == [
        "Row 14, column 'State': 'Illinios' is not a Canadian province, US state or Mexican "
        "state; use a postal abbreviation such as IL."
    ]


def test_unknown_province_suggests_mexican_name() -> None:
    assert messages(verdict(prov="Jalisko").errors) == [
        "Row 14, column 'State': 'Jalisko' is not a Canadian province, US state or Mexican "
        "state; use the state's full name, such as Jalisco."
    ]


def test_unknown_province_issue_fields() -> None:
    issue = verdict(prov="99").errors[0]
    assert (issue.code, issue.row, issue.column, issue.value) == (
        "unknown-province",
        14,
        "State",
        "99",
    )


def test_province_id_not_normalized() -> None:
    result = verdict(prov="", provID="ontario")
    assert result.payload["provID"] == "ontario"
    assert result.status is Status.VALID


def test_year_decimal_payload() -> None:
    assert verdict(year="2011.0").payload["year"] == "2011"


def test_year_decimal_warning() -> None:
    assert messages(verdict(year="2011.0").warnings) == [
        "Row 14, column 'Year': '2011.0' is sent as '2011'."
    ]


def test_year_decimal_code() -> None:
    assert codes(verdict(year="2011.00").warnings) == ["year-normalized"]


def test_year_spaces_payload() -> None:
    assert verdict(year=" 2011 ").payload["year"] == "2011"


def test_year_spaces_code() -> None:
    assert codes(verdict(year=" 2011 ").warnings) == ["whitespace-trimmed"]


def test_two_digit_year_message() -> None:
    assert messages(verdict(year="11").errors) == [
        "Row 14, column 'Year': '11' is a two-digit year, which could be 1911 or 2011; "
        "write all four digits."
    ]


def test_two_digit_year_with_decimal() -> None:
    assert codes(verdict(year="98.0").errors) == ["two-digit-year"]


@pytest.mark.parametrize(
    "year", ["0", "201", "20111", "2011.5", "abc", "MMXI", "\u0661\u0669\u0669\u0669"]
)
def test_invalid_year_code(year: str) -> None:
    assert codes(verdict(year=year).errors) == ["invalid-year"]


def test_invalid_year_message() -> None:
    assert messages(verdict(year="0").errors) == [
        "Row 14, column 'Year': '0' is not a 4-digit year; write the model year, such as "
        "2019, or leave the cell empty."
    ]


def test_year_before_1900_message() -> None:
    assert messages(verdict(year="1899").errors) == [
        "Row 14, column 'Year': '1899' is not a model year from 1900 to 2026; correct the year "
        "or leave the cell empty."
    ]


@pytest.mark.parametrize("year", ["1900", "2025", "2026"])
def test_year_in_range_valid(year: str) -> None:
    assert verdict(year=year).status is Status.VALID


def test_year_after_next_year_invalid() -> None:
    assert codes(verdict(year="2027").errors) == ["year-out-of-range"]


def test_year_range_follows_clock() -> None:
    later = validator(today=dt.date(2026, 1, 1))
    assert later.validate(mapped(year="2027")).status is Status.VALID


def test_year_keeps_written_value_when_invalid() -> None:
    assert verdict(year="11").payload["year"] == "11"


def test_vin_upper_case_payload() -> None:
    assert verdict(vin="1hgcm82633a004352").payload["vin"] == "1HGCM82633A004352"


def test_vin_upper_case_warning() -> None:
    assert messages(verdict(vin="1hgcm82633a004352").warnings) == [
        "Row 14, column 'VIN': '1hgcm82633a004352' is sent as '1HGCM82633A004352' (upper case)."
    ]


def test_names_keep_case() -> None:
    assert verdict(make="mErCeDeS").payload["make"] == "mErCeDeS"


def test_payload_keeps_field_order() -> None:
    assert list(verdict(make="Ford", year="2011").payload) == [
        "plate",
        "plateType",
        "prov",
        "make",
        "year",
    ]


def test_repeated_value_messages_name_each_row() -> None:
    checker = validator()
    first = checker.validate(mapped(14, prov=" Ontario", plate="A1"))
    second = checker.validate(mapped(15, prov=" Ontario", plate="B2"))
    assert messages(first.warnings) == [
        "Row 14, column 'State': ' Ontario' is sent as 'Ontario' (spaces at the ends removed).",
        "Row 14, column 'State': 'Ontario' is sent as 'ON'.",
    ]
    assert messages(second.warnings) == [
        "Row 15, column 'State': ' Ontario' is sent as 'Ontario' (spaces at the ends removed).",
        "Row 15, column 'State': 'Ontario' is sent as 'ON'.",
    ]


def test_repeated_invalid_year_each_row() -> None:
    checker = validator()
    verdicts = [
        checker.validate(mapped(number, year="19", plate=f"P{number}")) for number in (3, 4)
    ]
    assert [codes(item.errors) for item in verdicts] == [["two-digit-year"], ["two-digit-year"]]
    assert [item.errors[0].row for item in verdicts] == [3, 4]


def test_memo_limit_keeps_results(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("importer.validation.normalize.MEMO_LIMIT", 1)
    checker = validator()
    payloads = [
        checker.validate(mapped(number, make=make, plate=f"P{number}")).payload["make"]
        for number, make in ((2, " Ford"), (3, "Kia "), (4, "Kia "))
    ]
    assert payloads == ["Ford", "Kia", "Kia"]
