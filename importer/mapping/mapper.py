"""Apply a profile to the rows of one table: bind its rules to columns, then build payloads.

Binding happens once, before any row is read. So a profile that does not fit the file stops
the run before anything is sent, and so does a file that automatic matching cannot map. A
profile does not fit when a column was renamed or dropped since it was written, or when the
file lists a header twice.

Values are sent as read unless the profile changes them (a transform, a ``map:`` table, a
default). Each change becomes a ``value-changed`` warning on the row, and a value missing
from a table with ``unmapped: invalid`` becomes an ``unmapped-value`` error.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from importer.errors import MappingError
from importer.mapping.aliases import header_key
from importer.mapping.matching import Matching, match_headers, match_strength, matching_error
from importer.mapping.overrides import matching_overrides, profile_overrides, reject_overrides
from importer.mapping.profile import FieldRule, Profile
from importer.mapping.render import profile_text
from importer.mapping.transforms import Converted, convert
from importer.records import Payload, RowIssue, SourceRow

logger = logging.getLogger(__name__)

#: Distinct cell texts whose conversion is remembered per field: values such as makes and
#: colours repeat on many rows, and a field with more distinct values stops adding.
CONVERSIONS_REMEMBERED = 10_000


@dataclass(frozen=True, slots=True)
class MappedRow:
    """A source row and its payload; ``columns`` names the header behind each payload field.

    ``columns`` contains the header as written in the file, or the API field name for a
    constant. ``errors`` make the row invalid; ``warnings`` report values the profile changed.
    """

    source: SourceRow
    payload: Payload
    columns: dict[str, str] = field(default_factory=dict)
    errors: tuple[RowIssue, ...] = ()
    warnings: tuple[RowIssue, ...] = ()


@dataclass(frozen=True, slots=True)
class Binding:
    """A rule tied to the column it reads, or to no column for a constant."""

    rule: FieldRule
    index: int | None
    column: str


class Mapper:
    """Apply a profile to the rows of one table, after resolving its columns against the headers.

    ``file`` names the table in error messages. An automatic profile is matched against the
    headers here: ``matching`` keeps the outcome, and ``profile`` becomes a copy holding a
    rule for every matched column.
    """

    def __init__(self, profile: Profile, headers: Sequence[str], *, file: Path | None = None):
        self.profile = profile
        self.headers = list(headers)
        self.file = file
        self.matching: Matching | None = None
        if profile.automatic:
            self.matching = self._match()
            # From here on ``profile`` contains the rules that matching produced.
            self.profile = dataclasses.replace(profile, rules=self.matching.rules())
            self.bindings = self._bind(self.profile.rules, self.matching.columns)
            logger.info("%s: %s", self.file, self.description)
        else:
            reject_overrides(profile_overrides(profile, self.headers), file, profile)
            self.bindings = self._bind(profile.rules, self._profile_columns())
        self._columns = {binding.rule.api_field: binding.column for binding in self.bindings}
        # Each binding, whether it sends the cell unchanged (no transform, default or value
        # table), and the conversions remembered for it.
        self._plan: list[tuple[Binding, bool, dict[str, Converted]]] = [
            (binding, _sent_as_read(binding.rule), {}) for binding in self.bindings
        ]

    def _match(self) -> Matching:
        constants = {r.api_field: r.value for r in self.profile.rules if r.value is not None}
        matching = match_headers(
            self.headers, constants=constants, ignore=self.profile.ignore_columns
        )
        reject_overrides(matching_overrides(matching), self.file, self.profile)
        if not matching.complete:
            name = self.file.name if self.file is not None else "FILE"
            raise matching_error(matching, self.file, profile_text(matching, source=name))
        return matching

    def _profile_columns(self) -> dict[str, int]:
        """Find the column of each column rule; raise one error listing every rule that fails."""
        positions: dict[str, list[int]] = defaultdict(list)
        for index, header in enumerate(self.headers):
            positions[header_key(header)].append(index)
        found: dict[str, int] = {}
        problems: list[tuple[FieldRule, str]] = []
        for rule in self.profile.rules:
            key = next((header_key(c) for c in rule.columns if header_key(c) in positions), None)
            if rule.columns and key is None:
                problems.append((rule, self._missing_column(rule)))
            elif key is not None and len(positions[key]) > 1:
                problems.append((rule, self._repeated_header(rule, positions[key])))
            elif key is not None:
                found[rule.api_field] = positions[key][0]
        if problems:
            raise self._drift_error(problems)
        return found

    def _bind(self, rules: Iterable[FieldRule], columns: dict[str, int]) -> list[Binding]:
        bindings = []
        for rule in rules:
            index = columns.get(rule.api_field) if rule.columns else None
            column = self.headers[index] if index is not None else rule.api_field
            bindings.append(Binding(rule, index, column))
        return bindings

    def _where(self) -> str:
        return f"in {self.file.name}" if self.file is not None else "in the file"

    def _missing_column(self, rule: FieldRule) -> str:
        expected = " or ".join(repr(column) for column in rule.columns)
        absent = "which is not" if len(rule.columns) == 1 else "and neither is"
        message = f"field '{rule.api_field}' reads column {expected}, {absent} {self._where()}"
        lookalikes = [h for h in self.headers if (match_strength(h) or ("",))[0] == rule.api_field]
        if lookalikes:
            message += f" ({', '.join(map(repr, lookalikes))} looks like it; renamed?)"
        return message

    def _repeated_header(self, rule: FieldRule, indexes: list[int]) -> str:
        numbers = ", ".join(str(i + 1) for i in indexes)
        return (
            f"field '{rule.api_field}' reads column '{self.headers[indexes[0]]}', which "
            f"{self._where()} heads columns {numbers}; rename all but one in the file"
        )

    def _drift_error(self, problems: list[tuple[FieldRule, str]]) -> MappingError:
        found = ", ".join(repr(header) for header in self.headers if header.strip())
        if len(problems) == 1:
            summary = problems[0][1]
        else:
            listed = "; ".join(f"{text} (line {rule.line})" for rule, text in problems)
            summary = f"{len(problems)} columns do not fit: {listed}"
        return MappingError(
            f"{summary}. Columns found: {found}. The file's headers may have changed since the "
            "profile was written: fix the 'column' lines of the profile, or the headers.",
            path=self.profile.path,
            line=problems[0][0].line,
        )

    @property
    def field_columns(self) -> dict[str, str]:
        """The header feeding each field, or ``"(constant)"`` for a field set by value."""
        return {
            b.rule.api_field: b.column if b.index is not None else "(constant)"
            for b in self.bindings
        }

    @property
    def description(self) -> str:
        """The profile's path, or for automatic matching the field each column feeds."""
        if not self.profile.automatic:
            return self.profile.label
        parts = [
            f"{b.rule.api_field} = {b.column!r}"
            if b.index is not None
            else f"{b.rule.api_field} = constant {b.rule.value!r}"
            for b in self.bindings
        ]
        return f"automatic matching: {', '.join(parts)}"

    def map_row(self, row: SourceRow) -> MappedRow:
        """Build the payload of one row; fields left empty are not in the payload.

        Every row shares one ``columns`` dict, since the bindings are the same for all.
        """
        payload: Payload = {}
        errors: list[RowIssue] = []
        warnings: list[RowIssue] = []
        cells = row.cells
        for binding, as_read, conversions in self._plan:
            api_field = binding.rule.api_field
            index = binding.index
            if index is None:
                payload[api_field] = binding.rule.value or ""
                continue
            cell = cells[index] if index < len(cells) else ""
            if as_read:
                if cell and not cell.isspace():
                    payload[api_field] = cell
                continue
            converted = _converted(binding.rule, cell, conversions)
            if converted.text.strip():
                payload[api_field] = converted.text
            if converted.steps:
                warnings.append(self._change_warning(row.number, binding, cell, converted))
            if converted.not_in_map:
                errors.append(self._unmapped_error(row.number, binding, converted.text))
        return MappedRow(row, payload, self._columns, tuple(errors), tuple(warnings))

    def map_rows(self, rows: Iterable[SourceRow]) -> list[MappedRow]:
        """Map every row of the table."""
        return [self.map_row(row) for row in rows]

    def _change_warning(
        self, number: int, binding: Binding, cell: str, converted: Converted
    ) -> RowIssue:
        steps = ", ".join(converted.steps)
        api_field = binding.rule.api_field
        if converted.steps[-1] == "default":
            message = (
                f"Row {number}: column '{binding.column}' is empty; sent the profile's default "
                f"'{converted.text}' as {api_field}."
            )
        elif not converted.text.strip():
            message = (
                f"Row {number}: column '{binding.column}' value '{cell}' is left out of "
                f"{api_field}: the profile's {steps} made it empty."
            )
        else:
            message = (
                f"Row {number}: column '{binding.column}' value '{cell}' sent as "
                f"'{converted.text}' ({steps} in the profile)."
            )
        return RowIssue("value-changed", number, binding.column, cell, message)

    def _unmapped_error(self, number: int, binding: Binding, value: str) -> RowIssue:
        where = f" in {self.profile.path}" if self.profile.path is not None else ""
        message = (
            f"Row {number}: column '{binding.column}' value '{value}' is not in the 'map' of "
            f"field '{binding.rule.api_field}'{where}; add it to the map or correct the cell."
        )
        return RowIssue("unmapped-value", number, binding.column, value, message)


def _sent_as_read(rule: FieldRule) -> bool:
    return not (rule.transforms or rule.default is not None or rule.table is not None)


def _converted(rule: FieldRule, cell: str, conversions: dict[str, Converted]) -> Converted:
    """Convert ``cell`` by ``rule``, remembering the outcome per cell text in ``conversions``."""
    converted = conversions.get(cell)
    if converted is None:
        converted = convert(cell, rule.transforms, rule.default, rule.table)
        if len(conversions) < CONVERSIONS_REMEMBERED:
            conversions[cell] = converted
    return converted
