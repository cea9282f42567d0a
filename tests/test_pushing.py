"""The pusher: final status, attempts and message per answer kind, throttling, stops.

Answers come from ``httpx.MockTransport`` handlers. The shared fixture puts stamina in test
mode, so retries keep their attempt counts but never sleep.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import stamina

from importer.client import OpsComClient, Timeouts, read_answer
from importer.config import Secret, Target
from importer.errors import ServerConfigurationError
from importer.guard import RepeatedFailureError
from importer.pushing import (
    MAYBE_STORED_NOTE,
    Pusher,
    PushOptions,
    PushOutcome,
    RetryableAnswer,
    RowAttempts,
    SecondClock,
    stop_note,
)
from importer.records import Status
from importer.signals import Interrupted

TARGET = Target("https://opscom.example.test", "OC_TEST", Secret("tok-1234-secret"))
Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]
EXISTS = {"ErrorCode": 9012, "ErrorMessage": "The vehicle is already in the database."}


@dataclass
class Run:
    """A pusher run's report, the requests the handler saw and the pauses asked for."""

    outcomes: dict[int, PushOutcome]
    stopped_by: object
    requests: list[str] = field(default_factory=list)
    pauses: list[float] = field(default_factory=list)


def _plates(count: int) -> Iterator[tuple[int, dict[str, str]]]:
    return ((i, {"plate": f"P{i}", "prov": "ON", "plateType": "Passenger"}) for i in range(count))


def _run(
    handler: Handler,
    rows: int = 1,
    options: PushOptions | None = None,
    timeouts: Timeouts | None = None,
    during: Callable[[Pusher[int]], Awaitable[None]] | None = None,
) -> Run:
    """Push ``rows`` vehicles through ``handler``; ``during`` runs beside the pusher."""
    run = Run({}, None)

    def recording(request: httpx.Request) -> httpx.Response | Awaitable[httpx.Response]:
        run.requests.append(request.content.decode())
        return handler(request)

    async def pause(seconds: float) -> None:
        run.pauses.append(seconds)

    async def go() -> None:
        transport = httpx.MockTransport(recording)
        async with OpsComClient(TARGET, transport=transport, timeouts=timeouts) as client:
            pusher: Pusher[int] = Pusher(client, options or PushOptions(), pause_sleep=pause)
            side = asyncio.create_task(during(pusher)) if during else None
            report = await pusher.run(_plates(rows))
            if side is not None:
                await side
        run.outcomes, run.stopped_by = report.outcomes, report.stopped_by

    asyncio.run(go())
    return run


def _sequence(*responses: httpx.Response | Exception) -> Handler:
    """Answer the requests in turn; the last answer repeats."""
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler


def _json(status: int, document: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=document, headers=headers)


def test_push_pushed_first_attempt() -> None:
    outcome = _run(_sequence(_json(200, {"success": True}))).outcomes[0]
    assert outcome.status is Status.PUSHED
    assert outcome.attempts == 1
    assert outcome.http_status == 200
    assert outcome.message == ""
    assert dt.datetime.fromisoformat(outcome.finished_at).tzinfo is not None


def test_push_keeps_server_warnings() -> None:
    outcome = _run(_sequence(_json(200, {"warnings": ["colour truncated"]}))).outcomes[0]
    assert outcome.status is Status.PUSHED
    assert outcome.warnings == ("colour truncated",)


def test_push_exists() -> None:
    outcome = _run(_sequence(_json(409, EXISTS))).outcomes[0]
    assert outcome.status is Status.EXISTS
    assert outcome.attempts == 1
    assert outcome.error_code == 9012
    assert outcome.reason is None


def test_push_rejected_not_retried() -> None:
    run = _run(_sequence(_json(200, {"ErrorCode": 9030, "ErrorMessage": "Make too long."})))
    outcome = run.outcomes[0]
    assert outcome.status is Status.REJECTED
    assert outcome.attempts == 1
    assert outcome.message == "error 9030: Make too long."
    assert outcome.reason == "server-9030"
    assert len(run.requests) == 1


