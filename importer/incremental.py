"""Incremental runs on top of the journal: skip unchanged rows, record outcomes, report gaps.

Before a push run sends anything, ``JournalSession.skip_unchanged`` looks up each valid row's
vehicle key. A vehicle last sent to the same target with the same payload, with the
outcome ``pushed`` or ``exists``, becomes ``unchanged`` and is not sent unless the run is
``--full``.
Each outcome is written to the journal's outcome log as it arrives and committed with its
batch (see ``journal``), so a run killed halfway resumes where it stopped: on the next run the
rows already answered are unchanged, and only the rows that were in flight are sent again
(OPS-COM answers those 9012, which counts as success).

The Push API does not update vehicles. A vehicle whose payload changed since it was sent and
that OPS-COM answers 9012 keeps its old details there, so the row stays ``exists`` with a
warning naming the changed fields.

A retry (``RetrySession``) records its outcomes in the same journal, so the next run finds
the rows it pushed unchanged. It sends only some rows of a file, so it reports no vehicle
missing from it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from importer.config import Target
from importer.journal import (
    IN_OPSCOM,
    Journal,
    MissingVehicle,
    PastRun,
    Reference,
    RunRecord,
    SentState,
    VehicleKey,
    file_sha256,
    payload_hash,
    vehicle_key,
)
from importer.mapping import API_FIELDS
from importer.records import Payload, RowResult, RunSummary, Status

if TYPE_CHECKING:
    from importer.runner import RunOptions

logger = logging.getLogger(__name__)

RowCallback = Callable[[RowResult], None]

#: Statuses that the journal records: the row was sent and got a response, or gave up.
RECORDED_STATUSES = frozenset({Status.PUSHED, Status.EXISTS, Status.REJECTED, Status.FAILED})
#: Error codes that reject a payload for its values: a field required, too long, too short
#: or invalid. The same payload gets the same answer, so it is not sent again.
PAYLOAD_REJECTIONS = frozenset({9006, 9010, 9011, 9021, 9030, 9031, 9032, 9033})
#: Missing vehicles listed one per line on the Summary sheet; the count is always complete.
MISSING_LISTED = 1000
CHANGED_CODE = "changed-not-updated"


class NoJournal:
    """The journal interface for runs that keep none: dry runs, and runs without a state dir."""

    def note_keys(self, results: list[RowResult]) -> None:
        """Note nothing: without a journal no outcome is recorded."""

    def skip_unchanged(self, results: list[RowResult]) -> None:
        """Leave every row as it is: without a journal nothing is known to be unchanged."""

    def watch(self, on_row: RowCallback | None) -> RowCallback | None:
        return on_row

    def finish(self, summary: RunSummary) -> None:
        """Add nothing to the summary."""


class JournalSession(NoJournal):
    """One run's use of the journal: which rows to send, each outcome, the final notes."""

    def __init__(self, journal: Journal, run_id: int, *, full: bool = False) -> None:
        self.journal = journal
        self.run_id = run_id
        self.full = full
        self.finished = False
        self.changed_exists = 0
        self.unfinished: list[PastRun] = []
        self._keys: dict[int, VehicleKey] = {}

    def note_keys(self, results: list[RowResult]) -> None:
        """Note the vehicle key of each valid row, so that ``record`` can store its outcome."""
        for result in results:
            key = vehicle_key(result.payload) if result.status is Status.VALID else None
            if key is not None:
                self._keys[result.source.number] = key

    def skip_unchanged(self, results: list[RowResult]) -> None:
        """Keep back the rows whose payload got a final answer before; note every key.

        A payload already stored becomes ``unchanged``. A payload that OPS-COM rejected for
        its values becomes ``rejected`` again without a request, since the same values get
        the same answer.
        """
        self.note_keys(results)
        known = self.journal.sent_states()
        skipped: Counter[Status] = Counter()
        for result in results:
            key = self._keys.get(result.source.number)
            if key is None:
                continue
            state = known.get(key)
            if self.full or state is None or state.payload_hash != payload_hash(result.payload):
                continue
            if state.outcome in IN_OPSCOM:
                result.status = Status.UNCHANGED
            elif state.outcome == "rejected" and state.error_code in PAYLOAD_REJECTIONS:
                mark_rejected_again(result, state)
            skipped[result.status] += 1
        self._update_missing(known, set(self._keys.values()))
        logger.info(
            "%d rows unchanged since their last push, %d rejected before with the same values;"
            " %d to send",
            skipped[Status.UNCHANGED],
            skipped[Status.REJECTED],
            len(self._keys) - skipped[Status.UNCHANGED] - skipped[Status.REJECTED],
        )

    def _update_missing(self, known: dict[VehicleKey, SentState], listed: set[VehicleKey]) -> None:
        """Mark the vehicles in OPS-COM that this file stops listing, and those it lists again."""
        gone = [
            key
            for key, state in known.items()
            if state.missing_since is None and state.outcome in IN_OPSCOM and key not in listed
        ]
        back = [key for key, state in known.items() if state.missing_since and key in listed]
        self.journal.mark_missing(self.run_id, gone)
        self.journal.mark_listed(back)

    def watch(self, on_row: RowCallback | None) -> RowCallback:
        """Return a row callback that records each outcome, then calls ``on_row``."""

        def record_then_forward(result: RowResult) -> None:
            self.record(result)
            if on_row is not None:
                on_row(result)

        return record_then_forward

    def record(self, result: RowResult) -> None:
        """Record the outcome of one sent row; warn first if OPS-COM kept older details."""
        key = self._keys.get(result.source.number)
        if key is None or result.status not in RECORDED_STATUSES:
            return
        if result.status is Status.EXISTS:
            self._warn_if_changed(result, key)
        sent_at = result.finished_at or now_local()
        rejected = result.status is Status.REJECTED
        self.journal.record_outcome(
            self.run_id,
            key,
            result.payload,
            result.status.value,
            sent_at,
            detail=result.errors[-1] if rejected and result.errors else "",
            error_code=int(result.error_code) if rejected and result.error_code else None,
        )

    def _warn_if_changed(self, result: RowResult, key: VehicleKey) -> None:
        reference = self.journal.reference(key)
        if reference is None:
            return
        changes = changed_fields(reference.payload, result.payload)
        if changes:
            self.changed_exists += 1
            result.warnings.append(changed_warning(changes, reference))
            result.warning_codes.append(CHANGED_CODE)

    def finish(self, summary: RunSummary) -> None:
        """Add the resumed runs, changed vehicles and missing vehicles to the summary notes."""
        summary.notes.extend(unfinished_note(run) for run in self.unfinished)
        self._note_changed(summary)
        count, missing = self.journal.missing(MISSING_LISTED)
        if count:
            summary.notes.extend(missing_notes(count, missing, self.journal))
            logger.warning("%s", missing_notes(count, [], self.journal)[0])
        self._finish_run(summary)

    def _note_changed(self, summary: RunSummary) -> None:
        if self.changed_exists:
            summary.notes.append(changed_note(self.changed_exists))
            logger.warning("%s", changed_note(self.changed_exists))

    def _finish_run(self, summary: RunSummary) -> None:
        self.journal.finish_run(self.run_id, now_local(), "finished", summary.counts)
        self.finished = True


