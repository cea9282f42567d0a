"""Provinces and states of Canada, the United States and Mexico, and how to recognise them.

A fleet file writes a province or state many ways: ``ON``, ``ontario``, ``Ont.``, ``Québec``,
``Colombie-Britannique``, ``N.Y.``, ``Mass.``. ``find_region`` folds case, accents, spaces and
punctuation and looks the text up among every postal abbreviation, full name in English and
French (and Spanish for Mexico) and traditional abbreviation listed here.

Canadian provinces and territories and US states, DC and territories are sent as their
two-letter postal abbreviation. Mexico has no two-letter abbreviation free of clashes: the
schemes in use give Baja California ``BC`` and Morelos ``MS``, which are British Columbia and
Mississippi. So a Mexican state is sent by its full Spanish name, which the Push API accepts.

A spelling that could mean two regions is listed for one of them only: postal codes win over
traditional abbreviations, so ``NL`` is Newfoundland and Labrador (not Nuevo León), ``NE`` is
Nebraska (not the French ``N.-É.`` for Nova Scotia) and ``Mich.`` is Michigan (not Michoacán).
``QUE`` is Quebec; Querétaro's ISO code needs its prefix, ``MX-QUE``. Building the index
raises ``ValueError`` if a spelling is listed for two regions.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Region:
    """A province, territory or state.

    ``code`` is the postal abbreviation in Canada and the US, and the ISO 3166-2 code
    (``MX-JAL``) in Mexico. ``names`` lists full names, the first being the one sent for a
    Mexican state; ``abbreviations`` lists other abbreviations in use.
    """

    code: str
    country: str
    names: tuple[str, ...]
    abbreviations: tuple[str, ...] = ()

    @property
    def sent_as(self) -> str:
        """The value sent to OPS-COM: the postal abbreviation, or a Mexican state's name."""
        return self.names[0] if self.country == "MX" else self.code


def _region(code: str, country: str, names: str, abbreviations: str = "") -> Region:
    """Build a region from ``|``-separated names and abbreviations, to keep the table short."""
    return Region(
        code,
        country,
        tuple(names.split("|")),
        tuple(abbreviations.split("|")) if abbreviations else (),
    )


CANADA = (
    _region("AB", "CA", "Alberta", "Alta.|Alb."),
    _region("BC", "CA", "British Columbia|Colombie-Britannique", "B.C.|C.-B."),
    _region("MB", "CA", "Manitoba", "Man."),
    _region("NB", "CA", "New Brunswick|Nouveau-Brunswick", "N.B.|N.-B."),
    _region(
        "NL",
        "CA",
        "Newfoundland and Labrador|Terre-Neuve-et-Labrador|Newfoundland & Labrador"
        "|Newfoundland|Labrador|Terre-Neuve",
        "N.L.|Nfld.|NF|T.-N.-L.",
    ),
    _region("NS", "CA", "Nova Scotia|Nouvelle-Écosse", "N.S."),
    _region("NT", "CA", "Northwest Territories|Territoires du Nord-Ouest", "N.W.T.|T.N.-O."),
    _region("NU", "CA", "Nunavut", "Nvt."),
    _region("ON", "CA", "Ontario", "Ont."),
    _region("PE", "CA", "Prince Edward Island|Île-du-Prince-Édouard", "P.E.I.|Î.-P.-É."),
    _region("QC", "CA", "Quebec|Québec", "Que.|Qué.|PQ"),
    _region("SK", "CA", "Saskatchewan", "Sask."),
    _region("YT", "CA", "Yukon|Yukon Territory", "Y.T.|Yuk.|Yn"),
)

