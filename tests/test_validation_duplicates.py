"""Duplicates in one file: the same plate, province and plate type after normalisation."""

from __future__ import annotations

from importer.records import Status
from importer.validation import Verdict
from importer.validation.duplicates import vehicle_key
from tests.validation_rows import mapped, messages, validator


def _run(*rows: dict[str, str], plate_style: str = "compact") -> list[Verdict]:
    """Validate rows numbered from 2, in order, with one validator."""
    checker = validator(plate_style)
    return [checker.validate(mapped(number, **cells)) for number, cells in enumerate(rows, 2)]


def test_duplicate_status() -> None:
    first, second = _run({}, {})
    assert (first.status, second.status) == (Status.VALID, Status.DUPLICATE)


def test_duplicate_names_earlier_row() -> None:
    second = _run({}, {})[1]
    assert second.duplicate_of == 2


def test_duplicate_message() -> None:
    second = _run({}, {})[1]
    assert messages(second.errors) == [
        "Row 3, column 'Licence Plate': same plate, province and plate type as row 2 "
        "('ABC123', 'ON', 'Passenger'); only row 2 is sent. Delete one of the two rows, "
        "or correct the plate."
    ]


def test_duplicate_code() -> None:
    second = _run({}, {})[1]
    assert [issue.code for issue in second.errors] == ["duplicate-vehicle"]


def test_duplicate_after_normalisation() -> None:
    rows = _run({"plate": "ABC123", "prov": "ON"}, {"plate": "abc-123", "prov": "Ontario"})
    assert rows[1].status is Status.DUPLICATE


def test_duplicate_keeps_its_warnings() -> None:
    second = _run({}, {"prov": "Ontario"})[1]
    assert [issue.code for issue in second.warnings] == ["province-normalized"]


def test_third_copy_names_first_row() -> None:
    rows = _run({}, {}, {})
    assert [row.duplicate_of for row in rows] == [None, 2, 2]


def test_other_province_not_duplicate() -> None:
    rows = _run({"prov": "ON"}, {"prov": "QC"})
    assert rows[1].status is Status.VALID


def test_other_plate_type_not_duplicate() -> None:
    rows = _run({"plateType": "Passenger"}, {"plateType": "Commercial"})
    assert rows[1].status is Status.VALID


def test_plate_type_case_differs_not_duplicate() -> None:
    rows = _run({"plateType": "Passenger"}, {"plateType": "passenger"})
    assert rows[1].status is Status.VALID


def test_province_name_and_id_not_duplicate() -> None:
    rows = _run({"prov": "ON"}, {"prov": "", "provID": "ON"})
    assert rows[1].status is Status.VALID


def test_keep_style_spacing_differs_not_duplicate() -> None:
    rows = _run({"plate": "AB 12"}, {"plate": "AB12"}, plate_style="keep")
    assert rows[1].status is Status.VALID


def test_invalid_earlier_row_not_remembered() -> None:
    rows = _run({"year": "11"}, {})
    assert [row.status for row in rows] == [Status.INVALID, Status.VALID]


def test_invalid_later_row_stays_invalid() -> None:
    rows = _run({}, {"year": "11"})
    assert [row.status for row in rows] == [Status.VALID, Status.INVALID]


def test_vehicle_key_with_names() -> None:
    payload = {"plate": "AB1", "plateType": "Passenger", "prov": "ON", "make": "Ford"}
    assert vehicle_key(payload) == ("AB1", "prov", "ON", "plateType", "Passenger")


def test_vehicle_key_with_ids() -> None:
    payload = {"plate": "AB1", "plateTypeID": "3", "provID": "17"}
    assert vehicle_key(payload) == ("AB1", "provID", "17", "plateTypeID", "3")
