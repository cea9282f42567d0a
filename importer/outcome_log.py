"""The outcome log: each push outcome written to a file at once, before the journal commits it.

The journal commits outcomes to SQLite in batches, because one commit per row costs more CPU
than sending the row. Until its batch is committed, an outcome lives in memory and in this
log, a file beside the journal database with one JSON array per line. Each line is handed to
the operating system with one ``write`` call before the row's outcome is reported, and the
operating system keeps what a process wrote when the process is killed. So a run ended by
``kill -9`` loses no outcome that it had received: the next ``Journal.open`` commits the
lines left in the log, then empties it. The log is emptied after each committed batch and
removed when the journal closes.

The log is not flushed to disk (no ``fsync``), like the journal's commits in WAL mode with
``synchronous=NORMAL``. So a power failure or an operating system crash may lose the outcomes
of the last seconds, and the next run sends those rows again, which OPS-COM rejects with error
9012 (already exists). A line cut short by such a crash is skipped when the log is read.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

#: One outcome: plate, province, plate type, payload hash, payload JSON, outcome, sent at,
#: run id, detail and error code.
OutcomeValues = tuple[str, str, str, str, str, str, str, int, str, int | None]
FIELDS = 10

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class OutcomeLog:
    """An append-only file of outcomes not yet committed to the journal database.

    The file is opened on the first ``append``, so a run that sends nothing leaves none.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def append(self, values: OutcomeValues) -> None:
        """Write one outcome as a line, in a single ``write`` call."""
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.write(self._fd, f"{_ENCODER.encode(values)}\n".encode())

    def clear(self) -> None:
        """Empty the log, once its outcomes are committed to the database."""
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
        elif self.path.exists():
            self.path.write_bytes(b"")

    def read(self) -> list[OutcomeValues]:
        """Return the outcomes in the log, oldest first, skipping lines cut short."""
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        outcomes = []
        skipped = 0
        for line in text.splitlines():
            values = _parse(line)
            if values is None:
                skipped += 1
            else:
                outcomes.append(values)
        if skipped:
            logger.warning(
                "%s: skipped %d unreadable line%s, so the next run sends those rows again",
                self.path,
                skipped,
                "" if skipped == 1 else "s",
            )
        return outcomes

    def close(self, *, remove: bool = True) -> None:
        """Close the file, and with ``remove`` delete it: only once its outcomes are committed."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if remove:
            self.path.unlink(missing_ok=True)


def _parse(line: str) -> OutcomeValues | None:
    try:
        values = json.loads(line)
    except ValueError:
        return None
    if not isinstance(values, list) or len(values) != FIELDS:
        return None
    return tuple(values)
