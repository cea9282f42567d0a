"""The validator as a whole: its codes and their documentation, places, and profile settings."""

from __future__ import annotations

import re

import pytest

from importer.mapping import FieldRule, Profile, with_constants
from importer.records import Status
from importer.validation import CODES, RowValidator, Severity
from importer.validation.verdict import Place, shown
from tests.conftest import ROOT
from tests.validation_rows import TODAY, mapped, profile, verdict

DOCS = ROOT / "docs" / "validation.md"

#: A row (cells over the valid base row) that produces each code, for the documented examples.
EXAMPLE_CELLS: dict[str, dict[str, str]] = {
    "missing-plate": {"plate": ""},
    "missing-plate-type": {"plateType": ""},
    "missing-province": {"prov": ""},
    "empty-id": {"makeID": "\u200b"},
    "plate-too-long": {
        "plate": "TEMPORARY PERMIT 000123 ISSUED BY DEALER 2024-03-15 EXPIRES 2024-04-15"
    },
    "plate-type-too-long": {
        "plateType": "Passenger vehicle registered to the parking office staff"
    },
    "plate-not-alphanumeric": {"plate": "N/A"},
    "vin-too-long": {"vin": "1HGCM82633A004352-EXTRA-01"},
    "unknown-province": {"prov": "Ontari"},
    "invalid-year": {"year": "0"},
    "two-digit-year": {"year": "11"},
    "year-out-of-range": {"year": "1800"},
    "whitespace-trimmed": {"make": " Ford  "},
    "plate-normalized": {"plate": "abc-123"},
    "province-normalized": {"prov": "Québec"},
    "year-normalized": {"year": "2011.0"},
    "vin-normalized": {"vin": "1hgcm82633a004352"},
    "value-left-out": {"colour": "\u200b"},
    "plate-excel-damaged": {"plate": "1.23457E+11"},
    "value-excel-damaged": {"makeID": "1.23457E+13"},
    "name-too-long": {"make": "Mitsubishi Fuso Truck and Bus Corporation of North America"},
    "vin-unusual-length": {"vin": "5YJ3E1EA7J"},
    "vin-invalid-characters": {"vin": "1HGCM82633A0O4352"},
    "vin-check-digit": {"vin": "1HGCM82633A004353"},
}


def _documented_rows() -> dict[str, tuple[str, str]]:
    """Each code in the documentation's tables, with its meaning and example message."""
    text = DOCS.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (.+?) \| (.+) \|$", text, re.MULTILINE)
    return {code: (meaning, example) for code, meaning, example in rows}


def _example_message(code: str) -> str:
    if code == "duplicate-vehicle":
        checker = RowValidator(profile(), today=lambda: TODAY)
        checker.validate(mapped(2))
        return checker.validate(mapped(3)).errors[0].message
    result = verdict(**EXAMPLE_CELLS[code])
    return next(issue.message for issue in result.errors + result.warnings if issue.code == code)


def test_docs_list_every_code() -> None:
    assert sorted(_documented_rows()) == sorted(CODES)


@pytest.mark.parametrize("code", sorted(CODES))
def test_docs_meaning_matches_code(code: str) -> None:
    assert _documented_rows()[code][0] == CODES[code].meaning


@pytest.mark.parametrize("code", sorted(CODES))
def test_docs_example_is_real_message(code: str) -> None:
    assert _documented_rows()[code][1] == _example_message(code)


@pytest.mark.parametrize("code", sorted(EXAMPLE_CELLS))
def test_example_severity_matches(code: str) -> None:
    result = verdict(**EXAMPLE_CELLS[code])
    found = Severity.ERROR if code in {i.code for i in result.errors} else Severity.WARNING
    assert found is CODES[code].severity


def test_docs_severity_sections() -> None:
    text = DOCS.read_text(encoding="utf-8")
    warnings_start = text.index("### Warnings")
    errors = {code for code, c in CODES.items() if c.severity is Severity.ERROR}
    assert all(text.index(f"| `{code}` |") < warnings_start for code in errors)


def test_shown_escapes_invisible() -> None:
    assert shown("A\tB\u00a0C\u200b") == "A\\tB\\xa0C\\u200b"


def test_shown_cuts_long_values() -> None:
    assert shown("x" * 100) == "x" * 79 + "…"


def test_place_label_column() -> None:
    assert Place(14, "prov", "State").label == "Row 14, column 'State'"


def test_place_label_constant() -> None:
    assert Place(14, "plateType", "plateType", constant=True).label == (
        "Row 14, plateType set in the profile"
    )


def test_place_label_set_option() -> None:
    assert Place(2, "prov", "prov", constant=True, option=True).label == "Row 2, --set prov"


def test_place_label_unmapped() -> None:
    assert Place(14, "plate", None).label == "Row 14"


def test_constant_named_in_message() -> None:
    constant = Profile(
        rules=(
            FieldRule("plate", columns=("Licence Plate",)),
            FieldRule("plateType", value="P" * 51),
            FieldRule("prov", columns=("State",)),
        )
    )
    row = mapped(plateType="P" * 51)
    row.columns["plateType"] = "plateType"
    result = RowValidator(constant, today=lambda: TODAY).validate(row)
    assert result.errors[0].message.startswith("Row 14, plateType set in the profile: 'PPPP")


def test_set_constant_named_in_message() -> None:
    profile = with_constants(
        Profile(rules=(FieldRule("plate", columns=("Licence Plate",)),)),
        {"plateType": "Passenger", "prov": "ZZ"},
    )
    row = mapped(prov="ZZ")
    row.columns["prov"] = "prov"
    result = RowValidator(profile, today=lambda: TODAY).validate(row)
    assert result.errors[0].message.startswith("Row 14, --set prov: 'ZZ' is not ")


def test_validator_reads_plate_style() -> None:
    keep = Profile(rules=(), plate_style="keep")
    result = RowValidator(keep, today=lambda: TODAY).validate(mapped(plate="AB 12"))
    assert result.payload["plate"] == "AB 12"


def test_verdict_status_valid() -> None:
    assert verdict().status is Status.VALID


def test_invalid_value_kept_in_payload() -> None:
    result = verdict(prov="Ontari")
    assert result.payload == {"plate": "ABC123", "plateType": "Passenger", "prov": "Ontari"}
