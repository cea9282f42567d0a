"""Mapped rows and validators for the validation tests, built without reading a file.

Every field is mapped to a column of ``COLUMNS``. A row lists the cells it fills, and the
mapper would leave the empty ones out of the payload, so they are left out here too.
"""

from __future__ import annotations

import datetime as dt

from importer.mapping import FieldRule, MappedRow, Profile
from importer.records import RowIssue, SourceRow
from importer.validation import RowValidator, Verdict

#: The header of the column feeding each field.
COLUMNS = {
    "plate": "Licence Plate",
    "plateType": "Plate Type",
    "plateTypeID": "Plate Type ID",
    "prov": "State",
    "provID": "Province ID",
    "make": "Make",
    "makeID": "Make ID",
    "type": "Body",
    "colour": "Colour",
    "year": "Year",
    "vin": "VIN",
}

#: The date the tests validate on, so that "after next year" means after 2026.
TODAY = dt.date(2025, 6, 1)

#: A complete valid row; tests override the cells they are about.
BASE = {"plate": "ABC123", "plateType": "Passenger", "prov": "ON"}


def profile(plate_style: str = "compact", constants: tuple[str, ...] = ()) -> Profile:
    """A profile mapping every field of ``COLUMNS``, except ``constants``, which have values."""
    rules = tuple(
        FieldRule(name, value="x") if name in constants else FieldRule(name, columns=(column,))
        for name, column in COLUMNS.items()
    )
    return Profile(rules=rules, plate_style=plate_style)


def mapped(
    number: int = 14,
    *,
    base: bool = True,
    errors: tuple[RowIssue, ...] = (),
    **cells: str,
) -> MappedRow:
    """Row ``number`` with ``BASE`` and ``cells`` (field=text); empty cells are left out."""
    values = {**BASE, **cells} if base else cells
    payload = {name: text for name, text in values.items() if text.strip()}
    source = SourceRow(number, tuple(values.get(name, "") for name in COLUMNS))
    return MappedRow(source, payload, dict(COLUMNS), errors=errors)


def validator(plate_style: str = "compact", today: dt.date = TODAY) -> RowValidator:
    return RowValidator(profile(plate_style), today=lambda: today)


def verdict(number: int = 14, *, plate_style: str = "compact", **cells: str) -> Verdict:
    """The verdict of a fresh validator on one row of ``BASE`` and ``cells``."""
    return validator(plate_style).validate(mapped(number, **cells))


def codes(issues: list[RowIssue]) -> list[str]:
    return [issue.code for issue in issues]


def messages(issues: list[RowIssue]) -> list[str]:
    return [issue.message for issue in issues]
