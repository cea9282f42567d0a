"""Stop a run early when most of its first rows fail the same way.

A wrong client code makes the server answer 404 to every row, and a column mapped to the
wrong field gets every row rejected with the same error code. Failing ten thousand rows one by
one then only costs time and server load, so the guard looks at the first rows' outcomes and
stops the run once one failure reason dominates them.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from importer.errors import ServerConfigurationError
from importer.records import Status

logger = logging.getLogger(__name__)

FAILURE_STATUSES = frozenset({Status.FAILED, Status.REJECTED})


class RepeatedFailureError(ServerConfigurationError):
    """Most of the first rows failed for one reason, so the rest would too (exit code 3)."""


@dataclass(slots=True)
class ErrorRateGuard:
    """Watch the first ``window`` outcomes and trip when one reason makes ``share`` of them fail.

    The guard judges only once ``minimum`` rows have finished, so a small file or a few
    unlucky rows never stop a run, and it stops watching after ``window`` rows: later
    failures are left to each row's retries.
    """

    window: int = 20
    minimum: int = 10
    share: float = 0.8
    seen: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def observe(
        self, status: Status, reason: str | None, message: str
    ) -> RepeatedFailureError | None:
        """Count one finished row; return the error that stops the run when the guard trips."""
        if self.seen >= self.window:
            return None
        self.seen += 1
        if status in FAILURE_STATUSES and reason:
            self.failures[reason] += 1
            self.examples.setdefault(reason, message)
        if self.seen < self.minimum or not self.failures:
            return None
        reason, count = self.failures.most_common(1)[0]
        if count < self.share * self.seen:
            return None
        logger.error("%d of the first %d rows failed with %s; stopping", count, self.seen, reason)
        example = self.examples[reason].rstrip(".")
        hint = hint_for(reason)
        return RepeatedFailureError(
            f"stopped early: {count} of the first {self.seen} rows failed the same way "
            f"({example}).{' ' + hint if hint else ''} The rows not yet sent were marked "
            "'not attempted'."
        )


def hint_for(reason: str) -> str | None:
    """Return what to check for a failure reason such as ``http-404`` or ``server-9030``.

    None for a 404 or a redirect, because their row message already names what to check.
    """
    if reason.startswith("server-"):
        return (
            "The server rejected these rows with the same error code; check the mapping "
            "profile and the file's columns."
        )
    status = reason.removeprefix("http-")
    if status in {"429", "503"}:
        return "The server kept asking to slow down; lower --concurrency, set --rate, or try later."
    if status == "404" or status.startswith("3"):
        return None
    if status.startswith("5"):
        return "The server is failing; try again later."
    if reason in {"timeout", "connection"}:
        return (
            "Check the base URL, the network and any proxy settings, or raise "
            "--connect-timeout and --read-timeout."
        )
    return "Check the base URL, the client code and the API token."
