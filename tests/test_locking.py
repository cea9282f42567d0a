"""The per-target lock: one run at a time, a clear exit 4, stale locks taken over."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from importer import cli
from importer.config import Secret, Target
from importer.errors import ExitCode, LockHeldError, UsageError
from importer.journal import target_slug
from importer.locking import LockHolder, TargetLock, lock_path, run_lock
from tests.test_resume_e2e import (
    results_column,
    run_command,
    run_env,
    slow_server,
    wait_until,
    write_fleet,
)

TARGET = Target("https://controller.example.test", "OC_TOMA", Secret("token-not-in-lock"))
LABEL = TARGET.label


def test_lock_path_per_target(tmp_path: Path) -> None:
    assert lock_path(tmp_path, TARGET) == tmp_path / f"{target_slug(TARGET)}.lock"


def test_second_lock_raises(tmp_path: Path) -> None:
    path = tmp_path / "t.lock"
    with TargetLock(path, LABEL), pytest.raises(LockHeldError) as caught:
        TargetLock(path, LABEL).acquire()
    assert caught.value.exit_code is ExitCode.LOCKED


def test_held_message_names_holder(tmp_path: Path) -> None:
    path = tmp_path / "t.lock"
    with TargetLock(path, LABEL), pytest.raises(LockHeldError) as caught:
        TargetLock(path, LABEL).acquire()
    pattern = (
        rf"another run against {re.escape(LABEL)} is in progress: process {os.getpid()}, "
        r"started \S+ \(opscom-import.*\)\. Wait for it to finish, or stop that process; "
        rf"lock file {re.escape(str(path))}\."
    )
    assert re.fullmatch(pattern, str(caught.value))


def test_holder_written_while_held(tmp_path: Path) -> None:
    path = tmp_path / "t.lock"
    with TargetLock(path, LABEL):
        holder = json.loads(path.read_text(encoding="utf-8"))
    assert holder["pid"] == os.getpid()
    assert sorted(holder) == ["command", "host", "pid", "started_at"]


def test_release_clears_file(tmp_path: Path) -> None:
    path = tmp_path / "t.lock"
    with TargetLock(path, LABEL):
        pass
    assert path.read_bytes() == b""


def test_lock_again_after_release(tmp_path: Path) -> None:
    path = tmp_path / "t.lock"
    with TargetLock(path, LABEL):
        pass
    with TargetLock(path, LABEL) as again:
        assert again.path == path


def test_stale_lock_taken_over(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "t.lock"
    stale = LockHolder(999_999_999, "2026-05-01T02:00:00+00:00", "", "opscom-import run x.csv")
    path.write_text(json.dumps(dataclasses.asdict(stale)), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="importer.locking"), TargetLock(path, LABEL):
        holder = json.loads(path.read_text(encoding="utf-8"))
    assert caplog.messages == [
        f"took over the lock of {LABEL}: process 999999999, started 2026-05-01T02:00:00+00:00 "
        f"ended without releasing it (killed, or the machine stopped); lock file {path}"
    ]
    assert holder["pid"] == os.getpid()


def test_garbage_lock_file_taken_silently(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "t.lock"
    path.write_text("not json", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="importer.locking"), TargetLock(path, LABEL):
        pass
    assert caplog.messages == []


HOLD_LOCK = """
import sys
from importer.locking import TargetLock
lock = TargetLock(__import__("pathlib").Path(sys.argv[1]), "the target")
lock.acquire()
print("locked", flush=True)
sys.stdin.read()
"""


def test_lock_held_by_other_process(tmp_path: Path) -> None:
    path = tmp_path / "t.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "locked\n"
    with pytest.raises(LockHeldError) as caught:
        TargetLock(path, LABEL).acquire()
    holder.communicate("", timeout=30)
    assert f"process {holder.pid}, started " in str(caught.value)


def test_dead_process_lock_taken_over(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "t.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    holder.stdout.readline()
    holder.communicate("", timeout=30)  # ends without releasing the lock
    with caplog.at_level(logging.WARNING, logger="importer.locking"), TargetLock(path, LABEL):
        pass
    assert len(caplog.messages) == 1
    assert f"process {holder.pid}, started " in caplog.messages[0]


def test_run_lock_without_state_dir(tmp_path: Path) -> None:
    with run_lock(None, TARGET):
        assert list(tmp_path.iterdir()) == []


def test_unwritable_lock_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        TargetLock(blocker / "sub" / "t.lock", LABEL).acquire()
    assert "cannot open the lock file" in str(caught.value)


def test_second_run_exits_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source, profile = write_fleet(tmp_path, 60)
    state = tmp_path / "state"
    results = tmp_path / "first.results.xlsx"
    with slow_server(0.05) as server:
        first = subprocess.Popen(
            run_command(source, profile, state, results, concurrency=2),
            env=run_env(server),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_until(lambda: len(server.state.requests) >= 4)
        for name, value in run_env(server).items():
            if name.startswith("OPSCOM_"):
                monkeypatch.setenv(name, value)
        code = cli.main(
            ["run", str(source), "-m", str(profile), "--state-dir", str(state), "--results",
             str(tmp_path / "second.results.xlsx")]
        )  # fmt: skip
        second_err = capsys.readouterr().err
        _, first_err = first.communicate(timeout=120)
        requests = httpx.get(f"{server.base_url}/_fake/requests", timeout=10).json()

    assert code == ExitCode.LOCKED
    assert second_err.startswith(
        f"error: another run against {server.base_url} (client code OC_DEMO) is in progress: "
        f"process {first.pid}, started "
    )
    assert not (tmp_path / "second.results.xlsx").exists()
    assert first.returncode == 0, first_err
    assert len(requests) == 60
    assert len({request["payload"]["plate"] for request in requests}) == 60
    assert set(results_column(results, "Status")) == {"pushed"}
