"""The province and state table: every abbreviation and full name, case, accents, clashes."""

from __future__ import annotations

import csv

import pytest

from importer.regions import (
    CANADA,
    MEXICO,
    REGIONS,
    UNITED_STATES,
    Region,
    _index,
    closest_region,
    find_region,
    fold,
)
from tests.conftest import FIXTURES

#: Canadian provinces and territories: postal abbreviation, English name, French name.
CANADIAN_NAMES = [
    ("AB", "Alberta", "Alberta"),
    ("BC", "British Columbia", "Colombie-Britannique"),
    ("MB", "Manitoba", "Manitoba"),
    ("NB", "New Brunswick", "Nouveau-Brunswick"),
    ("NL", "Newfoundland and Labrador", "Terre-Neuve-et-Labrador"),
    ("NS", "Nova Scotia", "Nouvelle-Écosse"),
    ("NT", "Northwest Territories", "Territoires du Nord-Ouest"),
    ("NU", "Nunavut", "Nunavut"),
    ("ON", "Ontario", "Ontario"),
    ("PE", "Prince Edward Island", "Île-du-Prince-Édouard"),
    ("QC", "Quebec", "Québec"),
    ("SK", "Saskatchewan", "Saskatchewan"),
    ("YT", "Yukon", "Yukon"),
]

#: US states, DC and territories whose French name differs from the English one.
US_FRENCH_NAMES = [
    ("CA", "Californie"),
    ("DC", "District de Columbia"),
    ("FL", "Floride"),
    ("GA", "Géorgie"),
    ("HI", "Hawaï"),
    ("LA", "Louisiane"),
    ("NM", "Nouveau-Mexique"),
    ("NY", "État de New York"),
    ("NC", "Caroline du Nord"),
    ("SC", "Caroline du Sud"),
    ("ND", "Dakota du Nord"),
    ("SD", "Dakota du Sud"),
    ("PA", "Pennsylvanie"),
    ("VA", "Virginie"),
    ("WV", "Virginie-Occidentale"),
    ("WA", "État de Washington"),
    ("AS", "Samoa américaines"),
    ("MP", "Îles Mariannes du Nord"),
    ("PR", "Porto Rico"),
    ("VI", "Îles Vierges des États-Unis"),
    ("UM", "Îles mineures éloignées des États-Unis"),
]

#: Traditional abbreviations, as newspapers and older forms write them.
TRADITIONAL = [
    ("Ala.", "AL"),
    ("Ariz.", "AZ"),
    ("Ark.", "AR"),
    ("Calif.", "CA"),
    ("Cal.", "CA"),
    ("Colo.", "CO"),
    ("Conn.", "CT"),
    ("Del.", "DE"),
    ("D.C.", "DC"),
    ("Fla.", "FL"),
    ("Ga.", "GA"),
    ("Ill.", "IL"),
    ("Ind.", "IN"),
    ("Kan.", "KS"),
    ("Kans.", "KS"),
    ("Ky.", "KY"),
    ("La.", "LA"),
    ("Md.", "MD"),
    ("Mass.", "MA"),
    ("Mich.", "MI"),
    ("Minn.", "MN"),
    ("Miss.", "MS"),
    ("Mo.", "MO"),
    ("Mont.", "MT"),
    ("Neb.", "NE"),
    ("Nebr.", "NE"),
    ("Nev.", "NV"),
    ("N.H.", "NH"),
    ("N.J.", "NJ"),
    ("N.M.", "NM"),
    ("N.Mex.", "NM"),
    ("N.Y.", "NY"),
    ("N.C.", "NC"),
    ("N.D.", "ND"),
    ("N.Dak.", "ND"),
    ("Okla.", "OK"),
    ("Ore.", "OR"),
    ("Oreg.", "OR"),
    ("Pa.", "PA"),
    ("Penn.", "PA"),
    ("Penna.", "PA"),
    ("R.I.", "RI"),
    ("S.C.", "SC"),
    ("S.D.", "SD"),
    ("S.Dak.", "SD"),
    ("Tenn.", "TN"),
    ("Tex.", "TX"),
    ("Vt.", "VT"),
    ("Va.", "VA"),
    ("Wash.", "WA"),
    ("W.Va.", "WV"),
    ("W.V.", "WV"),
    ("Wis.", "WI"),
    ("Wisc.", "WI"),
    ("Wyo.", "WY"),
    ("P.R.", "PR"),
    ("V.I.", "VI"),
    ("USVI", "VI"),
    ("Alta.", "AB"),
    ("Alb.", "AB"),
    ("B.C.", "BC"),
    ("C.-B.", "BC"),
    ("Man.", "MB"),
    ("N.B.", "NB"),
    ("N.-B.", "NB"),
    ("Nfld.", "NL"),
    ("NF", "NL"),
    ("N.L.", "NL"),
    ("T.-N.-L.", "NL"),
    ("N.S.", "NS"),
    ("N.W.T.", "NT"),
    ("T.N.-O.", "NT"),
    ("Nvt.", "NU"),
    ("Ont.", "ON"),
    ("P.E.I.", "PE"),
    ("Î.-P.-É.", "PE"),
    ("Que.", "QC"),
    ("Qué.", "QC"),
    ("PQ", "QC"),
    ("Qc", "QC"),
    ("Sask.", "SK"),
    ("Y.T.", "YT"),
    ("Yuk.", "YT"),
    ("Yn", "YT"),
]

