"""Reject ``--set`` constants that would take the place of a column the file has.

The Push API cannot update a vehicle, so a constant sent in place of a column's values
would stay wrong in OPS-COM. A ``--set`` constant may fill a field that no column of
the file feeds, or replace a profile's ``value:``. It may not replace a column, whether
automatic matching found that column or a profile names it. The same goes for a column
that feeds the other member of the constant's name/ID pair, because a row sends one of the
two. A profile ``default:`` is the way to fill only the empty cells of a column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from importer.errors import MappingError
from importer.mapping.aliases import header_key, partner
from importer.mapping.matching import Matching
from importer.mapping.profile import Profile


@dataclass(frozen=True, slots=True)
class Override:
    """A ``--set`` constant and the file's columns it would replace.

    ``api_field`` is the field those columns feed: the constant's own field, or its
    name/ID partner. ``line`` is the profile line of the rule the constant replaced.
    """

    constant: str
    value: str
    api_field: str
    columns: tuple[str, ...]
    line: int | None = None


def matching_overrides(matching: Matching) -> list[Override]:
    """Return the constants that took the place of columns automatic matching found."""
    overrides = []
    for api_field, indexes in matching.displaced.items():
        constant = api_field if api_field in matching.constants else partner(api_field)
        assert constant is not None, "a column is displaced only by its field or its partner"
        columns = tuple(matching.headers[index] for index in indexes)
        overrides.append(Override(constant, matching.constants[constant], api_field, columns))
    return overrides


def profile_overrides(profile: Profile, headers: Sequence[str]) -> list[Override]:
    """Return the constants that replaced a profile rule whose column is in ``headers``."""
    by_key = {header_key(header): header for header in reversed(headers)}
    constants = {rule.api_field: rule.value for rule in profile.rules if rule.value is not None}
    overrides = []
    for rule in profile.replaced:
        found = next((by_key[header_key(c)] for c in rule.columns if header_key(c) in by_key), None)
        if found is None:
            continue
        constant = rule.api_field if rule.api_field in constants else partner(rule.api_field)
        assert constant is not None and constant in constants, "a rule is replaced by a constant"
        overrides.append(
            Override(constant, constants[constant] or "", rule.api_field, (found,), rule.line)
        )
    return overrides


def reject_overrides(overrides: Sequence[Override], file: Path | None, profile: Profile) -> None:
    """Raise ``MappingError`` naming each constant, its columns and the two ways forward."""
    if not overrides:
        return
    name = file.name if file is not None else "FILE"
    replaced = " ".join(_replaced_sentence(override, profile) for override in overrides)
    options = " and ".join(f"--set {override.constant}" for override in overrides)
    lines = " and ".join(f'"{_profile_line(override)}"' for override in overrides)
    if profile.path is None:
        where = (
            "in a mapping profile and pass --mapping PATH (opscom-import map "
            f"{name} --out PATH writes a profile to start from)"
        )
    elif overrides[0].line is None:
        where = f"in {profile.path}"
    else:
        where = f"in {profile.path} in place of line {overrides[0].line}"
    raise MappingError(
        f"{replaced} The Push API cannot update a vehicle once it is stored, so the file's "
        f"values would be lost. Leave out {options} to send the values of the file, or, to "
        f"fill only the empty cells, write {lines} {where}.",
        path=file,
    )


def _replaced_sentence(override: Override, profile: Profile) -> str:
    listed = " and ".join(repr(column) for column in override.columns)
    noun = "column" if len(override.columns) == 1 else "columns"
    if profile.path is None:
        feeds = "which feeds" if len(override.columns) == 1 else "which match"
        source = f"{feeds} {override.api_field}"
    elif override.line is None:
        source = f"which the profile maps to {override.api_field}"
    else:
        source = f"which line {override.line} of the profile maps to {override.api_field}"
    pair = ""
    if override.api_field != override.constant:
        pair = f" (a row sends {override.api_field} or {override.constant}, never both)"
    return (
        f"--set {override.constant}={override.value} would replace {noun} {listed}, "
        f"{source}{pair}, on every row."
    )


def _profile_line(override: Override) -> str:
    """Return the profile line that fills only the empty cells of the column."""
    if override.api_field == override.constant:
        default = override.value
    else:
        # The column contains the partner field's values, so the constant cannot be its default.
        default = "ID" if override.api_field.endswith("ID") else "NAME"
    rule = {override.api_field: {"column": override.columns[0], "default": default}}
    text = yaml.safe_dump(
        rule, default_flow_style=None, allow_unicode=True, width=1_000_000, sort_keys=False
    )
    return text.rstrip("\n")
