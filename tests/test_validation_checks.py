"""The checks: required fields, lengths, IDs, plate characters, Excel damage and VINs."""

from __future__ import annotations

from importer.mapping import FieldRule, MappedRow, Profile
from importer.records import RowIssue, SourceRow, Status
from importer.validation import RowValidator
from importer.validation.checks import excel_damage
from tests.validation_rows import TODAY, codes, mapped, messages, validator, verdict


def test_valid_row_has_no_findings() -> None:
    result = verdict()
    assert (result.status, result.errors, result.warnings) == (Status.VALID, [], [])


def test_missing_plate_empty_cell() -> None:
    assert messages(verdict(plate="").errors) == [
        "Row 14, column 'Licence Plate': the cell is empty; every vehicle needs a plate."
    ]


def test_missing_plate_issue_fields() -> None:
    issue = verdict(plate="").errors[0]
    assert (issue.code, issue.row, issue.column, issue.value) == (
        "missing-plate",
        14,
        "Licence Plate",
        "",
    )


def test_missing_plate_only_dashes() -> None:
    assert messages(verdict(plate="- -").errors) == [
        "Row 14, column 'Licence Plate': '- -' has no letters or digits; "
        "every vehicle needs a plate."
    ]


def test_missing_plate_keep_style_only_dashes() -> None:
    assert [i.code for i in verdict(plate="- -", plate_style="keep").errors] == ["missing-plate"]


def test_missing_plate_only_punctuation() -> None:
    assert messages(verdict(plate="//").errors) == [
        "Row 14, column 'Licence Plate': '//' has no letters or digits; "
        "every vehicle needs a plate."
    ]


def test_missing_plate_no_column_mapped() -> None:
    row = MappedRow(SourceRow(3, ("ON",)), {"prov": "ON", "plateType": "P"}, {"prov": "State"})
    result = RowValidator(Profile(rules=()), today=lambda: TODAY).validate(row)
    assert messages(result.errors) == [
        "Row 3: no column is mapped to plate; every vehicle needs a plate. "
        "Map a column or set a constant in the profile."
    ]


def test_missing_plate_type_message() -> None:
    assert messages(verdict(plateType="").errors) == [
        "Row 14, column 'Plate Type': the cell is empty; every vehicle needs a plate type "
        "(plateType or plateTypeID)."
    ]


def test_missing_province_message() -> None:
    assert messages(verdict(prov="").errors) == [
        "Row 14, column 'State': the cell is empty; every vehicle needs a province or state "
        "(prov or provID)."
    ]


def test_required_reports_every_group() -> None:
    result = verdict(plate="", plateType="", prov="")
    assert codes(result.errors) == ["missing-plate", "missing-plate-type", "missing-province"]


def test_plate_type_id_is_enough() -> None:
    assert verdict(plateType="", plateTypeID="3").status is Status.VALID


def test_province_id_is_enough() -> None:
    assert verdict(prov="", provID="17").status is Status.VALID


def test_province_id_invisible_only() -> None:
    assert messages(verdict(prov="", provID="\u200b").errors) == [
        "Row 14, column 'Province ID': '\\u200b' has no letters or digits; every vehicle "
        "needs a province or state (prov or provID)."
    ]


def test_empty_constant_reported_as_profile_value() -> None:
    row = MappedRow(
        SourceRow(5, ("AB1",)),
        {"plate": "AB1", "plateType": "Passenger", "provID": ""},
        {"plate": "Plate", "plateType": "plateType", "provID": "provID"},
    )
    profile = Profile(
        rules=(
            FieldRule("plate", columns=("Plate",)),
            FieldRule("plateType", value="Passenger"),
            FieldRule("provID", value=""),
        )
    )
    result = RowValidator(profile, today=lambda: TODAY).validate(row)
    assert messages(result.errors) == [
        "Row 5, provID set in the profile: the value is empty; every vehicle needs a province "
        "or state (prov or provID)."
    ]


