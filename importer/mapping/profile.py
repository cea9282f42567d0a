"""Mapping profiles: their dataclasses, and loading them from YAML with line numbers.

The YAML is read with ``yaml.compose`` rather than ``yaml.safe_load``, for two reasons. Every
error can then name the line it is on. And scalars keep the text as written: plain YAML 1.1
reads ``ON`` (Ontario) and ``NO`` as booleans and ``2015.0`` as a float, which would send
``True`` or ``2015.0`` to OPS-COM.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from importer.errors import MappingError
from importer.mapping.aliases import API_FIELDS, FIELD_NOUNS, alias_field, header_key, partner
from importer.mapping.syntax import Node, NodeReader
from importer.mapping.transforms import TRANSFORMS, UNMAPPED_RULES, ValueTable, map_key

PROFILE_KEYS = ("fields", "sheet", "header_row", "ignore_columns", "plate_style")
RULE_KEYS = ("column", "value", "default", "map", "unmapped", "transform")
PLATE_STYLES = ("compact", "keep")


@dataclass(frozen=True, slots=True)
class FieldRule:
    """The source of one API field's value: a column (first of ``columns`` found) or a constant.

    ``line`` is the rule's line in the profile file, for error messages. ``from_set`` is true
    for a constant given with ``--set`` rather than written in the profile.
    """

    api_field: str
    columns: tuple[str, ...] = ()
    value: str | None = None
    default: str | None = None
    table: ValueTable | None = None
    transforms: tuple[str, ...] = ()
    line: int | None = None
    from_set: bool = False


@dataclass(frozen=True, slots=True)
class Profile:
    """A mapping profile: field rules plus optional reading hints.

    An ``automatic`` profile contains only constants; the mapper matches the file's headers
    against the built-in aliases for every other field.
    """

    rules: tuple[FieldRule, ...]
    path: Path | None = None
    sheet: str | None = None
    header_row: int | None = None
    ignore_columns: tuple[str, ...] = ()
    #: ``compact`` removes spaces and dashes from plates before sending; ``keep`` sends them.
    plate_style: str = "compact"
    automatic: bool = False
    #: The column rules that ``--set`` constants replaced, kept so that the mapper can reject
    #: a constant whose replaced column is in the file.
    replaced: tuple[FieldRule, ...] = ()

    @property
    def label(self) -> str:
        """The profile as the Summary sheet names it."""
        if self.path is not None:
            return str(self.path)
        return "automatic matching" if self.automatic else "(built in)"


def load_profile(path: Path) -> Profile:
    """Load a YAML mapping profile; raise ``MappingError`` with the path and line on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"cannot read the profile ({exc.strerror}).", path=path) from exc
    except UnicodeDecodeError as exc:
        raise MappingError(
            f"the profile is not UTF-8 text ({exc.reason}); save it as UTF-8.", path=path
        ) from exc
    return _parse(text, path, with_lines=True)


def profile_from_dict(document: Mapping[str, Any], *, path: Path | None = None) -> Profile:
    """Build a ``Profile`` from parsed YAML or an equivalent dict; errors carry no line."""
    text = yaml.safe_dump(dict(document), allow_unicode=True, sort_keys=False)
    return _parse(text, path, with_lines=False)


def automatic_profile(constants: Mapping[str, str] | None = None) -> Profile:
    """Return a profile that matches headers automatically, with ``--set`` constants."""
    return with_constants(Profile(rules=(), automatic=True), constants or {})


def with_constants(profile: Profile, constants: Mapping[str, str]) -> Profile:
    """Return ``profile`` with each ``--set`` constant replacing the rule for its field.

    A constant also replaces the rule of its name/ID partner, since a row sends one of the
    two: ``--set plateTypeID=3`` drops the profile's ``plateType`` column. The column rules
    replaced are kept in ``Profile.replaced``.
    """
    for name, value in constants.items():
        if name not in API_FIELDS:
            raise MappingError(
                f"--set: unknown field '{name}'; fields are: {', '.join(API_FIELDS)}."
            )
        if not value.strip():
            raise MappingError(f"--set {name}: the value is empty; give a value after '='.")
    replaced = set(constants) | {partner(name) for name in constants}
    remaining = [rule for rule in profile.rules if rule.api_field not in replaced]
    dropped = [rule for rule in profile.rules if rule.api_field in replaced and rule.columns]
    added = [FieldRule(name, value=value, from_set=True) for name, value in constants.items()]
    return dataclasses.replace(
        profile, rules=(*remaining, *added), replaced=(*profile.replaced, *dropped)
    )