def test_push_error_code_on_503_not_retried() -> None:
    run = _run(_sequence(_json(503, {"ErrorCode": 9099, "ErrorMessage": "Busy."})))
    assert run.outcomes[0].status is Status.REJECTED
    assert len(run.requests) == 1


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_push_retries_then_pushed(status: int) -> None:
    run = _run(_sequence(httpx.Response(status), _json(200, {"success": True})))
    outcome = run.outcomes[0]
    assert outcome.status is Status.PUSHED
    assert outcome.attempts == 2
    assert outcome.http_status == 200


def test_push_gives_up_after_max_attempts() -> None:
    outcome = _run(_sequence(httpx.Response(503))).outcomes[0]
    assert outcome.status is Status.FAILED
    assert outcome.attempts == 6
    assert outcome.http_status == 503
    assert outcome.message == "gave up after 6 attempts: HTTP 503 with an empty body."
    assert outcome.reason == "http-503"


def test_push_max_attempts_option() -> None:
    run = _run(_sequence(httpx.Response(500, text="oops")), options=PushOptions(max_attempts=3))
    assert run.outcomes[0].attempts == 3
    assert run.outcomes[0].message == (
        "gave up after 3 attempts: HTTP 500, not a JSON answer: oops." + MAYBE_STORED_NOTE
    )


@pytest.mark.parametrize("status", [400, 404, 405, 409, 422])
def test_push_other_4xx_not_retried(status: int) -> None:
    run = _run(_sequence(httpx.Response(status, text="no")))
    assert run.outcomes[0].status is Status.FAILED
    assert run.outcomes[0].attempts == 1
    assert len(run.requests) == 1


def test_push_html_page_failed_readably() -> None:
    page = "<html><body><h1>Forbidden by proxy policy</h1></body></html>"
    outcome = _run(_sequence(httpx.Response(400, text=page))).outcomes[0]
    assert outcome.message == f"HTTP 400, not a JSON answer: {page}"


def test_push_connect_error_then_pushed() -> None:
    run = _run(_sequence(httpx.ConnectError("refused"), _json(200, {"success": True})))
    assert run.outcomes[0].status is Status.PUSHED
    assert run.outcomes[0].attempts == 2


def test_push_connect_errors_give_up() -> None:
    outcome = _run(_sequence(httpx.ConnectError("refused"))).outcomes[0]
    assert outcome.status is Status.FAILED
    assert outcome.attempts == 6
    assert outcome.http_status is None
    assert outcome.message == "gave up after 6 attempts: connection failed (ConnectError: refused)"
    assert outcome.reason == "connection"


def test_push_read_timeouts_may_have_stored() -> None:
    outcome = _run(_sequence(httpx.ReadTimeout("slow"))).outcomes[0]
    assert outcome.message == (
        "gave up after 6 attempts: no answer within --read-timeout." + MAYBE_STORED_NOTE
    )
    assert outcome.reason == "timeout"


def test_push_lost_answer_then_9012_is_pushed() -> None:
    handler = _sequence(httpx.RemoteProtocolError("closed"), _json(409, EXISTS))
    outcome = _run(handler).outcomes[0]
    assert outcome.status is Status.PUSHED
    assert outcome.attempts == 2
    assert outcome.http_status == 409
    assert outcome.warnings == ()
    assert outcome.message == (
        "An earlier attempt's answer was lost (the connection broke before a complete answer "
        "(closed)); the retry found the vehicle already stored (error 9012), most likely by "
        "that attempt."
    )


def test_push_502_then_9012_is_pushed() -> None:
    outcome = _run(_sequence(httpx.Response(502), _json(200, EXISTS))).outcomes[0]
    assert outcome.status is Status.PUSHED


