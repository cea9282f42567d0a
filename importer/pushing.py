"""Push payloads concurrently, retrying transient failures, and report each row's outcome.

A fixed pool of workers pulls payloads from one iterator, so memory stays flat however many
rows there are. Each request first takes a slot from the shared ``AdaptiveLimit`` and a start
time from the ``RateLimit``. Each row is retried with stamina (exponential backoff with
jitter, honouring ``Retry-After``) on connection errors, timeouts and 408, 429, 500, 502, 503
and 504 answers only, within ``max_attempts`` and ``row_timeout``. stamina takes over from
the first attempt's failure, so a row that succeeds at once never sets up its retry context.
Each scheduled retry is logged under its row, and the retries per reason are counted
(``retry_log``).

The run stops early, sending nothing more, when an answer says the client code or token is
wrong, when most of the first rows fail the same way (``guard``), or on a signal
(``signals``). Requests in flight then get ``stop_grace`` seconds to finish, and rows never
sent are left out of the report for the caller to mark ``not attempted``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import httpx
import stamina

from importer.client import (
    THROTTLE_STATUSES,
    Answer,
    AnswerKind,
    OpsComClient,
    end_sentence,
    redact,
)
from importer.errors import ImportToolError, ServerConfigurationError
from importer.guard import ErrorRateGuard, RepeatedFailureError
from importer.records import Payload, Status
from importer.retry_log import RetryTally
from importer.signals import Interrupted
from importer.throttle import AdaptiveLimit, Feedback, RateLimit, Sleep

logger = logging.getLogger(__name__)

Key = TypeVar("Key")

ANSWER_STATUS = {
    AnswerKind.PUSHED: Status.PUSHED,
    AnswerKind.EXISTS: Status.EXISTS,
    AnswerKind.REJECTED: Status.REJECTED,
    AnswerKind.FAILED: Status.FAILED,
    AnswerKind.RETRY: Status.FAILED,
    AnswerKind.CONFIGURATION: Status.FAILED,
}
#: Transport errors raised before the request left the client, so the server never saw it.
NOT_SENT_ERRORS = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
)
#: Statuses from a server or proxy that may have failed after storing the vehicle.
MAYBE_STORED_STATUSES = frozenset({500, 502, 504})
MAYBE_STORED_NOTE = (
    " A request whose answer was lost may have stored the vehicle; a rerun reports it as "
    "exists if so."
)
WAIT_INITIAL = 0.5
WAIT_MAX = 30.0


@dataclass(frozen=True, slots=True)
class PushOptions:
    """Push settings: requests in flight, requests per second, and the caps per row."""

    concurrency: int = 8
    rate: float | None = None
    max_attempts: int = 6
    row_timeout: float = 120.0
    stop_grace: float = 10.0


@dataclass(frozen=True, slots=True)
class PushOutcome:
    """The final outcome of one row after all its attempts.

    ``reason`` is a short stable key for a failure (``http-404``, ``server-9030``,
    ``timeout``, ``connection``), used to group failures.
    """

    status: Status
    attempts: int
    http_status: int | None
    finished_at: str
    message: str = ""
    error_code: int | None = None
    warnings: tuple[str, ...] = ()
    reason: str | None = None


@dataclass(slots=True)
class PushReport(Generic[Key]):
    """The result of a push run: outcomes by key, and the error that stopped it early, if any."""

    outcomes: dict[Key, PushOutcome] = field(default_factory=dict)
    stopped_by: ImportToolError | None = None


@dataclass(slots=True)
class RowAttempts:
    """The attempts of one row so far: count, last status and error, and any lost response."""

    count: int = 0
    http_status: int | None = None
    last_error: str = ""
    reason: str | None = None
    #: The first failure that may have hidden a stored vehicle: a lost answer or a 500/502/504.
    lost_answer: str | None = None
    started: float = 0.0


class RetryableAnswer(Exception):
    """An answer worth retrying (408, 429, 5xx); carries the answer for the final message."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.message)
        self.answer = answer


class RunStopped(Exception):
    """Raised inside a worker when the run stopped before its next request."""


class RequestTimedOut(httpx.TimeoutException):
    """One request got no complete answer within the whole-request timeout."""


class SecondClock:
    """The local time in ISO 8601 to the second, formatted once per second.

    Every outcome records when it finished, and formatting a local time costs more CPU than
    reading the clock.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._second = -1
        self._text = ""

    def __call__(self) -> str:
        second = int(self._clock())
        if second != self._second:
            when = dt.datetime.fromtimestamp(second, dt.UTC).astimezone()
            self._second, self._text = second, when.isoformat(timespec="seconds")
        return self._text


now_iso = SecondClock()


async def skip_when_testing(seconds: float) -> None:
    """Sleep like ``asyncio.sleep``, except in stamina's test mode, which skips retry waits."""
    if not stamina.is_testing():
        await asyncio.sleep(seconds)


