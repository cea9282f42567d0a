"""``--set`` constants that would replace a column of the file are rejected before any row."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer.errors import MappingError
from importer.mapping import Mapper, automatic_profile, load_profile, with_constants
from importer.mapping.matching import match_headers
from importer.mapping.overrides import Override, matching_overrides, profile_overrides

HEADERS = ["Licence Plate", "Province/State", "Plate Type"]
FILE = Path("setover2.csv")


def _profile_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fleet.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_automatic_over_column() -> None:
    with pytest.raises(MappingError) as caught:
        Mapper(automatic_profile({"prov": "ON"}), HEADERS, file=FILE)
    assert str(caught.value) == (
        "setover2.csv: --set prov=ON would replace column 'Province/State', which feeds prov, "
        "on every row. The Push API cannot update a vehicle once it is stored, so the file's "
        "values would be lost. Leave out --set prov to send the values of the file, or, to "
        "fill only the empty cells, write \"prov: {column: Province/State, default: 'ON'}\" "
        "in a mapping profile and pass --mapping PATH (opscom-import map setover2.csv --out "
        "PATH writes a profile to start from)."
    )


def test_automatic_over_partner() -> None:
    with pytest.raises(MappingError) as caught:
        Mapper(automatic_profile({"plateTypeID": "3"}), HEADERS, file=FILE)
    assert str(caught.value).startswith(
        "setover2.csv: --set plateTypeID=3 would replace column 'Plate Type', which feeds "
        "plateType (a row sends plateType or plateTypeID, never both), on every row. "
    )
    assert 'write "plateType: {column: Plate Type, default: NAME}"' in str(caught.value)


def test_automatic_over_conflict() -> None:
    headers = ["Plate", "State", "Province", "Plate Type"]
    with pytest.raises(MappingError) as caught:
        Mapper(automatic_profile({"prov": "ON"}), headers, file=FILE)
    assert str(caught.value).startswith(
        "setover2.csv: --set prov=ON would replace columns 'State' and 'Province', which "
        "match prov, on every row. "
    )


def test_automatic_two_overrides() -> None:
    constants = {"prov": "ON", "plateType": "Bus"}
    with pytest.raises(MappingError) as caught:
        Mapper(automatic_profile(constants), HEADERS, file=FILE)
    message = str(caught.value)
    assert message.startswith(
        "setover2.csv: --set prov=ON would replace column 'Province/State', which feeds prov, "
        "on every row. --set plateType=Bus would replace column 'Plate Type', which feeds "
        "plateType, on every row. "
    )
    assert "Leave out --set prov and --set plateType to send" in message
    assert (
        "write \"prov: {column: Province/State, default: 'ON'}\" and "
        '"plateType: {column: Plate Type, default: Bus}" in a mapping profile'
    ) in message


def test_automatic_fills_missing() -> None:
    mapper = Mapper(automatic_profile({"plateType": "Bus"}), HEADERS[:2], file=FILE)
    assert mapper.field_columns == {
        "plate": "Licence Plate",
        "plateType": "(constant)",
        "prov": "Province/State",
    }


def test_profile_over_column(tmp_path: Path) -> None:
    path = _profile_file(tmp_path, "fields:\n  plate: Licence Plate\n  prov: Province/State\n")
    profile = with_constants(load_profile(path), {"prov": "ON", "plateType": "Bus"})
    with pytest.raises(MappingError) as caught:
        Mapper(profile, HEADERS[:2], file=FILE)
    assert str(caught.value) == (
        "setover2.csv: --set prov=ON would replace column 'Province/State', which line 3 of "
        "the profile maps to prov, on every row. The Push API cannot update a vehicle once "
        "it is stored, so the file's values would be lost. Leave out --set prov to send the "
        'values of the file, or, to fill only the empty cells, write "prov: {column: '
        f"Province/State, default: 'ON'}}\" in {path} in place of line 3."
    )


def test_profile_over_value(tmp_path: Path) -> None:
    path = _profile_file(
        tmp_path, "fields:\n  plate: Licence Plate\n  plateType: {value: Passenger}\n"
    )
    profile = with_constants(load_profile(path), {"plateType": "Bus", "prov": "ON"})
    mapper = Mapper(profile, ["Licence Plate"], file=FILE)
    assert mapper.field_columns == {
        "plate": "Licence Plate",
        "plateType": "(constant)",
        "prov": "(constant)",
    }


def test_profile_column_not_in_file(tmp_path: Path) -> None:
    path = _profile_file(tmp_path, "fields:\n  plate: Licence Plate\n  prov: [Province, State]\n")
    profile = with_constants(load_profile(path), {"prov": "ON"})
    mapper = Mapper(profile, ["Licence Plate", "Make"], file=FILE)
    assert mapper.field_columns == {"plate": "Licence Plate", "prov": "(constant)"}


def test_profile_overrides_found_column(tmp_path: Path) -> None:
    path = _profile_file(tmp_path, "fields:\n  plate: Plate\n  prov: [Province, State]\n")
    profile = with_constants(load_profile(path), {"provID": "7"})
    assert profile_overrides(profile, ["Plate", "STATE"]) == [
        Override("provID", "7", "prov", ("STATE",), line=3)
    ]


def test_matching_overrides() -> None:
    matching = match_headers(HEADERS, constants={"plateTypeID": "3"})
    assert matching_overrides(matching) == [
        Override("plateTypeID", "3", "plateType", ("Plate Type",))
    ]
