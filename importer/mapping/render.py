"""Write a matching as a profile to edit, and a profile as a document that loads back the same.

A matching is written one line per field, with comments where a decision is needed.

A field that nothing feeds, or that two columns match, is written with an empty value and a
comment. ``load_profile`` rejects an empty field, so the profile cannot run until the
administrator fills it in or deletes the line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import yaml

from importer.mapping.aliases import API_FIELDS, FIELD_NOUNS, REQUIRED_GROUPS
from importer.mapping.matching import Matching, match_strength
from importer.mapping.profile import FieldRule, Profile


def yaml_scalar(text: str) -> str:
    """Return ``text`` as a YAML scalar that reads back as the same string on one line."""
    dumped = yaml.safe_dump(text, allow_unicode=True, width=1_000_000, default_flow_style=True)
    dumped = dumped.removesuffix("\n").removesuffix("\n...").rstrip("\n")
    if "\n" in dumped:
        # A JSON string is a valid double-quoted YAML scalar and escapes newlines.
        return json.dumps(text, ensure_ascii=False)
    return dumped


def profile_text(
    matching: Matching, *, source: str, sheet: str | None = None, header_row: int = 1
) -> str:
    """Return a commented YAML profile for ``matching`` of the file named ``source``."""
    lines = [
        f"# Mapping profile for {source}, written by opscom-import map.",
        "# Check each line and fill in any empty field, then try it with:",
        f"#   opscom-import validate {source} --mapping THIS_FILE",
    ]
    if sheet is not None:
        lines.append(f"sheet: {yaml_scalar(sheet)}")
    if header_row != 1:
        lines.append(f"header_row: {header_row}")
    lines.append("fields:")
    lines.extend(f"  {line}" for line in _field_lines(matching))
    ignored = [matching.headers[i] for i in matching.unmapped]
    if ignored:
        lines.append("# Columns that feed no field:")
        lines.append("ignore_columns:")
        lines.extend(f"  - {yaml_scalar(header)}" for header in ignored)
    return "\n".join(lines) + "\n"


def _field_lines(matching: Matching) -> list[str]:
    lines = []
    missing = set(matching.missing)
    for api_field in API_FIELDS:
        if api_field in matching.constants:
            lines.append(f"{api_field}: {{value: {yaml_scalar(matching.constants[api_field])}}}")
        elif api_field in matching.columns:
            header = matching.headers[matching.columns[api_field]]
            lines.append(f"{api_field}: {yaml_scalar(header)}")
        elif api_field in matching.conflicts:
            lines.extend([*_conflict_comment(matching, api_field), f"{api_field}:"])
        elif api_field in missing:
            lines.extend([*_missing_comment(api_field), f"{api_field}:"])
    return lines


def _missing_comment(api_field: str) -> list[str]:
    group = next(group for group in REQUIRED_GROUPS if group[0] == api_field)
    alternative = f" (or {group[1]}: for an ID)" if len(group) > 1 else ""
    return [
        f"# Required, but no column matches. Write the column that holds {FIELD_NOUNS[api_field]}",
        f"# or {{value: ...}} for one value on every row{alternative}.",
    ]


def _conflict_comment(matching: Matching, api_field: str) -> list[str]:
    headers = [matching.headers[i] for i in matching.conflicts[api_field]]
    fields = [found[0] for found in map(match_strength, headers) if found is not None]
    if len(set(fields)) > 1:
        choices = " or ".join(
            f"{f}: {yaml_scalar(h)}" for f, h in zip(fields, headers, strict=True)
        )
        return [
            "# A name column and an ID column match; OPS-COM takes one of them. Write",
            f"# {choices}.",
        ]
    names = ", ".join(repr(header) for header in headers)
    return [f"# Columns {names} match. Write the one that holds {FIELD_NOUNS[api_field]}."]


def profile_document(profile: Profile, columns: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return ``profile`` as a dict that ``profile_from_dict`` reads back to the same mapping.

    ``columns`` (such as ``Mapper.field_columns``) pins each column rule to the header found
    in the file, so that the document maps that file without trying alternatives. Table keys
    come back folded to lower case, which lookups ignore anyway.
    """
    fields = {rule.api_field: _rule_document(rule, columns or {}) for rule in profile.rules}
    document: dict[str, Any] = {"fields": fields, "plate_style": profile.plate_style}
    if profile.sheet is not None:
        document["sheet"] = profile.sheet
    if profile.header_row is not None:
        document["header_row"] = profile.header_row
    if profile.ignore_columns:
        document["ignore_columns"] = list(profile.ignore_columns)
    return document


def _rule_document(rule: FieldRule, columns: Mapping[str, str]) -> dict[str, Any]:
    if rule.value is not None:
        return {"value": rule.value}
    pinned = columns.get(rule.api_field)
    spec: dict[str, Any] = {"column": [pinned] if pinned else list(rule.columns)}
    if rule.transforms:
        spec["transform"] = list(rule.transforms)
    if rule.default is not None:
        spec["default"] = rule.default
    if rule.table is not None:
        spec["map"] = {key: value or None for key, value in rule.table.entries.items()}
        spec["unmapped"] = rule.table.unmapped
    return spec
