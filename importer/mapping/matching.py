"""Match a file's headers to API fields by the built-in aliases, for files without a profile.

A header that spells an alias exactly (ignoring case, accents, spaces and punctuation) is a
strong match. A header that spells one only once a bracketed note is removed, such as
"VIN (1-10)", is a weak match. Each field takes its strongest match, and two columns that
match one field equally well are a conflict for the administrator to settle, never a guess.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from importer.errors import MappingError
from importer.mapping.aliases import API_FIELDS, REQUIRED_GROUPS, alias_field, header_key, partner
from importer.mapping.profile import FieldRule

_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
STRONG, WEAK = 2, 1


@dataclass(frozen=True, slots=True)
class Matching:
    """The column that feeds each field, and the fields that could not be decided.

    ``columns`` and ``conflicts`` hold column indexes into ``headers``. A conflict is keyed by
    the field, or by the name field of a name/ID pair when one column matches each member.
    """

    headers: tuple[str, ...]
    columns: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, tuple[int, ...]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    ignored: frozenset[int] = frozenset()
    #: The columns that matched a field before a constant took its place, by that field.
    displaced: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def missing(self) -> tuple[str, ...]:
        """The required groups, by their first field, that nothing feeds."""
        decided = {*self.columns, *self.constants, *self.conflicts}
        return tuple(
            group[0] for group in REQUIRED_GROUPS if not any(name in decided for name in group)
        )

    @property
    def unmapped(self) -> tuple[int, ...]:
        """Indexes of the headed columns that feed no field and are not ignored."""
        used = {*self.columns.values(), *self.ignored}
        for indexes in self.conflicts.values():
            used.update(indexes)
        return tuple(i for i, header in enumerate(self.headers) if header.strip() and i not in used)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.conflicts

    def rules(self) -> tuple[FieldRule, ...]:
        """Field rules in API order: a column rule per match, a value rule per constant."""
        rules = []
        for api_field in API_FIELDS:
            if api_field in self.constants:
                rules.append(FieldRule(api_field, value=self.constants[api_field]))
            elif api_field in self.columns:
                header = self.headers[self.columns[api_field]]
                rules.append(FieldRule(api_field, columns=(header,)))
        return tuple(rules)


def match_headers(
    headers: Sequence[str],
    *,
    constants: Mapping[str, str] | None = None,
    ignore: Sequence[str] = (),
) -> Matching:
    """Match ``headers`` to API fields; constants take the place of their field and its partner.

    The columns a constant displaced are kept in ``Matching.displaced``.
    """
    constants = dict(constants or {})
    ignored_keys = {header_key(name) for name in ignore}
    ignored = frozenset(i for i, h in enumerate(headers) if header_key(h) in ignored_keys)
    columns, conflicts = _best_columns(headers, ignored)
    _settle_pairs(columns, conflicts)
    displaced: dict[str, tuple[int, ...]] = {}
    for name in constants:
        for replaced in (name, partner(name)):
            if replaced in columns:
                displaced[replaced] = (columns.pop(replaced),)
            elif replaced in conflicts:
                displaced[replaced] = conflicts.pop(replaced)
    return Matching(tuple(headers), columns, conflicts, constants, ignored, displaced)


def match_strength(header: str) -> tuple[str, int] | None:
    """Return the field ``header`` matches and how strongly, or ``None``."""
    api_field = alias_field(header)
    if api_field is not None:
        return api_field, STRONG
    stripped = _BRACKETED.sub(" ", header)
    if stripped != header and header_key(stripped):
        api_field = alias_field(stripped)
        if api_field is not None:
            return api_field, WEAK
    return None


def _best_columns(
    headers: Sequence[str], ignored: frozenset[int]
) -> tuple[dict[str, int], dict[str, tuple[int, ...]]]:
    candidates: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for index, header in enumerate(headers):
        found = None if index in ignored else match_strength(header)
        if found is not None:
            candidates[found[0]].append((found[1], index))
    columns: dict[str, int] = {}
    conflicts: dict[str, tuple[int, ...]] = {}
    for api_field, matches in candidates.items():
        best = max(strength for strength, _ in matches)
        indexes = tuple(index for strength, index in matches if strength == best)
        if len(indexes) == 1:
            columns[api_field] = indexes[0]
        else:
            conflicts[api_field] = indexes
    return columns, conflicts


def _settle_pairs(columns: dict[str, int], conflicts: dict[str, tuple[int, ...]]) -> None:
    """Turn a name column plus an ID column for one pair into a conflict: a row sends one."""
    for api_field in API_FIELDS:
        other = partner(api_field)
        if other is None or api_field not in columns or other not in columns:
            continue
        if API_FIELDS.index(api_field) < API_FIELDS.index(other):
            conflicts[api_field] = (columns.pop(api_field), columns.pop(other))


def describe_problems(matching: Matching) -> str:
    """Return a sentence per problem: the required fields nothing feeds, then each conflict."""
    sentences = []
    if matching.missing:
        sentences.append(
            f"No column matches the required field{'s' if len(matching.missing) > 1 else ''} "
            f"{', '.join(matching.missing)}."
        )
    for api_field, indexes in matching.conflicts.items():
        names = [repr(matching.headers[i]) for i in indexes]
        listed = f"{', '.join(names[:-1])} and {names[-1]}"
        verb = "both match" if len(names) == 2 else "all match"
        sentences.append(f"Columns {listed} {verb} {api_field}.")
    return " ".join(sentences)


def matching_error(matching: Matching, file: Path | None, profile_lines: str) -> MappingError:
    """Return the error that stops a run whose automatic matching is incomplete."""
    found = ", ".join(repr(header) for header in matching.headers if header.strip())
    return MappingError(
        f"automatic matching cannot map this file. {describe_problems(matching)} "
        f"Columns found: {found}. {_advice(matching.missing)} and pass --mapping PATH "
        "(opscom-import map FILE --out PATH writes them):\n"
        f"{profile_lines}",
        path=file,
    )


def _advice(missing: Sequence[str]) -> str:
    """Return what fixes every missing required field: ``--set`` options, or a profile.

    Every row has its own plate, so a constant suits only the other required fields, and a
    file without a plate column needs a profile whatever else it lacks.
    """
    if "plate" in missing:
        names = list(missing)
        listed = f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else names[0]
        plural = "s" if len(names) > 1 else ""
        return f"Save these lines as a profile, fill in the empty field{plural} {listed}"
    if not missing:
        return "Save these lines as a profile, fill in the empty fields"
    options = " ".join(f"--set {name}=VALUE" for name in missing)
    return (
        f"Pass {options} to send one value on every row, or save these lines as a profile, "
        "fill in the empty fields"
    )
