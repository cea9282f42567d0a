"""API fields, the required ones, and the header spellings that automatic matching recognises.

The aliases come from real fleet exports: parking and towing lists, municipal and transit
fleets, rental and auction listings, in English, French, German and Finnish. Headers are
compared by ``header_key``, so "Plate #", "plate" and "PLATE" are one alias, and "Année"
equals "annee".
"""

from __future__ import annotations

import re
import unicodedata

#: API fields a profile may set, in the order they are sent.
API_FIELDS = (
    "plate",
    "plateType",
    "plateTypeID",
    "prov",
    "provID",
    "make",
    "makeID",
    "type",
    "typeID",
    "colour",
    "colourID",
    "year",
    "vin",
)

#: Fields that OPS-COM takes either as a name or as an ID. A row sends one of the two.
NAME_ID_PAIRS = {
    "plateType": "plateTypeID",
    "prov": "provID",
    "make": "makeID",
    "type": "typeID",
    "colour": "colourID",
}

#: Every vehicle needs one field of each group; the first member names the group in messages.
REQUIRED_GROUPS: tuple[tuple[str, ...], ...] = (
    ("plate",),
    ("plateType", "plateTypeID"),
    ("prov", "provID"),
)

#: A description of each field's content, for messages and generated profiles.
FIELD_NOUNS = {
    "plate": "the plate",
    "plateType": "the plate type name",
    "plateTypeID": "the plate type ID",
    "prov": "the province or state",
    "provID": "the province or state ID",
    "make": "the make",
    "makeID": "the make ID",
    "type": "the vehicle type",
    "typeID": "the vehicle type ID",
    "colour": "the colour",
    "colourID": "the colour ID",
    "year": "the model year",
    "vin": "the VIN",
}

ALIASES: dict[str, tuple[str, ...]] = {
    "plate": (
        "Plate",
        "License Plate",
        "Licence Plate",
        "License Plate No.",
        "Licence Plate No.",
        "License Plate Number",
        "Licence Plate Number",
        "LicensePlate",
        "Plate No.",
        "Plate Number",
        "plate_number",
        "Plate ID",
        "Tag",
        "Tag No.",
        "Tag Number",
        "Reg Plate",
        "Reg No.",
        "Registration",
        "Registration No.",
        "Registration Number",
        "Registration Mark",
        "VRM",
        "Plaque",
        "No de plaque",
        "N° de plaque",
        "Numéro de plaque",
        "Immatriculation",
        "No d'immatriculation",
        "Kennzeichen",
        "Amtliches Kennzeichen",
        "Rekisterinumero",
        "Rekisterinumerot",
    ),
    "plateType": ("Plate Type", "Plate Class", "Type de plaque"),
    "plateTypeID": ("Plate Type ID",),
    "prov": (
        "State",
        "Prov",
        "Province",
        "Province/State",
        "State/Province",
        "Prov/State",
        "Registration State",
        "Registration Province",
        "Plate State",
        "Plate Province",
        "License State",
        "Licence Province",
        "Jurisdiction",
        "État",
        "Province/État",
    ),
    "provID": ("provID", "Province ID", "State ID"),
    "make": (
        "Make",
        "Vehicle Make",
        "Manufacturer",
        "Brand",
        "Marque",
        "Fabricant",
        "Hersteller",
        "Merkki",
        # German fleet sheets put make and model in one designation column ("VW Golf").
        "Bezeichnung",
    ),
    "makeID": ("Make ID",),
    "type": (
        "Type",
        "Vehicle Type",
        "Body Type",
        "Vehicle Body Type",
        "Body Style",
        "Style",
        "Equipment Class",
        "Electric Vehicle Type",
        "Type de véhicule",
        "Typ",
        "Fahrzeugart",
        "Fahrzeugtyp",
    ),
    "typeID": ("Type ID", "Vehicle Type ID"),
    "colour": ("Color", "Colour", "Vehicle Color", "Vehicle Colour", "Couleur", "Farbe", "Väri"),
    "colourID": ("Colour ID", "Color ID"),
    "year": (
        "Year",
        "Yr",
        "Model Year",
        "Vehicle Year",
        "Year of Manufacture",
        "Année",
        "Année modèle",
        "Baujahr",
        "Vuosimalli",
    ),
    "vin": (
        "VIN",
        "VIN Number",
        "Vehicle Identification Number",
        "Serial Number",
        "Serial No.",
        "NIV",
        "No de série",
        "Fahrgestellnummer",
    ),
}


def header_key(text: str) -> str:
    """Return ``text`` folded for header matching: no case, accents, spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"[\W_]+", "", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for api_field, spellings in ALIASES.items():
        for spelling in spellings:
            key = header_key(spelling)
            owner = index.setdefault(key, api_field)
            if owner != api_field:
                raise ValueError(f"alias '{spelling}' is listed for {owner} and {api_field}")
    return index


#: Header key of every alias, to its API field.
FIELD_BY_KEY = _alias_index()


def alias_field(header: str) -> str | None:
    """Return the API field whose alias ``header`` spells exactly, if any."""
    return FIELD_BY_KEY.get(header_key(header))


def partner(api_field: str) -> str | None:
    """Return the other member of a name/ID pair (``plateType`` for ``plateTypeID``)."""
    for name, identifier in NAME_ID_PAIRS.items():
        if api_field == name:
            return identifier
        if api_field == identifier:
            return name
    return None