def test_empty_id_error() -> None:
    assert messages(verdict(makeID="\u200b").errors) == [
        "Row 14, column 'Make ID': '\\u200b' has no letters or digits; an ID cannot be empty. "
        "Fill in the ID or leave makeID out."
    ]


def test_empty_id_beside_name() -> None:
    assert codes(verdict(plateTypeID="\ufeff").errors) == ["empty-id"]


def test_emptied_name_left_out() -> None:
    result = verdict(colour="\u200b")
    assert "colour" not in result.payload
    assert messages(result.warnings) == [
        "Row 14, column 'Colour': '\\u200b' has no letters or digits, so colour is not sent."
    ]


def test_emptied_name_stays_valid() -> None:
    assert verdict(colour="\u200b").status is Status.VALID


def test_plate_fifty_characters_valid() -> None:
    assert verdict(plate="A" * 50).status is Status.VALID


def test_plate_too_long_message() -> None:
    assert messages(verdict(plate="A" * 51).errors) == [
        f"Row 14, column 'Licence Plate': '{'A' * 51}' has 51 characters; OPS-COM accepts at "
        "most 50. Correct the plate in the file."
    ]


def test_plate_too_long_after_compacting() -> None:
    assert verdict(plate="AB-" * 20).status is Status.VALID


def test_plate_type_too_long_message() -> None:
    assert messages(verdict(plateType="P" * 51).errors) == [
        f"Row 14, column 'Plate Type': '{'P' * 51}' has 51 characters; OPS-COM accepts at most "
        "50. Use the plate type's name as set up in OPS-COM."
    ]


def test_vin_twenty_five_characters_only_warns() -> None:
    result = verdict(vin="1" * 25)
    assert (result.status, codes(result.warnings)) == (Status.VALID, ["vin-unusual-length"])


def test_vin_too_long_message() -> None:
    assert messages(verdict(vin="1" * 26).errors) == [
        f"Row 14, column 'VIN': '{'1' * 26}' has 26 characters; OPS-COM accepts at most 25. "
        "Correct the VIN or leave the cell empty."
    ]


def test_vin_too_long_no_vin_warnings() -> None:
    assert verdict(vin="1" * 26).warnings == []


def test_name_too_long_warning() -> None:
    make = "M" * 51
    assert messages(verdict(make=make).warnings) == [
        f"Row 14, column 'Make': '{make}' has 51 characters; OPS-COM keeps only the first 50. "
        "Shorten it in the file to choose what is kept."
    ]


def test_name_too_long_still_valid() -> None:
    assert verdict(colour="C" * 60).status is Status.VALID


def test_long_value_cut_in_message() -> None:
    message = verdict(type="T" * 120).warnings[0].message
    assert message.startswith(f"Row 14, column 'Body': '{'T' * 79}…' has 120 characters")


def test_plate_not_alphanumeric_message() -> None:
    assert messages(verdict(plate="N/A").errors) == [
        "Row 14, column 'Licence Plate': 'N/A' contains '/', but a plate has only letters and "
        "digits. Correct the plate in the file."
    ]


def test_plate_not_alphanumeric_lists_each_once() -> None:
    result = verdict(plate="585WLS (BC) (X)")
    assert result.errors[0].message.startswith(
        "Row 14, column 'Licence Plate': '585WLS(BC)(X)' contains '(', ')', but"
    )


def test_plate_keep_style_allows_spaces_and_dashes() -> None:
    assert verdict(plate="AB-12 3", plate_style="keep").status is Status.VALID


def test_plate_unicode_letters_allowed() -> None:
    assert verdict(plate="MÜ AB 123").status is Status.VALID


def test_excel_scientific_plate_warning() -> None:
    assert messages(verdict(plate="1.23457E+11").warnings) == [
        "Row 14, column 'Licence Plate': '1.23457E+11' looks changed by Excel, which shows "
        "long numbers in scientific notation and drops their last digits; check the plate "
        "against the vehicle, and format the column as Text before saving the file."
    ]


