"""Turn benchmark figures into tables: printed to the terminal and written to RESULTS.md.

The file is rewritten on every run, except the section headed ``## Notes``: hand-written
analysis there is carried over from the previous file, so that a rerun updates the figures
without losing it.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
import pstats
import statistics
import subprocess
import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

NOTES_HEADING = "## Notes"
#: Folder prefixes cut from file names in profiles: site-packages, the standard library
#: and the checkout.
PATH_PREFIXES = {
    sysconfig.get_paths()["purelib"] + "/",
    sysconfig.get_paths()["platlib"] + "/",
    sysconfig.get_paths()["stdlib"] + "/",
    str(Path(__file__).resolve().parents[1]) + "/",
}
LIBRARIES = (
    "opscom-import",
    "pandas",
    "numpy",
    "python-calamine",
    "openpyxl",
    "XlsxWriter",
    "aiohttp",
    "httpx",
    "stamina",
)


@dataclass(slots=True)
class Table:
    """One section of results: a title, a header row, rows of text cells and notes below."""

    title: str
    columns: Sequence[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"## {self.title}", "", markdown_table(self.columns, self.rows)]
        if self.notes:
            lines += ["", *(f"- {note}" for note in self.notes)]
        return "\n".join(lines)

    def plain(self) -> str:
        widths = [len(column) for column in self.columns]
        for row in self.rows:
            widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
        lines = [self.title, "=" * len(self.title)]
        for row in [list(self.columns), *self.rows]:
            lines.append(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            )
        lines += [f"* {note}" for note in self.notes]
        return "\n".join(lines)


@dataclass(slots=True)
class TargetCheck:
    """One target of the benchmark and whether the run met it."""

    target: str
    measured: str
    verdict: str
    profile: str = ""


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    header = "| " + " | ".join(columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    body = ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join([header, rule, *body])


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def megabytes(value_bytes: float) -> str:
    return f"{value_bytes / 1_000_000:,.0f} MB"


def rate(rows: float | None) -> str:
    return "n/a" if rows is None else f"{rows:,.0f} rows/s"


def ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def load_average() -> str:
    """Return the 1-minute load average, or ``unknown`` where the system has none."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def machine_facts() -> list[tuple[str, str]]:
    """Describe the machine and software the figures come from."""
    facts = [
        ("CPU", cpu_model()),
        (
            "Cores available",
            str(len(os.sched_getaffinity(0)))
            if hasattr(os, "sched_getaffinity")
            else str(os.cpu_count()),
        ),
        ("Memory", memory_total()),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("Commit", git_commit()),
    ]
    for name in LIBRARIES:
        try:
            facts.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            facts.append((name, "not installed"))
    return facts


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def git_commit() -> str:
    """Return the checked-out commit, marked ``+ local changes`` when the tree differs."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{commit} + local changes" if dirty else commit


def profile_markdown(profile_path: Path, title: str, top: int = 15) -> str:
    """Summarize a cProfile output file: the functions with the most cumulative and own time."""
    stats = pstats.Stats(str(profile_path))
    total = stats.total_tt
    entries = stats.stats
    rows = []
    for function, (_, calls, own, cumulative, _) in entries.items():
        rows.append((function_label(function), calls, own, cumulative))
    by_cumulative = sorted(rows, key=lambda row: row[3], reverse=True)
    by_cumulative = [row for row in by_cumulative if not is_wrapper(row[0])][:top]
    by_own = sorted(rows, key=lambda row: row[2], reverse=True)[: top // 2 + 3]
    columns = ("function", "calls", "own s", "cumulative s", "share of run")

    def cells(row: tuple[str, int, float, float]) -> list[str]:
        return [
            f"`{row[0]}`",
            f"{row[1]:,}",
            f"{row[2]:.2f}",
            f"{row[3]:.2f}",
            f"{row[3] / total:.0%}",
        ]

    return "\n".join(
        [
            f"### {title}",
            "",
            f"cProfile, {total:.1f} s of profiled time (cProfile roughly doubles the run time).",
            "",
            "By cumulative time:",
            "",
            markdown_table(columns, [cells(row) for row in by_cumulative]),
            "",
            "By own time:",
            "",
            markdown_table(columns, [cells(row) for row in by_own]),
        ]
    )


def function_label(function: tuple[str, int, str]) -> str:
    """Return ``path.py:line(name)`` relative to site-packages, the standard library or the
    checkout, so that the tables stay narrow."""
    filename, line, name = function
    if filename == "~":
        return name
    for prefix in sorted(PATH_PREFIXES, key=len, reverse=True):
        if filename.startswith(prefix):
            filename = filename[len(prefix) :]
            break
    return f"{filename}:{line}({name})"


def is_wrapper(label: str) -> bool:
    """Tell whether a profile entry only wraps the whole run or is a module import.

    Imports are start-up cost, which the tables give separately.
    """
    wrappers = ("builtins.exec", "<frozen runpy>", "<string>:1", "cli.py", "(<module>)")
    imports = ("<frozen importlib", "builtins.__import__")
    return any(part in label for part in (*wrappers, *imports))


def read_notes(path: Path) -> str:
    """Return the hand-written ``## Notes`` section of an existing results file, or ``""``."""
    if not path.is_file():
        return ""
    text = path.read_text(encoding="utf-8")
    start = text.find(f"\n{NOTES_HEADING}\n")
    return text[start + 1 :].rstrip() + "\n" if start >= 0 else ""


def results_markdown(
    *,
    command: str,
    elapsed: float,
    tables: Sequence[Table],
    targets: Sequence[TargetCheck],
    notes: str,
    load_at_start: str,
) -> str:
    """Build the whole RESULTS.md text."""
    finished = dt.datetime.now().astimezone().isoformat(timespec="minutes")
    facts = machine_facts()
    facts.insert(3, ("Load average (1 min) at start, at end", f"{load_at_start}, {load_average()}"))
    machine = markdown_table(("item", "value"), [[name, value] for name, value in facts])
    target_rows = [[check.target, check.measured, check.verdict] for check in targets]
    profiles = [check.profile for check in targets if check.profile]
    parts = [
        "# Benchmark results",
        "",
        f"Produced by `{command}`, which finished on {finished} after {elapsed / 60:.1f} minutes. "
        "benchmarks/README.md explains each figure.",
        "",
        "## Machine",
        "",
        machine,
        "",
        "## Targets",
        "",
        markdown_table(("target", "measured", "verdict"), target_rows),
        "",
        *(f"{table.markdown()}\n" for table in tables),
    ]
    if profiles:
        parts += ["## Profiles of the stages that miss a target", "", *(f"{p}\n" for p in profiles)]
    if notes:
        parts.append(notes)
    return "\n".join(parts).rstrip() + "\n"
