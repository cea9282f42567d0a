"""The adaptive limit on requests in flight and the smooth rate ceiling, on a fake clock."""

from __future__ import annotations

import asyncio

import pytest

from importer.throttle import AdaptiveLimit, Feedback, RateLimit


class FakeClock:
    """A clock that only moves when something sleeps on it; it records each sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def _opened(maximum: int) -> AdaptiveLimit:
    """Return a limit opened to ``maximum`` by one success."""
    limit = AdaptiveLimit(maximum)

    async def open_it() -> None:
        limit.release(await limit.acquire(), Feedback.SUCCESS)

    asyncio.run(open_it())
    return limit


def test_limit_starts_at_one() -> None:
    assert AdaptiveLimit(8).limit == 1


def test_limit_opens_on_first_success() -> None:
    assert _opened(8).limit == 8


def test_limit_neutral_answer_keeps_probe() -> None:
    limit = AdaptiveLimit(8)

    async def fail_once() -> None:
        limit.release(await limit.acquire(), Feedback.NEUTRAL)

    asyncio.run(fail_once())
    assert limit.limit == 1


def test_limit_halves_on_throttle() -> None:
    limit = _opened(8)

    async def throttled() -> None:
        limit.release(await limit.acquire(), Feedback.THROTTLED)

    asyncio.run(throttled())
    assert limit.limit == 4


def test_limit_halves_once_per_round_trip() -> None:
    limit = _opened(8)

    async def burst() -> None:
        tickets = [await limit.acquire() for _ in range(8)]
        for ticket in tickets:
            limit.release(ticket, Feedback.THROTTLED)

    asyncio.run(burst())
    assert limit.limit == 4


def test_limit_halves_again_for_new_requests() -> None:
    limit = _opened(8)

    async def twice() -> None:
        limit.release(await limit.acquire(), Feedback.THROTTLED)
        limit.release(await limit.acquire(), Feedback.THROTTLED)

    asyncio.run(twice())
    assert limit.limit == 2


def test_limit_never_below_one() -> None:
    limit = _opened(2)

    async def many() -> None:
        for _ in range(5):
            limit.release(await limit.acquire(), Feedback.THROTTLED)

    asyncio.run(many())
    assert limit.limit == 1


def test_limit_grows_one_per_window() -> None:
    limit = _opened(8)

    async def recover() -> list[int]:
        limit.release(await limit.acquire(), Feedback.THROTTLED)
        limit.release(await limit.acquire(), Feedback.THROTTLED)
        seen = []
        for _ in range(7):
            limit.release(await limit.acquire(), Feedback.SUCCESS)
            seen.append(limit.limit)
        return seen

    assert asyncio.run(recover()) == [2, 3, 3, 3, 4, 4, 4]


def test_limit_no_jump_after_early_throttle() -> None:
    limit = AdaptiveLimit(8)

    async def throttled_first() -> None:
        limit.release(await limit.acquire(), Feedback.THROTTLED)
        limit.release(await limit.acquire(), Feedback.SUCCESS)

    asyncio.run(throttled_first())
    assert limit.limit == 2


def test_limit_never_above_maximum() -> None:
    limit = _opened(3)

    async def many() -> None:
        for _ in range(20):
            limit.release(await limit.acquire(), Feedback.SUCCESS)

    asyncio.run(many())
    assert limit.limit == 3


def test_limit_blocks_past_limit() -> None:
    limit = AdaptiveLimit(4)
    order: list[str] = []

    async def second() -> None:
        await limit.acquire()
        order.append("second started")

    async def scenario() -> None:
        ticket = await limit.acquire()
        waiting = asyncio.create_task(second())
        await asyncio.sleep(0)
        order.append("first done")
        limit.release(ticket, Feedback.NEUTRAL)
        await waiting

    asyncio.run(scenario())
    assert order == ["first done", "second started"]


def test_limit_cancelled_waiter_frees_queue() -> None:
    limit = AdaptiveLimit(4)

    async def scenario() -> int:
        ticket = await limit.acquire()
        waiting = asyncio.create_task(limit.acquire())
        await asyncio.sleep(0)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        limit.release(ticket, Feedback.NEUTRAL)
        await limit.acquire()
        return limit.in_flight

    assert asyncio.run(scenario()) == 1


def test_limit_pause_delays_acquire() -> None:
    clock = FakeClock()
    limit = AdaptiveLimit(4, sleep=clock.sleep, clock=clock)

    async def scenario() -> None:
        clock.now = 100.0
        limit.pause(5.0)
        clock.now = 102.0
        await limit.acquire()

    asyncio.run(scenario())
    assert clock.sleeps == [3.0]


def test_limit_pause_keeps_longest() -> None:
    clock = FakeClock()
    limit = AdaptiveLimit(4, sleep=clock.sleep, clock=clock)
    limit.pause(10.0)
    limit.pause(2.0)
    asyncio.run(limit.acquire())
    assert clock.sleeps == [10.0]


def test_limit_rejects_zero_maximum() -> None:
    with pytest.raises(ValueError, match="maximum must be at least 1, not 0"):
        AdaptiveLimit(0)


def test_rate_spaces_requests_evenly() -> None:
    clock = FakeClock()
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)  # the clock stands still: all four callers arrive at once

    rate = RateLimit(4.0, sleep=record, clock=clock)

    async def four_at_once() -> None:
        await asyncio.gather(*(rate.wait() for _ in range(4)))

    asyncio.run(four_at_once())
    assert waits == [0.25, 0.5, 0.75]


def test_rate_no_wait_when_idle() -> None:
    clock = FakeClock()
    rate = RateLimit(2.0, sleep=clock.sleep, clock=clock)

    async def spaced() -> None:
        await rate.wait()
        clock.now += 10.0
        await rate.wait()

    asyncio.run(spaced())
    assert clock.sleeps == []


def test_rate_none_never_waits() -> None:
    clock = FakeClock()
    rate = RateLimit(None, sleep=clock.sleep, clock=clock)
    asyncio.run(rate.wait())
    assert clock.sleeps == []


def test_rate_rejects_zero() -> None:
    with pytest.raises(ValueError, match="rate must be positive, not 0"):
        RateLimit(0.0)
