"""Every real fleet file in the shared data folder reads with the right header and first row.

The files sit in ``shared/realdata`` beside the repository (see its SOURCES.md); the tests
skip when that folder is absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from importer.reading import read_table
from importer.records import SourceRow, Table

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


class Expected(NamedTuple):
    name: str
    sheet: str | None
    header_row: int
    headers: list[str]
    first_row: int
    first_cells: tuple[str, ...]
    rows: int


EXPECTED = [
    Expected(
        "chicago_relocated_vehicles_2015.csv",
        sheet=None,
        header_row=1,
        headers=[
            "Relocated Date",
            "Make",
            "Color",
            "Plate",
            "State",
            "Relocated From Street Direction",
            "Relocated From Street Name",
            "Relocated From Suffix",
            "Relocated To Direction",
            "Relocated To Street Name",
            "Relocated To Suffix",
            "Relocated Reason",
            "Service Request Number",
        ],
        first_row=2,
        first_cells=(
            "06/14/2015 03:50:00 PM",
            "Lexus",
            "White",
            "LFMBRAK",
            "Illinois",
            "S",
            "COTTAGE GROVE",
            "AVE",
            "E",
            "59TH",
            "",
            "Accident",
            "15-02709831",
        ),
        rows=4900,
    ),
    Expected(
        "chicago_towed_vehicles_2017.csv",
        sheet=None,
        header_row=1,
        headers=[
            "Tow Date",
            "Make",
            "Style",
            "Model",
            "Color",
            "Plate",
            "State",
            "Towed to Address",
            "Tow Facility Phone",
            "Inventory Number",
        ],
        first_row=2,
        first_cells=(
            "05/13/2017",
            "TOYT",
            "4T",
            "",
            "TAN",
            "",
            "IL",
            "10300 S. Doty",
            "(773) 568-8495",
            "2822103",
        ),
        rows=5847,
    ),
    Expected(
        "french_rental_fleet_test_fixture.csv",
        sheet=None,
        header_row=1,
        headers=[
            "type",
            "immatriculation",
            "marque",
            "modele",
            "annee",
            "kilometrage",
            "disponible",
            "tarifJournalier",
        ],
        first_row=3,
        first_cells=("Voiture", "AA-101", "Volkswagen", "Golf", "2022", "15000", "true", "55"),
        rows=33,
    ),
    Expected(
        "german_fuhrpark_training_sheet.xlsx",
        sheet="Fuhrpark",
        header_row=3,
        headers=[
            "Typ",
            "Bezeichnung",
            "Kenn-zeichen",
            "Anfangsstand km",
            "1. Quartal km",
            "2. Quartal km",
            "3. Quartal km",
            "4. Quartal km",
            "km pro Jahr",
            "Schnitt (Quartal)",
        ],
        first_row=4,
        first_cells=(
            "LkW",
            "IVECO 13 t",
            "MZ-PE-309",
            "67920",
            "12670",
            "10899",
            "13098",
            "15680",
            "",
            "",
        ),
        rows=13,
    ),
    Expected(
        "helsinki_parking_permits_test_fixture_anonymized.csv",
        sheet=None,
        header_row=1,
        headers=[
            "Tunnuksen asianumero",
            "Tunnuksen tyyppi",
            "Voimassaolon alkamispvm",
            "Voimassaolon päättymispvm",
            "Liittyvän henkilön / Yrityksen nimi",
            "Hetu",
            "Osoite",
            "Postinumero",
            "Postitoimipaikka",
            "Alueen osoite",
            "Rekisterinumerot",
        ],
        first_row=2,
        first_cells=(
            "90008857",
            "Asukaspysäköintitunnus",
            "16.10.2022 15:34",
            "16.4.2023 23:59",
            "Testaaja, Matti",
            "XXXXXX-XXXX",
            "Testikatu 1 A 2",
            "150",
            "HELSINKI",
            "C - Kaivopuisto - Ullanlinna",
            "MZG-942",
        ),
        rows=18,
    ),
    Expected(
        "montgomery_county_fleet_equipment_raw_part1.xlsx",
        sheet="in",
        header_row=1,
        headers=["Department", "Department (2)", "Equipment Class", "Equipment Count"],
        first_row=2,
        first_cells=("Board of", "Elections", "Van", "1"),
        rows=57,
    ),
    Expected(
        "nyc_parking_violations_fy2017_sample.csv",
        sheet=None,
        header_row=1,
        headers=[
            "Summons Number",
            "Plate ID",
            "Registration State",
            "Plate Type",
            "Issue Date",
            "Violation Code",
            "Vehicle Body Type",
            "Vehicle Make",
            "Issuing Agency",
            "Street Code1",
            "Street Code2",
            "Street Code3",
            "Vehicle Expiration Date",
            "Violation Location",
            "Violation Precinct",
            "Issuer Precinct",
            "Issuer Code",
            "Issuer Command",
            "Issuer Squad",
            "Violation Time",
            "Time First Observed",
            "Violation County",
            "Violation In Front Of Or Opposite",
            "Street Name",
            "Intersecting Street",
            "Date First Observed",
            "Law Section",
            "Sub Division",
            "Violation Legal Code",
            "Days Parking In Effect",
            "From Hours In Effect",
            "To Hours In Effect",
            "Vehicle Color",
            "Unregistered Vehicle?",
            "Vehicle Year",
            "Meter Number",
            "Feet From Curb",
            "Violation Post Code",
            "Violation Description",
            "No Standing or Stopping Violation",
            "Hydrant Violation",
            "Double Parking Violation",
        ],
        first_row=2,
        first_cells=(
            "5092469481",
            "GZH7067",
            "NY",
            "PAS",
            "07/10/2016",
            "7",
            "SUBN",
            "TOYOT",
            "V",
            "0",
            "0",
            "0",
            "0",
            "",
            "0",
            "0",
            "0",
            "",
            "",
            "0143A",
            "",
            "BX",
            "",
            "ALLERTON AVE (W/B) @",
            "BARNES AVE",
            "0",
            "1111",
            "D",
            "T",
            "",
            "",
            "",
            "GY",
            "",
            "2001",
            "",
            "0",
            "",
            "FAILURE TO STOP AT RED LIGHT",
            "",
            "",
            "",
        ),
        rows=2099,
    ),
    Expected(
        "openlane_canada_auction_vehicles.csv",
        sheet=None,
        header_row=1,
        headers=["date", "ville", "annee", "marque", "modele", "couleur", "km", "vin", "prix"],
        first_row=2,
        first_cells=(
            "2026-03-18",
            "Montréal",
            "2024",
            "Acura",
            "Integra Type S",
            "White",
            "24236",
            "19UDE5G90RA800584",
            "55800",
        ),
        rows=5508,
    ),
    Expected(
        "ref_us_canada_state_province_codes.csv",
        sheet=None,
        header_row=1,
        headers=["STATE CODE", "STATE", "country"],
        first_row=2,
        first_cells=("AB", "Alberta", "CA"),
        rows=70,
    ),
    Expected(
        "ref_vehicle_makes_catalog.csv",
        sheet=None,
        header_row=1,
        headers=["Name", "ID"],
        first_row=2,
        first_cells=("ABG (Allg Baumasch Gesellsch)", "ABG"),
        rows=587,
    ),
    Expected(
        "rwanda_car_tax_catalogue_2015.xls",
        sheet="Sheet1",
        header_row=1,
        headers=[
            "cr_id",
            "cr_brand",
            "cr_mark",
            "engine",
            "cr_drive",
            "cr_year",
            "cr_newprice",
            "cr_body",
        ],
        first_row=2,
        first_cells=(
            "1",
            "AUDI",
            "A1 (TFSI 122)",
            "1.4TC/4",
            "FWD",
            "2015",
            "28278.6885245902",
            "3-DOOR HATCHBACK",
        ),
        rows=666,
    ),
    Expected(
        "spain_vw_group_used_stock_really_csv.xls",
        sheet=None,
        header_row=1,
        headers=[
            "productId",
            "Title",
            "Link",
            "Date",
            "Kms",
            "Fuel_HTML",
            "Price_HTML",
            "numberOfDoors",
            "vehicleSeatingCapacity",
            "vehicleTransmission",
            "vehicleModelDate",
            "fuelType_JSON",
            "model",
            "emissionsCO2",
            "priceCurrency",
            "price_LD",
            "availability",
            "seller_name",
            "seller_url",
        ],
        first_row=2,
        first_cells=(
            "960644",
            "Volkswagen Golf",
            "https://exclusive.vwgroupretail.es/coches/segunda-mano/barcelona/volkswagen/golf/gasolina/sport-r-line-1-5-tsi-110kw-150cv-dsg/960644/",
            "12/2019",
            "42.573 Km",
            "Gasolina",
            "22.790 €",
            "5",
            "5",
            "automático",
            "2019",
            "Gasolina",
            "golf",
            "118.0",
            "EUR",
            "22790",
            "https://schema.org/InStock",
            "Volkswagen Barcelona",
            "https://exclusive.vwgroupretail.es",
        ),
        rows=1801,
    ),
    Expected(
        "tallinn_tlt_public_transport_fleet.xlsx",
        sheet="VehicleData",
        header_row=1,
        headers=[
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
        ],
        first_row=2,
        first_cells=("96", "", "", "", "tram", "", "", "", "", "", "", "", "", "", "", ""),
        rows=1147,
    ),
    Expected(
        "uk_go_south_coast_bus_fleet.csv",
        sheet=None,
        header_row=1,
        headers=["Fleet No", "Reg Plate", "Year", "Model", "Operator", "Livery", "Status", "Notes"],
        first_row=2,
        first_cells=(
            "1",
            "HF17 AZA",
            "2017",
            "Volvo B11R Plaxton Elite",
            "Damory.png",
            "Bluevectis.png",
            "In Service",
            "",
        ),
        rows=867,
    ),
    Expected(
        "wa_dol_ev_population_sample.csv",
        sheet=None,
        header_row=1,
        headers=[
            "VIN (1-10)",
            "County",
            "City",
            "State",
            "Postal Code",
            "Model Year",
            "Make",
            "Model",
            "Electric Vehicle Type",
            "Clean Alternative Fuel Vehicle (CAFV) Eligibility",
            "Electric Range",
            "Legislative District",
            "DOL Vehicle ID",
            "Vehicle Location",
            "Electric Utility",
            "2020 Census Tract",
        ],
        first_row=2,
        first_cells=(
            "YV4H60DP5R",
            "Thurston",
            "Lacey",
            "WA",
            "98503",
            "2024",
            "VOLVO",
            "XC60",
            "2",
            "1",
            "35",
            "22",
            "257391242",
            "POINT (-122.8285 47.03646)",
            "PUGET SOUND ENERGY INC",
            "53067011300",
        ),
        rows=1969,
    ),
]


@pytest.mark.parametrize("expected", EXPECTED, ids=[item.name for item in EXPECTED])
def test_real_file(expected: Expected) -> None:
    path = REALDATA / expected.name
    if not path.is_file():
        pytest.skip(f"{path} is not there; it comes with the shared data folder.")
    table = read_table(path)
    rows = list(table.rows)
    assert table.sheet == expected.sheet
    assert table.header_row == expected.header_row
    assert table.headers == expected.headers
    assert rows[0].number == expected.first_row
    assert rows[0].cells == expected.first_cells
    assert len(rows) == expected.rows


def read_real(name: str) -> tuple[Table, list[SourceRow]]:
    path = REALDATA / name
    if not path.is_file():
        pytest.skip(f"{path} is not there; it comes with the shared data folder.")
    table = read_table(path)
    return table, list(table.rows)


def test_bus_fleet_ragged_rows() -> None:
    _, rows = read_real("uk_go_south_coast_bus_fleet.csv")
    warnings = [warning for row in rows for warning in row.warnings]
    assert warnings == [
        "Row 121 has 7 cells but the header row has 8; the missing cells at the end are read "
        "as empty.",
        "Row 124 has 9 cells but the header row has 8; the extra cells are empty.",
        "Row 274 has 7 cells but the header row has 8; the missing cells at the end are read "
        "as empty.",
    ]


def test_csv_named_xls_noted() -> None:
    table, _ = read_real("spain_vw_group_used_stock_really_csv.xls")
    assert table.notes == [
        "The file is named .xls but contains delimited text (CSV); it was read as text."
    ]


def test_fuhrpark_title_rows_noted() -> None:
    table, _ = read_real("german_fuhrpark_training_sheet.xlsx")
    assert table.notes == [
        "The header row is row 3; the rows above it hold a title, notes or nothing. Pass "
        "--header-row to choose another row."
    ]


def test_fleet_equipment_duplicate_header_noted() -> None:
    table, _ = read_real("montgomery_county_fleet_equipment_raw_part1.xlsx")
    assert table.notes == [
        "The header 'Department' appears in columns A, B; the repeats are named 'Department (2)'."
    ]


def test_tallinn_tab_in_plate_kept() -> None:
    _, rows = read_real("tallinn_tlt_public_transport_fleet.xlsx")
    plates = [row.cells[3] for row in rows if row.cells[3].startswith("\t")]
    assert plates == ["\t474 TAK"]


def test_every_real_file_pinned() -> None:
    if not REALDATA.is_dir():
        pytest.skip(f"{REALDATA} is not there; it comes with the shared data folder.")
    names = sorted(path.name for path in REALDATA.iterdir() if path.suffix != ".md")
    assert names == sorted(item.name for item in EXPECTED)