UNITED_STATES = (
    _region("AL", "US", "Alabama", "Ala."),
    _region("AK", "US", "Alaska"),
    _region("AZ", "US", "Arizona", "Ariz."),
    _region("AR", "US", "Arkansas", "Ark."),
    _region("CA", "US", "California|Californie", "Calif.|Cal."),
    _region("CO", "US", "Colorado", "Colo."),
    _region("CT", "US", "Connecticut", "Conn."),
    _region("DE", "US", "Delaware", "Del."),
    _region(
        "DC",
        "US",
        "District of Columbia|District de Columbia|Washington, D.C.",
        "D.C.",
    ),
    _region("FL", "US", "Florida|Floride", "Fla."),
    _region("GA", "US", "Georgia|Géorgie", "Ga."),
    _region("HI", "US", "Hawaii|Hawai\u02bbi|Hawaï"),
    _region("ID", "US", "Idaho"),
    _region("IL", "US", "Illinois", "Ill."),
    _region("IN", "US", "Indiana", "Ind."),
    _region("IA", "US", "Iowa"),
    _region("KS", "US", "Kansas", "Kan.|Kans."),
    _region("KY", "US", "Kentucky", "Ky."),
    _region("LA", "US", "Louisiana|Louisiane", "La."),
    _region("ME", "US", "Maine"),
    _region("MD", "US", "Maryland", "Md."),
    _region("MA", "US", "Massachusetts", "Mass."),
    _region("MI", "US", "Michigan", "Mich."),
    _region("MN", "US", "Minnesota", "Minn."),
    _region("MS", "US", "Mississippi", "Miss."),
    _region("MO", "US", "Missouri", "Mo."),
    _region("MT", "US", "Montana", "Mont."),
    _region("NE", "US", "Nebraska", "Neb.|Nebr."),
    _region("NV", "US", "Nevada", "Nev."),
    _region("NH", "US", "New Hampshire", "N.H."),
    _region("NJ", "US", "New Jersey", "N.J."),
    _region("NM", "US", "New Mexico|Nouveau-Mexique", "N.M.|N.Mex."),
    _region("NY", "US", "New York|État de New York", "N.Y."),
    _region("NC", "US", "North Carolina|Caroline du Nord", "N.C."),
    _region("ND", "US", "North Dakota|Dakota du Nord", "N.D.|N.Dak."),
    _region("OH", "US", "Ohio"),
    _region("OK", "US", "Oklahoma", "Okla."),
    _region("OR", "US", "Oregon", "Ore.|Oreg."),
    _region("PA", "US", "Pennsylvania|Pennsylvanie", "Pa.|Penn.|Penna."),
    _region("RI", "US", "Rhode Island", "R.I."),
    _region("SC", "US", "South Carolina|Caroline du Sud", "S.C."),
    _region("SD", "US", "South Dakota|Dakota du Sud", "S.D.|S.Dak."),
    _region("TN", "US", "Tennessee", "Tenn."),
    _region("TX", "US", "Texas", "Tex."),
    _region("UT", "US", "Utah"),
    _region("VT", "US", "Vermont", "Vt."),
    _region("VA", "US", "Virginia|Virginie", "Va."),
    _region("WA", "US", "Washington|État de Washington", "Wash."),
    _region("WV", "US", "West Virginia|Virginie-Occidentale", "W.Va.|W.V."),
    _region("WI", "US", "Wisconsin", "Wis.|Wisc."),
    _region("WY", "US", "Wyoming", "Wyo."),
    _region("AS", "US", "American Samoa|Samoa américaines"),
    _region("GU", "US", "Guam"),
    _region("MP", "US", "Northern Mariana Islands|Îles Mariannes du Nord"),
    _region("PR", "US", "Puerto Rico|Porto Rico", "P.R."),
    _region(
        "VI",
        "US",
        "U.S. Virgin Islands|Virgin Islands|United States Virgin Islands"
        "|Îles Vierges des États-Unis",
        "V.I.|USVI",
    ),
    _region(
        "UM",
        "US",
        "United States Minor Outlying Islands|Îles mineures éloignées des États-Unis",
    ),
)

