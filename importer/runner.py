"""Run one import: read, map, validate, push and write the results workbook.

Rows stream from the reader through mapping and validation. A dry run (``validate``) writes
each row to the results as soon as it is checked, so memory stays flat for any file size; a
push run keeps the rows in memory until their answers arrive.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from importer.client import OpsComClient, Timeouts, TransportName, make_transport
from importer.config import Target
from importer.errors import ExitCode, ImportToolError, UsageError
from importer.incremental import run_journal
from importer.journal import state_dir_options
from importer.mapping import Mapper, Profile, automatic_profile, load_profile, with_constants
from importer.pushing import Pusher, PushOptions, PushOutcome, stop_note
from importer.reading import ReadOptions, read_table
from importer.records import FINISHED_STATUSES, RowResult, RunSummary, SourceRow, Status, Table
from importer.results import (
    ResultsWriter,
    default_results_path,
    mapping_yaml,
    results_format_for,
    retry_options,
)
from importer.signals import holding_signals, stopping_on_signals
from importer.validation import RowValidator, Verdict

logger = logging.getLogger(__name__)

RowCallback = Callable[[RowResult], None]

#: Statuses that do not make the exit code 1.
ACCEPTABLE_STATUSES = FINISHED_STATUSES | {Status.VALID, Status.DUPLICATE}


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Everything one run needs, built once by the CLI."""

    input_path: Path
    profile_path: Path | None = None
    constants: dict[str, str] = field(default_factory=dict)
    results_path: Path | None = None
    #: ``xlsx`` or ``csv``; ``None`` follows the suffix of ``results_path``, else xlsx.
    results_format: str | None = None
    read: ReadOptions = field(default_factory=ReadOptions)
    push: PushOptions = field(default_factory=PushOptions)
    timeouts: Timeouts = field(default_factory=Timeouts)
    transport: TransportName = "aiohttp"
    dry_run: bool = False
    command: str = "opscom-import run"
    #: Where the run journal lives; ``None`` keeps no journal, so every valid row is sent.
    state_dir: Path | None = None
    #: Send every valid row, even those the journal shows unchanged since their last push.
    full: bool = False


@dataclass(slots=True)
class Prepared:
    """A file opened and its profile bound to the headers; ``results`` streams the checked rows."""

    table: Table
    profile: Profile
    mapper: Mapper
    results: Iterator[RowResult]


@dataclass(slots=True)
class RunOutcome:
    """What a run produced.

    ``results`` holds every row of a push run; a dry run streams its rows to the workbook
    and keeps only the first invalid ones in ``first_invalid``.
    """

    results_path: Path
    summary: RunSummary
    exit_code: ExitCode
    results: list[RowResult] = field(default_factory=list)
    first_invalid: list[RowResult] = field(default_factory=list)
    stopped_by: ImportToolError | None = None


def load_run_profile(options: RunOptions) -> Profile:
    """Load the profile named in ``options``, or match headers automatically without one."""
    if options.profile_path is None:
        return automatic_profile(options.constants)
    return with_constants(load_profile(options.profile_path), options.constants)


def prepare(options: RunOptions) -> Prepared:
    """Open the input and bind the profile; rows are read, mapped and validated lazily."""
    profile = load_run_profile(options)
    read_options = dataclasses.replace(
        options.read,
        sheet=options.read.sheet or profile.sheet,
        header_row=options.read.header_row or profile.header_row,
    )
    table = read_table(options.input_path, read_options)
    mapper = Mapper(profile, table.headers, file=options.input_path)
    return Prepared(table, profile, mapper, check_rows(profile, mapper, table.rows))


def check_rows(profile: Profile, mapper: Mapper, rows: Iterable[SourceRow]) -> Iterator[RowResult]:
    """Map and validate rows lazily, in order, with one validator for the whole table."""
    validator = RowValidator(profile)
    return (result_for(validator.validate(mapper.map_row(row))) for row in rows)


def result_for(verdict: Verdict) -> RowResult:
    """Turn a validation verdict into a row result: valid, invalid or duplicate."""
    mapped = verdict.row
    errors = [*mapped.errors, *verdict.errors]
    warnings = [*mapped.warnings, *verdict.warnings]
    return RowResult(
        source=mapped.source,
        payload=verdict.payload,
        status=verdict.status,
        errors=[issue.message for issue in errors],
        warnings=[*mapped.source.warnings, *(issue.message for issue in warnings)],
        error_codes=[issue.code for issue in errors],
        warning_codes=[issue.code for issue in warnings],
    )


