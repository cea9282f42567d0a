"""Signals that arrive while the results are written, in whole runs against the fake server on
127.0.0.1: the first is held until the results file is complete, the next abandons it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from importer import cli
from importer.fake_faults import Faults
from importer.fake_server import (
    DEMO_CLIENT_CODE,
    DEMO_TOKEN,
    FakeState,
    RunningServer,
    running_server,
)
from importer.records import RunSummary
from importer.results import ResultsWriter

ROWS = 20

#: Run in a child process: each results file raises SIGINT once as it is being completed.
SIGNALLING_WRITER = """\
import signal, sys
from importer import cli
from importer.results import ResultsWriter
finish = ResultsWriter.finish
def signalling_finish(self, summary):
    signal.raise_signal(signal.SIGINT)
    return finish(self, summary)
ResultsWriter.finish = signalling_finish
sys.exit(cli.main(sys.argv[1:]))
"""


def _fleet(folder: Path, rows: int = ROWS) -> Path:
    source = folder / "fleet.csv"
    lines = ["Plate,Prov,Plate Type", *(f"S{number:04d},ON,Passenger" for number in range(rows))]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return source


def _statuses(results: Path) -> list[str]:
    workbook = openpyxl.load_workbook(results, read_only=True)
    rows = list(workbook["Results"].iter_rows(values_only=True))
    workbook.close()
    column = rows[0].index("Status")
    return [str(row[column]) for row in rows[1:]]


def _signalling_finish(monkeypatch: pytest.MonkeyPatch, signums: list[signal.Signals]) -> None:
    """Make ``ResultsWriter.finish`` receive ``signums`` before it completes the file."""
    finish: Callable[[ResultsWriter, RunSummary], Path] = ResultsWriter.finish

    def signalling_finish(self: ResultsWriter, summary: RunSummary) -> Path:
        for signum in signums:
            signal.raise_signal(signum)
        return finish(self, summary)

    monkeypatch.setattr(ResultsWriter, "finish", signalling_finish)


def _run(folder: Path, server: RunningServer, *extra: str) -> int:
    return cli.main(
        [
            "-q",
            "run",
            str(_fleet(folder)),
            "--results",
            str(folder / "out.xlsx"),
            "--base-url",
            server.base_url,
            "--client-code",
            DEMO_CLIENT_CODE,
            "--state-dir",
            str(folder / "state"),
            *extra,
        ]
    )


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSCOM_API_TOKEN", DEMO_TOKEN)


@pytest.mark.usefixtures("token")
@pytest.mark.parametrize(("signum", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_while_writing_exit_code(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_server: RunningServer,
    signum: signal.Signals,
    exit_code: int,
) -> None:
    _signalling_finish(monkeypatch, [signum])
    assert _run(tmp_path, fake_server) == exit_code


@pytest.mark.usefixtures("token")
def test_signal_while_writing_keeps_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_server: RunningServer
) -> None:
    _signalling_finish(monkeypatch, [signal.SIGINT])
    _run(tmp_path, fake_server)
    assert _statuses(tmp_path / "out.xlsx") == ["pushed"] * ROWS


@pytest.mark.usefixtures("token")
def test_signal_while_writing_says_so(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_server: RunningServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _signalling_finish(monkeypatch, [signal.SIGINT])
    _run(tmp_path, fake_server)
    assert capsys.readouterr().err.splitlines()[-1] == (
        "error: interrupted by SIGINT while the results were being written, "
        "so they were completed first."
    )


@pytest.mark.usefixtures("token")
def test_second_signal_while_writing_abandons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_server: RunningServer
) -> None:
    _signalling_finish(monkeypatch, [signal.SIGINT, signal.SIGINT])
    assert _run(tmp_path, fake_server) == 130
    assert sorted(path.name for path in tmp_path.iterdir()) == ["fleet.csv", "state"]


@pytest.mark.usefixtures("token")
def test_dry_run_does_not_hold_signals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_server: RunningServer
) -> None:
    _signalling_finish(monkeypatch, [signal.SIGINT])
    assert _run(tmp_path, fake_server, "--dry-run") == 130
    assert sorted(path.name for path in tmp_path.iterdir()) == ["fleet.csv"]


def test_signals_during_push_and_writing(tmp_path: Path) -> None:
    """A first Ctrl-C during the push and a second while the results are written."""
    source = _fleet(tmp_path, 400)
    results = tmp_path / "out.xlsx"
    state = FakeState(faults=Faults(latency_ms=40))
    with running_server(state) as server:
        env = {
            **os.environ,
            "OPSCOM_BASE_URL": server.base_url,
            "OPSCOM_CLIENT_CODE": DEMO_CLIENT_CODE,
            "OPSCOM_API_TOKEN": DEMO_TOKEN,
            "OPSCOM_STATE_DIR": str(tmp_path / "state"),
        }
        command = [sys.executable, "-c", SIGNALLING_WRITER, "run", str(source)]
        command += ["--results", str(results), "--concurrency", "2"]
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        while len(state.requests) < 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        stored = len(state.vehicles)
    assert process.returncode == 130, stderr
    statuses = _statuses(results)
    assert statuses.count("pushed") == stored
    assert statuses.count("not attempted") == 400 - stored
    assert "Press Ctrl-C again to abandon them." in stderr
