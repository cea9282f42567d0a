"""Plain values passed between the stages: source rows, row issues, statuses and row results."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Status(StrEnum):
    """The verdict of one row, as written in the results workbook."""

    PUSHED = "pushed"
    EXISTS = "exists"
    UNCHANGED = "unchanged"
    VALID = "valid"
    INVALID = "invalid"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    FAILED = "failed"
    NOT_ATTEMPTED = "not attempted"


#: Statuses that count as success: the vehicle is in OPS-COM (or would be sent, in a dry run).
FINISHED_STATUSES = frozenset({Status.PUSHED, Status.EXISTS, Status.UNCHANGED})


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One data row as read: cell texts in header order and the row number a spreadsheet shows."""

    number: int
    cells: tuple[str, ...]
    warnings: tuple[str, ...] = ()


@dataclass(slots=True)
class Table:
    """A fleet file opened for reading: its headers, and its data rows without the blank ones.

    ``rows`` may be a one-shot iterator that reads the file lazily, so iterate it once.
    """

    path: Path
    headers: list[str]
    rows: Iterable[SourceRow]
    sheet: str | None = None
    header_row: int = 1
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RowIssue:
    """A problem found in one row: a stable code, where it is, and a sentence saying how to fix it.

    ``column`` is the header as written in the file, or the API field name when the value
    came from a constant in the mapping profile.
    """

    code: str
    row: int
    column: str | None
    value: str | None
    message: str


Payload = dict[str, str]


@dataclass(slots=True)
class RowResult:
    """Everything the results workbook shows about one row."""

    source: SourceRow
    payload: Payload
    status: Status
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    attempts: int = 0
    http_status: int | None = None
    finished_at: str | None = None
    error_code: str | None = None
    #: Stable codes of the row's errors and warnings (``missing-plate``, ``server-9021``...),
    #: counted on the Summary sheet.
    error_codes: list[str] = field(default_factory=list)
    warning_codes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RunSummary:
    """Facts about a run shown on the Summary sheet and in the final line."""

    command: str
    input_file: Path
    sheet: str | None
    profile: str
    target: str
    started_at: str
    finished_at: str = ""
    duration_seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: The profile file (absolute), the ``--set`` constants, and the mapping used as profile
    #: YAML, so that a retry can map the rows again even when no profile file was used.
    profile_file: Path | None = None
    constants: dict[str, str] = field(default_factory=dict)
    mapping: str = ""
    #: Options a retry needs to reach the same target, and the whole retry command.
    retry_options: list[str] = field(default_factory=list)
    retry_command: str = ""
    #: How often each error code and warning kind occurred, most frequent first.
    error_counts: dict[str, int] = field(default_factory=dict)
    warning_counts: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def rows_per_second(self) -> float:
        """Rows read, checked, sent and written per second of the whole run."""
        if self.duration_seconds <= 0:
            return 0.0
        return self.rows / self.duration_seconds