def test_push_refused_then_9012_is_exists() -> None:
    outcome = _run(_sequence(httpx.ConnectError("refused"), _json(409, EXISTS))).outcomes[0]
    assert outcome.status is Status.EXISTS


def test_push_503_then_9012_is_exists() -> None:
    outcome = _run(_sequence(httpx.Response(503), _json(409, EXISTS))).outcomes[0]
    assert outcome.status is Status.EXISTS


def test_push_request_timeout() -> None:
    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200)

    run = _run(never, options=PushOptions(max_attempts=2), timeouts=Timeouts(total=0.02))
    outcome = run.outcomes[0]
    assert outcome.status is Status.FAILED
    assert outcome.attempts == 2
    assert outcome.message == (
        "gave up after 2 attempts: no complete answer before --request-timeout (0.02 s)."
        + MAYBE_STORED_NOTE
    )


def test_push_row_timeout() -> None:
    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200)

    outcome = _run(never, options=PushOptions(row_timeout=0.02)).outcomes[0]
    assert outcome.status is Status.FAILED
    assert outcome.attempts == 1
    assert outcome.message == (
        "gave up after 1 attempt: no final answer within --row-timeout (0.02 s); last: "
        "no answer yet"
    )


def test_push_honours_retry_after_for_run() -> None:
    throttled = httpx.Response(429, headers={"Retry-After": "7"})
    run = _run(_sequence(throttled, _json(200, {"success": True})))
    assert run.outcomes[0].status is Status.PUSHED
    assert [round(seconds, 1) for seconds in run.pauses] == [7.0]


def test_push_retry_after_past_row_timeout() -> None:
    throttled = httpx.Response(429, text="later", headers={"Retry-After": "500"})
    run = _run(_sequence(throttled, _json(200, {"success": True})))
    outcome = run.outcomes[0]
    assert outcome.status is Status.FAILED
    assert outcome.attempts == 1
    assert outcome.message == (
        "gave up after 1 attempt: HTTP 429, not a JSON answer: later. The server asked to "
        "wait 500 s, past --row-timeout."
    )
    assert run.pauses == []


def test_push_retry_after_is_backoff() -> None:
    async def decide() -> bool | float:
        transport = httpx.MockTransport(lambda request: httpx.Response(200))
        async with OpsComClient(TARGET, transport=transport) as client:
            pusher: Pusher[int] = Pusher(client, PushOptions())
            row = RowAttempts(started=asyncio.get_running_loop().time())
            answer = read_answer(503, b"", httpx.Headers({"Retry-After": "3"}))
            return pusher._retry_wait(row, RetryableAnswer(answer))

    assert asyncio.run(decide()) == 3.0


def test_push_wrong_token_one_request() -> None:
    answer = _json(401, {"ErrorCode": 9002, "ErrorMessage": "API Token does not have permission."})
    run = _run(_sequence(answer), rows=20)
    assert len(run.requests) == 1
    assert list(run.outcomes) == [0]
    assert run.outcomes[0].status is Status.FAILED
    assert isinstance(run.stopped_by, ServerConfigurationError)
    assert str(run.stopped_by).startswith(
        "https://opscom.example.test (client code OC_TEST): the server answered error 9002 "
        "(API Token does not have permission.): the API token lacks permission"
    )
    assert str(run.stopped_by).endswith("Nothing more was sent.")


def test_push_401_without_code_stops() -> None:
    run = _run(_sequence(httpx.Response(401, text="Unauthorized")), rows=5)
    assert len(run.requests) == 1
    assert isinstance(run.stopped_by, ServerConfigurationError)


def test_push_config_error_after_opening() -> None:
    bad = _json(200, {"ErrorCode": 9001, "ErrorMessage": "API Token is missing."})
    run = _run(_sequence(_json(200, {"success": True}), bad), rows=50)
    assert isinstance(run.stopped_by, ServerConfigurationError)
    assert len(run.requests) <= 1 + 8
    assert len(run.outcomes) == len(run.requests)


