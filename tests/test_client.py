"""The Push API client: reading every kind of answer, Retry-After, the request it sends."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging

import httpx
import pytest
from aiohttp import web

from importer.client import (
    Answer,
    AnswerKind,
    OpsComClient,
    parse_retry_after,
    read_answer,
    redact,
    redact_answer,
)
from importer.config import Secret, Target

NOW = dt.datetime(2026, 3, 2, 12, 0, 0, tzinfo=dt.UTC)
TARGET = Target("https://opscom.example.test", "OC_TEST", Secret("tok-1234-secret"))
HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


def _json(document: object) -> bytes:
    return json.dumps(document).encode()


def _error(code: object, message: str = "Some message.") -> bytes:
    return _json({"ErrorCode": code, "ErrorMessage": message})


def test_answer_success_is_pushed() -> None:
    assert read_answer(200, _json({"success": True})) == Answer(AnswerKind.PUSHED, 200)


def test_answer_success_keeps_warnings() -> None:
    answer = read_answer(200, _json({"success": True, "warnings": ["colour was truncated"]}))
    assert answer.kind is AnswerKind.PUSHED
    assert answer.warnings == ("colour was truncated",)


def test_answer_single_warning_string() -> None:
    answer = read_answer(201, _json({"Warnings": "make unknown"}))
    assert answer.warnings == ("make unknown",)


def test_answer_9012_is_exists() -> None:
    answer = read_answer(409, _error(9012, "The vehicle is already in the database."))
    assert answer == Answer(
        AnswerKind.EXISTS, 409, "9012: The vehicle is already in the database.", error_code=9012
    )


def test_answer_9022_with_200_is_exists() -> None:
    answer = read_answer(200, _error("9022"))
    assert answer.kind is AnswerKind.EXISTS
    assert answer.error_code == 9022


@pytest.mark.parametrize(
    ("code", "setting"),
    [
        (9000, "OPSCOM_CLIENT_CODE"),
        (9001, "OPSCOM_API_TOKEN"),
        (9002, "OPSCOM_API_TOKEN"),
    ],
)
def test_answer_configuration_codes(code: int, setting: str) -> None:
    answer = read_answer(200, _error(code, "Denied."))
    assert answer.kind is AnswerKind.CONFIGURATION
    assert answer.error_code == code
    assert answer.message.startswith(f"the server answered error {code} (Denied.): ")
    assert setting in answer.message


@pytest.mark.parametrize("status", [401, 403])
def test_answer_401_403_without_code(status: int) -> None:
    answer = read_answer(status, b"Unauthorized")
    assert answer.kind is AnswerKind.CONFIGURATION
    assert answer.message == (
        f"the server answered HTTP {status} without an error code, so it rejected the "
        "credentials; check the API token (OPSCOM_API_TOKEN, OPSCOM_API_TOKEN_FILE or "
        "api_token in --config) and the client code (--client-code, OPSCOM_CLIENT_CODE or "
        "client_code in --config)."
    )


def test_answer_other_code_is_rejected() -> None:
    answer = read_answer(200, _error(9030, "Field make is too long."))
    assert answer == Answer(
        AnswerKind.REJECTED, 200, "error 9030: Field make is too long.", error_code=9030
    )


def test_answer_code_on_503_not_retried() -> None:
    answer = read_answer(503, _error(9031))
    assert answer.kind is AnswerKind.REJECTED


def test_answer_non_numeric_code_rejected() -> None:
    answer = read_answer(400, _error("E-BAD", ""))
    assert answer == Answer(AnswerKind.REJECTED, 400, "error E-BAD: no message")


def test_answer_lowercase_error_code_key() -> None:
    answer = read_answer(200, _json({"errorCode": 9012, "errorMessage": "exists"}))
    assert answer.kind is AnswerKind.EXISTS


def test_answer_zero_code_is_success() -> None:
    answer = read_answer(200, _json({"ErrorCode": 0, "success": True}))
    assert answer.kind is AnswerKind.PUSHED


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_answer_retry_statuses(status: int) -> None:
    assert read_answer(status, b"").kind is AnswerKind.RETRY


def test_answer_retry_after_seconds() -> None:
    answer = read_answer(429, b"slow down", httpx.Headers({"Retry-After": "7"}))
    assert answer.retry_after == 7.0
    assert answer.message == "HTTP 429, not a JSON answer: slow down"


def test_answer_retry_after_http_date() -> None:
    headers = httpx.Headers({"Retry-After": "Mon, 02 Mar 2026 12:00:30 GMT"})
    answer = read_answer(503, b"", headers, now=NOW)
    assert answer.retry_after == 30.0


def test_answer_html_page_excerpt() -> None:
    answer = read_answer(502, HTML_502)
    assert answer.kind is AnswerKind.RETRY
    assert answer.message == f"HTTP 502, not a JSON answer: {HTML_502.decode()}"


def test_answer_long_body_cut_at_200() -> None:
    answer = read_answer(500, b"x" * 500)
    assert answer.message == f"HTTP 500, not a JSON answer: {'x' * 200}…"


def test_answer_empty_200_failed() -> None:
    answer = read_answer(200, b"")
    assert answer.kind is AnswerKind.FAILED
    assert answer.message == (
        "HTTP 200 with an empty body. The vehicle may have been stored; a rerun reports it as "
        "exists if so."
    )


def test_answer_truncated_json_failed() -> None:
    answer = read_answer(200, b'{"success": tr')
    assert answer.kind is AnswerKind.FAILED
    assert answer.message.startswith('HTTP 200, not a JSON answer: {"success": tr. The vehicle')


def test_answer_json_list_unexpected() -> None:
    answer = read_answer(200, b"[1, 2]")
    assert answer.kind is AnswerKind.FAILED
    assert answer.message.startswith("HTTP 200 with an unexpected JSON answer: [1, 2]")


def test_answer_bom_json_pushed() -> None:
    assert read_answer(200, b'\xef\xbb\xbf{"success": true}').kind is AnswerKind.PUSHED


def test_answer_invalid_utf8_readable() -> None:
    answer = read_answer(400, b"bad \xff byte")
    assert answer.message == "HTTP 400, not a JSON answer: bad \ufffd byte"


def test_answer_404_hints_base_url() -> None:
    answer = read_answer(404, b"Not Found")
    assert answer.kind is AnswerKind.FAILED
    assert answer.message == (
        "HTTP 404, not a JSON answer: Not Found. Check the base URL and the client code "
        "(--client-code, OPSCOM_CLIENT_CODE or client_code in --config)."
    )


def test_answer_redirect_names_location() -> None:
    headers = httpx.Headers({"Location": "https://new.example.test/api"})
    answer = read_answer(301, b"", headers)
    assert answer.message == (
        "HTTP 301 with an empty body. The base URL redirects to https://new.example.test/api; "
        "use the final URL as the base URL."
    )


def test_answer_reason_keys() -> None:
    assert read_answer(404, b"").reason == "http-404"
    assert read_answer(200, _error(9030)).reason == "server-9030"
    assert Answer(AnswerKind.FAILED, None).reason == "unreadable-answer"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        ("-3", None),
        ("soon", None),
        ("nan", None),
        ("", None),
        (None, None),
        ("Mon, 02 Mar 2026 11:59:00 GMT", 0.0),
        ("Mon, 02 Mar 2026 12:02:00 GMT", 120.0),
    ],
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


def test_redact_replaces_token() -> None:
    assert redact("echo tok-1234-secret twice tok-1234-secret", TARGET.token) == (
        "echo ******** twice ********"
    )


def _push(handler: httpx.MockTransport, payload: dict[str, str]) -> Answer:
    async def send() -> Answer:
        async with OpsComClient(TARGET, transport=handler) as client:
            return await client.push(payload)

    return asyncio.run(send())


def test_push_sends_token_last() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"success": True})

    _push(httpx.MockTransport(handler), {"plate": "AB1", "apiToken": "from-the-sheet"})
    assert str(seen[0].url) == "https://opscom.example.test/api/OC_TEST/v1/vehicles/push"
    assert json.loads(seen[0].content) == {"plate": "AB1", "apiToken": "tok-1234-secret"}
    assert seen[0].headers["Content-Type"] == "application/json"
    assert seen[0].headers["Accept"] == "application/json"


def test_push_redacts_echoed_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, content=b"<pre>" + request.content + b"</pre>")

    answer = _push(httpx.MockTransport(handler), {"plate": "AB1"})
    assert "tok-1234-secret" not in answer.message
    assert answer.message == (
        'HTTP 400, not a JSON answer: <pre>{"plate": "AB1", "apiToken": "********"}</pre>'
    )


def test_push_redacts_token_in_warnings() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"warnings": ["token tok-1234-secret is old"]})

    answer = _push(httpx.MockTransport(handler), {"plate": "AB1"})
    assert answer.warnings == ("token ******** is old",)


def test_push_undecodable_body_failed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"not gzip", headers={"Content-Encoding": "gzip"})

    answer = _push(httpx.MockTransport(handler), {"plate": "AB1"})
    assert answer.kind is AnswerKind.FAILED
    assert answer.message.startswith("the answer could not be decoded")


def test_client_repr_hides_token() -> None:
    client = OpsComClient(TARGET, transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    assert repr(client) == "OpsComClient(https://opscom.example.test (client code OC_TEST))"


def test_push_sends_client_defaults() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"success": True})

    _push(httpx.MockTransport(handler), {"plate": "AB1"})
    assert seen[0].headers["User-Agent"] == f"python-httpx/{httpx.__version__}"
    assert seen[0].headers["Host"] == "opscom.example.test"
    assert seen[0].extensions["timeout"] == {
        "connect": 10.0,
        "read": 30.0,
        "write": 30.0,
        "pool": 60.0,
    }


def test_push_headers_as_httpx_builds_them() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"success": True})

    _push(httpx.MockTransport(handler), {"plate": "AB1"})
    client = httpx.AsyncClient(
        headers={"Accept": "application/json", "Content-Type": "application/json"}
    )
    built = client.build_request("POST", TARGET.push_url, content=seen[0].content)
    assert seen[0].headers.raw == built.headers.raw


def test_push_keeps_no_cookies() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={}, headers={"Set-Cookie": "session=abc; Path=/"})

    async def send_twice() -> None:
        async with OpsComClient(TARGET, transport=httpx.MockTransport(handler)) as client:
            await client.push({"plate": "AB1"})
            await client.push({"plate": "AB2"})

    asyncio.run(send_twice())
    assert "Cookie" not in seen[1].headers


def test_push_logs_request_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    _push(httpx.MockTransport(lambda request: httpx.Response(201, json={})), {"plate": "AB1"})
    assert caplog.messages == [
        "HTTP Request: POST https://opscom.example.test/api/OC_TEST/v1/vehicles/push "
        '"HTTP/1.1 201 Created"'
    ]


def test_push_after_close_rejected() -> None:
    async def send_after_close() -> None:
        transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
        async with OpsComClient(TARGET, transport=transport) as client:
            pass
        await client.push({"plate": "AB1"})

    with pytest.raises(RuntimeError, match="the client has been closed"):
        asyncio.run(send_after_close())


def test_push_httpx_transport_keeps_no_cookies() -> None:
    cookies: list[str | None] = []

    async def handler(request: web.Request) -> web.Response:
        cookies.append(request.headers.get("Cookie"))
        response = web.json_response({"success": True})
        response.set_cookie("session", "abc")
        return response

    async def send_twice() -> None:
        app = web.Application()
        app.router.add_post("/api/OC_TEST/v1/vehicles/push", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        target = Target(f"http://127.0.0.1:{runner.addresses[0][1]}", "OC_TEST", TARGET.token)
        try:
            async with OpsComClient(target, transport=None) as client:
                await client.push({"plate": "AB1"})
                await client.push({"plate": "AB2"})
        finally:
            await runner.cleanup()

    asyncio.run(send_twice())
    assert cookies == [None, None]


def test_redact_answer_without_echo_unchanged() -> None:
    answer = Answer(AnswerKind.PUSHED, 200, warnings=("colour was truncated",))
    assert redact_answer(answer, TARGET.token) is answer
