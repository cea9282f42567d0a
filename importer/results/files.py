"""Write a results file under a temporary name and rename it into place when it is complete.

An interrupted run therefore leaves either the previous file or none, never half a file.
The temporary file is created at once, beside the target, so that a folder the tool cannot
write to is reported before any row is sent.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from importer.errors import UsageError

logger = logging.getLogger(__name__)


class AtomicFile:
    """A temporary file beside ``path``; ``commit`` renames it onto ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise UsageError(
                f"{path}: cannot write the results file there ({exc.strerror}); "
                "choose another place with --results."
            ) from exc
        os.close(handle)
        self.temporary = Path(name)

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
