"""Log each scheduled retry under the row it belongs to, and count the retries per reason.

stamina logs every scheduled retry at WARNING on its own logger, naming a ``<context block>``
but no row: at 4% of faults, 100,000 rows give about 4,000 such lines. So ``logs`` keeps
stamina's lines below ERROR out of the log unless -vv. This module logs one INFO line per
scheduled retry instead (row, plate, reason, wait). At the end of a push it logs one WARNING
line with the number of retries per reason.

stamina calls its retry hooks synchronously in the task that retries, just before it sleeps,
so a context variable that the retrying task sets tells the hook which row is retried.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from contextvars import ContextVar

import stamina.instrumentation
from stamina.instrumentation import RetryDetails

logger = logging.getLogger(__name__)

#: Returns the reason key (``http-502``, ``timeout``...) and the message of the last failure.
FailureSource = Callable[[], tuple[str, str]]
_Listener = Callable[[RetryDetails], None]

_listener: ContextVar[_Listener | None] = ContextVar("retry_listener", default=None)


class RetryTally:
    """The retries of one push run: a log line for each, and a count per reason."""

    def __init__(self) -> None:
        install_hook()
        self.counts: Counter[str] = Counter()

    @contextlib.contextmanager
    def watching(self, label: str, last_failure: FailureSource) -> Iterator[None]:
        """Log the retries that stamina schedules in this task as retries of ``label``."""

        def scheduled(details: RetryDetails) -> None:
            reason, message = last_failure()
            self.counts[reason] += 1
            logger.info(
                "%s: attempt %d failed (%s); retrying in %.1f s",
                label,
                details.retry_num,
                message,
                details.wait_for,
            )

        token = _listener.set(scheduled)
        try:
            yield
        finally:
            _listener.reset(token)

    def log_summary(self, requests: int, rows: int) -> None:
        """Log one WARNING line with the retries per reason, if there were any."""
        if not self.counts:
            return
        per_reason = ", ".join(
            f"{count} after {reason}" for reason, count in self.counts.most_common()
        )
        total = self.counts.total()
        logger.warning(
            "%d retr%s for %d rows (%d requests): %s",
            total,
            "y" if total == 1 else "ies",
            rows,
            requests,
            per_reason,
        )


def install_hook() -> None:
    """Add ``on_retry_scheduled`` to stamina's retry hooks, once; the others stay."""
    hooks = stamina.instrumentation.get_on_retry_hooks()
    if on_retry_scheduled not in hooks:
        stamina.instrumentation.set_on_retry_hooks([*hooks, on_retry_scheduled])


def on_retry_scheduled(details: RetryDetails) -> None:
    """Pass a retry that stamina scheduled to the tally watching the current task, if any."""
    listener = _listener.get()
    if listener is not None:
        listener(details)