def _parse(text: str, path: Path | None, *, with_lines: bool) -> Profile:
    reader = NodeReader(path, with_lines=with_lines)
    root = reader.compose(text)
    entries = reader.mapping(root, "the profile", allowed=PROFILE_KEYS)
    if "fields" not in entries:
        raise reader.error(
            root, "the profile has no 'fields:' section; see mappings/template.yaml."
        )
    rules = _rules(reader, entries["fields"][1])
    ignore_columns = _ignore_columns(reader, entries)
    for rule in rules:
        _check_not_ignored(reader, rule, ignore_columns)
    return Profile(
        rules=rules,
        path=path,
        sheet=_optional_text(reader, entries, "sheet"),
        header_row=_header_row(reader, entries),
        ignore_columns=ignore_columns,
        plate_style=_plate_style(reader, entries),
    )


def _rules(reader: NodeReader, node: Node) -> tuple[FieldRule, ...]:
    entries = reader.mapping(
        node, "'fields'", allowed=API_FIELDS, kind="field", suggest=_suggest_field
    )
    if not entries:
        raise reader.error(
            node, "'fields' is empty; map at least the plate, plate type and province."
        )
    rules = tuple(_rule(reader, name, key, value) for name, (key, value) in entries.items())
    for rule in rules:
        other = partner(rule.api_field)
        if other in entries:
            raise reader.error(
                entries[other][0],
                f"fields '{rule.api_field}' and '{other}' are both set; OPS-COM takes "
                f"{rule.api_field} as a name or {other} as an ID, so keep one of them.",
            )
    return rules


def _rule(reader: NodeReader, api_field: str, key: Node, node: Node) -> FieldRule:
    line = reader.line(key)
    if reader.is_null(node):
        raise reader.error(
            key,
            f"field '{api_field}' is empty; write the column that holds "
            f"{FIELD_NOUNS[api_field]}, or {{value: ...}} for a constant, or delete the line.",
        )
    if reader.is_scalar(node) or reader.is_sequence(node):
        columns = reader.texts(node, f"field '{api_field}'")
        return FieldRule(api_field, columns=columns, line=line)
    entries = reader.mapping(node, f"field '{api_field}'", allowed=RULE_KEYS)
    if "column" in entries and "value" in entries:
        raise reader.error(
            entries["value"][0],
            f"field '{api_field}' has both 'column' and 'value'; keep one: a column read "
            "on every row, or a value sent for every row.",
        )
    if "value" in entries:
        return _constant_rule(reader, api_field, entries, line)
    if "column" not in entries:
        raise reader.error(key, f"field '{api_field}' needs 'column' or 'value'.")
    return _column_rule(reader, api_field, entries, line)


def _constant_rule(
    reader: NodeReader, api_field: str, entries: dict[str, tuple[Node, Node]], line: int | None
) -> FieldRule:
    for extra in ("default", "map", "unmapped", "transform"):
        if extra in entries:
            raise reader.error(
                entries[extra][0],
                f"field '{api_field}' has a 'value', which is sent as written; "
                f"'{extra}' applies only to a column, so remove it.",
            )
    value = reader.text(entries["value"][1], f"field '{api_field}' value")
    return FieldRule(api_field, value=value, line=line)