#: Mexican states: ISO 3166-2 code and the name sent for them.
MEXICAN_STATES = [
    ("MX-AGU", "Aguascalientes"),
    ("MX-BCN", "Baja California"),
    ("MX-BCS", "Baja California Sur"),
    ("MX-CAM", "Campeche"),
    ("MX-CHP", "Chiapas"),
    ("MX-CHH", "Chihuahua"),
    ("MX-CMX", "Ciudad de México"),
    ("MX-COA", "Coahuila"),
    ("MX-COL", "Colima"),
    ("MX-DUR", "Durango"),
    ("MX-GUA", "Guanajuato"),
    ("MX-GRO", "Guerrero"),
    ("MX-HID", "Hidalgo"),
    ("MX-JAL", "Jalisco"),
    ("MX-MEX", "Estado de México"),
    ("MX-MIC", "Michoacán"),
    ("MX-MOR", "Morelos"),
    ("MX-NAY", "Nayarit"),
    ("MX-NLE", "Nuevo León"),
    ("MX-OAX", "Oaxaca"),
    ("MX-PUE", "Puebla"),
    ("MX-QUE", "Querétaro"),
    ("MX-ROO", "Quintana Roo"),
    ("MX-SLP", "San Luis Potosí"),
    ("MX-SIN", "Sinaloa"),
    ("MX-SON", "Sonora"),
    ("MX-TAB", "Tabasco"),
    ("MX-TAM", "Tamaulipas"),
    ("MX-TLA", "Tlaxcala"),
    ("MX-VER", "Veracruz"),
    ("MX-YUC", "Yucatán"),
    ("MX-ZAC", "Zacatecas"),
]

#: Other spellings of Mexican states and the name sent for them.
MEXICAN_SPELLINGS = [
    ("nuevo leon", "Nuevo León"),
    ("Mexico City", "Ciudad de México"),
    ("CDMX", "Ciudad de México"),
    ("D.F.", "Ciudad de México"),
    ("Distrito Federal", "Ciudad de México"),
    ("State of Mexico", "Estado de México"),
    ("Edomex", "Estado de México"),
    ("Michoacán de Ocampo", "Michoacán"),
    ("Coahuila de Zaragoza", "Coahuila"),
    ("Veracruz de Ignacio de la Llave", "Veracruz"),
    ("Basse-Californie du Sud", "Baja California Sur"),
    ("B.C.S.", "Baja California Sur"),
    ("Q. Roo", "Quintana Roo"),
    ("S.L.P.", "San Luis Potosí"),
    ("Tamps.", "Tamaulipas"),
    ("JAL", "Jalisco"),
    ("nle", "Nuevo León"),
]


def _reference_rows() -> list[dict[str, str]]:
    path = FIXTURES / "ref_us_canada_state_province_codes.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("row", _reference_rows(), ids=lambda row: row["STATE CODE"])
def test_reference_code_found(row: dict[str, str]) -> None:
    region = find_region(row["STATE CODE"])
    assert region is not None
    assert region.sent_as == row["STATE CODE"]


@pytest.mark.parametrize("row", _reference_rows(), ids=lambda row: row["STATE CODE"])
def test_reference_name_found(row: dict[str, str]) -> None:
    region = find_region(row["STATE"])
    assert region is not None
    assert region.sent_as == row["STATE CODE"]