def run_import(
    options: RunOptions,
    target: Target | None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    on_start: Callable[[int], None] | None = None,
    on_row: RowCallback | None = None,
) -> RunOutcome:
    """Run a whole import and write its results workbook.

    ``on_start`` receives the number of rows about to be sent and ``on_row`` each row as its
    answer arrives; the CLI uses them for the progress bar.
    """
    if not options.dry_run and target is None:
        raise UsageError("no target configured; see --base-url and OPSCOM_BASE_URL.")
    clock = RunClock()
    prepared = prepare(options)
    results_format = results_format_for(options.results_path, options.results_format)
    results_path = options.results_path or default_results_path(
        options.input_path, results_format, dry_run=options.dry_run
    )
    outcome = RunOutcome(results_path, new_summary(options, prepared, target), ExitCode.OK)
    if not options.dry_run:
        outcome.results = list(prepared.results)
    with (
        ResultsWriter(
            results_path, prepared.table.headers, results_format=results_format
        ) as writer,
        run_journal(options, target) as journal,
        holding_signals(enabled=not options.dry_run) as held,
    ):
        if options.dry_run:
            rows: Iterator[RowResult] = prepared.results
        else:
            assert target is not None
            writer.expect_rows(len(outcome.results))
            journal.skip_unchanged(outcome.results)
            if on_start is not None:
                on_start(sum(result.status is Status.VALID for result in outcome.results))
            outcome.stopped_by = asyncio.run(
                push_results(outcome.results, target, options, transport, journal.watch(on_row))
            )
            rows = iter(outcome.results)
        counts = write_rows(writer, rows, outcome)
        finish_summary(outcome, prepared.table, counts, clock)
        journal.finish(outcome.summary)
        outcome.results_path = writer.finish(outcome.summary)
    outcome.stopped_by = outcome.stopped_by or held.stop()
    outcome.exit_code = exit_code_for(counts, outcome.stopped_by)
    return outcome


def write_rows(
    writer: ResultsWriter, rows: Iterator[RowResult], outcome: RunOutcome
) -> Counter[Status]:
    """Write every row to the results and count the statuses."""
    counts: Counter[Status] = Counter()
    for result in rows:
        writer.write(result)
        counts[result.status] += 1
        if result.status is Status.INVALID and len(outcome.first_invalid) < 5:
            outcome.first_invalid.append(result)
    return counts


class RunClock:
    """Wall-clock start time and a monotonic timer for the duration."""

    def __init__(self) -> None:
        self.started_at = now_local()
        self._started = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self._started


def new_summary(options: RunOptions, prepared: Prepared, target: Target | None) -> RunSummary:
    """Start the Summary sheet's facts; counts and times are filled in at the end."""
    return RunSummary(
        command=options.command,
        input_file=options.input_path,
        sheet=prepared.table.sheet,
        profile=prepared.mapper.description,
        target="(dry run: nothing sent)" if target is None or options.dry_run else target.label,
        started_at=now_local(),
        profile_file=options.profile_path.resolve() if options.profile_path else None,
        constants=dict(options.constants),
        mapping=mapping_yaml(prepared.mapper),
        retry_options=[
            *retry_options(None if options.dry_run else target, options.command),
            *state_dir_options(options.state_dir),
        ],
    )


def finish_summary(
    outcome: RunOutcome, table: Table, counts: Counter[Status], clock: RunClock
) -> None:
    summary = outcome.summary
    summary.started_at = clock.started_at
    summary.finished_at = now_local()
    summary.duration_seconds = clock.elapsed()
    summary.counts = {status.value: counts[status] for status in Status if counts[status]}
    summary.notes = [*table.notes]
    if outcome.stopped_by is not None:
        summary.notes.append(str(outcome.stopped_by))


async def push_results(
    results: list[RowResult],
    target: Target,
    options: RunOptions,
    transport: httpx.AsyncBaseTransport | None,
    on_row: RowCallback | None,
) -> ImportToolError | None:
    """Push every valid row, updating each result in place as its answer arrives.

    A signal, a rejected configuration or the error-rate guard stops the pushing early; the
    rows never sent are then marked ``not attempted`` and the workbook is still written.
    """

    def record(index: int, outcome: PushOutcome) -> None:
        apply_outcome(results[index], outcome)
        if on_row is not None:
            on_row(results[index])

    transport = transport or make_transport(options.transport, options.push.concurrency)
    client = OpsComClient(
        target, transport=transport, timeouts=options.timeouts, pool_size=options.push.concurrency
    )
    async with client:
        pusher: Pusher[int] = Pusher(
            client, options.push, record, describe_key=lambda i: f"Row {results[i].source.number}"
        )
        items = (
            (i, result.payload) for i, result in enumerate(results) if result.status is Status.VALID
        )
        with stopping_on_signals(pusher.stop):
            report = await pusher.run(items)
    for result in results:
        if result.status is Status.VALID:
            result.status = Status.NOT_ATTEMPTED
            if report.stopped_by is not None:
                result.errors.append(stop_note(report.stopped_by))
    return report.stopped_by


def apply_outcome(result: RowResult, outcome: PushOutcome) -> None:
    """Copy a push outcome into the row's result."""
    result.status = outcome.status
    result.attempts = outcome.attempts
    result.http_status = outcome.http_status
    result.finished_at = outcome.finished_at
    result.error_code = str(outcome.error_code) if outcome.error_code is not None else None
    if outcome.status in (Status.REJECTED, Status.FAILED) and outcome.message:
        result.errors.append(outcome.message)
        code = f"server-{outcome.error_code}" if outcome.error_code else "push-failed"
        result.error_codes.append(code)
    result.warnings.extend(f"Server: {warning}" for warning in outcome.warnings)
    if outcome.status is Status.PUSHED and outcome.message:
        result.warnings.append(outcome.message)  # pushed on a retry after a lost answer
        result.warning_codes.append("lost-answer")


def exit_code_for(counts: Counter[Status], stopped_by: ImportToolError | None) -> ExitCode:
    """Return the stop's code (3, 130, 143) if the run stopped early, 1 if any row failed."""
    if stopped_by is not None:
        return stopped_by.exit_code
    if any(count and status not in ACCEPTABLE_STATUSES for status, count in counts.items()):
        return ExitCode.ROWS_FAILED
    return ExitCode.OK


def now_local() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")
