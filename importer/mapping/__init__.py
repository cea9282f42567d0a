"""Turn source rows into vehicle payloads, with a mapping profile or by automatic matching.

A profile names, for each API field, the column that feeds it or the constant to send:

    fields:
      plate: Plate                      # shorthand for {column: Plate}
      prov: {column: [State, Province]} # the first header found wins
      plateType: {value: Passenger}     # the same value on every row
      colour: {column: Color, default: Unknown, map: {BLK: Black}}

Without a profile, headers are matched to fields by built-in aliases. The modules:

    aliases     API fields, required groups, header aliases, ``header_key``
    syntax      reading YAML nodes with their line numbers
    profile     ``Profile`` and ``FieldRule``, loading and checking a profile
    transforms  transforms, value tables and defaults applied to one cell
    matching    automatic matching of headers to fields
    render      writing a matching as a profile to edit, and a profile as a dict
    overrides   rejecting a ``--set`` constant that would replace a column of the file
    mapper      binding a profile to a table's headers and mapping its rows
    report      what ``opscom-import map`` shows for a file
"""

from __future__ import annotations

from importer.mapping.aliases import API_FIELDS, REQUIRED_GROUPS, header_key
from importer.mapping.mapper import MappedRow, Mapper
from importer.mapping.matching import Matching, match_headers
from importer.mapping.profile import (
    FieldRule,
    Profile,
    automatic_profile,
    load_profile,
    profile_from_dict,
    with_constants,
)
from importer.mapping.render import profile_document, profile_text
from importer.mapping.transforms import TRANSFORMS, ValueTable

__all__ = [
    "API_FIELDS",
    "REQUIRED_GROUPS",
    "TRANSFORMS",
    "FieldRule",
    "MappedRow",
    "Mapper",
    "Matching",
    "Profile",
    "ValueTable",
    "automatic_profile",
    "header_key",
    "load_profile",
    "match_headers",
    "profile_document",
    "profile_from_dict",
    "profile_text",
    "with_constants",
]