@pytest.mark.parametrize("row", _reference_rows(), ids=lambda row: row["STATE CODE"])
def test_reference_country_matches(row: dict[str, str]) -> None:
    region = find_region(row["STATE CODE"])
    assert region is not None
    assert region.country == row["country"]


def test_reference_covers_canada_and_us() -> None:
    codes = {row["STATE CODE"] for row in _reference_rows()}
    assert codes == {region.code for region in (*CANADA, *UNITED_STATES)}


@pytest.mark.parametrize(("code", "english", "french"), CANADIAN_NAMES)
def test_canadian_names(code: str, english: str, french: str) -> None:
    for text in (code, english, french, english.upper(), french.lower()):
        region = find_region(text)
        assert region is not None, text
        assert region.sent_as == code, text


@pytest.mark.parametrize(("code", "french"), US_FRENCH_NAMES)
def test_us_french_names(code: str, french: str) -> None:
    region = find_region(french)
    assert region is not None
    assert region.sent_as == code


@pytest.mark.parametrize(("text", "code"), TRADITIONAL)
def test_traditional_abbreviations(text: str, code: str) -> None:
    region = find_region(text)
    assert region is not None
    assert region.sent_as == code


@pytest.mark.parametrize(("code", "name"), MEXICAN_STATES)
def test_mexican_states_sent_by_name(code: str, name: str) -> None:
    texts = [code, name, name.upper()]
    if code != "MX-QUE":  # bare "QUE" is Quebec
        texts.append(code.removeprefix("MX-").lower())
    for text in texts:
        region = find_region(text)
        assert region is not None, text
        assert region.sent_as == name, text


@pytest.mark.parametrize(("text", "name"), MEXICAN_SPELLINGS)
def test_mexican_spellings(text: str, name: str) -> None:
    region = find_region(text)
    assert region is not None
    assert region.sent_as == name


@pytest.mark.parametrize("region", REGIONS, ids=lambda region: region.code)
def test_every_listed_spelling_found(region: Region) -> None:
    for text in (region.code, *region.names, *region.abbreviations):
        assert find_region(text) is region, text


def test_region_counts() -> None:
    assert (len(CANADA), len(UNITED_STATES), len(MEXICO)) == (13, 57, 32)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ontario", "ON"),
        ("ONTARIO", "ON"),
        ("Québec", "QC"),
        ("QUEBEC", "QC"),
        ("quÉbec", "QC"),
        ("colombie britannique", "BC"),
        ("ILE DU PRINCE EDOUARD", "PE"),
        ("Que\u0301bec", "QC"),
        ("  N. Y.  ", "NY"),
        ("new-york", "NY"),
        ("Newfoundland & Labrador", "NL"),
        ("Washington, D.C.", "DC"),
        ("Hawai\u02bbi", "HI"),
        ("U.S. Virgin Islands", "VI"),
    ],
)
def test_case_accents_punctuation(text: str, code: str) -> None:
    region = find_region(text)
    assert region is not None
    assert region.sent_as == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("NL", "NL"),
        ("NE", "NE"),
        ("N.-É.", "NE"),
        ("Mich.", "MI"),
        ("QUE", "QC"),
        ("MX-QUE", "MX-QUE"),
        ("CA", "CA"),
        ("Washington", "WA"),
    ],
)
def test_clashing_spellings(text: str, code: str) -> None:
    region = find_region(text)
    assert region is not None
    assert region.code == code


@pytest.mark.parametrize("text", ["Ontari", "99", "B1", "Not Available", "", "...", "Canada"])
def test_unknown_text_not_found(text: str) -> None:
    assert find_region(text) is None


@pytest.mark.parametrize(
    ("text", "sent_as"),
    [("Ontari", "ON"), ("Calfornia", "CA"), ("Saskatchwan", "SK"), ("Jalisko", "Jalisco")],
)
def test_closest_region(text: str, sent_as: str) -> None:
    region = closest_region(text)
    assert region is not None
    assert region.sent_as == sent_as


@pytest.mark.parametrize("text", ["B1", "99", "Not Available", "Atlantis"])
def test_closest_region_none(text: str) -> None:
    assert closest_region(text) is None


def test_fold() -> None:
    assert fold(" Qué. ") == "que"


def test_index_rejects_shared_spelling() -> None:
    first = Region("AA", "US", ("Alpha",))
    second = Region("BB", "US", ("Beta", "alpha"))
    with pytest.raises(ValueError, match="'alpha' names both AA and BB"):
        _index((first, second))