def test_push_guard_stops_repeated_404() -> None:
    run = _run(_sequence(httpx.Response(404, text="Not Found")), rows=100)
    assert isinstance(run.stopped_by, RepeatedFailureError)
    assert len(run.requests) == 10
    assert len(run.outcomes) == 10


def test_push_guard_stops_repeated_rejection() -> None:
    rejected = _json(200, {"ErrorCode": 9011, "ErrorMessage": "Province is required."})
    run = _run(_sequence(rejected), rows=100)
    assert isinstance(run.stopped_by, RepeatedFailureError)
    assert 10 <= len(run.requests) <= 10 + 8


def test_push_throttle_shrinks_whole_run() -> None:
    limits: list[int] = []
    answers = iter([_json(200, {})] + [httpx.Response(429)] * 8)

    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.001)
        return next(answers, _json(200, {}))

    async def watch(pusher: Pusher[int]) -> None:
        while not pusher.report.outcomes or len(pusher.report.outcomes) < 30:
            limits.append(pusher.limit.limit)
            await asyncio.sleep(0)

    run = _run(handler, rows=30, during=watch)
    assert all(outcome.status is Status.PUSHED for outcome in run.outcomes.values())
    assert 8 in limits
    assert min(limits[limits.index(8) :]) == 4


def test_push_on_outcome_per_row() -> None:
    seen: list[tuple[int, Status]] = []

    async def go() -> None:
        transport = httpx.MockTransport(lambda request: _json(200, {}))
        async with OpsComClient(TARGET, transport=transport) as client:
            pusher: Pusher[int] = Pusher(
                client, PushOptions(), lambda key, outcome: seen.append((key, outcome.status))
            )
            await pusher.run(_plates(3))

    asyncio.run(go())
    assert sorted(seen) == [(0, Status.PUSHED), (1, Status.PUSHED), (2, Status.PUSHED)]


def test_stop_cancels_row_in_backoff() -> None:
    """A row waiting 30 s before its retry ends as soon as the run stops."""
    stopped_row_finished = asyncio.Event()
    seen_in_time: list[bool] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if b'"P0"' in request.content:
            return httpx.Response(503, headers={"Retry-After": "30"})
        if b'"P1"' in request.content:
            await asyncio.sleep(0.01)  # lets P0 reach its backoff wait first
            pusher.stop(Interrupted(signal.SIGINT))
            try:
                await asyncio.wait_for(stopped_row_finished.wait(), timeout=5)
                seen_in_time.append(True)
            except TimeoutError:
                seen_in_time.append(False)
            return _json(200, {})
        return _json(200, {})

    def record(key: int, outcome: PushOutcome) -> None:
        if key == 0:
            stopped_row_finished.set()

    async def go() -> dict[int, PushOutcome]:
        nonlocal pusher
        transport = httpx.MockTransport(handler)
        async with OpsComClient(TARGET, transport=transport) as client:
            pusher = Pusher(client, PushOptions(concurrency=2), record, pause_sleep=_no_sleep)
            return (await pusher.run(_plates(5))).outcomes

    pusher: Pusher[int]
    with stamina.set_testing(False):
        outcomes = asyncio.run(go())
    assert seen_in_time == [True]
    assert outcomes[0].status is Status.FAILED
    assert outcomes[0].message == (
        "the run stopped after 1 attempt; last: HTTP 503 with an empty body."
    )
    assert outcomes[1].status is Status.PUSHED
    assert sorted(outcomes) == [0, 1]


async def _no_sleep(seconds: float) -> None:
    return None


