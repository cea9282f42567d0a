"""Binding a profile to a table's headers, and mapping rows to payloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer.errors import MappingError
from importer.mapping import MappedRow, Mapper, Profile, automatic_profile, load_profile
from importer.records import RowIssue, SourceRow

HEADERS = ["Unit", "Licence Plate", "Plate Type", "Province/State", "Colour", "Year"]


def _profile(tmp_path: Path, text: str) -> Profile:
    path = tmp_path / "fleet.yaml"
    path.write_text(text, encoding="utf-8")
    return load_profile(path)


def _row(*cells: str, number: int = 2) -> SourceRow:
    return SourceRow(number=number, cells=cells)


def _map(tmp_path: Path, text: str, *cells: str) -> MappedRow:
    mapper = Mapper(_profile(tmp_path, text), HEADERS, file=Path("fleet.csv"))
    return mapper.map_row(_row(*cells))


def test_headers_match_loosely(tmp_path: Path) -> None:
    profile = _profile(tmp_path, "fields:\n  plate: LICENCE_PLATE\n  prov: province state\n")
    mapper = Mapper(profile, HEADERS)
    assert mapper.field_columns == {"plate": "Licence Plate", "prov": "Province/State"}


def test_first_alternative_found(tmp_path: Path) -> None:
    profile = _profile(tmp_path, "fields:\n  prov: [State, Province/State, Unit]\n")
    assert Mapper(profile, HEADERS).field_columns == {"prov": "Province/State"}


def test_constant_column_is_field(tmp_path: Path) -> None:
    profile = _profile(tmp_path, "fields:\n  plateType: {value: Passenger}\n")
    assert Mapper(profile, HEADERS).field_columns == {"plateType": "(constant)"}


def test_payload_and_columns(tmp_path: Path) -> None:
    text = "fields:\n  plate: Licence Plate\n  plateType: {value: Passenger}\n  colour: Colour\n"
    mapped = _map(tmp_path, text, "U1", "ABC123", "", "ON", "", "2020")
    assert mapped.payload == {"plate": "ABC123", "plateType": "Passenger"}
    assert mapped.columns == {
        "plate": "Licence Plate",
        "plateType": "plateType",
        "colour": "Colour",
    }
    assert mapped.errors == ()
    assert mapped.warnings == ()


def test_value_sent_as_read(tmp_path: Path) -> None:
    mapped = _map(tmp_path, "fields:\n  plate: Licence Plate\n", "U1", " abc-123 ")
    assert mapped.payload == {"plate": " abc-123 "}


def test_short_row(tmp_path: Path) -> None:
    mapped = _map(tmp_path, "fields:\n  plate: Licence Plate\n  year: Year\n", "U1", "ABC")
    assert mapped.payload == {"plate": "ABC"}


def test_transform_warning(tmp_path: Path) -> None:
    text = "fields:\n  plate: {column: Licence Plate, transform: [trim, upper]}\n"
    mapped = _map(tmp_path, text, "U1", " abc-123")
    assert mapped.payload == {"plate": "ABC-123"}
    assert mapped.warnings == (
        RowIssue(
            "value-changed",
            2,
            "Licence Plate",
            " abc-123",
            "Row 2: column 'Licence Plate' value ' abc-123' sent as 'ABC-123' (trim, upper in "
            "the profile).",
        ),
    )


def test_map_warning(tmp_path: Path) -> None:
    text = "fields:\n  plateType: {column: Plate Type, map: {PAS: Passenger}}\n"
    mapped = _map(tmp_path, text, "U1", "X", "pas")
    assert mapped.payload == {"plateType": "Passenger"}
    assert [issue.message for issue in mapped.warnings] == [
        "Row 2: column 'Plate Type' value 'pas' sent as 'Passenger' (map in the profile)."
    ]


def test_default_warning(tmp_path: Path) -> None:
    text = "fields:\n  colour: {column: Colour, default: Unknown}\n"
    mapped = _map(tmp_path, text, "U1", "X", "", "ON", " ")
    assert mapped.payload == {"colour": "Unknown"}
    assert [issue.message for issue in mapped.warnings] == [
        "Row 2: column 'Colour' is empty; sent the profile's default 'Unknown' as colour."
    ]


def test_left_out_warning(tmp_path: Path) -> None:
    text = "fields:\n  year: {column: Year, map: {'0': }}\n"
    mapped = _map(tmp_path, text, "U1", "X", "", "ON", "", "0")
    assert mapped.payload == {}
    assert mapped.columns == {"year": "Year"}
    assert [issue.message for issue in mapped.warnings] == [
        "Row 2: column 'Year' value '0' is left out of year: the profile's map made it empty."
    ]


def test_unmapped_value_error(tmp_path: Path) -> None:
    text = (
        "fields:\n  plateType:\n    column: Plate Type\n    map: {PAS: Passenger}\n"
        "    unmapped: invalid\n"
    )
    mapped = _map(tmp_path, text, "U1", "X", "OMT")
    assert mapped.payload == {"plateType": "OMT"}
    assert mapped.errors == (
        RowIssue(
            "unmapped-value",
            2,
            "Plate Type",
            "OMT",
            f"Row 2: column 'Plate Type' value 'OMT' is not in the 'map' of field 'plateType' "
            f"in {tmp_path / 'fleet.yaml'}; add it to the map or correct the cell.",
        ),
    )


def test_unmapped_value_kept(tmp_path: Path) -> None:
    text = "fields:\n  plateType: {column: Plate Type, map: {PAS: Passenger}}\n"
    mapped = _map(tmp_path, text, "U1", "X", "OMT")
    assert mapped.payload == {"plateType": "OMT"}
    assert mapped.errors == ()
    assert mapped.warnings == ()


def test_map_rows(tmp_path: Path) -> None:
    mapper = Mapper(_profile(tmp_path, "fields:\n  plate: Licence Plate\n"), HEADERS)
    rows = mapper.map_rows([_row("U1", "A", number=2), _row("U2", "B", number=3)])
    assert [(r.source.number, r.payload) for r in rows] == [
        (2, {"plate": "A"}),
        (3, {"plate": "B"}),
    ]


def test_missing_column(tmp_path: Path) -> None:
    profile = _profile(tmp_path, "fields:\n  plate: Licence Plate\n  make: Make\n")
    with pytest.raises(MappingError) as caught:
        Mapper(profile, HEADERS, file=Path("data/fleet.csv"))
    assert str(caught.value) == (
        f"{tmp_path / 'fleet.yaml'}:3: field 'make' reads column 'Make', which is not in "
        "fleet.csv. Columns found: 'Unit', 'Licence Plate', 'Plate Type', 'Province/State', "
        "'Colour', 'Year'. The file's headers may have changed since the profile was written: "
        "fix the 'column' lines of the profile, or the headers."
    )
    assert caught.value.line == 3


def test_renamed_column_hint(tmp_path: Path) -> None:
    profile = _profile(tmp_path, "fields:\n  plate: Plate\n")
    with pytest.raises(MappingError) as caught:
        Mapper(profile, ["Licence Plate No.", "State"], file=Path("nightly.csv"))
    assert str(caught.value) == (
        f"{tmp_path / 'fleet.yaml'}:2: field 'plate' reads column 'Plate', which is not in "
        "nightly.csv ('Licence Plate No.' looks like it; renamed?). Columns found: "
        "'Licence Plate No.', 'State'. The file's headers may have changed since the profile "
        "was written: fix the 'column' lines of the profile, or the headers."
    )


def test_several_missing_columns(tmp_path: Path) -> None:
    text = "fields:\n  plate: Plate\n  prov: [Prov, Province]\n  year: Year\n"
    with pytest.raises(MappingError) as caught:
        Mapper(_profile(tmp_path, text), ["Plate #", "Yr"], file=Path("nightly.csv"))
    assert str(caught.value) == (
        f"{tmp_path / 'fleet.yaml'}:3: 2 columns do not fit: field 'prov' reads column "
        "'Prov' or 'Province', and neither is in nightly.csv (line 3); field 'year' reads "
        "column 'Year', which is not in nightly.csv ('Yr' looks like it; renamed?) (line 4). "
        "Columns found: 'Plate #', 'Yr'. The file's headers may have changed since the "
        "profile was written: fix the 'column' lines of the profile, or the headers."
    )


def test_repeated_header(tmp_path: Path) -> None:
    profile = _profile(tmp_path, "fields:\n  make: Department\n")
    with pytest.raises(MappingError) as caught:
        Mapper(profile, ["Department", "Department", "Class"], file=Path("in.xlsx"))
    assert str(caught.value) == (
        f"{tmp_path / 'fleet.yaml'}:2: field 'make' reads column 'Department', which in "
        "in.xlsx heads columns 1, 2; rename all but one in the file. Columns found: "
        "'Department', 'Department', 'Class'. The file's headers may have changed since the "
        "profile was written: fix the 'column' lines of the profile, or the headers."
    )


def test_automatic_binding() -> None:
    headers = [header for header in HEADERS if header != "Plate Type"]
    mapper = Mapper(automatic_profile({"plateType": "Passenger"}), headers)
    assert mapper.field_columns == {
        "plate": "Licence Plate",
        "plateType": "(constant)",
        "prov": "Province/State",
        "colour": "Colour",
        "year": "Year",
    }


def test_automatic_profile_rules() -> None:
    mapper = Mapper(automatic_profile(), ["Plate", "Plate Type", "State"])
    assert [(r.api_field, r.columns) for r in mapper.profile.rules] == [
        ("plate", ("Plate",)),
        ("plateType", ("Plate Type",)),
        ("prov", ("State",)),
    ]
    assert mapper.profile.automatic is True


def test_automatic_description() -> None:
    mapper = Mapper(automatic_profile({"plateType": "Bus"}), ["Tag", "Prov"])
    assert mapper.description == (
        "automatic matching: plate = 'Tag', plateType = constant 'Bus', prov = 'Prov'"
    )


def test_profile_description(tmp_path: Path) -> None:
    mapper = Mapper(_profile(tmp_path, "fields:\n  plate: Unit\n"), HEADERS)
    assert mapper.description == str(tmp_path / "fleet.yaml")


def test_automatic_row() -> None:
    mapper = Mapper(automatic_profile(), ["Plate", "Plate Type", "State", "Model"])
    mapped = mapper.map_row(_row("AB 12", "PAS", "NY", "Civic"))
    assert mapped.payload == {"plate": "AB 12", "plateType": "PAS", "prov": "NY"}
    assert mapped.columns == {"plate": "Plate", "plateType": "Plate Type", "prov": "State"}


def test_automatic_incomplete() -> None:
    with pytest.raises(MappingError) as caught:
        Mapper(automatic_profile(), ["Reg Plate", "Year", "Model"], file=Path("buses.csv"))
    assert str(caught.value) == (
        "buses.csv: automatic matching cannot map this file. No column matches the required "
        "fields plateType, prov. Columns found: 'Reg Plate', 'Year', 'Model'. Pass --set "
        "plateType=VALUE --set prov=VALUE to send one value on every row, or save these lines "
        "as a profile, fill in the empty fields and pass --mapping PATH (opscom-import map "
        "FILE --out PATH writes them):\n"
        "# Mapping profile for buses.csv, written by opscom-import map.\n"
        "# Check each line and fill in any empty field, then try it with:\n"
        "#   opscom-import validate buses.csv --mapping THIS_FILE\n"
        "fields:\n"
        "  plate: Reg Plate\n"
        "  # Required, but no column matches. Write the column that holds the plate type name\n"
        "  # or {value: ...} for one value on every row (or plateTypeID: for an ID).\n"
        "  plateType:\n"
        "  # Required, but no column matches. Write the column that holds the province or "
        "state\n"
        "  # or {value: ...} for one value on every row (or provID: for an ID).\n"
        "  prov:\n"
        "  year: Year\n"
        "# Columns that feed no field:\n"
        "ignore_columns:\n"
        "  - Model\n"
    )


def test_repeated_cell_warns_each_row(tmp_path: Path) -> None:
    profile = _profile(tmp_path, "fields:\n  colour: {column: Colour, map: {BLK: Black}}\n")
    mapper = Mapper(profile, HEADERS)
    rows = [mapper.map_row(_row("", "", "", "", "BLK", "", number=n)) for n in (2, 3)]
    assert [row.payload for row in rows] == [{"colour": "Black"}, {"colour": "Black"}]
    assert [[issue.message for issue in row.warnings] for row in rows] == [
        ["Row 2: column 'Colour' value 'BLK' sent as 'Black' (map in the profile)."],
        ["Row 3: column 'Colour' value 'BLK' sent as 'Black' (map in the profile)."],
    ]


def test_whitespace_cell_left_out(tmp_path: Path) -> None:
    mapped = _map(tmp_path, "fields:\n  plate: Licence Plate\n", "", " \t\u00a0")
    assert mapped.payload == {}
    assert mapped.warnings == ()
