"""Turn source rows into vehicle payloads with a mapping profile.

A profile says, for each API field, which column feeds it or which constant to send:

    fields:
      plate: Plate                      # shorthand for {column: Plate}
      prov: {column: [State, Province]} # the first header found wins
      plateType: {value: Passenger}     # the same value on every row
      colour: {column: Color, default: Unknown}

Headers are matched ignoring case, spaces and punctuation. Values stay strings exactly as
read; cleaning them up is the validator's job, so that every change can be reported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from importer.errors import MappingError
from importer.records import Payload, SourceRow

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

RULE_KEYS = frozenset({"column", "value", "default"})


@dataclass(frozen=True, slots=True)
class FieldRule:
    """Where one API field gets its value: a column (first of ``columns`` found) or a constant."""

    api_field: str
    columns: tuple[str, ...] = ()
    value: str | None = None
    default: str | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """A mapping profile: field rules plus optional reading hints."""

    rules: tuple[FieldRule, ...]
    path: Path | None = None
    sheet: str | None = None
    header_row: int | None = None
    ignore_columns: tuple[str, ...] = ()
    #: ``compact`` removes spaces and dashes from plates before sending; ``keep`` sends them.
    plate_style: str = "compact"


@dataclass(frozen=True, slots=True)
class MappedRow:
    """A source row and its payload; ``columns`` names the header behind each payload field."""

    source: SourceRow
    payload: Payload
    columns: dict[str, str] = field(default_factory=dict)


def header_key(text: str) -> str:
    """Return ``text`` folded for header matching: no case, accents, spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"[\W_]+", "", "".join(c for c in decomposed if not unicodedata.combining(c)))


def load_profile(path: Path) -> Profile:
    """Load a YAML mapping profile; raise ``MappingError`` with the path on any problem."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"cannot read the profile ({exc.strerror}).", path=path) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise MappingError(f"invalid YAML: {exc}", path=path, line=line) from exc
    if not isinstance(document, dict):
        raise MappingError("a profile must be a mapping with a 'fields:' section.", path=path)
    return profile_from_dict(document, path=path)


def profile_from_dict(document: Mapping[str, Any], *, path: Path | None = None) -> Profile:
    """Build a ``Profile`` from parsed YAML (or an equivalent dict)."""
    fields = document.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise MappingError("the profile has no 'fields:' section.", path=path)
    rules = tuple(_rule_from_yaml(name, spec, path) for name, spec in fields.items())
    header_row = document.get("header_row")
    sheet = document.get("sheet")
    return Profile(
        rules=rules,
        path=path,
        sheet=None if sheet is None else str(sheet),
        header_row=None if header_row is None else int(header_row),
        ignore_columns=tuple(str(name) for name in document.get("ignore_columns") or ()),
        plate_style=_plate_style(document.get("plate_style", "compact"), path),
    )


def _plate_style(value: object, path: Path | None) -> str:
    if value not in ("compact", "keep"):
        raise MappingError(
            f"plate_style '{value}' is not valid; use 'compact' (remove spaces and dashes) "
            "or 'keep'.",
            path=path,
        )
    return str(value)


def _rule_from_yaml(name: object, spec: object, path: Path | None) -> FieldRule:
    if name not in API_FIELDS:
        raise MappingError(
            f"unknown field '{name}'; fields are: {', '.join(API_FIELDS)}.", path=path
        )
    api_field = str(name)
    if isinstance(spec, str | int | float):
        return FieldRule(api_field, columns=(str(spec),))
    if not isinstance(spec, dict):
        raise MappingError(
            f"field '{api_field}' must be a column name or a mapping with "
            "'column', 'value' or 'default'.",
            path=path,
        )
    unknown = set(spec) - RULE_KEYS
    if unknown:
        raise MappingError(
            f"field '{api_field}' has unknown keys {sorted(unknown)}; "
            f"use {', '.join(sorted(RULE_KEYS))}.",
            path=path,
        )
    columns = spec.get("column")
    if isinstance(columns, str | int | float):
        columns = [columns]
    value = spec.get("value")
    if columns and value is not None:
        raise MappingError(
            f"field '{api_field}' has both 'column' and 'value'; keep one.", path=path
        )
    if not columns and value is None:
        raise MappingError(f"field '{api_field}' needs 'column' or 'value'.", path=path)
    default = spec.get("default")
    return FieldRule(
        api_field,
        columns=tuple(str(column) for column in columns or ()),
        value=None if value is None else str(value),
        default=None if default is None else str(default),
    )


def with_constants(profile: Profile, constants: Mapping[str, str]) -> Profile:
    """Return ``profile`` with each ``--set`` constant replacing the rule for its field."""
    for name in constants:
        if name not in API_FIELDS:
            raise MappingError(
                f"--set: unknown field '{name}'; fields are: {', '.join(API_FIELDS)}."
            )
    kept = [rule for rule in profile.rules if rule.api_field not in constants]
    added = [FieldRule(name, value=value) for name, value in constants.items()]
    return Profile(
        rules=(*kept, *added),
        path=profile.path,
        sheet=profile.sheet,
        header_row=profile.header_row,
        ignore_columns=profile.ignore_columns,
        plate_style=profile.plate_style,
    )


class Mapper:
    """Apply a profile to the rows of one table, after resolving its columns against the headers."""

    def __init__(self, profile: Profile, headers: Sequence[str]) -> None:
        self.profile = profile
        self.headers = list(headers)
        self._bindings = [self._bind(rule) for rule in profile.rules]

    def _bind(self, rule: FieldRule) -> tuple[FieldRule, int | None]:
        if not rule.columns:
            return rule, None
        keys = {
            header_key(header): index for index, header in reversed(list(enumerate(self.headers)))
        }
        for column in rule.columns:
            index = keys.get(header_key(column))
            if index is not None:
                return rule, index
        wanted = " or ".join(f"'{column}'" for column in rule.columns)
        raise MappingError(
            f"field '{rule.api_field}': no column {wanted} in the file. "
            f"Columns found: {', '.join(repr(h) for h in self.headers)}. "
            "Fix the 'column:' line in the profile.",
            path=self.profile.path,
        )

    @property
    def field_columns(self) -> dict[str, str]:
        """The header feeding each field, or ``"(constant)"`` for a field set by value."""
        return {
            rule.api_field: self.headers[index] if index is not None else "(constant)"
            for rule, index in self._bindings
        }

    def map_row(self, row: SourceRow) -> MappedRow:
        """Build the payload of one row; fields left empty are not in the payload."""
        payload: Payload = {}
        columns: dict[str, str] = {}
        for rule, index in self._bindings:
            if index is None:
                text = rule.value or ""
                column = rule.api_field
            else:
                text = row.cells[index] if index < len(row.cells) else ""
                column = self.headers[index]
                if not text.strip() and rule.default is not None:
                    text = rule.default
            if text.strip():
                payload[rule.api_field] = text
                columns[rule.api_field] = column
            elif index is not None:
                columns[rule.api_field] = column
        return MappedRow(source=row, payload=payload, columns=columns)

    def map_rows(self, rows: Iterable[SourceRow]) -> list[MappedRow]:
        """Map every row of the table."""
        return [self.map_row(row) for row in rows]
