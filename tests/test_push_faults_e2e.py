"""Whole runs against the fake server on 127.0.0.1 with injected faults, a wrong token, a wrong
URL and signals: every row ends with the right status and the server's record agrees."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from importer import cli
from importer.client import TransportName
from importer.config import Secret, Target
from importer.errors import ExitCode
from importer.fake_faults import Faults
from importer.fake_server import (
    DEMO_CLIENT_CODE,
    DEMO_TOKEN,
    FakeState,
    RunningServer,
    answer_push,
    running_server,
)
from importer.records import Status
from importer.runner import RunOptions, run_import

PROFILE = """\
fields:
  plate: Plate
  plateType: {value: Passenger}
  prov: Prov
  make: Make
"""
ALL_FAULTS = Faults(
    fail_rate=0.04,
    throttle_rate=0.04,
    drop_rate=0.04,
    error_200_rate=0.04,
    html_rate=0.04,
    retry_after=0,
    seed=11,
)


def _fleet(folder: Path, rows: int) -> tuple[Path, Path]:
    source = folder / "fleet.csv"
    lines = ["Plate,Prov,Make", *(f"F{number:04d},ON,Ford" for number in range(rows))]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    profile = folder / "fleet.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    return source, profile


def _statuses(results: Path) -> list[str]:
    workbook = openpyxl.load_workbook(results, read_only=True)
    rows = list(workbook["Results"].iter_rows(values_only=True))
    workbook.close()
    column = rows[0].index("Status")
    return [str(row[column]) for row in rows[1:]]


def _stored_per_plate(state: FakeState) -> Counter[str]:
    return Counter(entry["payload"]["plate"] for entry in state.requests if entry.get("stored"))


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_faults_every_row_pushed_once(tmp_path: Path, transport: TransportName) -> None:
    source, profile = _fleet(tmp_path, 200)
    state = FakeState(faults=ALL_FAULTS)
    existing = [f"F{number:04d}" for number in range(0, 200, 20)]
    for plate in existing:
        vehicle = {"plate": plate, "plateType": "Passenger", "prov": "ON", "apiToken": DEMO_TOKEN}
        answer_push(state, DEMO_CLIENT_CODE, vehicle)
    with running_server(state) as server:
        target = Target(server.base_url, DEMO_CLIENT_CODE, Secret(DEMO_TOKEN))
        options = RunOptions(input_path=source, profile_path=profile, transport=transport)
        outcome = run_import(options, target)

    faults_seen = Counter(entry["fault"] for entry in state.requests)
    assert set(faults_seen) == {"none", "fail", "throttle", "drop", "error-200", "html"}
    assert faults_seen["none"] < 0.85 * sum(faults_seen.values())

    by_plate = {result.payload["plate"]: result for result in outcome.results}
    for plate, result in by_plate.items():
        expected = Status.EXISTS if plate in existing else Status.PUSHED
        assert result.status is expected, (plate, result.errors)

    stored = Counter(vehicle["plate"] for vehicle in state.vehicles)
    assert set(stored.values()) == {1}
    assert len(stored) == 200
    assert _stored_per_plate(state) == Counter(
        {plate: 1 for plate in by_plate if plate not in existing}
    )

    lost = [result for result in outcome.results if "lost-answer" in result.warning_codes]
    assert lost
    assert all(result.status is Status.PUSHED for result in lost)
    assert all(result.attempts >= 2 for result in lost)
    assert outcome.exit_code is ExitCode.OK


def test_faults_rows_record_attempts(tmp_path: Path) -> None:
    source, profile = _fleet(tmp_path, 60)
    state = FakeState(faults=ALL_FAULTS)
    with running_server(state) as server:
        target = Target(server.base_url, DEMO_CLIENT_CODE, Secret(DEMO_TOKEN))
        outcome = run_import(RunOptions(input_path=source, profile_path=profile), target)
    sent = Counter(entry["payload"]["plate"] for entry in state.requests)
    for result in outcome.results:
        assert result.attempts == sent[result.payload["plate"]]
        assert result.http_status in (200, 409)
        assert result.finished_at


def test_faults_log_one_line_per_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source, profile = _fleet(tmp_path, 60)
    state = FakeState(faults=ALL_FAULTS)
    log_file = tmp_path / "run.log"
    with running_server(state) as server:
        _cli_env(monkeypatch, server, DEMO_TOKEN)
        arguments = ["run", str(source), "-m", str(profile), "--log-file", str(log_file)]
        assert cli.main([*arguments, "--state-dir", str(tmp_path / "state")]) == 0
    capsys.readouterr()
    lines = [line.split(" ", 2)[2] for line in log_file.read_text(encoding="utf-8").splitlines()]
    retries = [line for line in lines if line.startswith("INFO importer.retry_log: Row ")]
    summaries = [line for line in lines if line.startswith("WARNING importer.retry_log: ")]
    requests = len(state.requests)

    assert [line for line in lines if " stamina" in line] == []
    assert len(retries) == requests - 60
    assert len(summaries) == 1
    assert summaries[0].startswith(
        f"WARNING importer.retry_log: {requests - 60} retries for 60 rows ({requests} requests): "
    )


def _cli_env(monkeypatch: pytest.MonkeyPatch, server: RunningServer, token: str) -> None:
    monkeypatch.setenv("OPSCOM_BASE_URL", server.base_url)
    monkeypatch.setenv("OPSCOM_CLIENT_CODE", DEMO_CLIENT_CODE)
    monkeypatch.setenv("OPSCOM_API_TOKEN", token)
    monkeypatch.delenv("OPSCOM_API_TOKEN_FILE", raising=False)


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_wrong_token_one_request_exit_3(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fake_server: RunningServer,
    transport: str,
) -> None:
    source, profile = _fleet(tmp_path, 50)
    _cli_env(monkeypatch, fake_server, "wrong-token")
    monkeypatch.setenv("OPSCOM_STATE_DIR", str(tmp_path / "state"))
    results = tmp_path / "out.xlsx"
    options = ["--results", str(results), "--concurrency", "8", "--transport", transport]
    code = cli.main(["run", str(source), "-m", str(profile), *options])
    assert code == 3
    assert len(fake_server.state.requests) == 1
    assert fake_server.state.vehicles == []
    error = capsys.readouterr().err
    assert "the server answered error 9002" in error
    assert "OPSCOM_API_TOKEN" in error
    assert _statuses(results) == ["failed"] + ["not attempted"] * 49


def test_wrong_url_stops_after_ten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source, profile = _fleet(tmp_path, 100)
    with running_server() as server:
        monkeypatch.setenv("OPSCOM_BASE_URL", f"{server.base_url}/wrong-prefix")
        monkeypatch.setenv("OPSCOM_CLIENT_CODE", DEMO_CLIENT_CODE)
        monkeypatch.setenv("OPSCOM_API_TOKEN", DEMO_TOKEN)
        monkeypatch.setenv("OPSCOM_STATE_DIR", str(tmp_path / "state"))
        results = tmp_path / "out.xlsx"
        code = cli.main(["run", str(source), "-m", str(profile), "--results", str(results)])
    assert code == 3
    assert "stopped early: 10 of the first 10 rows failed the same way (HTTP 404" in (
        capsys.readouterr().err
    )
    assert _statuses(results) == ["failed"] * 10 + ["not attempted"] * 90


@pytest.mark.parametrize(("signum", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_writes_results(tmp_path: Path, signum: signal.Signals, exit_code: int) -> None:
    source, profile = _fleet(tmp_path, 400)
    state = FakeState(faults=Faults(latency_ms=40))
    results = tmp_path / "out.xlsx"
    with running_server(state) as server:
        env = {
            **os.environ,
            "OPSCOM_BASE_URL": server.base_url,
            "OPSCOM_CLIENT_CODE": DEMO_CLIENT_CODE,
            "OPSCOM_API_TOKEN": DEMO_TOKEN,
            "OPSCOM_STATE_DIR": str(tmp_path / "state"),
        }
        command = [sys.executable, "-m", "importer.cli", "run", str(source), "-m", str(profile)]
        command += ["--results", str(results), "--concurrency", "2"]
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        while len(state.requests) < 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
        sent = len(state.requests)
    assert process.returncode == exit_code, stderr
    statuses = _statuses(results)
    assert set(statuses) == {"pushed", "not attempted"}
    assert statuses.count("pushed") == len(state.vehicles) == sent
    assert statuses.index("not attempted") == statuses.count("pushed")
    assert f"interrupted by {signum.name}" in stderr
