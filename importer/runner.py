"""Run one import: read, map, validate, push and write the results workbook."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from importer.client import OpsComClient, Timeouts, TransportName, make_transport
from importer.config import Target
from importer.errors import ExitCode, ServerConfigurationError, UsageError
from importer.mapping import MappedRow, Mapper, Profile, load_profile, with_constants
from importer.pushing import Pusher, PushOptions, PushOutcome
from importer.reading import ReadOptions, read_table
from importer.records import FINISHED_STATUSES, RowResult, RunSummary, Status, Table
from importer.results import count_statuses, default_results_path, write_results
from importer.validation import Verdict, validate_row

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[RowResult], None]


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Everything one run needs, built once by the CLI."""

    input_path: Path
    profile_path: Path | None = None
    constants: dict[str, str] = field(default_factory=dict)
    results_path: Path | None = None
    read: ReadOptions = field(default_factory=ReadOptions)
    push: PushOptions = field(default_factory=PushOptions)
    timeouts: Timeouts = field(default_factory=Timeouts)
    transport: TransportName = "aiohttp"
    dry_run: bool = False
    command: str = "opscom-import run"


@dataclass(slots=True)
class Prepared:
    """A file read, mapped and validated: one result per row, ready to push."""

    table: Table
    profile: Profile
    results: list[RowResult]


@dataclass(slots=True)
class RunOutcome:
    """What a run produced: the results file, the summary and the exit code."""

    results_path: Path
    summary: RunSummary
    results: list[RowResult]
    exit_code: ExitCode
    stopped_by: ServerConfigurationError | None = None


def load_run_profile(options: RunOptions) -> Profile:
    """Load the profile named in ``options`` and apply its ``--set`` constants."""
    if options.profile_path is None:
        raise UsageError("no mapping profile; pass --mapping PATH (see mappings/template.yaml).")
    return with_constants(load_profile(options.profile_path), options.constants)


def prepare(options: RunOptions) -> Prepared:
    """Read, map and validate the input; every row gets a result with status valid or invalid."""
    profile = load_run_profile(options)
    read_options = dataclasses.replace(
        options.read,
        sheet=options.read.sheet or profile.sheet,
        header_row=options.read.header_row or profile.header_row,
    )
    table = read_table(options.input_path, read_options)
    mapper = Mapper(profile, table.headers)
    results = [_result_for(validate_row(mapper.map_row(row))) for row in table.rows]
    return Prepared(table, profile, results)


def _result_for(verdict: Verdict) -> RowResult:
    mapped: MappedRow = verdict.row
    return RowResult(
        source=mapped.source,
        payload=mapped.payload,
        status=Status.VALID if verdict.is_valid else Status.INVALID,
        errors=[issue.message for issue in verdict.errors],
        warnings=[*mapped.source.warnings, *(issue.message for issue in verdict.warnings)],
    )


def run_import(
    options: RunOptions,
    target: Target | None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    on_prepared: Callable[[Prepared], None] | None = None,
    on_row: ProgressCallback | None = None,
) -> RunOutcome:
    """Run a whole import and write its results workbook."""
    started = time.monotonic()
    started_at = _now()
    prepared = prepare(options)
    if on_prepared is not None:
        on_prepared(prepared)
    stopped_by = None
    if not options.dry_run:
        if target is None:
            raise UsageError("no target configured; see --base-url and OPSCOM_BASE_URL.")
        stopped_by = asyncio.run(_push(prepared.results, target, options, transport, on_row))
    summary = RunSummary(
        command=options.command,
        input_file=options.input_path,
        sheet=prepared.table.sheet,
        profile=str(prepared.profile.path or "(none)"),
        target="(dry run: nothing sent)" if options.dry_run else target.label if target else "",
        started_at=started_at,
        finished_at=_now(),
        duration_seconds=time.monotonic() - started,
        counts=count_statuses(prepared.results),
        notes=[*prepared.table.notes, *([str(stopped_by)] if stopped_by else [])],
    )
    results_path = options.results_path or default_results_path(options.input_path)
    write_results(results_path, prepared.table.headers, prepared.results, summary)
    return RunOutcome(
        results_path,
        summary,
        prepared.results,
        _exit_code(prepared.results, stopped_by),
        stopped_by,
    )


async def _push(
    results: list[RowResult],
    target: Target,
    options: RunOptions,
    transport: httpx.AsyncBaseTransport | None,
    on_row: ProgressCallback | None,
) -> ServerConfigurationError | None:
    def record(index: int, outcome: PushOutcome) -> None:
        _apply_outcome(results[index], outcome)
        if on_row is not None:
            on_row(results[index])

    transport = transport or make_transport(options.transport, options.push.concurrency)
    async with OpsComClient(target, transport=transport, timeouts=options.timeouts) as client:
        pusher: Pusher[int] = Pusher(client, options.push, record)
        items = ((index, r.payload) for index, r in enumerate(results) if r.status is Status.VALID)
        report = await pusher.run(items)
    for result in results:
        if result.status is Status.VALID:
            result.status = Status.NOT_ATTEMPTED
            if report.stopped_by is not None:
                result.errors.append(
                    "Not sent: the run stopped because the server rejected the configuration."
                )
    return report.stopped_by


def _apply_outcome(result: RowResult, outcome: PushOutcome) -> None:
    result.status = outcome.status
    result.attempts = outcome.attempts
    result.http_status = outcome.http_status
    result.finished_at = outcome.finished_at
    result.error_code = str(outcome.error_code) if outcome.error_code is not None else None
    if outcome.status in (Status.REJECTED, Status.FAILED) and outcome.message:
        result.errors.append(outcome.message)
    result.warnings.extend(f"Server: {warning}" for warning in outcome.warnings)


def _exit_code(results: list[RowResult], stopped_by: ServerConfigurationError | None) -> ExitCode:
    if stopped_by is not None:
        return ExitCode.SERVER_CONFIGURATION
    ok = FINISHED_STATUSES | {Status.VALID, Status.DUPLICATE}
    if all(result.status in ok for result in results):
        return ExitCode.OK
    return ExitCode.ROWS_FAILED


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")
