"""Run one measured process, or a fake OPS-COM server process, and read their figures.

Each measured command runs in its own process so that its peak memory (max RSS) and CPU
time (user + system) belong to it alone: ``os.wait4`` returns the resource usage of exactly
that child. The fake server runs in another process, and its CPU time is read from
``/proc/<pid>/stat`` (Linux only; elsewhere it shows as unknown).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEMO_CLIENT_CODE = "OC_DEMO"
DEMO_TOKEN = "demo-token-0000"  # the fake server's public demo token


class MeasurementError(Exception):
    """A measured command failed or timed out; the message names it and shows its stderr."""


@dataclass(frozen=True, slots=True)
class ProcessFigures:
    """Costs of one finished process (wall time, CPU time, peak memory) and its output."""

    command: tuple[str, ...]
    exit_code: int
    wall_seconds: float
    user_seconds: float
    system_seconds: float
    max_rss_bytes: int
    stdout: str
    stderr: str

    @property
    def cpu_seconds(self) -> float:
        return self.user_seconds + self.system_seconds


def importer_command() -> list[str]:
    """Return the ``opscom-import`` command of the running interpreter's environment."""
    script = Path(sys.executable).with_name("opscom-import")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "importer.cli"]


def max_rss_bytes(ru_maxrss: int) -> int:
    """Convert ``ru_maxrss`` to bytes: Linux reports KiB, macOS bytes."""
    return ru_maxrss if sys.platform == "darwin" else ru_maxrss * 1024


def run_process(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 900.0,
    ok_codes: Sequence[int] = (0,),
) -> ProcessFigures:
    """Run ``command`` to completion and return its figures; raise ``MeasurementError`` if it
    exits with a code outside ``ok_codes`` or runs longer than ``timeout`` seconds."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        watchdog = threading.Timer(timeout, process.kill)
        watchdog.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            watchdog.cancel()
        wall = time.perf_counter() - started
        # wait4 reaped the child, so tell Popen its exit code instead of letting it wait.
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        figures = ProcessFigures(
            command=tuple(command),
            exit_code=process.returncode,
            wall_seconds=wall,
            user_seconds=usage.ru_utime,
            system_seconds=usage.ru_stime,
            max_rss_bytes=max_rss_bytes(usage.ru_maxrss),
            stdout=out.read().decode("utf-8", errors="replace"),
            stderr=err.read().decode("utf-8", errors="replace"),
        )
    if figures.exit_code not in ok_codes:
        raise MeasurementError(describe_failure(figures, timeout))
    return figures


def describe_failure(figures: ProcessFigures, timeout: float) -> str:
    """Say which command failed and how, with the last lines of its error output."""
    if figures.wall_seconds >= timeout:
        reason = f"was stopped after the {timeout:.0f} s time limit"
    else:
        reason = f"exited with code {figures.exit_code}"
    tail = "\n".join(figures.stderr.strip().splitlines()[-8:]) or "(no error output)"
    return f"{' '.join(figures.command)} {reason}:\n{tail}"


def parse_proc_stat(text: str, ticks_per_second: float) -> float:
    """Return user + system CPU seconds from the text of ``/proc/<pid>/stat``.

    The command name in field 2 may contain spaces and brackets, so the fields are
    counted from the last ``)``: utime and stime are the 12th and 13th after it.
    """
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / ticks_per_second


def process_cpu_seconds(pid: int) -> float | None:
    """Return the CPU seconds a running process has used, or ``None`` where unknown."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    return parse_proc_stat(text, os.sysconf("SC_CLK_TCK"))


def parse_baseline_report(stdout: str) -> dict[str, Any]:
    """Return the JSON report that ``baseline_aiohttp.py`` prints as its last line."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        raise MeasurementError("the baseline sender printed no report")
    report: dict[str, Any] = json.loads(lines[-1])
    return report


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def command_has_option(subcommand: str, option: str) -> bool:
    """Return whether ``opscom-import SUBCOMMAND --help`` lists ``option``.

    Other options of the importer are still being added, so the benchmarks check for the
    ones they can use instead of assuming them.
    """
    figures = run_process([*importer_command(), subcommand, "--help"], timeout=60)
    return option in figures.stdout


class FakeServerProcess:
    """The fake OPS-COM in its own process on a free port of 127.0.0.1; use with ``with``.

    It is started with ``opscom-import fake-server --latency-ms`` when that option exists,
    and otherwise through ``slow_fake_server.py``, which adds the same delay.
    """

    def __init__(self, latency_ms: float, *, builtin_latency: bool) -> None:
        self.latency_ms = latency_ms
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.push_url = f"{self.base_url}/api/{DEMO_CLIENT_CODE}/v1/vehicles/push"
        if builtin_latency:
            self.command = [*importer_command(), "fake-server", "--port", str(self.port)]
            self.command += ["--latency-ms", f"{latency_ms:g}"]
        else:
            script = str(HERE / "slow_fake_server.py")
            self.command = [sys.executable, script, "--port", str(self.port)]
            self.command += ["--latency-ms", f"{latency_ms:g}"]
        self._stack = contextlib.ExitStack()
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> FakeServerProcess:
        self._log = self._stack.enter_context(tempfile.TemporaryFile())
        self._process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=self._log)
        self._stack.callback(self._stop, self._process)
        try:
            self._wait_until_ready(timeout=30)
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    @staticmethod
    def _stop(process: subprocess.Popen[bytes]) -> None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                self._log.seek(0)
                tail = self._log.read().decode("utf-8", errors="replace")[-2000:]
                raise MeasurementError(f"the fake server exited at start:\n{tail}")
            with contextlib.suppress(OSError):
                self._get("/_fake/vehicles")
                return
            time.sleep(0.1)
        raise MeasurementError(f"the fake server did not respond within {timeout:.0f} s")

    def _get(self, path: str) -> Any:
        with urllib.request.urlopen(self.base_url + path, timeout=60) as response:
            return json.loads(response.read())

    def cpu_seconds(self) -> float | None:
        """Return the CPU seconds the server process has used so far, or ``None``."""
        assert self._process is not None
        return process_cpu_seconds(self._process.pid)

    def requests(self) -> list[dict[str, Any]]:
        """Return every request the server received, as ``GET /_fake/requests`` lists them."""
        requests: list[dict[str, Any]] = self._get("/_fake/requests")
        return requests


def push_span_seconds(requests: Sequence[Mapping[str, Any]]) -> float | None:
    """Return the seconds between the first and the last request the server logged.

    ``None`` when there are fewer than two requests or the log has no ``time`` fields.
    """
    times = [entry["time"] for entry in requests if isinstance(entry.get("time"), int | float)]
    if len(times) < 2 or len(times) != len(requests):
        return None
    return max(times) - min(times)


def environment_with_token() -> dict[str, str]:
    """Return this process's environment plus the fake server's demo token."""
    return {**os.environ, "OPSCOM_API_TOKEN": DEMO_TOKEN}


@contextlib.contextmanager
def temporary_folder(prefix: str) -> Iterator[Path]:
    """Yield a new temporary folder and remove it afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        yield Path(folder)
