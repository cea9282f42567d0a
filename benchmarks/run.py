"""Run every benchmark of opscom-import and write the figures to benchmarks/RESULTS.md.

    python benchmarks/run.py            # the full run: under 10 minutes on 2 cores
    python benchmarks/run.py --quick    # smaller files, about a minute; for a first look

The files are generated into benchmarks/data/ on the first run and reused afterwards.
A full run of every stage writes benchmarks/RESULTS.md; ``--quick`` or ``--stage`` runs
write benchmarks/data/RESULTS-partial.md, so the committed figures stay those of a full run.
benchmarks/README.md explains what each stage measures.
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from context import FULL_PLAN, QUICK_PLAN, Context, Plan, StageResult
from generate import fleet_file, payloads_file
from measure import MeasurementError
from memory_stage import measure_memory
from push_stage import measure_push
from reading_stage import measure_reading
from report import Table, TargetCheck, load_average, read_notes, results_markdown

HERE = Path(__file__).resolve().parent
STAGES: dict[str, Callable[[Context], StageResult]] = {
    "read": measure_reading,
    "push": measure_push,
    "memory": measure_memory,
}


class Progress:
    """Progress lines on stderr, each with the minutes and seconds since the start."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def __call__(self, message: str) -> None:
        minutes, secs = divmod(int(self.elapsed()), 60)
        print(f"[{minutes:2d}:{secs:02d}] {message}", file=sys.stderr, flush=True)


def generate_files(context: Context) -> None:
    """Write every file the plan needs that is not in the data folder yet."""
    plan = context.plan
    needed = [(plan.read_rows, "csv", False), (plan.read_rows, "xlsx", False)]
    needed += [(plan.memory_rows, "csv", False), (plan.push_memory_rows, "csv", False)]
    needed += [(plan.push_rows, "csv", True), (plan.profile_push_rows, "csv", True)]
    needed += [(plan.profile_read_rows, "xlsx", False)]
    for rows, file_format, clean in dict.fromkeys(needed):
        context.log(f"generate {rows:,}-row {file_format}{' (no faulty rows)' if clean else ''}")
        fleet_file(context.data, rows, file_format, clean=clean)
    payloads_file(context.data, plan.push_rows)


def run_stage(name: str, context: Context) -> StageResult:
    """Run one stage; a failed command becomes a note in the results instead of a crash."""
    context.log(f"stage: {name}")
    try:
        return STAGES[name](context)
    except MeasurementError as exc:
        context.log(f"stage {name} failed: {exc}")
        table = Table(f"Stage '{name}' failed", ("error",), [[str(exc).splitlines()[0]]])
        table.notes.append("```\n" + str(exc) + "\n```")
        failed = TargetCheck(f"Stage '{name}'", "not measured", "failed: see its section")
        return StageResult([table], [failed])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Benchmark opscom-import against the practical limits of each stage.",
        epilog="example:\n  python benchmarks/run.py --quick",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller files and fewer rows; about a minute"
    )
    parser.add_argument(
        "--stage",
        dest="stages",
        action="append",
        choices=sorted(STAGES),
        help="run only this stage (repeatable; default: every stage)",
    )
    parser.add_argument("--repeats", type=int, help="repetitions of each compared command")
    parser.add_argument(
        "--data", type=Path, default=HERE / "data", help="folder for generated files"
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="Markdown file to write (default: RESULTS.md for a full run of every stage)",
    )
    return parser


def choose_plan(args: argparse.Namespace) -> Plan:
    plan = QUICK_PLAN if args.quick else FULL_PLAN
    if args.repeats is not None:
        plan = dataclasses.replace(plan, repeats=max(1, args.repeats))
    return plan


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    stages = args.stages or list(STAGES)
    complete = not args.quick and stages == list(STAGES)
    output = args.output or (HERE / "RESULTS.md" if complete else args.data / "RESULTS-partial.md")
    progress = Progress()
    load_at_start = load_average()
    context = Context.detect(choose_plan(args), args.data, progress)
    generate_files(context)
    results = [run_stage(name, context) for name in stages]
    tables = [table for result in results for table in result.tables]
    targets = [check for result in results for check in result.targets]
    summary = Table("Targets", ("target", "measured", "verdict"))
    summary.rows = [[check.target, check.measured, check.verdict] for check in targets]
    for table in (summary, *tables):
        print(f"\n{table.plain()}")
    command = shlex.join(["python", "benchmarks/run.py", *argv])
    text = results_markdown(
        command=command,
        elapsed=progress.elapsed(),
        tables=tables,
        targets=targets,
        notes=read_notes(output),
        load_at_start=load_at_start,
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"\nWrote {output} in {progress.elapsed() / 60:.1f} minutes.")
    return 1 if any(check.verdict.startswith("failed") for check in targets) else 0


if __name__ == "__main__":
    raise SystemExit(main())
