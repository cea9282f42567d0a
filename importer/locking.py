"""One run at a time per target and state directory, with ``fcntl.flock`` on a lock file.

The kernel releases a ``flock`` when its process ends, however it ends, so a lock can never
outlive its run. The file also contains the holder's process id, start time, host and command as
JSON: a second run that finds the lock held names the first one in its error (exit 4), and a
run that takes a lock whose file still names a holder knows that the holder ended without
releasing it (killed, or the machine stopped) and logs a warning. The file itself is never
deleted, because deleting a lock file lets two processes lock two different files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import shlex
import socket
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType

from importer.config import Target
from importer.errors import LockHeldError, UsageError
from importer.journal import target_slug

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LockHolder:
    """The run that holds (or last held) a lock, as written in the lock file."""

    pid: int
    started_at: str
    host: str = ""
    command: str = ""

    def describe(self) -> str:
        on_host = f" on {self.host}" if self.host and self.host != socket.gethostname() else ""
        return f"process {self.pid}{on_host}, started {self.started_at}"


def lock_path(state_dir: Path, target: Target) -> Path:
    return state_dir / f"{target_slug(target)}.lock"


class TargetLock:
    """An exclusive lock for one target in one state directory; use it with ``with``."""

    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self.label = label
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock at once, or raise ``LockHeldError`` naming the run that holds it."""
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = read_holder(fd)
            os.close(fd)
            raise LockHeldError(self._held_message(holder)) from None
        previous = read_holder(fd)
        if previous is not None:
            logger.warning(
                "took over the lock of %s: %s ended without releasing it (killed, or the "
                "machine stopped); lock file %s",
                self.label,
                previous.describe(),
                self.path,
            )
        write_holder(fd, current_holder())
        self._fd = fd

    def release(self) -> None:
        """Clear the holder from the file and release the lock."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _open(self) -> int:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise UsageError(
                f"cannot open the lock file {self.path} ({exc.strerror}); pass --state-dir "
                "with a writable folder or set OPSCOM_STATE_DIR."
            ) from exc

    def _held_message(self, holder: LockHolder | None) -> str:
        described = holder.describe() if holder is not None else "a process still starting"
        command = f" ({holder.command})" if holder is not None and holder.command else ""
        return (
            f"another run against {self.label} is in progress: {described}{command}. Wait for it "
            f"to finish, or stop that process; lock file {self.path}."
        )

    def __enter__(self) -> TargetLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def current_holder() -> LockHolder:
    return LockHolder(
        pid=os.getpid(),
        started_at=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        host=socket.gethostname(),
        command=shlex.join(["opscom-import", *sys.argv[1:]]),
    )


def read_holder(fd: int) -> LockHolder | None:
    """Return the holder written in the lock file, or ``None`` if it is empty or unreadable."""
    raw = os.pread(fd, 64 * 1024, 0)
    try:
        document = json.loads(raw)
        return LockHolder(
            pid=int(document["pid"]),
            started_at=str(document["started_at"]),
            host=str(document.get("host", "")),
            command=str(document.get("command", "")),
        )
    except (ValueError, TypeError, KeyError):
        return None


def write_holder(fd: int, holder: LockHolder) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(asdict(holder)).encode(), 0)


@contextlib.contextmanager
def run_lock(state_dir: Path | None, target: Target | None) -> Iterator[None]:
    """Hold the target's lock in ``state_dir`` for the block; without either, lock nothing."""
    if state_dir is None or target is None:
        yield
        return
    with TargetLock(lock_path(state_dir, target), target.label):
        yield
