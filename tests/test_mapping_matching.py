"""Automatic matching of headers to fields, and the profile written from a matching."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from importer.errors import MappingError
from importer.mapping import load_profile, match_headers, profile_text
from importer.mapping.aliases import ALIASES, FIELD_BY_KEY, header_key
from importer.mapping.matching import Matching, match_strength, matching_error
from importer.mapping.render import yaml_scalar
from importer.mapping.transforms import TRANSFORMS
from tests.conftest import ROOT


def _by_header(matching: Matching) -> dict[str, str]:
    return {api_field: matching.headers[i] for api_field, i in matching.columns.items()}


@pytest.mark.parametrize(
    ("api_field", "header"),
    [(api_field, alias) for api_field, aliases in ALIASES.items() for alias in aliases],
)
def test_every_alias_matches(api_field: str, header: str) -> None:
    assert match_strength(header) == (api_field, 2)


@pytest.mark.parametrize(
    ("header", "api_field"),
    [
        ("LICENSE PLATE", "plate"),
        ("licence_plate_no", "plate"),
        ("Plate #", "plate"),
        ("No. de plaque", "plate"),
        ("Kenn-\nzeichen", "plate"),
        ("Province / State", "prov"),
        ("ETAT", "prov"),
        ("annee", "year"),
        ("Type de vehicule", "type"),
        ("model_year", "year"),
        ("Plate Type ID", "plateTypeID"),
    ],
)
def test_spelling_variants(header: str, api_field: str) -> None:
    assert match_strength(header) == (api_field, 2)


def test_bracketed_note_is_weak() -> None:
    assert match_strength("VIN (1-10)") == ("vin", 1)


@pytest.mark.parametrize(
    "header",
    ["Model", "Tow Date", "Registration Date", "Plate Expiry", "Department", "Plateau", ""],
)
def test_no_match(header: str) -> None:
    assert match_strength(header) is None


def test_alias_keys_unique() -> None:
    spellings = [header_key(alias) for aliases in ALIASES.values() for alias in aliases]
    assert len(FIELD_BY_KEY) == len(set(spellings))


def test_registration_state_is_province() -> None:
    matching = match_headers(["Registration", "Registration State"])
    assert _by_header(matching) == {"plate": "Registration", "prov": "Registration State"}


def test_strong_beats_weak() -> None:
    matching = match_headers(["VIN (1-10)", "VIN"])
    assert _by_header(matching) == {"vin": "VIN"}
    assert matching.unmapped == (0,)


def test_two_strong_conflict() -> None:
    matching = match_headers(["Plate", "Plate ID", "State", "Plate Type"])
    assert matching.conflicts == {"plate": (0, 1)}
    assert matching.missing == ()
    assert matching.complete is False


def test_three_weak_conflict() -> None:
    matching = match_headers(["Year (model)", "Year (built)", "Year (sold)"])
    assert matching.conflicts == {"year": (0, 1, 2)}


def test_repeated_header_conflict() -> None:
    matching = match_headers(["Plate", "Make", "Make"])
    assert matching.conflicts == {"make": (1, 2)}


def test_name_and_id_conflict() -> None:
    matching = match_headers(["Plate", "Plate Type", "Plate Type ID", "State"])
    assert matching.conflicts == {"plateType": (1, 2)}
    assert matching.columns == {"plate": 0, "prov": 3}


def test_missing_required() -> None:
    matching = match_headers(["Reg Plate", "Year", "Model"])
    assert matching.missing == ("plateType", "prov")


def test_id_column_satisfies_group() -> None:
    matching = match_headers(["Plate", "plateTypeID", "provID"])
    assert matching.missing == ()
    assert matching.complete is True


def test_constant_fills_missing() -> None:
    matching = match_headers(["Plate", "State"], constants={"plateType": "Passenger"})
    assert matching.missing == ()
    assert matching.constants == {"plateType": "Passenger"}


def test_constant_replaces_column() -> None:
    matching = match_headers(["Plate", "Plate Type", "State"], constants={"plateType": "Bus"})
    assert _by_header(matching) == {"plate": "Plate", "prov": "State"}
    assert matching.unmapped == (1,)


def test_constant_replaces_partner() -> None:
    matching = match_headers(["Plate", "Plate Type", "State"], constants={"plateTypeID": "4"})
    assert "plateType" not in matching.columns


def test_constant_records_displaced() -> None:
    matching = match_headers(["Plate", "Plate Type", "State"], constants={"plateTypeID": "4"})
    assert matching.displaced == {"plateType": (1,)}


def test_constant_records_displaced_conflict() -> None:
    matching = match_headers(["Plate", "State", "Province"], constants={"prov": "ON"})
    assert matching.displaced == {"prov": (1, 2)}


def test_constant_for_missing_displaces_nothing() -> None:
    matching = match_headers(["Plate", "State"], constants={"plateType": "Passenger"})
    assert matching.displaced == {}


def test_constant_settles_conflict() -> None:
    matching = match_headers(
        ["Plate", "Plate Type", "Plate Type ID", "State"], constants={"plateType": "Bus"}
    )
    assert matching.conflicts == {}


def test_ignored_columns_skip_matching() -> None:
    matching = match_headers(["Plate", "Plate ID", "State"], ignore=["plate id"])
    assert _by_header(matching) == {"plate": "Plate", "prov": "State"}
    assert matching.unmapped == ()


def test_blank_headers_not_unmapped() -> None:
    matching = match_headers(["Plate", "", "Notes"])
    assert matching.unmapped == (2,)


def test_rules_in_api_order() -> None:
    matching = match_headers(["Year", "Colour", "Plate"], constants={"prov": "ON"})
    assert [(r.api_field, r.columns, r.value) for r in matching.rules()] == [
        ("plate", ("Plate",), None),
        ("prov", (), "ON"),
        ("colour", ("Colour",), None),
        ("year", ("Year",), None),
    ]


@pytest.mark.parametrize(
    "text", ["Plate #", "ON", "no", "2015", "Kenn-\nzeichen", "a: b", "- x", "'q'", " pad "]
)
def test_yaml_scalar_round_trip(text: str) -> None:
    rendered = yaml_scalar(text)
    assert "\n" not in rendered
    assert yaml.safe_load(f"key: {rendered}") == {"key": text}


def test_profile_text_complete() -> None:
    matching = match_headers(
        ["Unit", "Plate #", "State", "Colour"], constants={"plateType": "Passenger"}
    )
    assert profile_text(matching, source="fleet.csv") == (
        "# Mapping profile for fleet.csv, written by opscom-import map.\n"
        "# Check each line and fill in any empty field, then try it with:\n"
        "#   opscom-import validate fleet.csv --mapping THIS_FILE\n"
        "fields:\n"
        "  plate: 'Plate #'\n"
        "  plateType: {value: Passenger}\n"
        "  prov: State\n"
        "  colour: Colour\n"
        "# Columns that feed no field:\n"
        "ignore_columns:\n"
        "  - Unit\n"
    )


def test_profile_text_gaps() -> None:
    matching = match_headers(["Plate", "Plate ID", "Plate Type", "Plate Type ID"])
    assert profile_text(matching, source="f.xlsx", sheet="Fleet", header_row=3) == (
        "# Mapping profile for f.xlsx, written by opscom-import map.\n"
        "# Check each line and fill in any empty field, then try it with:\n"
        "#   opscom-import validate f.xlsx --mapping THIS_FILE\n"
        "sheet: Fleet\n"
        "header_row: 3\n"
        "fields:\n"
        "  # Columns 'Plate', 'Plate ID' match. Write the one that holds the plate.\n"
        "  plate:\n"
        "  # A name column and an ID column match; OPS-COM takes one of them. Write\n"
        "  # plateType: Plate Type or plateTypeID: Plate Type ID.\n"
        "  plateType:\n"
        "  # Required, but no column matches. Write the column that holds the province or "
        "state\n"
        "  # or {value: ...} for one value on every row (or provID: for an ID).\n"
        "  prov:\n"
    )


def test_written_profile_loads(tmp_path: Path) -> None:
    matching = match_headers(["Kenn-\nzeichen", "Typ", "Notes"], constants={"prov": "DE"})
    path = tmp_path / "written.yaml"
    path.write_text(profile_text(matching, source="f.xlsx"), encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_profile(path)
    assert str(caught.value) == (
        f"{path}:8: field 'plateType' is empty; write the column that holds the plate type "
        "name, or {value: ...} for a constant, or delete the line."
    )


def test_filled_profile_loads(tmp_path: Path) -> None:
    matching = match_headers(["Kenn-\nzeichen", "Typ", "Notes"], constants={"prov": "DE"})
    text = profile_text(matching, source="f.xlsx").replace(
        "  plateType:\n", "  plateType: {value: Passenger}\n"
    )
    path = tmp_path / "written.yaml"
    path.write_text(text, encoding="utf-8")
    profile = load_profile(path)
    assert [(r.api_field, r.columns, r.value) for r in profile.rules] == [
        ("plate", ("Kenn-\nzeichen",), None),
        ("plateType", (), "Passenger"),
        ("prov", (), "DE"),
        ("type", ("Typ",), None),
    ]
    assert profile.ignore_columns == ("Notes",)


def test_matching_error_message() -> None:
    matching = match_headers(["Plate", "Plate ID", "Year"])
    error = matching_error(matching, Path("fleet.csv"), "fields: ...\n")
    assert str(error) == (
        "fleet.csv: automatic matching cannot map this file. No column matches the required "
        "fields plateType, prov. Columns 'Plate' and 'Plate ID' both match plate. Columns "
        "found: 'Plate', 'Plate ID', 'Year'. Pass --set plateType=VALUE --set prov=VALUE to "
        "send one value on every row, or save these lines as a profile, fill in the empty "
        "fields and pass --mapping PATH (opscom-import map FILE --out PATH writes them):"
        "\nfields: ...\n"
    )


def test_matching_error_conflict_only() -> None:
    matching = match_headers(["Plate", "Tag", "Tag #", "State", "Plate Type"])
    error = matching_error(matching, None, "")
    assert str(error) == (
        "automatic matching cannot map this file. Columns 'Plate', 'Tag' and 'Tag #' all "
        "match plate. Columns found: 'Plate', 'Tag', 'Tag #', 'State', 'Plate Type'. Save "
        "these lines as a profile, fill in the empty fields and pass --mapping PATH "
        "(opscom-import map FILE --out PATH writes them):\n"
    )


def test_docs_list_every_alias() -> None:
    docs = (ROOT / "docs" / "mapping.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): line for line in docs.splitlines() if "|" in line}
    for api_field, aliases in ALIASES.items():
        listed = [alias.strip() for alias in rows[api_field].split("|")[2].split(",")]
        assert listed == list(aliases), api_field


def test_docs_list_every_transform() -> None:
    docs = (ROOT / "docs" / "mapping.md").read_text(encoding="utf-8")
    missing = [name for name in TRANSFORMS if f"| `{name}` |" not in docs]
    assert missing == []


def test_matching_error_plate_only() -> None:
    matching = match_headers(["VIN", "State"], constants={"plateType": "Passenger"})
    error = matching_error(matching, None, "")
    assert str(error) == (
        "automatic matching cannot map this file. No column matches the required field plate. "
        "Columns found: 'VIN', 'State'. Save these lines as a profile, fill in the empty "
        "field plate and pass --mapping PATH (opscom-import map FILE --out PATH writes them):\n"
    )


def test_matching_error_nothing_matches() -> None:
    matching = match_headers(["Foo", "Bar", "Baz"])
    error = matching_error(matching, None, "")
    assert str(error) == (
        "automatic matching cannot map this file. No column matches the required fields "
        "plate, plateType, prov. Columns found: 'Foo', 'Bar', 'Baz'. Save these lines as a "
        "profile, fill in the empty fields plate, plateType and prov and pass --mapping PATH "
        "(opscom-import map FILE --out PATH writes them):\n"
    )