class Pusher(Generic[Key]):
    """Send many payloads through one client; call ``run`` once.

    ``pause_sleep`` waits out a server's ``Retry-After`` for the whole run; tests replace it.
    ``describe_key`` names an item's row in log lines, such as ``Row 14``.
    """

    def __init__(
        self,
        client: OpsComClient,
        options: PushOptions,
        on_outcome: Callable[[Key, PushOutcome], None] | None = None,
        *,
        pause_sleep: Sleep | None = None,
        describe_key: Callable[[Key], str] | None = None,
    ) -> None:
        self.client = client
        self.options = options
        self.on_outcome = on_outcome
        self.describe_key = describe_key or (lambda key: f"item {key}")
        self.retries = RetryTally()
        self.report: PushReport[Key] = PushReport()
        self.limit = AdaptiveLimit(options.concurrency, sleep=pause_sleep or skip_when_testing)
        self.rate = RateLimit(options.rate)
        self.guard = ErrorRateGuard()
        self._stopping = False
        self._workers: list[asyncio.Task[None]] = []
        self._sending: dict[asyncio.Task[None], asyncio.Timeout] = {}

    async def run(self, items: Iterable[tuple[Key, Payload]]) -> PushReport[Key]:
        """Push every item; items never sent because the run stopped are left out of the report."""
        iterator = iter(items)
        self._workers = [
            asyncio.create_task(self._work(iterator)) for _ in range(self.options.concurrency)
        ]
        try:
            # A worker that ``stop`` cancelled before its first row ends cancelled; only a
            # worker that raised ends the run with an error.
            done, _ = await asyncio.wait(self._workers, return_when=asyncio.FIRST_EXCEPTION)
            for worker in done:
                error = None if worker.cancelled() else worker.exception()
                if error is not None:
                    raise error
        finally:
            for worker in self._workers:
                worker.cancel()
            await asyncio.gather(*self._workers, return_exceptions=True)
        rows = len(self.report.outcomes)
        attempts = sum(outcome.attempts for outcome in self.report.outcomes.values())
        logger.debug("%d requests for %d rows", attempts, rows)
        self.retries.log_summary(attempts, rows)
        return self.report

    def stop(self, error: ImportToolError) -> None:
        """Send nothing more; requests in flight get ``stop_grace`` seconds, on a second call none.

        Workers waiting for a slot, a start time or a retry are cancelled at once, and their
        rows are reported as failed, or left out of the report when never sent.
        """
        loop = asyncio.get_running_loop()
        if self._stopping:
            deadline = loop.time()
        else:
            self._stopping = True
            self.report.stopped_by = error
            deadline = loop.time() + self.options.stop_grace
            self._log_stop(error)
        for timeout in self._sending.values():
            when = timeout.when()
            if when is None or deadline < when:
                timeout.reschedule(deadline)
        current = asyncio.current_task()
        for worker in self._workers:
            if worker is not current and worker not in self._sending:
                worker.cancel()

    def _log_stop(self, error: ImportToolError) -> None:
        in_flight = len(self._sending)
        if not in_flight:
            logger.warning("stopping: %s", error)
            return
        logger.warning(
            "stopping: %s Waiting up to %g s for %d request%s in flight.",
            end_sentence(str(error)),
            self.options.stop_grace,
            in_flight,
            "" if in_flight == 1 else "s",
        )

    async def _work(self, iterator: Iterator[tuple[Key, Payload]]) -> None:
        for key, payload in iterator:
            if self._stopping:
                return
            outcome = await self.push_one(payload, self.describe_key(key))
            if outcome is None:
                return
            self._record(key, outcome)

    def _record(self, key: Key, outcome: PushOutcome) -> None:
        self.report.outcomes[key] = outcome
        if self.on_outcome is not None:
            self.on_outcome(key, outcome)
        if not self._stopping:
            error = self.guard.observe(outcome.status, outcome.reason, outcome.message)
            if error is not None:
                self.stop(error)

    async def push_one(self, payload: Payload, name: str = "item") -> PushOutcome | None:
        """Send one payload with retries; return its outcome, or None if it was never sent.

        ``name`` names the row in log lines, followed by its plate.
        """
        row = RowAttempts(started=asyncio.get_running_loop().time())
        deadline = asyncio.timeout(self.options.row_timeout)
        try:
            async with deadline:
                answer = await self._send_with_retries(payload, row, name)
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            asyncio.current_task().uncancel()  # type: ignore[union-attr]
            return self._stopped(row)
        except RunStopped:
            return self._stopped(row)
        except (RetryableAnswer, httpx.TransportError):
            return self._stopped(row) if self._stopping else self._gave_up(row, row.last_error)
        except TimeoutError:
            if not deadline.expired():
                raise
            limit = f"no final answer within --row-timeout ({self.options.row_timeout:g} s)"
            return self._gave_up(row, f"{limit}; last: {row.last_error or 'no answer yet'}")
        return self._settle(answer, row)

    async def _send_with_retries(self, payload: Payload, row: RowAttempts, name: str) -> Answer:
        """Make the first attempt, and hand a failure worth retrying to stamina.

        Most rows succeed at once, and setting up stamina's retry context for every row cost
        about 170 µs of CPU per row in a benchmark (stamina 26.1), so it is set up only after
        a first attempt failed.
        """
        try:
            return await self._attempt(payload, row)
        except (RetryableAnswer, httpx.TransportError) as failure:
            first_failure = failure
        label = f"{name}, plate {payload.get('plate', '')}"
        with self.retries.watching(label, lambda: (row.reason or "unknown", row.last_error)):
            return await self._retry(payload, row, first_failure)

    async def _retry(self, payload: Payload, row: RowAttempts, failure: Exception) -> Answer:
        """Retry with stamina after the first attempt failed with ``failure``.

        stamina's first attempt raises ``failure`` again without sending anything, so stamina
        decides on it, counts it and waits after it exactly as if it had made that attempt.
        Its timeout is what remains of the row's, which started with the first attempt.
        """
        remaining = row.started + self.options.row_timeout - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise failure
        pending: Exception | None = failure
        answer: Answer | None = None
        async for attempt in stamina.retry_context(
            on=functools.partial(self._retry_wait, row),
            attempts=self.options.max_attempts,
            timeout=remaining,
            wait_initial=WAIT_INITIAL,
            wait_max=WAIT_MAX,
        ):
            with attempt:
                if pending is not None:
                    replayed, pending = pending, None
                    raise replayed
                answer = await self._attempt(payload, row)
        assert answer is not None  # the loop ends only after an attempt returned
        return answer

    async def _attempt(self, payload: Payload, row: RowAttempts) -> Answer:
        ticket = await self.limit.acquire()
        feedback = Feedback.NEUTRAL
        try:
            await self.rate.wait()
            if self._stopping:
                raise RunStopped
            row.count += 1
            answer = await self._send(payload, row)
            feedback = feedback_for(answer)
        finally:
            self.limit.release(ticket, feedback)
        row.http_status = answer.http_status
        if answer.kind is AnswerKind.RETRY:
            self._note_retry_answer(answer, row)
            raise RetryableAnswer(answer)
        return answer

    async def _send(self, payload: Payload, row: RowAttempts) -> Answer:
        """Send one request under the whole-request timeout, which ``stop`` can shorten."""
        task = asyncio.current_task()
        assert task is not None
        seconds = self.client.timeouts.total
        try:
            async with asyncio.timeout(seconds) as timeout:
                self._sending[task] = timeout
                try:
                    return await self.client.push(payload)
                finally:
                    del self._sending[task]
        except TimeoutError as exc:
            reason = "the run stopped" if self._stopping else f"--request-timeout ({seconds:g} s)"
            error = RequestTimedOut(f"no complete answer before {reason}")
            self._note_transport_error(error, row)
            raise error from exc
        except httpx.TransportError as exc:
            self._note_transport_error(exc, row)
            raise

    def _note_transport_error(self, exc: httpx.TransportError, row: RowAttempts) -> None:
        row.http_status = None
        row.last_error = redact(describe_transport_error(exc), self.client.target.token)
        row.reason = "timeout" if isinstance(exc, httpx.TimeoutException) else "connection"
        if not isinstance(exc, NOT_SENT_ERRORS) and row.lost_answer is None:
            row.lost_answer = row.last_error

    def _note_retry_answer(self, answer: Answer, row: RowAttempts) -> None:
        row.last_error = answer.message
        row.reason = answer.reason
        if answer.http_status in MAYBE_STORED_STATUSES and row.lost_answer is None:
            row.lost_answer = answer.message
        retry_after = answer.retry_after
        throttled = answer.http_status in THROTTLE_STATUSES
        # A wait longer than a row may take fails the rows instead, so the guard can stop the run.
        if throttled and retry_after is not None and retry_after <= self.options.row_timeout:
            self.limit.pause(retry_after)

    def _retry_wait(self, row: RowAttempts, exc: Exception) -> bool | float:
        """Decide whether stamina retries after ``exc``; a float is the wait in seconds."""
        if self._stopping:
            return False
        if isinstance(exc, RetryableAnswer):
            retry_after = exc.answer.retry_after
            if retry_after is None:
                return True
            remaining = row.started + self.options.row_timeout - asyncio.get_running_loop().time()
            if retry_after > remaining:
                row.last_error = (
                    f"{end_sentence(row.last_error)} The server asked to wait "
                    f"{retry_after:g} s, past --row-timeout."
                )
                return False
            return retry_after
        if isinstance(exc, httpx.UnsupportedProtocol):
            return False
        return isinstance(exc, httpx.TransportError)

    def _gave_up(self, row: RowAttempts, reason: str) -> PushOutcome:
        plural = "s" if row.count != 1 else ""
        message = f"gave up after {row.count} attempt{plural}: {reason}"
        if row.lost_answer is not None:
            message = end_sentence(message) + MAYBE_STORED_NOTE
        return self._failed(row, message)

    def _stopped(self, row: RowAttempts) -> PushOutcome | None:
        if row.count == 0:
            return None
        plural = "s" if row.count != 1 else ""
        message = f"the run stopped after {row.count} attempt{plural}; last: {row.last_error}"
        if row.lost_answer is not None:
            message = end_sentence(message) + MAYBE_STORED_NOTE
        return self._failed(row, message)

    def _failed(self, row: RowAttempts, message: str) -> PushOutcome:
        return PushOutcome(
            Status.FAILED, row.count, row.http_status, now_iso(), message, reason=row.reason
        )

    def _settle(self, answer: Answer, row: RowAttempts) -> PushOutcome:
        if answer.kind is AnswerKind.CONFIGURATION and not self._stopping:
            self.stop(
                ServerConfigurationError(
                    f"{self.client.target.label}: {answer.message} Nothing more was sent."
                )
            )
        if answer.kind is AnswerKind.EXISTS and row.lost_answer is not None:
            return self._pushed_by_lost_attempt(answer, row)
        failed = answer.kind not in (AnswerKind.PUSHED, AnswerKind.EXISTS)
        return PushOutcome(
            ANSWER_STATUS[answer.kind],
            row.count,
            answer.http_status,
            now_iso(),
            answer.message,
            answer.error_code,
            answer.warnings,
            answer.reason if failed else None,
        )

    def _pushed_by_lost_attempt(self, answer: Answer, row: RowAttempts) -> PushOutcome:
        """Report a row as pushed when a retry found the vehicle stored after a lost answer.

        An earlier attempt of this same row reached the server but its response was lost, so
        that attempt most likely stored the vehicle. The row carries a warning about it.
        """
        warning = (
            f"An earlier attempt's answer was lost ({row.lost_answer}); the retry found the "
            f"vehicle already stored (error {answer.error_code}), most likely by that attempt."
        )
        return PushOutcome(Status.PUSHED, row.count, answer.http_status, now_iso(), warning)


