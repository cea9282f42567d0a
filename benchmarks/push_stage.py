"""Push: the importer against the bare aiohttp loop, the theoretical limit and a plain loop.

Each sender gets a fresh fake server in its own process, with the plan's latency added to
every push response. The push rate is taken from the server's request log: requests per
second between the first and the last request it received. Start-up, reading and the
results workbook therefore do not count against it; the whole-process rate, which includes
them, is shown beside it.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from context import Context, StageResult, profile_command
from generate import fleet_file, payloads_file
from measure import (
    HERE,
    FakeServerProcess,
    ProcessFigures,
    environment_with_token,
    parse_baseline_report,
    push_span_seconds,
    run_process,
    temporary_folder,
)
from report import Table, TargetCheck, median, percent, rate, ratio

MIN_RATE_SHARE = 0.9
MAX_CPU_RATIO = 2.0
BUSY_SERVER_SHARE = 0.85

CommandBuilder = Callable[[FakeServerProcess], list[str]]


@dataclass(frozen=True, slots=True)
class PushRun:
    """One sender's run against a fresh fake server."""

    process: ProcessFigures
    requests: int
    span: float | None
    server_cpu: float | None

    @property
    def push_rate(self) -> float:
        """Requests per second while sending: from the server's log, else the process wall."""
        if self.span:
            return (self.requests - 1) / self.span
        return self.requests / self.process.wall_seconds

    @property
    def whole_rate(self) -> float:
        return self.requests / self.process.wall_seconds

    @property
    def cpu_per_row(self) -> float:
        return self.process.cpu_seconds / max(1, self.requests)

    @property
    def server_share(self) -> float | None:
        """The server's CPU use while the sender ran, as a share of one core."""
        if self.server_cpu is None:
            return None
        return self.server_cpu / (self.span or self.process.wall_seconds)


def run_sender(
    context: Context, build: CommandBuilder, ok_codes: Sequence[int] = (0,)
) -> tuple[PushRun, list[dict[str, Any]]]:
    """Run one sender against a fresh server; return its figures and the server's log."""
    with context.server() as server:
        cpu_before = server.cpu_seconds()
        process = run_process(build(server), env=environment_with_token(), ok_codes=ok_codes)
        cpu_after = server.cpu_seconds()
        log = server.requests()
    server_cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return PushRun(process, len(log), push_span_seconds(log), server_cpu), log


def baseline_command(
    payloads: Path, options: Sequence[str], server: FakeServerProcess
) -> list[str]:
    """Return the command of ``baseline_aiohttp.py`` sending ``payloads`` to ``server``."""
    script = str(HERE / "baseline_aiohttp.py")
    return [sys.executable, script, str(payloads), "--url", server.push_url, *options]


def measure_push(context: Context) -> StageResult:
    """Compare the importer's push with the bare aiohttp loop and a one-at-a-time sender."""
    plan = context.plan
    source = fleet_file(context.data, plan.push_rows, "csv", clean=True)
    payloads = payloads_file(context.data, plan.push_rows)
    runs: dict[str, list[PushRun]] = {"importer": [], "bare": []}
    concurrency = ("--concurrency", str(plan.concurrency))
    with temporary_folder("opscom-bench-") as folder:
        results = folder / "push.results.xlsx"
        for number in plan.repetitions():
            context.log(f"  push {plan.push_rows:,} rows: repetition {number}")
            for sender in ("importer", "bare") if number % 2 else ("bare", "importer"):
                if sender == "importer":
                    state = folder / f"state-{number}"
                    build = functools.partial(context.push_command, source, results, state=state)
                    run, log = run_sender(context, build, ok_codes=(0, 1))
                    if number == 1:
                        payloads = capture_payloads(log, payloads, context.data)
                else:
                    build = functools.partial(baseline_command, payloads, concurrency)
                    run, _ = run_sender(context, build)
                runs[sender].append(run)
        context.log(f"  one request at a time: {plan.sequential_rows:,} rows")
        limit = ("--one-at-a-time", "--limit", str(plan.sequential_rows))
        sequential, _ = run_sender(context, functools.partial(baseline_command, payloads, limit))
    parse_baseline_report(sequential.process.stdout)
    return push_result(context, runs, sequential, payloads)


def capture_payloads(log: Sequence[dict[str, Any]], fallback: Path, folder: Path) -> Path:
    """Write the payloads the importer sent, as the server logged them, for the bare loop.

    Returns ``fallback`` (the generator's payloads) when the log does not carry them.
    """
    payloads = [entry.get("payload") for entry in log]
    if not payloads or not all(isinstance(payload, dict) for payload in payloads):
        return fallback
    target = folder / f"push_{len(payloads)}.sent.jsonl"
    target.write_text("".join(json.dumps(payload) + "\n" for payload in payloads), "utf-8")
    return target


