"""A real run killed with SIGKILL halfway, then run again: every vehicle once, none lost.

The runs are subprocesses of ``python -m importer.cli`` against the fake server on 127.0.0.1,
slowed down by a latency middleware so that the kill lands in the middle of the pushes.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import openpyxl
from aiohttp import web

from importer.fake_server import (
    DEMO_CLIENT_CODE,
    DEMO_TOKEN,
    FakeState,
    RunningServer,
    make_app,
)

PROFILE = """\
fields:
  plate: Plate
  plateType: {value: Passenger}
  prov: Prov
  make: Make
"""
ROWS = 400
CONCURRENCY = 4
LATENCY_SECONDS = 0.02
INVALID_ROWS = (57, 230)  # these data rows have no plate

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@contextlib.contextmanager
def slow_server(latency: float) -> Iterator[RunningServer]:
    """Run the fake server on a free port of 127.0.0.1, responding to each push ``latency`` late."""
    state = FakeState()
    app = make_app(state)

    # The push is stored first and the response sent after the delay, as a slow server does,
    # so a client killed while waiting has sent a vehicle that it never hears about.
    @web.middleware
    async def delay(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if request.method == "POST":
            await asyncio.sleep(latency)
        return response

    app.middlewares.append(delay)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, name="slow-fake-opscom", daemon=True)
    thread.start()
    try:
        yield RunningServer(state, f"http://127.0.0.1:{port}")
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.run_until_complete(runner.cleanup())
        loop.close()


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll ``condition`` every 10 ms until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the run"
        time.sleep(0.01)


def run_env(server: RunningServer) -> dict[str, str]:
    return {
        **os.environ,
        "OPSCOM_BASE_URL": server.base_url,
        "OPSCOM_CLIENT_CODE": DEMO_CLIENT_CODE,
        "OPSCOM_API_TOKEN": DEMO_TOKEN,
    }


def write_fleet(folder: Path, rows: int, invalid: tuple[int, ...] = ()) -> tuple[Path, Path]:
    """Write a fleet CSV of ``rows`` vehicles and its profile; return both paths."""
    source = folder / "fleet.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Plate", "Prov", "Make"])
        for number in range(1, rows + 1):
            plate = "" if number in invalid else f"KIL{number:04d}"
            writer.writerow([plate, "QC", "Toyota"])
    profile = folder / "fleet.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    return source, profile


def run_command(
    source: Path, profile: Path, state: Path, results: Path, concurrency: int = CONCURRENCY
) -> list[str]:
    """Return the ``opscom-import run`` command line, run with this interpreter."""
    return [
        sys.executable,
        "-m",
        "importer.cli",
        "run",
        str(source),
        "--mapping",
        str(profile),
        "--state-dir",
        str(state),
        "--concurrency",
        str(concurrency),
        "--results",
        str(results),
    ]


def results_column(path: Path, title: str) -> list[object]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = list(workbook["Results"].iter_rows(values_only=True))
    workbook.close()
    column = rows[0].index(title)
    return [row[column] for row in rows[1:]]


def summary_notes(path: Path) -> list[str]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    cells = [
        str(value)
        for row in workbook["Summary"].iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    workbook.close()
    return cells


def test_killed_run_resumes(tmp_path: Path) -> None:
    source, profile = write_fleet(tmp_path, ROWS, INVALID_ROWS)
    valid_plates = {f"KIL{n:04d}" for n in range(1, ROWS + 1) if n not in INVALID_ROWS}
    state = tmp_path / "state"
    first_results = tmp_path / "first.results.xlsx"
    second_results = tmp_path / "second.results.xlsx"
    with slow_server(LATENCY_SECONDS) as server:
        first = subprocess.Popen(
            run_command(source, profile, state, first_results),
            env=run_env(server),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: len(server.state.requests) >= ROWS // 2)
        first.kill()
        first.wait(timeout=30)
        sent_before = len(server.state.requests)
        second = subprocess.run(
            run_command(source, profile, state, second_results),
            env=run_env(server),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        requests = list(server.state.requests)
        stored = {vehicle["plate"] for vehicle in server.state.vehicles}

    assert first.returncode == -9
    assert not first_results.exists()
    assert second.returncode == 1, second.stderr
    assert stored == valid_plates

    sends = Counter(request["payload"]["plate"] for request in requests)
    sent_twice = sorted(plate for plate, count in sends.items() if count == 2)
    assert max(sends.values()) <= 2
    assert len(sent_twice) <= CONCURRENCY
    repeats = [r for r in requests[sent_before:] if r["payload"]["plate"] in sent_twice]
    assert {r["answer"].get("ErrorCode") for r in repeats} <= {9012}

    statuses = results_column(second_results, "Status")
    counts = Counter(statuses)
    assert results_column(second_results, "Row") == list(range(2, ROWS + 2))
    assert counts["invalid"] == len(INVALID_ROWS)
    assert counts["exists"] == len(repeats)
    assert counts["unchanged"] + counts["pushed"] + counts["exists"] == len(valid_plates)
    assert len(requests) - sent_before == counts["pushed"] + counts["exists"]
    assert counts["unchanged"] >= ROWS // 2 - CONCURRENCY
    assert any(
        note.startswith("Run 1 (process ") and "did not finish" in note
        for note in summary_notes(second_results)
    )
