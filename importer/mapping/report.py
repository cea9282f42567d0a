"""The report of ``opscom-import map``: each field's column with sample values, and the gaps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from importer.mapping.aliases import API_FIELDS, REQUIRED_GROUPS, header_key
from importer.mapping.mapper import Mapper
from importer.mapping.matching import Matching, match_headers
from importer.mapping.overrides import matching_overrides, reject_overrides
from importer.mapping.profile import FieldRule, Profile
from importer.mapping.render import profile_text
from importer.mapping.transforms import convert
from importer.records import SourceRow, Table

#: Sample values shown per field.
SAMPLE_COUNT = 3


@dataclass(frozen=True, slots=True)
class FieldLine:
    """One field of the report: its column (``None`` for a constant) and sample values.

    Each sample is the cell as read and the value the profile's rule sends for it, or
    ``None`` when the value is missing from a ``map:`` that makes such rows invalid.
    """

    api_field: str
    column: str | None
    index: int | None
    constant: str | None = None
    rule: FieldRule | None = None
    samples: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass(slots=True)
class MappingReport:
    """The mapping of one table: by ``profile`` when it is set, else by automatic matching."""

    table: Table
    fields: list[FieldLine]
    unmapped: list[str]
    ignored: list[str]
    missing: list[str]
    conflicts: dict[str, list[str]]
    matching: Matching | None = None
    profile: Profile | None = None

    @property
    def complete(self) -> bool:
        return not self.missing and not self.conflicts

    def profile_text(self) -> str:
        """Return the automatic matching as a profile to edit."""
        assert self.matching is not None, "only an automatic matching is written as a profile"
        return profile_text(
            self.matching,
            source=self.table.path.name,
            sheet=self.table.sheet,
            header_row=self.table.header_row,
        )


def build_report(table: Table, profile: Profile) -> MappingReport:
    """Map ``table``'s headers and read its rows for sample values.

    A profile file is bound as a run binds it, so a misfit raises ``MappingError``. An
    automatic profile's matching is reported as it is, gaps included.
    """
    if profile.automatic:
        report = _automatic_report(table, profile)
    else:
        report = _profile_report(table, Mapper(profile, table.headers, file=table.path))
    _collect_samples(report.fields, table.rows)
    return report


def _automatic_report(table: Table, profile: Profile) -> MappingReport:
    constants = {rule.api_field: rule.value for rule in profile.rules if rule.value is not None}
    matching = match_headers(table.headers, constants=constants, ignore=profile.ignore_columns)
    reject_overrides(matching_overrides(matching), table.path, profile)
    lines = []
    for rule in matching.rules():
        index = matching.columns.get(rule.api_field) if rule.value is None else None
        column = table.headers[index] if index is not None else None
        lines.append(FieldLine(rule.api_field, column, index, rule.value))
    conflicts = {
        api_field: [table.headers[i] for i in indexes]
        for api_field, indexes in matching.conflicts.items()
    }
    return MappingReport(
        table=table,
        fields=lines,
        unmapped=[table.headers[i] for i in matching.unmapped],
        ignored=[],
        missing=list(matching.missing),
        conflicts=conflicts,
        matching=matching,
    )


def _profile_report(table: Table, mapper: Mapper) -> MappingReport:
    lines = [
        FieldLine(
            b.rule.api_field,
            b.column if b.index is not None else None,
            b.index,
            b.rule.value,
            b.rule,
        )
        for b in sorted(mapper.bindings, key=lambda b: API_FIELDS.index(b.rule.api_field))
    ]
    used = {line.index for line in lines}
    ignored_keys = {header_key(name) for name in mapper.profile.ignore_columns}
    unmapped: list[str] = []
    ignored: list[str] = []
    for index, header in enumerate(table.headers):
        if index in used or not header.strip():
            continue
        (ignored if header_key(header) in ignored_keys else unmapped).append(header)
    present = {line.api_field for line in lines}
    missing = [group[0] for group in REQUIRED_GROUPS if not present.intersection(group)]
    return MappingReport(table, lines, unmapped, ignored, missing, {}, profile=mapper.profile)


def _collect_samples(lines: list[FieldLine], rows: Iterable[SourceRow]) -> None:
    """Fill each column line with its first distinct non-empty values."""
    sampled = [line for line in lines if line.index is not None]
    for row in rows:
        if all(len(line.samples) >= SAMPLE_COUNT for line in sampled):
            return
        for line in sampled:
            assert line.index is not None
            cell = row.cells[line.index] if line.index < len(row.cells) else ""
            seen = [read for read, _ in line.samples]
            if cell.strip() and cell not in seen and len(line.samples) < SAMPLE_COUNT:
                line.samples.append((cell, _sent(line.rule, cell)))


def _sent(rule: FieldRule | None, cell: str) -> str | None:
    if rule is None:
        return cell
    converted = convert(cell, rule.transforms, rule.default, rule.table)
    return None if converted.not_in_map else converted.text
