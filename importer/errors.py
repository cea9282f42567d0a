"""Exceptions that end a run, and the exit code each one maps to.

    ImportToolError               base: a condition the tool cannot continue past
    ├── UsageError                 bad command-line options or configuration (exit 2)
    ├── InputFileError             the fleet file cannot be read (exit 2)
    ├── MappingError               the mapping profile is invalid or does not fit the file (exit 2)
    ├── ServerConfigurationError   the server rejected the client code or the token (exit 3)
    └── LockHeldError              another run holds the lock for this target (exit 4)

A bad *row* is never an exception: it is a ``records.RowIssue`` in the results.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0
    ROWS_FAILED = 1
    USAGE = 2
    SERVER_CONFIGURATION = 3
    LOCKED = 4
    INTERRUPTED = 130
    TERMINATED = 143


class ImportToolError(Exception):
    """A condition that stops the run; ``str()`` is the one-line message for the user."""

    exit_code: ExitCode = ExitCode.USAGE


class UsageError(ImportToolError):
    """Invalid options or configuration."""


class InputFileError(ImportToolError):
    """The fleet file cannot be read."""

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = Path(path)
        super().__init__(f"{self.path}: {message}")


class MappingError(ImportToolError):
    """The mapping profile is invalid, or the file's columns do not fit it."""

    def __init__(self, message: str, *, path: Path | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")


class ServerConfigurationError(ImportToolError):
    """The server rejected the client code or the token, so no row can succeed."""

    exit_code = ExitCode.SERVER_CONFIGURATION


class LockHeldError(ImportToolError):
    """Another run against the same target holds the lock."""

    exit_code = ExitCode.LOCKED