def feedback_for(answer: Answer) -> Feedback:
    """Return what an answer says about the server's load, for the adaptive limit."""
    if answer.kind in (AnswerKind.PUSHED, AnswerKind.EXISTS, AnswerKind.REJECTED):
        return Feedback.SUCCESS
    if answer.kind is AnswerKind.RETRY and answer.http_status in THROTTLE_STATUSES:
        return Feedback.THROTTLED
    return Feedback.NEUTRAL


def describe_transport_error(exc: BaseException) -> str:
    """Name a connection failure in plain words; the request body (and token) never appears."""
    detail = str(exc).strip()
    if isinstance(exc, RequestTimedOut):
        return detail
    if isinstance(exc, httpx.ConnectTimeout):
        return "connecting to the server timed out"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer within --read-timeout"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the connection broke before a complete answer ({detail or 'no detail'})"
    kind = type(exc).__name__
    return f"connection failed ({kind}{': ' + detail if detail else ''})"


def stop_note(error: ImportToolError) -> str:
    """Return the note written on each row left unsent because ``error`` stopped the run.

    The full message is on the Summary sheet, so each row carries only the short cause.
    """
    if isinstance(error, RepeatedFailureError):
        cause = "most of the first rows failed the same way"
    elif isinstance(error, ServerConfigurationError):
        cause = "the server rejected the client code or the API token"
    elif isinstance(error, Interrupted):
        cause = f"interrupted by {error.signum.name}"
    else:
        cause = str(error)
    return f"Not sent: the run stopped before this row ({cause}); see the Summary sheet."
