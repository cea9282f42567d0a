"""Signal handling: SIGINT and SIGTERM stop a push run; SIGTERM elsewhere exits 143."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from importer.errors import ExitCode, ImportToolError
from importer.signals import Interrupted, Terminated, sigterm_raises, stopping_on_signals


def test_interrupted_exit_codes() -> None:
    assert Interrupted(signal.SIGINT).exit_code is ExitCode.INTERRUPTED
    assert Interrupted(signal.SIGTERM).exit_code is ExitCode.TERMINATED


def test_interrupted_message() -> None:
    assert str(Interrupted(signal.SIGTERM)) == (
        "interrupted by SIGTERM; the rows not yet sent were marked 'not attempted'."
    )


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_calls_stop(signum: signal.Signals) -> None:
    stops: list[ImportToolError] = []

    async def scenario() -> None:
        with stopping_on_signals(stops.append):
            os.kill(os.getpid(), signum)
            for _ in range(100):
                if stops:
                    break
                await asyncio.sleep(0.01)

    asyncio.run(scenario())
    assert len(stops) == 1
    assert isinstance(stops[0], Interrupted)
    assert stops[0].signum is signum


def test_second_signal_calls_stop_again() -> None:
    stops: list[ImportToolError] = []

    async def scenario() -> None:
        with stopping_on_signals(stops.append):
            for _ in range(2):
                os.kill(os.getpid(), signal.SIGINT)
                await asyncio.sleep(0.05)

    asyncio.run(scenario())
    assert len(stops) == 2


def test_handlers_restored_after_block() -> None:
    before = signal.getsignal(signal.SIGTERM)

    async def scenario() -> None:
        with stopping_on_signals(lambda error: None):
            pass

    asyncio.run(scenario())
    assert signal.getsignal(signal.SIGTERM) is before


def test_sigterm_raises_terminated() -> None:
    with pytest.raises(Terminated), sigterm_raises():
        os.kill(os.getpid(), signal.SIGTERM)
        signal.sigtimedwait([], 0.5)  # gives the handler a chance to run


def test_sigterm_handler_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with sigterm_raises():
        pass
    assert signal.getsignal(signal.SIGTERM) is before