def test_stop_grace_ends_slow_request() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return _json(200, {})

    async def interrupt(pusher: Pusher[int]) -> None:
        while not pusher._sending:
            await asyncio.sleep(0.001)
        pusher.stop(Interrupted(signal.SIGTERM))

    run = _run(slow, rows=3, options=PushOptions(stop_grace=0.02), during=interrupt)
    assert isinstance(run.stopped_by, Interrupted)
    assert list(run.outcomes) == [0]
    assert run.outcomes[0].status is Status.FAILED
    assert run.outcomes[0].message == (
        "the run stopped after 1 attempt; last: no complete answer before the run stopped."
        + MAYBE_STORED_NOTE
    )


def test_stop_logs_sentences(caplog: pytest.LogCaptureFixture) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return _json(200, {})

    async def interrupt(pusher: Pusher[int]) -> None:
        while not pusher._sending:
            await asyncio.sleep(0.001)
        pusher.stop(Interrupted(signal.SIGINT))

    with caplog.at_level(logging.WARNING, logger="importer.pushing"):
        _run(slow, rows=3, options=PushOptions(stop_grace=0.02), during=interrupt)
    assert caplog.messages[0] == (
        "stopping: interrupted by SIGINT; the rows not yet sent were marked 'not attempted'. "
        "Waiting up to 0.02 s for 1 request in flight."
    )


def test_second_stop_ends_at_once() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return _json(200, {})

    async def interrupt_twice(pusher: Pusher[int]) -> None:
        while not pusher._sending:
            await asyncio.sleep(0.001)
        pusher.stop(Interrupted(signal.SIGINT))
        await asyncio.sleep(0.01)
        pusher.stop(Interrupted(signal.SIGINT))

    run = _run(slow, rows=3, options=PushOptions(stop_grace=60), during=interrupt_twice)
    assert run.outcomes[0].status is Status.FAILED
    assert str(run.stopped_by) == (
        "interrupted by SIGINT; the rows not yet sent were marked 'not attempted'."
    )


def test_stop_lets_in_flight_finish() -> None:
    async def quick(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.01)
        return _json(200, {})

    async def interrupt(pusher: Pusher[int]) -> None:
        while not pusher._sending:
            await asyncio.sleep(0.001)
        pusher.stop(Interrupted(signal.SIGINT))

    run = _run(quick, rows=10, during=interrupt)
    assert [outcome.status for outcome in run.outcomes.values()] == [Status.PUSHED]


def test_stop_note_per_cause() -> None:
    assert stop_note(Interrupted(signal.SIGTERM)) == (
        "Not sent: the run stopped before this row (interrupted by SIGTERM); see the Summary sheet."
    )
    assert stop_note(ServerConfigurationError("x")) == (
        "Not sent: the run stopped before this row (the server rejected the client code or "
        "the API token); see the Summary sheet."
    )
    assert stop_note(RepeatedFailureError("x")) == (
        "Not sent: the run stopped before this row (most of the first rows failed the same "
        "way); see the Summary sheet."
    )


def test_stop_logs_nothing_in_flight(caplog: pytest.LogCaptureFixture) -> None:
    options = PushOptions(concurrency=1)
    with caplog.at_level(logging.WARNING, logger="importer.pushing"):
        _run(_sequence(*[httpx.Response(404, text="Not Found")] * 12), rows=12, options=options)
    messages = [
        record.getMessage() for record in caplog.records if record.name == "importer.pushing"
    ]
    assert messages == [
        "stopping: stopped early: 10 of the first 10 rows failed the same way (HTTP 404, not a "
        "JSON answer: Not Found. Check the base URL and the client code (--client-code, "
        "OPSCOM_CLIENT_CODE or client_code in --config)). The rows not yet sent were marked "
        "'not attempted'."
    ]


def _by_plate(answers: dict[str, list[httpx.Response]]) -> Handler:
    """Answer each plate's requests in turn; its last answer repeats."""

    def handler(request: httpx.Request) -> httpx.Response:
        queue = answers[json.loads(request.content)["plate"]]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler


