"""Check mapped rows against the Push API's documented rules before anything is sent.

Each check is a small function that returns ``RowIssue`` records with a stable code, so the
results workbook, the tests and the documentation use the same words. Errors make a row
``invalid``; warnings travel with the row and never stop it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from importer.mapping import MappedRow
from importer.records import RowIssue

#: The field pairs of which one member is required, with the noun used in messages.
REQUIRED_FIELDS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("plate",), "missing-plate", "a plate"),
    (("plateType", "plateTypeID"), "missing-plate-type", "a plate type (plateType or plateTypeID)"),
    (("prov", "provID"), "missing-province", "a province or state (prov or provID)"),
)


@dataclass(slots=True)
class Verdict:
    """The checks' findings for one row."""

    row: MappedRow
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors


Check = Callable[[MappedRow], Iterable[RowIssue]]


def check_required(row: MappedRow) -> Iterable[RowIssue]:
    """Report each required field that is empty, naming the column it should come from."""
    for fields, code, noun in REQUIRED_FIELDS:
        if any(name in row.payload for name in fields):
            continue
        column = next((row.columns[name] for name in fields if name in row.columns), None)
        if column is None:
            message = (
                f"Row {row.source.number}: no column is mapped to {fields[0]}; every vehicle "
                f"needs {noun}. Map a column or set a constant in the profile."
            )
        else:
            message = (
                f"Row {row.source.number}: column '{column}' is empty; every vehicle needs {noun}."
            )
        yield RowIssue(code, row.source.number, column, "", message)


ERROR_CHECKS: tuple[Check, ...] = (check_required,)
WARNING_CHECKS: tuple[Check, ...] = ()


def validate_row(row: MappedRow) -> Verdict:
    """Run every check on one row."""
    verdict = Verdict(row)
    for check in ERROR_CHECKS:
        verdict.errors.extend(check(row))
    for check in WARNING_CHECKS:
        verdict.warnings.extend(check(row))
    return verdict


def validate_rows(rows: Iterable[MappedRow]) -> list[Verdict]:
    """Validate every row."""
    return [validate_row(row) for row in rows]