def push_row(label: str, runs: Sequence[PushRun], bare_rate: float) -> list[str]:
    push_rate = median([run.push_rate for run in runs])
    shares = [run.server_share for run in runs if run.server_share is not None]
    return [
        label,
        f"{median([run.requests for run in runs]):,.0f}",
        rate(push_rate),
        rate(median([run.whole_rate for run in runs])),
        f"{median([run.cpu_per_row for run in runs]) * 1000:.2f} ms",
        percent(median(shares)) if shares else "n/a",
        percent(push_rate / bare_rate),
    ]


def push_result(
    context: Context, runs: dict[str, list[PushRun]], sequential: PushRun, payloads: Path
) -> StageResult:
    plan = context.plan
    table = Table(
        f"Push at concurrency {plan.concurrency}, {plan.latency_ms:g} ms server latency",
        (
            "sender",
            "requests",
            "push rate",
            "whole-process rate",
            "CPU per row",
            "server CPU",
            "vs bare loop",
        ),
    )
    bare_rate = median([run.push_rate for run in runs["bare"]])
    table.rows += [
        push_row("opscom-import run", runs["importer"], bare_rate),
        push_row("bare asyncio + aiohttp loop", runs["bare"], bare_rate),
        push_row("one request at a time (urllib)", [sequential], bare_rate),
        [
            "concurrency / latency (theoretical)",
            "",
            rate(plan.theoretical_rate),
            "",
            "",
            "",
            percent(plan.theoretical_rate / bare_rate),
        ],
    ]
    table.notes += push_notes(context, runs, payloads)
    return StageResult([table], push_targets(context, runs))


def push_notes(context: Context, runs: dict[str, list[PushRun]], payloads: Path) -> list[str]:
    all_runs = [*runs["importer"], *runs["bare"]]
    notes = [
        f"Medians of {len(runs['importer'])} interleaved repetitions; each sender had a fresh "
        "server, and each importer run a new state folder (run journal). "
        "The push rate counts from the first to the last request the server logged; the "
        "whole-process rate divides by the process's wall time, which includes start-up, "
        "reading, validation and the results workbook.",
        "CPU per row is the sender process's user + system time over the requests it sent. "
        "Server CPU is the fake server's CPU time while sending, as a share of one core.",
        f"The bare loop sent `{payloads.name}`: "
        + (
            "the payloads the importer sent, as the server logged them."
            if payloads.name.endswith(".sent.jsonl")
            else "the generator's payloads, because the server log carried none."
        ),
        "The fake server adds its latency "
        + (
            "with `opscom-import fake-server --latency-ms`."
            if context.builtin_latency
            else "through benchmarks/slow_fake_server.py, because `opscom-import fake-server` "
            "has no `--latency-ms` option yet."
        ),
    ]
    if any(run.span is None for run in all_runs):
        notes.append("The server log had no request times, so push rates use process walls.")
    shares = [run.server_share for run in all_runs if run.server_share is not None]
    if shares and max(shares) >= BUSY_SERVER_SHARE:
        notes.append(
            f"The fake server used up to {max(shares):.0%} of a core: it may be the bottleneck, "
            "so the ratios understate what a faster server would allow."
        )
    elif shares:
        notes.append(
            f"The fake server used at most {max(shares):.0%} of a core: not the bottleneck."
        )
    return notes


def push_targets(context: Context, runs: dict[str, list[PushRun]]) -> list[TargetCheck]:
    """Check throughput and CPU per row against the bare loop; profile a push if either misses."""
    ours, bare = runs["importer"], runs["bare"]
    our_rate = median([run.push_rate for run in ours])
    bare_rate = median([run.push_rate for run in bare])
    our_cpu = median([run.cpu_per_row for run in ours])
    bare_cpu = median([run.cpu_per_row for run in bare])
    share = our_rate / bare_rate
    cpu = our_cpu / bare_cpu
    checks = [
        TargetCheck(
            f"Push throughput at least {MIN_RATE_SHARE:.0%} of the bare aiohttp loop",
            f"{percent(share)} ({our_rate:,.0f} vs {bare_rate:,.0f} rows/s)",
            "met" if share >= MIN_RATE_SHARE else "missed",
        ),
        TargetCheck(
            f"CPU per pushed row at most {MAX_CPU_RATIO:g}x the bare loop's",
            f"{ratio(cpu)} ({our_cpu * 1000:.2f} vs {bare_cpu * 1000:.2f} ms)",
            "met" if cpu <= MAX_CPU_RATIO else "missed",
        ),
    ]
    missed = [check for check in checks if check.verdict == "missed"]
    if missed:
        missed[0].profile = profile_push(context)
    return checks


def profile_push(context: Context) -> str:
    """Profile ``opscom-import run`` of the profiling-size clean file under cProfile."""
    rows = context.plan.profile_push_rows
    source = fleet_file(context.data, rows, "csv", clean=True)
    context.log(f"  profiling run of {source.name}")
    with temporary_folder("opscom-profile-") as folder, context.server() as server:
        command = context.push_command(source, folder / "p.results.xlsx", server, folder / "state")
        title = f"`opscom-import run {source.name} --concurrency {context.plan.concurrency}`"
        return profile_command(command, folder / "push.prof", title, env=environment_with_token())
