"""Signal handling: SIGINT and SIGTERM stop a push run; SIGTERM elsewhere exits 143."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from importer.errors import ExitCode, ImportToolError
from importer.signals import (
    Interrupted,
    Terminated,
    holding_signals,
    sigterm_raises,
    stopping_on_signals,
)


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


def test_interrupted_while_writing_message() -> None:
    assert str(Interrupted(signal.SIGINT, while_writing=True)) == (
        "interrupted by SIGINT while the results were being written, so they were completed first."
    )


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_holding_keeps_first_signal(signum: signal.Signals) -> None:
    with holding_signals() as held:
        signal.raise_signal(signum)
    assert held.signum is signum


def test_holding_stop_names_signal() -> None:
    with holding_signals() as held:
        signal.raise_signal(signal.SIGTERM)
    stop = held.stop()
    assert isinstance(stop, Interrupted)
    assert stop.exit_code is ExitCode.TERMINATED


def test_holding_no_signal_no_stop() -> None:
    with holding_signals() as held:
        pass
    assert held.stop() is None


@pytest.mark.parametrize(
    ("signum", "raised"), [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)]
)
def test_holding_second_signal_abandons(
    signum: signal.Signals, raised: type[BaseException]
) -> None:
    with pytest.raises(raised), holding_signals():
        signal.raise_signal(signum)
        signal.raise_signal(signum)


def test_holding_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    with holding_signals():
        signal.raise_signal(signal.SIGINT)
    assert caplog.messages == [
        "SIGINT received: writing the results first. Press Ctrl-C again to abandon them."
    ]


def test_holding_handlers_restored() -> None:
    before = signal.getsignal(signal.SIGINT)
    with holding_signals():
        pass
    assert signal.getsignal(signal.SIGINT) is before


def test_holding_disabled_leaves_handlers() -> None:
    before = signal.getsignal(signal.SIGINT)
    with holding_signals(enabled=False):
        assert signal.getsignal(signal.SIGINT) is before


def test_held_signal_stops_push_at_once() -> None:
    stops: list[ImportToolError] = []

    async def scenario() -> None:
        with stopping_on_signals(stops.append):
            await asyncio.sleep(0)

    with holding_signals() as held:
        signal.raise_signal(signal.SIGINT)
        asyncio.run(scenario())
    assert [type(stop) for stop in stops] == [Interrupted]
    assert held.signum is None


def test_push_restores_holding_handler() -> None:
    async def scenario() -> None:
        with stopping_on_signals(lambda error: None):
            pass

    with holding_signals() as held:
        asyncio.run(scenario())
        signal.raise_signal(signal.SIGINT)
    assert held.signum is signal.SIGINT
