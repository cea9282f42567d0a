"""Peak memory of big runs, and the incremental rerun of an unchanged file.

Peak memory is the max RSS of the importer's process as the kernel reports it at exit. The
rerun pushes a file once with a new state folder (``--state-dir``), then runs the same
command again: the second run should find every row in the run journal and send nothing.
When ``opscom-import run`` has no ``--state-dir`` option yet, the rerun is reported as
pending and only the first push is measured.
"""

from __future__ import annotations

from pathlib import Path

from context import Context, StageResult, profile_command, validate_command
from generate import fleet_file
from measure import (
    FakeServerProcess,
    ProcessFigures,
    environment_with_token,
    run_process,
    temporary_folder,
)
from report import Table, TargetCheck, median, megabytes, seconds

MAX_VALIDATE_RSS = 1_000_000_000
MAX_RERUN_SECONDS = 10.0


def measure_memory(context: Context) -> StageResult:
    """Measure validate of the biggest CSV, a push run and its unchanged rerun."""
    plan = context.plan
    table = Table(
        "Peak memory and incremental rerun",
        ("what ran", "file", "wall", "CPU", "max RSS", "requests sent"),
    )
    big = fleet_file(context.data, plan.memory_rows, "csv")
    context.log(f"  validate {big.name}")
    with temporary_folder("opscom-bench-") as folder:
        validated = run_process(validate_command(big, folder / "v.results.csv"), ok_codes=(0, 1))
    table.rows.append(memory_row("opscom-import validate --results x.csv", big, validated, "none"))
    result = StageResult([table], [validate_memory_target(validated, plan.memory_rows)])
    result.targets.append(measure_rerun(context, table))
    return result


def memory_row(label: str, path: Path, figures: ProcessFigures, requests: str) -> list[str]:
    return [
        label,
        path.name,
        seconds(figures.wall_seconds),
        seconds(figures.cpu_seconds),
        megabytes(figures.max_rss_bytes),
        requests,
    ]


def validate_memory_target(figures: ProcessFigures, rows: int) -> TargetCheck:
    peak = figures.max_rss_bytes
    return TargetCheck(
        f"Peak memory of `validate` of the {rows:,}-row CSV under 1 GB",
        megabytes(peak),
        "met" if peak < MAX_VALIDATE_RSS else "missed",
    )


def measure_rerun(context: Context, table: Table) -> TargetCheck:
    """Push a file with a new state folder, then push it again unchanged."""
    plan = context.plan
    source = fleet_file(context.data, plan.push_memory_rows, "csv")
    check = TargetCheck(
        f"Unchanged rerun of {plan.push_memory_rows:,} rows: zero requests, under "
        f"{MAX_RERUN_SECONDS:g} s",
        "pending",
        "pending: `opscom-import run` has no `--state-dir` option yet",
    )
    with temporary_folder("opscom-bench-") as folder, context.server() as server:
        command = context.push_command(source, folder / "r.results.csv", server, folder / "state")
        context.log(f"  push {source.name}")
        first, sent = counted_run(command, server, 0)
        label = f"opscom-import run -c {plan.concurrency} --results x.csv"
        label += " (first run)" if context.state_dir else ""
        table.rows.append(memory_row(label, source, first, f"{sent:,}"))
        if context.state_dir:
            # The target is about a nightly rerun as users run it, so the rerun writes the
            # default results workbook; a CSV rerun beside it shows what the workbook costs.
            workbook = context.push_command(
                source, folder / "r.results.xlsx", server, folder / "state"
            )
            measure_reruns(
                context,
                workbook,
                server,
                check=check,
                table=table,
                label="the same, rerun unchanged, default results workbook",
            )
            measure_reruns(
                context,
                command,
                server,
                check=None,
                table=table,
                label="the same, rerun unchanged, --results x.csv",
            )
            if check.verdict == "missed":
                context.log("  profiling the rerun")
                title = f"`opscom-import run {source.name} --state-dir ...`, rerun unchanged"
                env = environment_with_token()
                check.profile = profile_command(workbook, folder / "rerun.prof", title, env=env)
        else:
            table.notes.append(f"Rerun pending: {check.verdict.partition(': ')[2]}.")
    table.notes.append(
        f"The push runs use one fake server with {plan.latency_ms:g} ms latency; requests "
        "sent are counted in the server's request log. The first push writes its results as "
        "CSV to keep the benchmark within its time limit; the unchanged rerun is measured "
        "with the default results workbook and again with CSV results."
    )
    return check


def measure_reruns(
    context: Context,
    command: list[str],
    server: FakeServerProcess,
    *,
    check: TargetCheck | None,
    table: Table,
    label: str,
) -> None:
    """Run the unchanged push again, repeatedly; record the median in ``check`` if given."""
    reruns: list[ProcessFigures] = []
    resent = 0
    source_name = table.rows[-1][1]
    for number in context.plan.repetitions():
        context.log(f"  rerun unchanged: repetition {number}")
        rerun, requests = counted_run(command, server, len(server.requests()))
        reruns.append(rerun)
        resent += requests
    wall = median([rerun.wall_seconds for rerun in reruns])
    table.rows.append(
        [
            f"{label} (median of {len(reruns)})",
            source_name,
            seconds(wall),
            seconds(median([rerun.cpu_seconds for rerun in reruns])),
            megabytes(max(rerun.max_rss_bytes for rerun in reruns)),
            f"{resent:,} in all",
        ]
    )
    if check is not None:
        check.measured = f"{resent:,} requests, {seconds(wall)}"
        check.verdict = "met" if resent == 0 and wall < MAX_RERUN_SECONDS else "missed"


def counted_run(
    command: list[str], server: FakeServerProcess, before: int
) -> tuple[ProcessFigures, int]:
    """Run a push and return its figures and the requests the server received meanwhile."""
    figures = run_process(command, env=environment_with_token(), ok_codes=(0, 1))
    return figures, len(server.requests()) - before