def _column_rule(
    reader: NodeReader, api_field: str, entries: dict[str, tuple[Node, Node]], line: int | None
) -> FieldRule:
    columns = reader.texts(entries["column"][1], f"field '{api_field}' column")
    default = None
    if "default" in entries:
        default = reader.text(entries["default"][1], f"field '{api_field}' default")
    if "unmapped" in entries and "map" not in entries:
        raise reader.error(
            entries["unmapped"][0],
            f"field '{api_field}' has 'unmapped' but no 'map'; add the map or remove it.",
        )
    return FieldRule(
        api_field,
        columns=columns,
        default=default,
        table=_table(reader, api_field, entries),
        transforms=_transforms(reader, api_field, entries),
        line=line,
    )


def _table(
    reader: NodeReader, api_field: str, entries: dict[str, tuple[Node, Node]]
) -> ValueTable | None:
    if "map" not in entries:
        return None
    where = f"field '{api_field}' map"
    table: dict[str, str] = {}
    first_line: dict[str, int | None] = {}
    for key, value in reader.pairs(entries["map"][1], where):
        source = reader.text(key, f"{where} key")
        folded = map_key(source)
        if folded in table:
            raise reader.error(
                key,
                f"{where} lists '{source}' twice (ignoring case and spaces; first on line "
                f"{first_line[folded]}); keep one.",
            )
        table[folded] = _table_value(reader, value, f"{where} value")
        first_line[folded] = reader.line(key)
    unmapped = "keep"
    if "unmapped" in entries:
        unmapped = reader.choice(
            entries["unmapped"][1], f"field '{api_field}' unmapped", UNMAPPED_RULES
        )
    return ValueTable(table, unmapped)


def _table_value(reader: NodeReader, node: Node, where: str) -> str:
    """Return a table entry's value; no value, or an empty one, leaves the field out."""
    if reader.is_null(node) or (reader.is_scalar(node) and not str(node.value).strip()):
        return ""
    return reader.text(node, where)


def _transforms(
    reader: NodeReader, api_field: str, entries: dict[str, tuple[Node, Node]]
) -> tuple[str, ...]:
    if "transform" not in entries:
        return ()
    node = entries["transform"][1]
    names = reader.texts(node, f"field '{api_field}' transform")
    for name in names:
        if name not in TRANSFORMS:
            raise reader.error(
                node,
                f"field '{api_field}': unknown transform '{name}'; "
                f"transforms are: {', '.join(TRANSFORMS)}.",
            )
    return names


def _ignore_columns(reader: NodeReader, entries: dict[str, tuple[Node, Node]]) -> tuple[str, ...]:
    if "ignore_columns" not in entries or reader.is_null(entries["ignore_columns"][1]):
        return ()
    return reader.texts(entries["ignore_columns"][1], "'ignore_columns'")


def _check_not_ignored(reader: NodeReader, rule: FieldRule, ignored: tuple[str, ...]) -> None:
    keys = {header_key(name) for name in ignored}
    for column in rule.columns:
        if header_key(column) in keys:
            raise MappingError(
                f"field '{rule.api_field}' reads column '{column}', which 'ignore_columns' "
                "also lists; remove it from one of the two.",
                path=reader.path,
                line=rule.line,
            )


def _optional_text(
    reader: NodeReader, entries: dict[str, tuple[Node, Node]], name: str
) -> str | None:
    if name not in entries or reader.is_null(entries[name][1]):
        return None
    return reader.text(entries[name][1], f"'{name}'")


def _header_row(reader: NodeReader, entries: dict[str, tuple[Node, Node]]) -> int | None:
    text = _optional_text(reader, entries, "header_row")
    if text is None:
        return None
    if not text.isdigit() or int(text) < 1:
        raise reader.error(
            entries["header_row"][1],
            f"'header_row' is '{text}'; write the row number as the spreadsheet shows it "
            "(1 for the first row).",
        )
    return int(text)


def _plate_style(reader: NodeReader, entries: dict[str, tuple[Node, Node]]) -> str:
    if "plate_style" not in entries:
        return "compact"
    return reader.choice(entries["plate_style"][1], "'plate_style'", PLATE_STYLES)


def _suggest_field(name: str) -> str | None:
    """Return the API field that a header-like name such as ``Province`` stands for."""
    return alias_field(name) or next(
        (f for f in API_FIELDS if f.casefold() == name.casefold()), None
    )
