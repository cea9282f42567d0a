"""The plan of sizes, the data folder and the commands that every benchmark stage shares.

Every measured command runs in its own process (see measure.py). Where several commands
are compared, their repetitions are interleaved, so that a slow spell of a noisy machine
affects both sides of a ratio alike, and the median of the repetitions is reported.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generate import PROFILE_PATH
from measure import (
    DEMO_CLIENT_CODE,
    FakeServerProcess,
    command_has_option,
    importer_command,
    run_process,
)
from report import Table, TargetCheck, profile_markdown


@dataclass(frozen=True, slots=True)
class Plan:
    """File sizes, repetitions and push settings of one benchmark run.

    A comparison is repeated up to ``repeats`` times, but a new repetition starts only
    while the comparison has taken less than ``repeat_budget`` seconds, so that a slow
    importer cannot stretch the run far past its time limit.
    """

    read_rows: int
    memory_rows: int
    push_rows: int
    push_memory_rows: int
    sequential_rows: int
    profile_read_rows: int
    profile_push_rows: int
    repeats: int = 3
    repeat_budget: float = 90.0
    concurrency: int = 32
    latency_ms: float = 20.0

    @property
    def theoretical_rate(self) -> float:
        """Rows per second if every request took exactly the server's latency."""
        return self.concurrency / (self.latency_ms / 1000)

    def repetitions(self) -> Iterator[int]:
        """Yield repetition numbers from 1 while the count and time budgets allow."""
        started = time.monotonic()
        for number in range(1, self.repeats + 1):
            if number > 1 and time.monotonic() - started >= self.repeat_budget:
                return
            yield number


FULL_PLAN = Plan(
    read_rows=100_000,
    memory_rows=1_000_000,
    push_rows=20_000,
    push_memory_rows=100_000,
    sequential_rows=500,
    profile_read_rows=10_000,
    profile_push_rows=2_000,
)
QUICK_PLAN = Plan(
    read_rows=10_000,
    memory_rows=100_000,
    push_rows=2_000,
    push_memory_rows=10_000,
    sequential_rows=100,
    profile_read_rows=10_000,
    profile_push_rows=2_000,
    repeat_budget=20.0,
)


@dataclass(slots=True)
class Context:
    """The plan, the data folder, what the installed importer supports, and a progress log.

    ``builtin_latency`` is true when ``opscom-import fake-server`` takes ``--latency-ms``, and
    ``state_dir`` when ``opscom-import run`` takes ``--state-dir`` (the run journal).
    """

    plan: Plan
    data: Path
    log: Callable[[str], None]
    builtin_latency: bool = False
    state_dir: bool = False

    @classmethod
    def detect(cls, plan: Plan, data: Path, log: Callable[[str], None]) -> Context:
        """Build the context, asking the installed importer which options it has."""
        return cls(
            plan,
            data,
            log,
            builtin_latency=command_has_option("fake-server", "--latency-ms"),
            state_dir=command_has_option("run", "--state-dir"),
        )

    def server(self) -> FakeServerProcess:
        """Return a new fake server (not started) with the plan's latency."""
        return FakeServerProcess(self.plan.latency_ms, builtin_latency=self.builtin_latency)

    def push_command(
        self, path: Path, results: Path, server: FakeServerProcess, state: Path
    ) -> list[str]:
        """Return ``opscom-import run`` pushing ``path`` to ``server`` at the plan's concurrency.

        ``state`` is the run journal's folder when the importer has one. Pass a new folder
        to push every row; the journal's default folder is never used, so the benchmark
        leaves nothing in the user's home.
        """
        command = [
            *importer_command(),
            "run",
            str(path),
            "--mapping",
            str(PROFILE_PATH),
            "--results",
            str(results),
            "--base-url",
            server.base_url,
            "--client-code",
            DEMO_CLIENT_CODE,
            "--concurrency",
            str(self.plan.concurrency),
        ]
        if self.state_dir:
            command += ["--state-dir", str(state)]
        return command


@dataclass(slots=True)
class StageResult:
    """The tables a stage fills in and the targets it checks."""

    tables: list[Table] = field(default_factory=list)
    targets: list[TargetCheck] = field(default_factory=list)


def validate_command(path: Path, results: Path) -> list[str]:
    """Return ``opscom-import validate`` of a generated file; ``results`` sets the format."""
    return [
        *importer_command(),
        "validate",
        str(path),
        "--mapping",
        str(PROFILE_PATH),
        "--results",
        str(results),
    ]


def profile_command(
    command: Sequence[str], output: Path, title: str, *, env: dict[str, str] | None = None
) -> str:
    """Run an ``opscom-import`` command under cProfile and return the profile as Markdown."""
    arguments = command[len(importer_command()) :]
    profiled = [sys.executable, "-m", "cProfile", "-o", str(output), "-m", "importer.cli"]
    run_process([*profiled, *arguments], env=env, ok_codes=(0, 1))
    return profile_markdown(output, title)
