"""Write a results file under a temporary name and rename it into place when it is complete.

An interrupted run therefore leaves either the previous file or none, never half a file.
The temporary file is created at once, beside the target, so that a folder the tool cannot
write to is reported before any row is sent. It gets the permissions of a file created
normally under the process umask, not the owner-only ones of ``mkstemp``.

A process killed outright leaves its temporary file behind. The next write to the same path
removes such files once they are an hour old: the name does not say which process owns one,
and a run with a workbook writes nothing to its temporary file until it ends.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from pathlib import Path

from importer.errors import UsageError

logger = logging.getLogger(__name__)

#: Age in seconds after which a temporary file left beside the target is removed.
LEFTOVER_AGE = 3600
#: Permissions of a new file before the umask applies, as ``open`` uses.
NEW_FILE_MODE = 0o666


class AtomicFile:
    """A temporary file beside ``path``; ``commit`` renames it onto ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            remove_leftovers(path)
            handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise UsageError(
                f"{path}: cannot write the results file there ({exc.strerror}); "
                "choose another place with --results."
            ) from exc
        os.close(handle)
        self.temporary = Path(name)
        try:
            self.temporary.chmod(NEW_FILE_MODE & ~current_umask())
        except OSError as exc:  # some shared folders have no permissions to set
            logger.debug("kept the permissions of %s (%s)", self.temporary, exc.strerror)

    def commit(self) -> Path:
        """Rename the temporary file onto the target and return the target's path."""
        try:
            self.temporary.replace(self.path)
        except OSError as exc:
            raise UsageError(
                f"{self.path}: cannot replace the results file ({exc.strerror}); if it is "
                f"open in a spreadsheet program, close it. The new results are in {self.temporary}."
            ) from exc
        return self.path

    def discard(self) -> None:
        """Delete the temporary file, if it is still there."""
        self.temporary.unlink(missing_ok=True)


def current_umask() -> int:
    """Return the process umask, which can only be read by setting it."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def remove_leftovers(path: Path) -> None:
    """Remove the temporary files of ``path`` older than ``LEFTOVER_AGE`` seconds."""
    pattern = re.compile(re.escape(f".{path.name}.") + r"[a-z0-9_]{8}\.tmp")
    oldest = time.time() - LEFTOVER_AGE
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        if not pattern.fullmatch(leftover.name):
            continue
        try:
            if leftover.stat().st_mtime < oldest:
                leftover.unlink()
                logger.info("removed %s, left by a run that did not finish", leftover)
        except OSError as exc:  # removed meanwhile, or not ours to remove
            logger.debug("left %s in place (%s)", leftover, exc.strerror)