MEXICO = (
    _region("MX-AGU", "MX", "Aguascalientes", "Ags."),
    _region("MX-BCN", "MX", "Baja California|Basse-Californie"),
    _region("MX-BCS", "MX", "Baja California Sur|Basse-Californie du Sud", "B.C.S."),
    _region("MX-CAM", "MX", "Campeche", "Camp."),
    _region("MX-CHP", "MX", "Chiapas", "Chis."),
    _region("MX-CHH", "MX", "Chihuahua", "Chih."),
    _region(
        "MX-CMX",
        "MX",
        "Ciudad de México|Mexico City|Distrito Federal|Ville de Mexico",
        "CDMX|D.F.",
    ),
    _region("MX-COA", "MX", "Coahuila|Coahuila de Zaragoza", "Coah."),
    _region("MX-COL", "MX", "Colima", "Col."),
    _region("MX-DUR", "MX", "Durango", "Dgo."),
    _region("MX-GUA", "MX", "Guanajuato", "Gto."),
    _region("MX-GRO", "MX", "Guerrero", "Gro."),
    _region("MX-HID", "MX", "Hidalgo", "Hgo."),
    _region("MX-JAL", "MX", "Jalisco", "Jal."),
    _region(
        "MX-MEX",
        "MX",
        "Estado de México|México|State of Mexico|État de Mexico",
        "Edomex|Edo. Méx.|Méx.",
    ),
    _region("MX-MIC", "MX", "Michoacán|Michoacán de Ocampo"),
    _region("MX-MOR", "MX", "Morelos", "Mor."),
    _region("MX-NAY", "MX", "Nayarit", "Nay."),
    _region("MX-NLE", "MX", "Nuevo León"),
    _region("MX-OAX", "MX", "Oaxaca", "Oax."),
    _region("MX-PUE", "MX", "Puebla", "Pue."),
    _region("MX-QUE", "MX", "Querétaro|Querétaro de Arteaga", "Qro."),
    _region("MX-ROO", "MX", "Quintana Roo", "Q. Roo|Q.R."),
    _region("MX-SLP", "MX", "San Luis Potosí", "S.L.P."),
    _region("MX-SIN", "MX", "Sinaloa", "Sin."),
    _region("MX-SON", "MX", "Sonora", "Son."),
    _region("MX-TAB", "MX", "Tabasco", "Tab."),
    _region("MX-TAM", "MX", "Tamaulipas", "Tamps."),
    _region("MX-TLA", "MX", "Tlaxcala", "Tlax."),
    _region("MX-VER", "MX", "Veracruz|Veracruz de Ignacio de la Llave", "Ver."),
    _region("MX-YUC", "MX", "Yucatán", "Yuc."),
    _region("MX-ZAC", "MX", "Zacatecas", "Zac."),
)

REGIONS: tuple[Region, ...] = (*CANADA, *UNITED_STATES, *MEXICO)


def fold(text: str) -> str:
    """Return ``text`` without case, accents, spaces or punctuation: ``"Qué."`` -> ``"que"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"[\W_]+", "", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _index(regions: tuple[Region, ...]) -> dict[str, Region]:
    """Map every folded spelling to its region; raise ``ValueError`` if two regions share one."""
    index: dict[str, Region] = {}
    for region in regions:
        for spelling in (region.code, *region.names, *region.abbreviations):
            taken = index.setdefault(fold(spelling), region)
            if taken is not region:
                raise ValueError(f"{spelling!r} names both {taken.code} and {region.code}")
    for region in regions:
        if region.country == "MX":
            # ISO codes are also written without the prefix ("JAL"), unless that spelling
            # is taken: "QUE" stays Quebec.
            index.setdefault(fold(region.code.removeprefix("MX-")), region)
    return index


_BY_KEY = _index(REGIONS)


@functools.lru_cache(maxsize=4096)  # a file repeats a few spellings on every row
def find_region(text: str) -> Region | None:
    """Return the region ``text`` names, in any case, accents or punctuation, or ``None``."""
    key = fold(text)
    return _BY_KEY.get(key) if key else None


def closest_region(text: str) -> Region | None:
    """Return the region whose spelling is closest to a misspelled ``text``, if any is close."""
    key = fold(text)
    if len(key) < 3:
        return None
    matches = difflib.get_close_matches(key, _BY_KEY, n=1, cutoff=0.8)
    return _BY_KEY[matches[0]] if matches else None