class RetrySession(JournalSession):
    """A retry's use of the journal: record each outcome, and report no missing vehicles.

    A retry sends some rows of a results file, so the vehicles it does not list are not
    missing. Runs that a killed process left open stay open for the next run to report.
    """

    def finish(self, summary: RunSummary) -> None:
        """Add the changed vehicles to the summary notes and close the retry's run."""
        self._note_changed(summary)
        self._finish_run(summary)


@contextlib.contextmanager
def run_journal(
    options: RunOptions, target: Target | None, *, retry: bool = False
) -> Iterator[NoJournal]:
    """Open the target's journal for one run, or yield a ``NoJournal`` when there is none.

    With ``retry`` the session is a ``RetrySession``. A run that leaves the block by an
    exception is recorded as ``interrupted``. A process that is killed leaves its run
    ``running``, so the next run marks it ``unfinished``.
    """
    if options.dry_run or target is None or options.state_dir is None:
        yield NoJournal()
        return
    journal = Journal.open(options.state_dir, target)
    try:
        if retry:
            session: JournalSession = RetrySession(journal, journal.start_run(run_record(options)))
        else:
            session = start_session(journal, options)
        try:
            yield session
        finally:
            if not session.finished:
                journal.finish_run(session.run_id, now_local(), "interrupted", {})
    finally:
        journal.close()


def start_session(journal: Journal, options: RunOptions) -> JournalSession:
    """Record the run's start and close the runs that a killed process left open."""
    run_id = journal.start_run(run_record(options))
    session = JournalSession(journal, run_id, full=options.full)
    session.unfinished = journal.close_unfinished_runs(run_id)
    for run in session.unfinished:
        logger.warning("%s", unfinished_note(run))
    return session


