"""Stop a run cleanly on Ctrl-C (SIGINT) or SIGTERM.

While rows are being pushed, the first signal stops sending, and requests in flight get a
bounded time to finish. The results workbook is then written with the rows never sent marked
``not attempted``, and the process exits with 130 (SIGINT) or 143 (SIGTERM). A second signal
gives up on the requests in flight at once. Outside the push phase SIGTERM raises
``Terminated``, so the command line ends with 143 as it does with 130 for Ctrl-C.

Once rows have been sent, their outcomes exist only in memory until the results are written,
so ``holding_signals`` defers the first signal from the start of the push until the results
file is complete: the run then ends with that signal's exit code. The next signal abandons
the results file.
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

    def __init__(self, signum: int, *, while_writing: bool = False) -> None:
        self.signum = signal.Signals(signum)
        self.exit_code = SIGNAL_EXIT_CODES[self.signum]
        if while_writing:
            message = f"interrupted by {self.signum.name} while the results were being written, "
            message += "so they were completed first."
        else:
            message = f"interrupted by {self.signum.name}; "
            message += "the rows not yet sent were marked 'not attempted'."
        super().__init__(message)


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
    held = _held_by(signal.getsignal(signal.SIGINT))
    if held is not None and held.signum is not None:
        # A signal held before the push began stops it at once.
        loop.call_soon(_on_signal, held.signum, stop)
        held.signum = None
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


class HeldSignals:
    """The first signal deferred while the results are written; a second one abandons them."""

    def __init__(self) -> None:
        self.signum: signal.Signals | None = None

    def handle(self, signum: int, frame: FrameType | None) -> None:
        """Defer the first signal, and raise ``KeyboardInterrupt`` or ``Terminated`` on the next."""
        received = signal.Signals(signum)
        if self.signum is None:
            self.signum = received
            logger.warning(
                "%s received: writing the results first. Press Ctrl-C again to abandon them.",
                received.name,
            )
            return
        logger.warning("%s received again: the results file is abandoned.", received.name)
        if received is signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated

    def stop(self) -> Interrupted | None:
        """Return the stop of the held signal, or ``None`` if no signal was held."""
        return None if self.signum is None else Interrupted(self.signum, while_writing=True)


@contextlib.contextmanager
def holding_signals(*, enabled: bool = True) -> Iterator[HeldSignals]:
    """Defer SIGINT and SIGTERM while the block runs (main thread only); see ``HeldSignals``.

    ``stopping_on_signals`` takes over inside the block while rows are sent. The previous
    handlers are restored on exit.
    """
    held = HeldSignals()
    previous: dict[signal.Signals, Handler] = {}
    try:
        for signum in SIGNAL_EXIT_CODES if enabled else ():
            previous[signum] = signal.signal(signum, held.handle)
    except ValueError:  # not the main thread: signals keep their usual effect
        logger.debug("signals are not held outside the main thread")
    try:
        yield held
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _held_by(handler: Handler) -> HeldSignals | None:
    owner = getattr(handler, "__self__", None)
    return owner if isinstance(owner, HeldSignals) else None


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
