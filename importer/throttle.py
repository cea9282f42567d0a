"""Pace the requests of a run: an adaptive limit on requests in flight and a smooth rate ceiling.

``AdaptiveLimit`` is shared by every worker, so when the server throttles (429 or 503) the
whole run slows down instead of each row retrying on its own. It follows the additive
increase, multiplicative decrease rule that TCP uses for congestion: the limit halves on a
throttled answer and grows back by one request after each full window of successes.

``RateLimit`` spaces request starts evenly, so ``--rate 5`` means one request every 200 ms,
never five at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from enum import Enum

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


class Feedback(Enum):
    """What one answer says about the server's load."""

    SUCCESS = "success"  # a definite answer for the row: the server coped
    THROTTLED = "throttled"  # 429 or 503: the server asks the client to slow down
    NEUTRAL = "neutral"  # an error that says nothing about load


class AdaptiveLimit:
    """A limit on requests in flight that shrinks when the server throttles and grows back.

    The limit starts at one request and opens to ``maximum`` on the first success, so a wrong
    token or client code costs a single request rather than one per worker. After a throttled
    answer the limit halves, once per round trip: answers to requests sent before the last
    decrease do not shrink it again. Each run of ``limit`` successes then adds one, up to
    ``maximum``. A ``Retry-After`` pauses every new request until that time.
    """

    def __init__(
        self, maximum: int, *, sleep: Sleep = asyncio.sleep, clock: Clock = time.monotonic
    ) -> None:
        if maximum < 1:
            raise ValueError(f"maximum must be at least 1, not {maximum}")
        self.maximum = maximum
        self.limit = 1
        self.in_flight = 0
        self._sleep = sleep
        self._clock = clock
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._generation = 0
        self._successes = 0
        self._throttled_once = False
        self._resume_at = 0.0

    async def acquire(self) -> int:
        """Wait for a free slot and take it; return the ticket to hand back to ``release``."""
        delay = self._resume_at - self._clock()
        if delay > 0:
            await self._sleep(delay)
        if self.in_flight < self.limit and not self._waiters:
            self.in_flight += 1
            return self._generation
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._hand_back_slot()  # the slot was granted as the waiter was cancelled
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise
        return self._generation

    def release(self, ticket: int, feedback: Feedback) -> None:
        """Give back a slot taken by ``acquire`` and adapt the limit to the answer."""
        self.in_flight -= 1
        if feedback is Feedback.THROTTLED:
            self._shrink(ticket)
        elif feedback is Feedback.SUCCESS:
            self._grow()
        self._wake_waiters()

    def pause(self, seconds: float) -> None:
        """Hold every new request for ``seconds``, as a ``Retry-After`` header requests."""
        self._resume_at = max(self._resume_at, self._clock() + seconds)

    def _shrink(self, ticket: int) -> None:
        self._throttled_once = True
        self._successes = 0
        if ticket != self._generation:
            return  # sent before the last decrease, which already accounted for it
        self._generation += 1
        previous, self.limit = self.limit, max(1, self.limit // 2)
        # The first decrease is worth an info line; the rest would repeat it for every window.
        level = logging.INFO if self._generation == 1 else logging.DEBUG
        logger.log(level, "server throttling: requests in flight %d -> %d", previous, self.limit)

    def _grow(self) -> None:
        if not self._throttled_once and self.limit < self.maximum:
            self.limit = self.maximum  # the first success proves the credentials work
            return
        self._successes += 1
        if self._successes >= self.limit and self.limit < self.maximum:
            self._successes = 0
            self.limit += 1
            logger.debug("requests in flight raised to %d", self.limit)

    def _wake_waiters(self) -> None:
        while self._waiters and self.in_flight < self.limit:
            waiter = self._waiters.popleft()
            if waiter.done():
                continue  # cancelled while waiting
            self.in_flight += 1
            waiter.set_result(None)

    def _hand_back_slot(self) -> None:
        self.in_flight -= 1
        self._wake_waiters()


class RateLimit:
    """Spaces request starts at least ``1 / rate`` seconds apart; no limit when ``rate`` is None.

    Each caller reserves the next free start time before it sleeps, so concurrent callers
    queue in order instead of waking together.
    """

    def __init__(
        self, rate: float | None, *, sleep: Sleep = asyncio.sleep, clock: Clock = time.monotonic
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError(f"rate must be positive, not {rate}")
        self.interval = None if rate is None else 1.0 / rate
        self._sleep = sleep
        self._clock = clock
        self._next_start = 0.0

    async def wait(self) -> None:
        """Return when the caller may start its request."""
        if self.interval is None:
            return
        now = self._clock()
        start = max(now, self._next_start)
        self._next_start = start + self.interval
        if start > now:
            await self._sleep(start - now)