def _retry_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [
        (record.levelname, record.getMessage())
        for record in caplog.records
        if record.name == "importer.retry_log"
    ]


def test_retry_logged_per_row(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    ok = _json(200, {"success": True})
    handler = _by_plate(
        {"P0": [httpx.Response(503), ok], "P1": [httpx.Response(502, text="<html>"), ok]}
    )
    _run(handler, rows=2, options=PushOptions(concurrency=1))
    assert _retry_lines(caplog) == [
        (
            "INFO",
            "item 0, plate P0: attempt 1 failed (HTTP 503 with an empty body.); retrying in 0.0 s",
        ),
        (
            "INFO",
            "item 1, plate P1: attempt 1 failed (HTTP 502, not a JSON answer: <html>); "
            "retrying in 0.0 s",
        ),
        ("WARNING", "2 retries for 2 rows (4 requests): 1 after http-503, 1 after http-502"),
    ]


def test_retries_counted_per_reason(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    ok = _json(200, {"success": True})
    handler = _by_plate(
        {
            "P0": [httpx.Response(502), httpx.Response(502), ok],
            "P1": [httpx.Response(429, headers={"Retry-After": "1"}), ok],
            "P2": [httpx.Response(502), ok],
        }
    )
    _run(handler, rows=3)
    assert _retry_lines(caplog) == [
        ("WARNING", "4 retries for 3 rows (7 requests): 3 after http-502, 1 after http-429")
    ]


def test_no_retry_no_summary(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    _run(_sequence(_json(200, {"success": True})), rows=3)
    assert _retry_lines(caplog) == []


def test_retry_names_row(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    async def go() -> None:
        handler = _sequence(httpx.TransportError("reset"), _json(200, {"success": True}))
        async with OpsComClient(TARGET, transport=httpx.MockTransport(handler)) as client:
            pusher: Pusher[int] = Pusher(
                client, PushOptions(), describe_key=lambda key: f"Row {key + 2}"
            )
            await pusher.run(_plates(1))

    asyncio.run(go())
    assert _retry_lines(caplog)[0] == (
        "INFO",
        "Row 2, plate P0: attempt 1 failed (connection failed (TransportError: reset)); "
        "retrying in 0.0 s",
    )


def test_retry_second_failure_numbered_two(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    handler = _sequence(httpx.Response(503), httpx.Response(503), _json(200, {"success": True}))
    outcome = _run(handler).outcomes[0]
    assert outcome.attempts == 3
    assert [message for _, message in _retry_lines(caplog)][:2] == [
        "item 0, plate P0: attempt 1 failed (HTTP 503 with an empty body.); retrying in 0.0 s",
        "item 0, plate P0: attempt 2 failed (HTTP 503 with an empty body.); retrying in 0.0 s",
    ]


def test_retry_skipped_past_row_timeout() -> None:
    def late_failure(request: httpx.Request) -> httpx.Response:
        # The row's time runs out while the first attempt fails, before the loop can act on it.
        loop = asyncio.get_running_loop()
        real_time = loop.time
        loop.time = lambda: real_time() + 1000  # type: ignore[method-assign]
        raise httpx.ConnectError("refused")

    outcome = _run(late_failure, options=PushOptions(row_timeout=5)).outcomes[0]
    assert outcome.attempts == 1
    assert outcome.message == "gave up after 1 attempt: connection failed (ConnectError: refused)"


@pytest.fixture
def toronto_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "America/Toronto")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_second_clock_local_offset(toronto_time: None) -> None:
    assert SecondClock(lambda: 1_700_000_000.9)() == "2023-11-14T17:13:20-05:00"


def test_second_clock_next_second() -> None:
    readings = iter([1_700_000_000.2, 1_700_000_000.8, 1_700_000_001.0])
    clock = SecondClock(lambda: next(readings))
    texts = [clock(), clock(), clock()]
    assert texts[0] == texts[1]
    assert texts[2] != texts[1]
