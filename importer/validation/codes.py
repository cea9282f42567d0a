"""The stable codes of validation findings, with what each means.

The results workbook, the ``validate`` report, the tests and ``docs/validation.md`` all use
these codes, so a code never changes meaning once released. Errors keep a row from being
sent; warnings are listed with the row, which is still sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Code:
    """A finding's severity and a one-line meaning, as documented."""

    severity: Severity
    meaning: str


_E = Severity.ERROR
_W = Severity.WARNING

CODES: dict[str, Code] = {
    "missing-plate": Code(
        _E, "no plate: the cell is empty, has no letters or digits, or no column is mapped to plate"
    ),
    "missing-plate-type": Code(_E, "neither plateType nor plateTypeID has a value"),
    "missing-province": Code(_E, "neither prov nor provID has a value"),
    "empty-id": Code(_E, "an ID field has no letters or digits"),
    "plate-too-long": Code(_E, "the plate has more than 50 characters once normalised"),
    "plate-type-too-long": Code(_E, "the plate type name has more than 50 characters"),
    "plate-not-alphanumeric": Code(
        _E,
        "the plate contains characters other than letters and digits "
        "(and, with `plate_style: keep`, spaces and dashes)",
    ),
    "vin-too-long": Code(_E, "the VIN has more than 25 characters"),
    "unknown-province": Code(
        _E, "prov is not a Canadian province or territory, US state or territory, or Mexican state"
    ),
    "invalid-year": Code(_E, "the year is not a 4-digit number"),
    "two-digit-year": Code(_E, "the year has two digits, so its century is unknown"),
    "year-out-of-range": Code(_E, "the year is before 1900 or after next year"),
    "duplicate-vehicle": Code(
        _E, "an earlier row has the same plate, province and plate type; the row is `duplicate`"
    ),
    "whitespace-trimmed": Code(
        _W,
        "spaces at the ends, repeated or special spaces, or invisible characters were cleaned up",
    ),
    "plate-normalized": Code(_W, "the plate was upper-cased, or its spaces and dashes removed"),
    "province-normalized": Code(
        _W,
        "the province or state was replaced by its postal abbreviation "
        "(a Mexican state by its full name)",
    ),
    "year-normalized": Code(_W, "a year such as 2011.0 was sent as 2011"),
    "vin-normalized": Code(_W, "the VIN was upper-cased"),
    "value-left-out": Code(_W, "an optional value had no letters or digits and is not sent"),
    "plate-excel-damaged": Code(
        _W,
        "the plate looks changed by Excel: scientific notation or a trailing .0; "
        "it is sent as written",
    ),
    "value-excel-damaged": Code(
        _W,
        "an ID or a name looks changed by Excel: a number in scientific notation; "
        "it is sent as written",
    ),
    "name-too-long": Code(
        _W, "make, type or colour has more than 50 characters; the server keeps the first 50"
    ),
    "vin-unusual-length": Code(_W, "the VIN does not have 17 characters"),
    "vin-invalid-characters": Code(
        _W, "a 17-character VIN contains I, O, Q or a character other than letters and digits"
    ),
    "vin-check-digit": Code(
        _W, "the check digit in position 9 of a 17-character VIN does not match"
    ),
}
