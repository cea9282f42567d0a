"""Loading mapping profiles: every key, and every error with its path and line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from importer.errors import ExitCode, MappingError
from importer.mapping import (
    FieldRule,
    Profile,
    ValueTable,
    automatic_profile,
    load_profile,
    profile_document,
    profile_from_dict,
    with_constants,
)
from tests.conftest import ROOT


def _load(tmp_path: Path, text: str) -> Profile:
    path = tmp_path / "fleet.yaml"
    path.write_text(text, encoding="utf-8")
    return load_profile(path)


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(MappingError) as caught:
        _load(tmp_path, text)
    prefix = f"{tmp_path / 'fleet.yaml'}:"
    message = str(caught.value)
    assert message.startswith(prefix)
    return message.removeprefix(prefix)


def test_shorthand_column(tmp_path: Path) -> None:
    profile = _load(tmp_path, "fields:\n  plate: Licence Plate\n")
    assert profile.rules == (FieldRule("plate", columns=("Licence Plate",), line=2),)


def test_column_alternatives_in_order(tmp_path: Path) -> None:
    profile = _load(tmp_path, "fields:\n  prov: {column: [State, Province]}\n")
    assert profile.rules[0].columns == ("State", "Province")


def test_sequence_shorthand(tmp_path: Path) -> None:
    profile = _load(tmp_path, "fields:\n  prov: [State, Province]\n")
    assert profile.rules[0].columns == ("State", "Province")


def test_constant_value(tmp_path: Path) -> None:
    profile = _load(tmp_path, "fields:\n  plateType: {value: Passenger}\n")
    assert profile.rules == (FieldRule("plateType", value="Passenger", line=2),)


def test_values_keep_text_as_written(tmp_path: Path) -> None:
    text = "fields:\n  prov: {value: ON}\n  year: {value: 2015.0}\n  plate: {value: no}\n"
    profile = _load(tmp_path, text)
    assert [rule.value for rule in profile.rules] == ["ON", "2015.0", "no"]


def test_default(tmp_path: Path) -> None:
    profile = _load(tmp_path, "fields:\n  colour: {column: Color, default: Unknown}\n")
    assert profile.rules[0].default == "Unknown"


def test_map_table_folds_keys(tmp_path: Path) -> None:
    text = (
        "fields:\n  plateType:\n    column: Type\n    map: {PAS: Passenger, ' Com ': Commercial}\n"
    )
    profile = _load(tmp_path, text)
    assert profile.rules[0].table == ValueTable({"pas": "Passenger", "com": "Commercial"})


def test_map_keeps_norway_keys(tmp_path: Path) -> None:
    text = "fields:\n  prov:\n    column: State\n    map: {ON: Ontario, NO: Norway, 99: ~}\n"
    profile = _load(tmp_path, text)
    assert profile.rules[0].table == ValueTable({"on": "Ontario", "no": "Norway", "99": ""})


def test_map_empty_value_leaves_out(tmp_path: Path) -> None:
    text = "fields:\n  year:\n    column: Year\n    map: {'0': '', N/A: }\n"
    profile = _load(tmp_path, text)
    assert profile.rules[0].table == ValueTable({"0": "", "n/a": ""})


def test_map_unmapped_invalid(tmp_path: Path) -> None:
    text = (
        "fields:\n  plateType:\n    column: Type\n    map: {PAS: Passenger}\n"
        "    unmapped: invalid\n"
    )
    profile = _load(tmp_path, text)
    assert profile.rules[0].table == ValueTable({"pas": "Passenger"}, "invalid")


def test_transforms_in_order(tmp_path: Path) -> None:
    text = "fields:\n  plate:\n    column: Plate\n    transform: [upper, trim, digits-only]\n"
    profile = _load(tmp_path, text)
    assert profile.rules[0].transforms == ("upper", "trim", "digits-only")


def test_single_transform(tmp_path: Path) -> None:
    profile = _load(tmp_path, "fields:\n  plate: {column: Plate, transform: trim}\n")
    assert profile.rules[0].transforms == ("trim",)


def test_reading_hints(tmp_path: Path) -> None:
    text = (
        "sheet: Fleet\nheader_row: 3\nignore_columns: [Unit, Notes]\nplate_style: keep\n"
        "fields:\n  plate: Plate\n"
    )
    profile = _load(tmp_path, text)
    assert profile.sheet == "Fleet"
    assert profile.header_row == 3
    assert profile.ignore_columns == ("Unit", "Notes")
    assert profile.plate_style == "keep"


def test_defaults_of_hints(tmp_path: Path) -> None:
    profile = _load(tmp_path, "fields:\n  plate: Plate\n")
    assert profile.sheet is None
    assert profile.header_row is None
    assert profile.ignore_columns == ()
    assert profile.plate_style == "compact"
    assert profile.automatic is False


def test_label_is_path(tmp_path: Path) -> None:
    profile = _load(tmp_path, "fields:\n  plate: Plate\n")
    assert profile.label == str(tmp_path / "fleet.yaml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "fields:\n  plate: Plate\n  color: Colour\n",
            "3: unknown field 'color' in 'fields'. Did you mean 'colour'? Valid fields: plate, "
            "plateType, plateTypeID, prov, provID, make, makeID, type, typeID, colour, "
            "colourID, year, vin.",
        ),
        (
            "fields:\n  Province: State\n",
            "2: unknown field 'Province' in 'fields'. Did you mean 'prov'? Valid fields: plate, "
            "plateType, plateTypeID, prov, provID, make, makeID, type, typeID, colour, "
            "colourID, year, vin.",
        ),
        (
            "fields:\n  plate: {column: Plate, value: X}\n",
            "2: field 'plate' has both 'column' and 'value'; keep one: a column read on every "
            "row, or a value sent for every row.",
        ),
        (
            "fields:\n  plate: Plate\n  prov: [State\n",
            "4: invalid YAML: while parsing a flow sequence expected ',' or ']', but got "
            "'<stream end>'.",
        ),
        (
            "fields:\n  plate: Plate\n\tprov: State\n",
            "3: invalid YAML: while scanning for the next token found character '\\t' that "
            "cannot start any token.",
        ),
        (
            "feilds:\n  plate: Plate\n",
            "1: unknown key 'feilds' in the profile. Did you mean 'fields'? Valid keys: fields, "
            "sheet, header_row, ignore_columns, plate_style.",
        ),
        (
            "fields:\n  plate: {column: Plate, colum: X}\n",
            "2: unknown key 'colum' in field 'plate'. Did you mean 'column'? Valid keys: column, "
            "value, default, map, unmapped, transform.",
        ),
        (
            "fields:\n  plate: Plate\n  plate: Tag\n",
            "3: 'fields' sets 'plate' twice (first on line 2).",
        ),
        (
            "fields:\n  plate:\n",
            "2: field 'plate' is empty; write the column that holds the plate, or "
            "{value: ...} for a constant, or delete the line.",
        ),
        (
            "fields:\n  plate: {default: X}\n",
            "2: field 'plate' needs 'column' or 'value'.",
        ),
        (
            "fields:\n  plateType: {value: Passenger, default: X}\n",
            "2: field 'plateType' has a 'value', which is sent as written; 'default' applies "
            "only to a column, so remove it.",
        ),
        (
            "fields:\n  plateType: {column: Type, unmapped: invalid}\n",
            "2: field 'plateType' has 'unmapped' but no 'map'; add the map or remove it.",
        ),
        (
            "fields:\n  plateType:\n    column: Type\n    map: {PAS: Passenger}\n"
            "    unmapped: drop\n",
            "5: field 'plateType' unmapped is 'drop'; use 'keep' or 'invalid'.",
        ),
        (
            "fields:\n  plateType:\n    column: Type\n    map:\n      PAS: Passenger\n"
            "      pas: Other\n",
            "6: field 'plateType' map lists 'pas' twice (ignoring case and spaces; first on "
            "line 5); keep one.",
        ),
        (
            "fields:\n  plate:\n    column: Plate\n    transform: [trim, lower]\n",
            "4: field 'plate': unknown transform 'lower'; transforms are: trim, upper, "
            "collapse-spaces, remove-spaces-dashes, digits-only.",
        ),
        (
            "fields:\n  plateType: Type\n  plateTypeID: {value: 3}\n",
            "3: fields 'plateType' and 'plateTypeID' are both set; OPS-COM takes plateType as "
            "a name or plateTypeID as an ID, so keep one of them.",
        ),
        (
            "header_row: two\nfields:\n  plate: Plate\n",
            "1: 'header_row' is 'two'; write the row number as the spreadsheet shows it (1 for "
            "the first row).",
        ),
        (
            "header_row: 0\nfields:\n  plate: Plate\n",
            "1: 'header_row' is '0'; write the row number as the spreadsheet shows it (1 for "
            "the first row).",
        ),
        (
            "plate_style: tidy\nfields:\n  plate: Plate\n",
            "1: 'plate_style' is 'tidy'; use 'compact' or 'keep'.",
        ),
        (
            "ignore_columns: [Plate]\nfields:\n  plate: plate\n",
            "3: field 'plate' reads column 'plate', which 'ignore_columns' also lists; remove "
            "it from one of the two.",
        ),
        (
            "fields:\n  plate: {column: []}\n",
            "2: field 'plate' column is an empty list; write at least one name.",
        ),
        (
            "fields:\n  plate: {column: {a: b}}\n",
            "2: field 'plate' column must be a single value.",
        ),
        (
            "fields:\n  plateType: {value: ''}\n",
            "2: field 'plateType' value is empty; write a value or delete the line.",
        ),
        (
            "fields:\n  plateType:\n    column: Type\n    map: [PAS, COM]\n",
            "4: field 'plateType' map must be a mapping of 'key: value' lines.",
        ),
        ("fields: {}\n", "1: 'fields' is empty; map at least the plate, plate type and province."),
        ("sheet: Fleet\n", "1: the profile has no 'fields:' section; see mappings/template.yaml."),
        ("- plate\n", "1: the profile must be a mapping of 'key: value' lines."),
        (
            "fields:\n  plate: A\n---\nfields: {}\n",
            "3: invalid YAML: expected a single document in the stream but found another document.",
        ),
    ],
)
def test_profile_error(tmp_path: Path, text: str, expected: str) -> None:
    assert _error(tmp_path, text) == f"{expected}"


def test_error_exit_code(tmp_path: Path) -> None:
    with pytest.raises(MappingError) as caught:
        _load(tmp_path, "fields:\n  colour: {column: Color, value: Red}\n")
    assert caught.value.exit_code is ExitCode.USAGE
    assert caught.value.line == 2
    assert caught.value.path == tmp_path / "fleet.yaml"


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_profile(path)
    assert str(caught.value) == (
        f"{path}: the profile is empty; see mappings/template.yaml for the layout."
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(MappingError) as caught:
        load_profile(path)
    assert str(caught.value) == f"{path}: cannot read the profile (No such file or directory)."


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("fields:\n  plate: Numéro\n".encode("latin-1"))
    with pytest.raises(MappingError) as caught:
        load_profile(path)
    assert str(caught.value) == (
        f"{path}: the profile is not UTF-8 text (invalid continuation byte); save it as UTF-8."
    )


def test_from_dict() -> None:
    profile = profile_from_dict({"fields": {"plate": "Plate", "prov": {"value": "ON"}}})
    assert profile.rules == (
        FieldRule("plate", columns=("Plate",)),
        FieldRule("prov", value="ON"),
    )


def test_from_dict_error_has_no_line() -> None:
    with pytest.raises(MappingError) as caught:
        profile_from_dict({"fields": {"colour": "Color", "color": "Colour"}})
    assert caught.value.line is None
    assert str(caught.value).startswith("unknown field 'color' in 'fields'.")


def test_constants_replace_rule(tmp_path: Path) -> None:
    profile = _load(tmp_path, "fields:\n  plate: Plate\n  plateType: Type\n")
    replaced = with_constants(profile, {"plateType": "Passenger"})
    assert replaced.rules == (
        FieldRule("plate", columns=("Plate",), line=2),
        FieldRule("plateType", value="Passenger", from_set=True),
    )


def test_constants_record_replaced(tmp_path: Path) -> None:
    text = "fields:\n  plate: Plate\n  plateType: Type\n  prov: {value: ON}\n"
    profile = _load(tmp_path, text)
    replaced = with_constants(profile, {"plateTypeID": "3", "prov": "QC"})
    assert replaced.replaced == (FieldRule("plateType", columns=("Type",), line=3),)


def test_constants_replace_partner(tmp_path: Path) -> None:
    profile = _load(tmp_path, "fields:\n  plate: Plate\n  plateType: Type\n")
    replaced = with_constants(profile, {"plateTypeID": "3"})
    assert [rule.api_field for rule in replaced.rules] == ["plate", "plateTypeID"]


def test_constants_keep_hints(tmp_path: Path) -> None:
    profile = _load(tmp_path, "sheet: Fleet\nplate_style: keep\nfields:\n  plate: Plate\n")
    replaced = with_constants(profile, {"prov": "ON"})
    assert replaced.sheet == "Fleet"
    assert replaced.plate_style == "keep"


def test_constant_unknown_field() -> None:
    with pytest.raises(MappingError) as caught:
        with_constants(automatic_profile(), {"province": "ON"})
    assert str(caught.value) == (
        "--set: unknown field 'province'; fields are: plate, plateType, plateTypeID, prov, "
        "provID, make, makeID, type, typeID, colour, colourID, year, vin."
    )


def test_constant_empty_value() -> None:
    with pytest.raises(MappingError) as caught:
        automatic_profile({"plateType": " "})
    assert str(caught.value) == "--set plateType: the value is empty; give a value after '='."


def test_automatic_profile() -> None:
    profile = automatic_profile({"plateType": "Passenger"})
    assert profile.automatic is True
    assert profile.rules == (FieldRule("plateType", value="Passenger", from_set=True),)
    assert profile.label == "automatic matching"


@pytest.mark.parametrize("path", sorted((ROOT / "mappings").glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_profiles_load(path: Path) -> None:
    profile = load_profile(path)
    assert profile.rules


FULL_PROFILE = """\
sheet: Fleet
header_row: 2
ignore_columns: [Unit]
plate_style: keep
fields:
  plate: {column: [Plate, Tag], transform: [trim, upper]}
  plateType:
    column: Plate Type
    map: {PAS: Passenger, ON: Ontario, '0': }
    unmapped: invalid
  prov: {value: ON}
  colour: {column: Colour, default: Unknown}
"""


def test_document_round_trip(tmp_path: Path) -> None:
    profile = _load(tmp_path, FULL_PROFILE)
    again = profile_from_dict(profile_document(profile), path=profile.path)
    assert again == dataclasses.replace(
        profile, rules=tuple(dataclasses.replace(rule, line=None) for rule in profile.rules)
    )


def test_document_pins_columns(tmp_path: Path) -> None:
    profile = _load(tmp_path, FULL_PROFILE)
    document = profile_document(profile, {"plate": "Tag", "prov": "(constant)"})
    assert document["fields"]["plate"] == {"column": ["Tag"], "transform": ["trim", "upper"]}
    assert document["fields"]["prov"] == {"value": "ON"}


def test_document_of_automatic() -> None:
    document = profile_document(automatic_profile({"plateType": "Passenger"}))
    assert document == {"fields": {"plateType": {"value": "Passenger"}}, "plate_style": "compact"}


def test_from_dict_keeps_field_order() -> None:
    profile = profile_from_dict({"fields": {"vin": "VIN", "colour": "Colour", "plate": "Plate"}})
    assert [rule.api_field for rule in profile.rules] == ["vin", "colour", "plate"]
