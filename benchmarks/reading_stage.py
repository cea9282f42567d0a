"""Read + map + validate: ``opscom-import validate`` against the raw read of the same file.

The raw reads are the floor of each format: python-calamine's ``to_python()`` of the whole
sheet for XLSX, and ``pandas.read_csv(dtype=str)`` for CSV. Neither maps, validates nor
writes anything. ``validate`` always writes a results file with every row and its verdict.
It runs twice per file, with the default results workbook (XLSX) and with results in CSV,
its cheapest output, so the difference shows what the workbook costs.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from context import Context, StageResult, profile_command, validate_command
from generate import fleet_file
from measure import ProcessFigures, importer_command, run_process, temporary_folder
from report import Table, TargetCheck, median, megabytes, ratio, seconds

CALAMINE_READ = (
    "import sys, python_calamine as c; "
    "rows = c.CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python(); "
    "print(len(rows) - 1)"
)
PANDAS_READ = "import sys, pandas as pd; print(len(pd.read_csv(sys.argv[1], dtype=str)))"
RAW_READS = {
    "xlsx": ("python-calamine raw read", CALAMINE_READ),
    "csv": ("pandas.read_csv(dtype=str)", PANDAS_READ),
}
#: The runs of each file: the raw read, then ``validate`` with each results format.
VARIANTS = ("raw", "validate", "validate, CSV results")
MAX_XLSX_RATIO = 2.0

Runs = dict[tuple[str, str], list[ProcessFigures]]


def measure_reading(context: Context) -> StageResult:
    """Time ``validate`` of the CSV and XLSX files against the raw reads of the same files."""
    rows = context.plan.read_rows
    paths = {"xlsx": fleet_file(context.data, rows, "xlsx")}
    paths["csv"] = fleet_file(context.data, rows, "csv")
    runs = interleave_reads(context, paths)
    table = Table(
        "Read + map + validate",
        (
            "file",
            "what ran",
            "wall (median)",
            "CPU (median)",
            "max RSS",
            "x raw (wall)",
            "x raw (CPU)",
        ),
    )
    for file_format, path in paths.items():
        raw = runs[file_format, "raw"]
        table.rows.append(read_row(path, RAW_READS[file_format][0], raw, raw))
        table.rows.append(
            read_row(path, "opscom-import validate", runs[file_format, VARIANTS[1]], raw)
        )
        label = "opscom-import validate --results x.csv"
        table.rows.append(read_row(path, label, runs[file_format, VARIANTS[2]], raw))
    table.notes += reading_notes(len(runs["xlsx", "raw"]))
    return StageResult([table], [reading_target(context, rows, runs)])


def reading_notes(repetitions: int) -> list[str]:
    startup = median(
        [run_process([*importer_command(), "--version"]).wall_seconds for _ in range(3)]
    )
    return [
        "Each figure is a whole process, start-up included; `opscom-import --version` alone "
        f"takes {seconds(startup)}. Walls and CPU times are medians of {repetitions} "
        "interleaved repetitions; max RSS is the largest of them.",
        "`validate` writes a results file with every row and its verdict, which the raw "
        "reads do not: by default a workbook (XLSX), or CSV when `--results` ends in .csv.",
    ]


def interleave_reads(context: Context, paths: dict[str, Path]) -> Runs:
    """Run each file's raw read and ``validate`` variants in turn, repetition after repetition."""
    runs: Runs = {(file_format, variant): [] for file_format in paths for variant in VARIANTS}
    with temporary_folder("opscom-bench-") as folder:
        for number in context.plan.repetitions():
            for file_format, path in paths.items():
                context.log(f"  {path.name}: repetition {number}")
                raw = [sys.executable, "-c", RAW_READS[file_format][1], str(path)]
                runs[file_format, "raw"].append(run_process(raw))
                for variant, suffix in ((VARIANTS[1], "xlsx"), (VARIANTS[2], "csv")):
                    command = validate_command(path, folder / f"{file_format}.results.{suffix}")
                    runs[file_format, variant].append(run_process(command, ok_codes=(0, 1)))
    return runs


def median_ratio(ours: Sequence[ProcessFigures], raw: Sequence[ProcessFigures], cpu: bool) -> float:
    """Return the median wall (or CPU) time of ``ours`` over that of ``raw``."""

    def cost(run: ProcessFigures) -> float:
        return run.cpu_seconds if cpu else run.wall_seconds

    return median([cost(run) for run in ours]) / median([cost(run) for run in raw])


def read_row(
    path: Path, label: str, runs: Sequence[ProcessFigures], raw: Sequence[ProcessFigures]
) -> list[str]:
    return [
        path.name,
        label,
        seconds(median([run.wall_seconds for run in runs])),
        seconds(median([run.cpu_seconds for run in runs])),
        megabytes(max(run.max_rss_bytes for run in runs)),
        ratio(median_ratio(runs, raw, cpu=False)),
        ratio(median_ratio(runs, raw, cpu=True)),
    ]


def reading_target(context: Context, rows: int, runs: Runs) -> TargetCheck:
    """Check the XLSX wall-time ratio; profile ``validate`` when it misses."""
    ours, raw = runs["xlsx", VARIANTS[1]], runs["xlsx", "raw"]
    wall_ratio = median_ratio(ours, raw, cpu=False)
    check = TargetCheck(
        f"Read + map + validate of the {rows:,}-row XLSX within {MAX_XLSX_RATIO:g}x "
        "python-calamine's raw read",
        f"{ratio(wall_ratio)} wall, {ratio(median_ratio(ours, raw, cpu=True))} CPU",
        "met" if wall_ratio <= MAX_XLSX_RATIO else "missed",
    )
    if check.verdict == "missed":
        check.profile = profile_validate(context)
    return check


def profile_validate(context: Context) -> str:
    """Profile ``validate`` of the profiling-size XLSX with each results format."""
    path = fleet_file(context.data, context.plan.profile_read_rows, "xlsx")
    profiles = []
    with temporary_folder("opscom-profile-") as folder:
        for suffix in ("xlsx", "csv"):
            context.log(f"  profiling validate of {path.name}, {suffix} results")
            results = folder / f"profile.results.{suffix}"
            title = f"`opscom-import validate {path.name} --results {results.name}`"
            command = validate_command(path, results)
            profiles.append(profile_command(command, folder / f"{suffix}.prof", title))
    return "\n\n".join(profiles)