def run_record(options: RunOptions) -> RunRecord:
    """Describe a run for the ``runs`` table; no option contains the token."""
    settings = {
        "full": options.full,
        "constants": options.constants,
        "results": str(options.results_path) if options.results_path else None,
        "read": dataclasses.asdict(options.read),
        "push": dataclasses.asdict(options.push),
        "transport": options.transport,
    }
    return RunRecord(
        pid=os.getpid(),
        started_at=now_local(),
        command=options.command,
        input_file=str(options.input_path.resolve()),
        input_sha256=file_sha256(options.input_path),
        profile=str(options.profile_path or ""),
        options=settings,
    )


def mark_rejected_again(result: RowResult, state: SentState) -> None:
    """Give an unsent row the rejection that its identical payload got on an earlier run."""
    result.status = Status.REJECTED
    result.error_code = str(state.error_code)
    result.errors.append(
        f"Not sent: OPS-COM rejected these same values on {state.sent_at} ({state.detail}). "
        "Fix the row, or pass --full to send it again after a change in OPS-COM's setup."
    )
    result.error_codes.append(f"server-{state.error_code}")


def changed_fields(old: Payload, new: Payload) -> list[tuple[str, str, str]]:
    """Return ``(field, old value, new value)`` for each field that differs, in API order."""
    names = [name for name in API_FIELDS if name in old or name in new]
    names.extend(sorted((old.keys() | new.keys()) - set(API_FIELDS)))
    return [
        (name, old.get(name, ""), new.get(name, ""))
        for name in names
        if old.get(name, "") != new.get(name, "")
    ]


def changed_warning(changes: list[tuple[str, str, str]], reference: Reference) -> str:
    listed = ", ".join(f"{name} '{old}' → '{new}'" for name, old, new in changes)
    return (
        f"OPS-COM already has this vehicle and kept the details sent on {reference.sent_at}; "
        f"changed since: {listed}. The Push API does not update vehicles: make the change "
        "in OPS-COM."
    )


def changed_note(count: int) -> str:
    if count == 1:
        changed = "1 vehicle changed since it was last sent, but OPS-COM already had it"
        change = "this change"
    else:
        changed = f"{count} vehicles changed since last sent, but OPS-COM already had them"
        change = "these changes"
    return (
        f"{changed} and kept the old details: make {change} in OPS-COM "
        f"(warning '{CHANGED_CODE}' in the Results sheet)."
    )


def missing_notes(count: int, missing: list[MissingVehicle], journal: Journal) -> list[str]:
    """Return a count line, one line per listed vehicle, and how many more were not listed."""
    notes = [
        f"{count} vehicle{'s' if count != 1 else ''} sent by earlier runs "
        f"{'are' if count != 1 else 'is'} not among this file's valid rows; OPS-COM still "
        "has them, because the Push API cannot delete vehicles."
    ]
    notes.extend(missing_line(vehicle) for vehicle in missing)
    if missing and count > len(missing):
        notes.append(
            f"… and {count - len(missing)} more, not listed here; they are the rows of the "
            f"'vehicles' table in {journal.path} with the lowest missing_since."
        )
    return notes


def missing_line(vehicle: MissingVehicle) -> str:
    """Name a missing vehicle by the values last sent for it, and the last run that listed it."""
    plate, prov, plate_type = vehicle.key
    sent = vehicle.payload
    fields = [
        f"plate {sent.get('plate') or plate}",
        _sent_as(sent, "prov", "province", prov),
        _sent_as(sent, "plateType", "plate type", plate_type),
    ]
    run = f"the run of {vehicle.listed_at}" if vehicle.listed_at else "an earlier run"
    where = f" on {Path(vehicle.listed_file).name}" if vehicle.listed_file else ""
    return f"Missing: {', '.join(fields)} (last listed by {run}{where})"


def _sent_as(sent: Payload, name: str, noun: str, key_part: str) -> str:
    """Return ``province QC`` or ``province ID 7``, as the payload sent the field."""
    if sent.get(name):
        return f"{noun} {sent[name]}"
    if sent.get(f"{name}ID"):
        return f"{noun} ID {sent[f'{name}ID']}"
    return f"{noun} {key_part}"


def unfinished_note(run: PastRun) -> str:
    return (
        f"Run {run.run_id} (process {run.pid}, started {run.started_at}, file "
        f"{run.input_file}) did not finish; the rows it had sent and got an answer for are "
        "unchanged in this run unless it is --full."
    )


def now_local() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")