def test_excel_scientific_id_warning() -> None:
    assert messages(verdict(makeID="1.23457E+13").warnings) == [
        "Row 14, column 'Make ID': '1.23457E+13' looks changed by Excel, which shows long "
        "numbers in scientific notation and drops their last digits; type the full value in "
        "the file, and format the column as Text before saving the file."
    ]


def test_excel_scientific_name_warning() -> None:
    assert codes(verdict(colour="1E+5").warnings) == ["value-excel-damaged"]


def test_excel_scientific_year_error_only() -> None:
    result = verdict(year="2.02E+3")
    assert codes(result.errors) == ["invalid-year"]
    assert codes(result.warnings) == []


def test_dashed_name_not_excel_damaged() -> None:
    assert verdict(make="Mercedes-Benz").warnings == []


def test_excel_scientific_plate_still_valid() -> None:
    assert verdict(plate="1.23457E+11").status is Status.VALID


def test_excel_trailing_zero_plate_warning() -> None:
    assert messages(verdict(plate="12345.0").warnings) == [
        "Row 14, column 'Licence Plate': '12345.0' looks changed by Excel, which adds '.0' to "
        "numbers it reads as decimals; check the plate against the vehicle, and format the "
        "column as Text before saving the file."
    ]


def test_excel_trailing_zero_plate_sent_as_written() -> None:
    result = verdict(plate="12345.0")
    assert (result.status, result.payload["plate"]) == (Status.VALID, "12345.0")


def test_excel_damaged_plate_with_special_space() -> None:
    result = verdict(plate="GEL\u00a01890.00")
    assert codes(result.warnings) == [
        "whitespace-trimmed",
        "plate-normalized",
        "plate-excel-damaged",
    ]
    assert result.payload["plate"] == "GEL1890.00"


def test_excel_damage_not_real_plates() -> None:
    assert [excel_damage(p) for p in ("123E45", "1E5", "ABC10", "AB.1")] == [None] * 4


def test_vin_valid_check_digit_no_warning() -> None:
    assert verdict(vin="1M8GDM9AXKP042788").warnings == []


def test_vin_check_digit_warning() -> None:
    assert messages(verdict(vin="1HGCM82633A004353").warnings) == [
        "Row 14, column 'VIN': '1HGCM82633A004353' has '3' in position 9, but its check digit "
        "is '5'; check it against the vehicle's registration. VINs made for outside North "
        "America may have no check digit."
    ]


def test_vin_check_digit_still_valid() -> None:
    assert verdict(vin="1HGCM82633A004353").status is Status.VALID


def test_vin_forbidden_letters_warning() -> None:
    assert messages(verdict(vin="1HGCM82633A0O43Q2").warnings) == [
        "Row 14, column 'VIN': '1HGCM82633A0O43Q2' contains 'O', 'Q', but a VIN has only "
        "digits and letters other than I, O and Q; check it against the vehicle's registration."
    ]


def test_vin_other_characters_code() -> None:
    assert codes(verdict(vin="NOVIN-C49788D7841").warnings) == ["vin-invalid-characters"]


def test_vin_unusual_length_message() -> None:
    assert messages(verdict(vin="5YJ3E1EA7J").warnings) == [
        "Row 14, column 'VIN': '5YJ3E1EA7J' has 10 characters, not 17; check it against the "
        "vehicle's registration."
    ]


def test_mapping_errors_make_row_invalid() -> None:
    issue = RowIssue("unmapped-value", 14, "Colour", "ZZ", "Row 14: not in the map.")
    result = validator().validate(mapped(errors=(issue,)))
    assert result.status is Status.INVALID


def test_mapping_errors_not_copied() -> None:
    issue = RowIssue("unmapped-value", 14, "Colour", "ZZ", "Row 14: not in the map.")
    assert validator().validate(mapped(errors=(issue,))).errors == []


def test_findings_in_check_order() -> None:
    result = verdict(plate="", prov="Ontari", year="11", vin="1" * 26)
    assert codes(result.errors) == [
        "unknown-province",
        "two-digit-year",
        "missing-plate",
        "vin-too-long",
    ]
