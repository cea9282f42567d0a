"""Automatic matching and the bundled profiles on slices of real fleet files.

The CSV slices in fixtures/realdata/ are the header and a few rows copied byte for byte from
public exports (BOMs and CRLF line endings kept). The two workbooks are rebuilt here from
their real header and rows, because a workbook fixture made by hand hides what it contains.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from importer.mapping import (
    REQUIRED_GROUPS,
    MappedRow,
    Mapper,
    header_key,
    load_profile,
    match_headers,
)
from importer.reading import ReadOptions, read_table
from importer.records import Table
from tests.conftest import FIXTURES, ROOT

SLICES = FIXTURES / "realdata"

TALLINN_HEADER = [
    "VehicleId",
    "ExpirationDay",
    "LocalAreaManagement",
    "RegistrationNo",
    "Type",
    "Manufacturer",
    "SerialNo",
    "ModelName",
    "ModelYear",
    "Decoder",
    "Description",
    "Height",
    "Length",
    "Width",
    "DoorCounter",
    "ebus",
]
TALLINN_ROWS: list[list[object]] = [
    [96, None, None, None, "tram"],
    [1001, None, "Mustamäe", "001 TAK", "bus", "Scania", "YS2L6X20001854393"],
    [1474, None, "Mustamäe", "\t474 TAK", "bus", "MAN", "WMAA78ZZ5CT018581"],
]
TALLINN_ROWS[1].extend(
    ["OmniLink CL94UA 6X2LB", 2006, "scania", "low-floor articulated ei-toota", None, 17.99]
)
TALLINN_ROWS[2].extend(["A78 Lion's City LE EL293", 2012, "man", "low-floor", None, None, None, 3])
GERMAN_HEADER = [
    "Typ",
    "Bezeichnung",
    "Kenn-\nzeichen",
    "Anfangsstand\nkm",
    "1. Quartal\nkm",
    "2. Quartal\nkm",
    "3. Quartal\nkm",
    "4. Quartal\nkm",
    "km pro Jahr",
    "Schnitt (Quartal)",
]
GERMAN_ROWS = [
    ["LkW", "IVECO 13 t", "MZ-PE-309", 67920, 12670, 10899, 13098, 15680],
    ["Pkw", "VW Golf", "MZ-TG-931", 22900, 2304, 3088, 2789, 2556],
    [],
    ["Quartalsumme LkW"],
    [None, None, "Kosten je km"],
]


def _tallinn(folder: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "VehicleData"
    sheet.append(TALLINN_HEADER)
    for row in TALLINN_ROWS:
        sheet.append(row)
    workbook.create_sheet("Sheet1")
    path = folder / "tallinn_transport_fleet.xlsx"
    workbook.save(path)
    return path


def _german(folder: Path) -> Path:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = "Tabelle1"
    sheet = workbook.create_sheet("Fuhrpark")
    sheet.append(["Fuhrpark-Abrechnung"])
    sheet.append([])
    sheet.append(GERMAN_HEADER)
    for row in GERMAN_ROWS:
        sheet.append(row)
    path = folder / "german_fuhrpark.xlsx"
    workbook.save(path)
    return path


def _file(name: str, folder: Path) -> Path:
    if name == "tallinn_transport_fleet":
        return _tallinn(folder)
    if name == "german_fuhrpark":
        return _german(folder)
    return SLICES / f"{name}.csv"


# The header row of the German workbook is row 3, under a title; it is passed explicitly
# because header detection is the reader's business.
READ_OPTIONS = {
    "tallinn_transport_fleet": ReadOptions(sheet="VehicleData"),
    "german_fuhrpark": ReadOptions(sheet="Fuhrpark", header_row=3),
}

#: For each plate-bearing file: the column automatic matching finds for each field, and the
#: required fields it lacks. Headers compare by ``header_key``, because the reader may tidy
#: a header's line breaks ("Kenn-\nzeichen").
EXPECTED_MATCHING: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "chicago_towed_vehicles": (
        {"plate": "Plate", "prov": "State", "make": "Make", "type": "Style", "colour": "Color"},
        ("plateType",),
    ),
    "chicago_relocated_vehicles": (
        {"plate": "Plate", "prov": "State", "make": "Make", "colour": "Color"},
        ("plateType",),
    ),
    "nyc_parking_violations": (
        {
            "plate": "Plate ID",
            "plateType": "Plate Type",
            "prov": "Registration State",
            "make": "Vehicle Make",
            "type": "Vehicle Body Type",
            "colour": "Vehicle Color",
            "year": "Vehicle Year",
        },
        (),
    ),
    "uk_bus_fleet": ({"plate": "Reg Plate", "year": "Year"}, ("plateType", "prov")),
    "tallinn_transport_fleet": (
        {
            "plate": "RegistrationNo",
            "make": "Manufacturer",
            "type": "Type",
            "year": "ModelYear",
            "vin": "SerialNo",
        },
        ("plateType", "prov"),
    ),
    "german_fuhrpark": (
        {"plate": "Kenn-\nzeichen", "make": "Bezeichnung", "type": "Typ"},
        ("plateType", "prov"),
    ),
    "helsinki_parking_permits": ({"plate": "Rekisterinumerot"}, ("plateType", "prov")),
    "french_rental_fleet": (
        {"plate": "immatriculation", "make": "marque", "type": "type", "year": "annee"},
        ("plateType", "prov"),
    ),
}


def _table(name: str, folder: Path, options: ReadOptions | None = None) -> Table:
    return read_table(_file(name, folder), options or READ_OPTIONS.get(name))


@pytest.mark.parametrize("name", sorted(EXPECTED_MATCHING))
def test_automatic_field_table(name: str, tmp_path: Path) -> None:
    matching = match_headers(_table(name, tmp_path).headers)
    columns, _ = EXPECTED_MATCHING[name]
    found = {f: header_key(matching.headers[i]) for f, i in matching.columns.items()}
    assert found == {api_field: header_key(header) for api_field, header in columns.items()}
    assert matching.conflicts == {}


@pytest.mark.parametrize("name", sorted(EXPECTED_MATCHING))
def test_automatic_missing_fields(name: str, tmp_path: Path) -> None:
    matching = match_headers(_table(name, tmp_path).headers)
    _, missing = EXPECTED_MATCHING[name]
    assert matching.missing == missing


def _mapped(name: str, folder: Path) -> list[MappedRow]:
    profile = load_profile(ROOT / "mappings" / f"{name}.yaml")
    options = ReadOptions(sheet=profile.sheet, header_row=profile.header_row)
    table = _table(name, folder, options)
    return Mapper(profile, table.headers, file=table.path).map_rows(table.rows)


@pytest.mark.parametrize("name", sorted(EXPECTED_MATCHING))
def test_profile_fits_file(name: str, tmp_path: Path) -> None:
    profile = load_profile(ROOT / "mappings" / f"{name}.yaml")
    table = _table(name, tmp_path, ReadOptions(sheet=profile.sheet, header_row=profile.header_row))
    mapper = Mapper(profile, table.headers, file=table.path)
    assert list(mapper.field_columns) == [rule.api_field for rule in profile.rules]


@pytest.mark.parametrize("name", sorted(EXPECTED_MATCHING))
def test_profile_sets_required_fields(name: str) -> None:
    profile = load_profile(ROOT / "mappings" / f"{name}.yaml")
    fields = {rule.api_field for rule in profile.rules}
    assert [group for group in REQUIRED_GROUPS if not fields.intersection(group)] == []


def test_nyc_profile_rows(tmp_path: Path) -> None:
    rows = _mapped("nyc_parking_violations", tmp_path)
    assert [row.payload for row in rows] == [
        {
            "plate": "GZH7067",
            "prov": "NY",
            "plateType": "Passenger",
            "make": "TOYOT",
            "type": "SUBN",
            "colour": "Grey",
            "year": "2001",
        },
        {
            "plate": "66623ME",
            "prov": "NY",
            "plateType": "Commercial",
            "make": "MITSU",
            "type": "REFG",
            "colour": "White",
            "year": "2007",
        },
        {
            "plate": "N102911C",
            "prov": "NY",
            "plateType": "OMT",
            "make": "FORD",
            "type": "VAN",
            "colour": "White",
            "year": "2008",
        },
        {
            "plate": "X20DCM",
            "prov": "NJ",
            "plateType": "Passenger",
            "make": "TOYOT",
            "type": "SDN",
            "colour": "WHITE",
        },
    ]


def test_nyc_unknown_class_invalid(tmp_path: Path) -> None:
    rows = _mapped("nyc_parking_violations", tmp_path)
    assert [[issue.code for issue in row.errors] for row in rows] == [
        [],
        [],
        ["unmapped-value"],
        [],
    ]


def test_nyc_zero_year_reported(tmp_path: Path) -> None:
    rows = _mapped("nyc_parking_violations", tmp_path)
    assert rows[3].warnings[-1].message == (
        "Row 5: column 'Vehicle Year' value '0' is left out of year: the profile's map made "
        "it empty."
    )


def test_chicago_towed_colour_codes(tmp_path: Path) -> None:
    rows = _mapped("chicago_towed_vehicles", tmp_path)
    assert [row.payload.get("colour") for row in rows] == ["Black", "White", "DBL", "TAN"]


def test_chicago_relocated_not_available(tmp_path: Path) -> None:
    rows = _mapped("chicago_relocated_vehicles", tmp_path)
    assert [row.payload.get("prov") for row in rows] == ["Illinois", "Indiana", None]


def test_tallinn_tab_trimmed(tmp_path: Path) -> None:
    rows = _mapped("tallinn_transport_fleet", tmp_path)
    assert [row.payload.get("plate") for row in rows] == [None, "001 TAK", "474 TAK"]
    assert rows[2].warnings[0].message == (
        "Row 4: column 'RegistrationNo' value '\t474 TAK' sent as '474 TAK' (trim in the profile)."
    )


def test_tallinn_types(tmp_path: Path) -> None:
    rows = _mapped("tallinn_transport_fleet", tmp_path)
    assert [row.payload["type"] for row in rows] == ["Tram", "Bus", "Bus"]


def test_german_footer_rows_invalid(tmp_path: Path) -> None:
    rows = _mapped("german_fuhrpark", tmp_path)
    assert [(row.source.number, row.payload.get("plate")) for row in rows] == [
        (4, "MZ-PE-309"),
        (5, "MZ-TG-931"),
        (7, None),
        (8, None),
    ]
    assert [[issue.code for issue in row.errors] for row in rows] == [
        [],
        [],
        ["unmapped-value"],
        [],
    ]


def test_german_types(tmp_path: Path) -> None:
    rows = _mapped("german_fuhrpark", tmp_path)
    assert [row.payload.get("type") for row in rows[:2]] == ["Truck", "Car"]


def test_french_types(tmp_path: Path) -> None:
    rows = _mapped("french_rental_fleet", tmp_path)
    assert [(row.payload["plate"], row.payload["type"]) for row in rows] == [
        ("AA-101", "Car"),
        ("AA-102", "Car"),
        ("AA-103", "Car"),
        ("AA-104", "Car"),
    ]


def test_uk_constants(tmp_path: Path) -> None:
    rows = _mapped("uk_bus_fleet", tmp_path)
    assert rows[0].payload == {
        "plate": "HF17 AZA",
        "plateType": "Commercial",
        "prov": "UK",
        "type": "Bus",
        "year": "2017",
    }


def test_helsinki_plate(tmp_path: Path) -> None:
    rows = _mapped("helsinki_parking_permits", tmp_path)
    assert [row.payload["plate"] for row in rows] == ["MZG-942", "GOA-344", "YLL-354", "NLO-418"]
