"""Push payloads concurrently, retrying transient failures, and report each row's outcome.

A fixed pool of workers (``concurrency``) pulls payloads from one iterator, so memory stays
flat however many rows there are. Each row is retried with stamina (exponential backoff with
jitter, honouring ``Retry-After``) on connection errors, timeouts and 408/429/5xx answers
only. An answer that says the configuration or token is wrong stops every worker at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import httpx
import stamina

from importer.client import Answer, AnswerKind, OpsComClient
from importer.errors import ServerConfigurationError
from importer.records import Payload, Status

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


@dataclass(frozen=True, slots=True)
class PushOptions:
    """How hard to push: requests in flight, retry caps and the longest ``Retry-After`` obeyed."""

    concurrency: int = 8
    max_attempts: int = 6
    max_seconds_per_row: float = 120.0
    max_retry_after: float = 60.0
    request_timeout: float = 60.0


@dataclass(frozen=True, slots=True)
class PushOutcome:
    """The final outcome of one row after all its attempts."""

    status: Status
    attempts: int
    http_status: int | None
    finished_at: str
    message: str = ""
    error_code: int | None = None
    warnings: tuple[str, ...] = ()


@dataclass(slots=True)
class PushReport(Generic[Key]):
    """What a push run did: outcomes by key, and the error that stopped it early, if any."""

    outcomes: dict[Key, PushOutcome] = field(default_factory=dict)
    stopped_by: ServerConfigurationError | None = None


class RetryableAnswer(Exception):
    """An answer worth retrying (408, 429, 5xx); carries the answer for the final message."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.message)
        self.answer = answer


class RunStopped(Exception):
    """Raised inside a worker when another row's answer stopped the run."""


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")


class Pusher(Generic[Key]):
    """Send many payloads through one client; call ``run`` once."""

    def __init__(
        self,
        client: OpsComClient,
        options: PushOptions,
        on_outcome: Callable[[Key, PushOutcome], None] | None = None,
    ) -> None:
        self.client = client
        self.options = options
        self.on_outcome = on_outcome
        self.report: PushReport[Key] = PushReport()
        self._stop = asyncio.Event()

    async def run(self, items: Iterable[tuple[Key, Payload]]) -> PushReport[Key]:
        """Push every item; items never taken because the run stopped are left out of the report."""
        iterator = iter(items)
        workers = [self._work(iterator) for _ in range(max(1, self.options.concurrency))]
        await asyncio.gather(*workers)
        return self.report

    async def _work(self, iterator: Iterable[tuple[Key, Payload]]) -> None:
        for key, payload in iterator:
            if self._stop.is_set():
                return
            outcome = await self.push_one(payload)
            if outcome.status is Status.NOT_ATTEMPTED:
                return
            self.report.outcomes[key] = outcome
            if self.on_outcome is not None:
                self.on_outcome(key, outcome)

    async def push_one(self, payload: Payload) -> PushOutcome:
        """Send one payload with retries and return its final outcome."""
        attempts = 0
        answer: Answer | None = None
        try:
            async for attempt in stamina.retry_context(
                on=self._retry_wait,
                attempts=self.options.max_attempts,
                timeout=self.options.max_seconds_per_row,
                wait_initial=0.5,
                wait_max=30.0,
            ):
                with attempt:
                    if self._stop.is_set():
                        raise RunStopped  # noqa: TRY301 - ends the stamina attempt loop
                    attempts += 1
                    async with asyncio.timeout(self.options.request_timeout):
                        answer = await self.client.push(payload)
                    if answer.kind is AnswerKind.RETRY:
                        raise RetryableAnswer(answer)  # noqa: TRY301 - stamina retries on it
        except RunStopped:
            return PushOutcome(Status.NOT_ATTEMPTED, attempts, None, now_iso())
        except RetryableAnswer as exc:
            return self._gave_up(attempts, exc.answer.http_status, exc.answer.message)
        except (httpx.TransportError, TimeoutError) as exc:
            return self._gave_up(attempts, None, describe_transport_error(exc))
        assert answer is not None  # the loop ran at least once without raising
        return self._settle(answer, attempts)

    def _retry_wait(self, exc: Exception) -> bool | float:
        if isinstance(exc, RetryableAnswer):
            retry_after = exc.answer.retry_after
            if retry_after is None:
                return True
            return min(retry_after, self.options.max_retry_after)
        return isinstance(exc, httpx.TransportError | TimeoutError)

    def _gave_up(self, attempts: int, http_status: int | None, reason: str) -> PushOutcome:
        message = f"gave up after {attempts} attempt{'s' if attempts != 1 else ''}: {reason}"
        return PushOutcome(Status.FAILED, attempts, http_status, now_iso(), message)

    def _settle(self, answer: Answer, attempts: int) -> PushOutcome:
        if answer.kind is AnswerKind.CONFIGURATION and not self._stop.is_set():
            self._stop.set()
            self.report.stopped_by = ServerConfigurationError(
                f"{self.client.target.label}: {answer.message} Nothing more was sent."
            )
            logger.error("stopping the run: %s", answer.message)
        return PushOutcome(
            ANSWER_STATUS[answer.kind],
            attempts,
            answer.http_status,
            now_iso(),
            answer.message,
            answer.error_code,
            answer.warnings,
        )


def describe_transport_error(exc: BaseException) -> str:
    """Name a connection failure in plain words; the request body (and token) never appears."""
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return "the request timed out"
    detail = str(exc).strip()
    kind = type(exc).__name__
    return f"connection failed ({kind}{': ' + detail if detail else ''})"
