"""The outcome of validating one row, and where each of its values came from.

Every message starts with its place: ``Row 14, column 'State': ...`` for a value read from the
file, ``Row 14, plateType set in the profile: ...`` for a constant of the profile, or
``Row 14, --set plateType: ...`` for one given on the command line, so that the admin can
find the value to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from importer.mapping import MappedRow
from importer.records import Payload, RowIssue, Status

#: Values longer than this are cut in messages, which must stay readable in one cell.
SHOWN_LENGTH = 80


def shown(value: str) -> str:
    """Return ``value`` for a message: invisible characters escaped, long values cut."""
    text = value
    if not value.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in value)
    if len(text) > SHOWN_LENGTH:
        return text[: SHOWN_LENGTH - 1] + "…"
    return text


@dataclass(frozen=True, slots=True)
class Place:
    """The origin of one field of a row.

    ``column`` is the header as written in the file, or the API field name for a constant
    (``constant`` is then true), or ``None`` when the profile maps nothing to the field.
    ``option`` is true for a constant given with ``--set``.
    """

    row: int
    api_field: str
    column: str | None
    constant: bool = False
    option: bool = False

    @property
    def label(self) -> str:
        """The start of a message: ``Row 14, column 'State'``."""
        if self.constant and self.option:
            return f"Row {self.row}, --set {self.api_field}"
        if self.constant:
            return f"Row {self.row}, {self.api_field} set in the profile"
        if self.column is None:
            return f"Row {self.row}"
        return f"Row {self.row}, column '{self.column}'"

    def issue(self, code: str, value: str | None, text: str) -> RowIssue:
        """Build the issue ``code`` about ``value``; ``text`` follows the place in the message."""
        return RowIssue(code, self.row, self.column, value, f"{self.label}: {text}")


class Places:
    """The place of each field of one mapped row."""

    def __init__(
        self, row: MappedRow, constants: frozenset[str], options: frozenset[str] = frozenset()
    ) -> None:
        self._row = row
        self._constants = constants
        self._options = options
        self._places: dict[str, Place] = {}

    def __getitem__(self, api_field: str) -> Place:
        place = self._places.get(api_field)
        if place is None:
            place = Place(
                self._row.source.number,
                api_field,
                self._row.columns.get(api_field),
                constant=api_field in self._constants,
                option=api_field in self._options,
            )
            self._places[api_field] = place
        return place


@dataclass(slots=True)
class Verdict:
    """The validator's findings for one row and the payload to send, normalised.

    ``errors``, like the mapping errors in ``row.errors``, make the row ``invalid``;
    ``warnings`` travel with it. A row that repeats an earlier valid row's vehicle is
    ``duplicate``, and ``duplicate_of`` is the earlier row. The mapping's own findings stay
    in ``row`` and are not copied here.
    """

    row: MappedRow
    payload: Payload
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    duplicate_of: int | None = None

    @property
    def status(self) -> Status:
        if self.duplicate_of is not None:
            return Status.DUPLICATE
        return Status.INVALID if self.errors or self.row.errors else Status.VALID
