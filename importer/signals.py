"""Stop a run cleanly on Ctrl-C (SIGINT) or SIGTERM.

While rows are being pushed, the first signal stops sending, and requests in flight get a
bounded time to finish. The results workbook is then written with the rows never sent marked
``not attempted``, and the process exits with 130 (SIGINT) or 143 (SIGTERM). A second signal
gives up on the requests in flight at once. Outside the push phase SIGTERM raises
``Terminated``, so the command line ends with 143 as it does with 130 for Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

from importer.errors import ExitCode, ImportToolError

logger = logging.getLogger(__name__)

Handler = Callable[[int, FrameType | None], Any] | int | None

SIGNAL_EXIT_CODES = {
    signal.SIGINT: ExitCode.INTERRUPTED,
    signal.SIGTERM: ExitCode.TERMINATED,
}


class Interrupted(ImportToolError):
    """The run was asked to stop by a signal; the exit code is 130 for SIGINT, 143 for SIGTERM."""

    def __init__(self, signum: int) -> None:
        self.signum = signal.Signals(signum)
        self.exit_code = SIGNAL_EXIT_CODES[self.signum]
        super().__init__(
            f"interrupted by {self.signum.name}; the rows not yet sent were marked 'not attempted'."
        )


class Terminated(BaseException):
    """SIGTERM received outside the push phase; a ``BaseException`` like ``KeyboardInterrupt``."""


@contextlib.contextmanager
def stopping_on_signals(stop: Callable[[ImportToolError], None]) -> Iterator[None]:
    """Call ``stop(Interrupted(signum))`` on each SIGINT or SIGTERM while the block runs.

    Must be entered inside the running event loop. Outside the main thread, where Python
    cannot install signal handlers, the block runs without them. The previous handlers are
    restored on exit.
    """
    loop = asyncio.get_running_loop()
    previous: dict[signal.Signals, Handler] = {}
    for signum in SIGNAL_EXIT_CODES:
        handler = signal.getsignal(signum)
        try:
            loop.add_signal_handler(signum, _on_signal, signum, stop)
        except (ValueError, RuntimeError) as exc:
            logger.debug("no %s handler (%s); signals end the run abruptly", signum.name, exc)
            continue
        previous[signum] = handler
    try:
        yield
    finally:
        for signum, handler in previous.items():
            loop.remove_signal_handler(signum)
            signal.signal(signum, handler)


def _on_signal(signum: signal.Signals, stop: Callable[[ImportToolError], None]) -> None:
    logger.warning("%s received: no new requests are sent", signum.name)
    stop(Interrupted(signum))


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Raise ``Terminated`` on SIGTERM while the block runs (main thread only)."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread: leave the default action in place
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated
