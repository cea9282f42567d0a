"""Send one vehicle to the Push API and read the answer, whatever shape it takes.

The server's HTTP status codes are undocumented, so ``read_answer`` classifies on the JSON
``ErrorCode`` first (errors may arrive with status 200), then on the status, and turns any
body that is not JSON into a readable message instead of a crash.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import urllib.request
from dataclasses import dataclass, replace
from enum import Enum
from http.cookiejar import Cookie, CookieJar

import httpx

from importer.config import Secret, Target
from importer.records import Payload
from importer.transport import TransportName, make_transport, pool_limits

__all__ = ["TransportName", "make_transport"]

EXISTS_CODES = frozenset({9012, 9022})
CLIENT_CODE_SETTING = (
    "the client code (--client-code, OPSCOM_CLIENT_CODE or client_code in --config)"
)
AUTH_SETTING = "the API token (OPSCOM_API_TOKEN, OPSCOM_API_TOKEN_FILE or api_token in --config)"
CONFIGURATION_CODES = {
    9000: f"the server did not receive a client code; check {CLIENT_CODE_SETTING}",
    9001: f"the server did not receive an API token; check {AUTH_SETTING}",
    9002: (
        f"the API token lacks permission for vehicle pushes on this client code; check "
        f"{AUTH_SETTING} and {CLIENT_CODE_SETTING}, and that OPS-COM enabled API access"
    ),
}
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: Statuses with which a busy server rejects a request before handling it.
THROTTLE_STATUSES = frozenset({429, 503})
BODY_EXCERPT = 200
REDACTED = "********"

_httpx_logger = logging.getLogger("httpx")


class AnswerKind(Enum):
    """How the importer reads one answer from the server."""

    PUSHED = "pushed"
    EXISTS = "exists"
    REJECTED = "rejected"
    FAILED = "failed"
    RETRY = "retry"
    CONFIGURATION = "configuration"


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP answer, classified."""

    kind: AnswerKind
    http_status: int | None
    message: str = ""
    error_code: int | None = None
    warnings: tuple[str, ...] = ()
    retry_after: float | None = None

    @property
    def reason(self) -> str:
        """A short stable key for the kind of failure, such as ``http-404`` or ``server-9030``."""
        if self.error_code is not None:
            return f"server-{self.error_code}"
        if self.http_status is not None:
            return f"http-{self.http_status}"
        return "unreadable-answer"


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds allowed to connect, to wait for each read, and for one whole request."""

    connect: float = 10.0
    read: float = 30.0
    total: float = 60.0


def read_answer(
    status: int,
    body: bytes,
    headers: httpx.Headers | None = None,
    *,
    now: dt.datetime | None = None,
) -> Answer:
    """Classify the server's answer to one push."""
    document, parsed = _json_document(body)
    if isinstance(document, dict) and _error_code(document) is not None:
        return _answer_with_error_code(status, document)
    if status in (401, 403):
        return Answer(
            AnswerKind.CONFIGURATION,
            status,
            f"the server answered HTTP {status} without an error code, so it rejected the "
            f"credentials; check {AUTH_SETTING} and {CLIENT_CODE_SETTING}.",
        )
    if status in RETRY_STATUSES:
        retry_after = parse_retry_after(headers.get("Retry-After") if headers else None, now)
        message = _status_message(status, body, parsed)
        return Answer(AnswerKind.RETRY, status, message, retry_after=retry_after)
    if 200 <= status < 300 and isinstance(document, dict):
        return Answer(AnswerKind.PUSHED, status, warnings=_warnings(document))
    return Answer(AnswerKind.FAILED, status, _failure_message(status, body, parsed, headers))


def _json_document(body: bytes) -> tuple[object, bool]:
    """Return the parsed body and whether it was JSON at all."""
    try:
        return json.loads(body.decode("utf-8-sig")), True
    except (ValueError, UnicodeDecodeError):
        return None, False


def _error_code(document: dict[str, object]) -> object | None:
    """Return the ``ErrorCode`` value (any letter case), or None when there is none."""
    code = document.get("ErrorCode")
    if code is None:
        code = next((v for k, v in document.items() if k.lower() == "errorcode"), None)
    return None if code in (None, "", 0, "0") else code


def _answer_with_error_code(status: int, document: dict[str, object]) -> Answer:
    raw_code = _error_code(document)
    message = _error_message(document)
    try:
        code = int(str(raw_code))
    except ValueError:
        return Answer(AnswerKind.REJECTED, status, f"error {raw_code}: {message}")
    if code in EXISTS_CODES:
        return Answer(AnswerKind.EXISTS, status, f"{code}: {message}", error_code=code)
    if code in CONFIGURATION_CODES:
        text = f"the server answered error {code} ({message}): {CONFIGURATION_CODES[code]}."
        return Answer(AnswerKind.CONFIGURATION, status, text, error_code=code)
    return Answer(AnswerKind.REJECTED, status, f"error {code}: {message}", error_code=code)


def _error_message(document: dict[str, object]) -> str:
    message = document.get("ErrorMessage")
    if message is None:
        message = next((v for k, v in document.items() if k.lower() == "errormessage"), None)
    return " ".join(str(message or "").split()) or "no message"


def _warnings(document: dict[str, object]) -> tuple[str, ...]:
    warnings = document.get("warnings") or document.get("Warnings")
    if isinstance(warnings, list):
        return tuple(str(item) for item in warnings)
    if isinstance(warnings, str) and warnings:
        return (warnings,)
    return ()


def _status_message(status: int, body: bytes, parsed: bool) -> str:
    text = " ".join(body.decode("utf-8", errors="replace").split())
    if not text:
        return f"HTTP {status} with an empty body."
    excerpt = text[:BODY_EXCERPT] + ("…" if len(text) > BODY_EXCERPT else "")
    if parsed:
        return f"HTTP {status} with an unexpected JSON answer: {excerpt}"
    return f"HTTP {status}, not a JSON answer: {excerpt}"


def end_sentence(text: str) -> str:
    """Return ``text`` ending with a full stop, so that another sentence can follow it."""
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _failure_message(status: int, body: bytes, parsed: bool, headers: httpx.Headers | None) -> str:
    """Describe an answer that cannot succeed on retry, with a hint where the status has one."""
    message = _status_message(status, body, parsed)
    if 200 <= status < 300:
        hint = "The vehicle may have been stored; a rerun reports it as exists if so."
    elif 300 <= status < 400:
        location = headers.get("Location") if headers else None
        where = f" to {location}" if location else ""
        hint = f"The base URL redirects{where}; use the final URL as the base URL."
    elif status == 404:
        hint = f"Check the base URL and {CLIENT_CODE_SETTING}."
    else:
        return message
    return f"{end_sentence(message)} {hint}"


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Return the wait a ``Retry-After`` header requests, in seconds (a delay or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        return _seconds_until(value, now)
    return seconds if seconds >= 0 and seconds != float("inf") else None


def _seconds_until(http_date: str, now: dt.datetime | None) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


def redact_answer(answer: Answer, secret: Secret) -> Answer:
    """Return ``answer`` with every echo of the secret removed from its message and warnings."""
    token = secret.reveal()
    if not token:
        return answer
    if token not in answer.message and not any(token in warning for warning in answer.warnings):
        return answer
    return replace(
        answer,
        message=redact(answer.message, secret),
        warnings=tuple(redact(warning, secret) for warning in answer.warnings),
    )


def redact(text: str, secret: Secret) -> str:
    """Return ``text`` with every occurrence of the secret replaced, for messages and logs."""
    token = secret.reveal()
    return text.replace(token, REDACTED) if token and token in text else text


class NoCookies(CookieJar):
    """A cookie jar that keeps nothing: the Push API authenticates each request by its body."""

    def set_cookie(self, cookie: Cookie) -> None:
        """Drop the cookie."""

    def extract_cookies(self, response: object, request: urllib.request.Request) -> None:
        """Keep no cookie from the response."""


class OpsComClient:
    """An ``httpx.AsyncClient`` bound to one target; use with ``async with``.

    With ``transport`` None, httpx builds its own transport with a pool of ``pool_size`` and
    reads proxies from the environment. Pass ``make_transport("aiohttp", n)`` for the faster
    transport, or an ``httpx.MockTransport`` in tests.

    Every push goes to the same URL with the same headers and timeouts, so these parts of the
    request are built once. A transport passed in receives each request directly, as
    ``AsyncClient.send`` would pass it. This skips the client's per-request handling of
    cookies, authentication, redirects and event hooks, none of which this client uses: it
    keeps no cookies and follows no redirects. With httpx 0.29 that handling cost about 50 µs
    of CPU per request in a benchmark. httpx's own transport is still reached through
    ``AsyncClient.send``, which picks the proxy for the URL.
    """

    def __init__(
        self,
        target: Target,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeouts: Timeouts | None = None,
        pool_size: int = 8,
    ) -> None:
        self.target = target
        self.timeouts = timeouts or Timeouts()
        self._http = httpx.AsyncClient(
            transport=transport,
            limits=pool_limits(pool_size),
            timeout=httpx.Timeout(
                self.timeouts.read, connect=self.timeouts.connect, pool=self.timeouts.total
            ),
            headers={"Accept": "application/json", "Content-Type": "application/json"},
            cookies=NoCookies(),
            follow_redirects=False,
            trust_env=True,
        )
        # Each request gets what ``AsyncClient.build_request`` gives it: the client's headers
        # (with httpx's defaults, such as User-Agent) and its timeouts. ``Request(content=...)``
        # then adds Host and Content-Length, normalising every header again. So the headers
        # are built here once, in the order httpx builds them, and each request only appends
        # its Content-Length.
        self._url = httpx.URL(target.push_url)
        self._extensions = {"timeout": self._http.timeout.as_dict()}
        template = httpx.Request("POST", self._url, headers=self._http.headers, content=b"{}")
        self._headers = [item for item in template.headers.raw if item[0] != b"Content-Length"]
        self._transport = transport

    async def __aenter__(self) -> OpsComClient:
        await self._http.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._http.aclose()

    async def push(self, payload: Payload) -> Answer:
        """Send one vehicle and classify the answer; transport errors propagate as httpx errors.

        The token is added last, so a payload field can never replace it. Any echo of the
        token in the server's answer is removed from the message.
        """
        body = json.dumps({**payload, "apiToken": self.target.token.reveal()}).encode()
        headers = httpx.Headers([*self._headers, (b"Content-Length", b"%d" % len(body))])
        request = httpx.Request(
            "POST",
            self._url,
            headers=headers,
            stream=httpx.ByteStream(body),
            extensions=self._extensions,
        )
        request.read()
        try:
            response = await self._send(request)
        except httpx.DecodingError as exc:
            return Answer(AnswerKind.FAILED, None, f"the answer could not be decoded ({exc}).")
        answer = read_answer(response.status_code, response.content, response.headers)
        return redact_answer(answer, self.target.token)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """Send through the transport passed in, else through the client, and read the body."""
        if self._transport is None:
            return await self._http.send(request)
        if self._http.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        response = await self._transport.handle_async_request(request)
        try:
            await response.aread()
        except BaseException:
            await response.aclose()
            raise
        if _httpx_logger.isEnabledFor(logging.INFO):
            # AsyncClient.send logs this line for every request, and -vv shows it.
            _httpx_logger.info(
                'HTTP Request: %s %s "%s %d %s"',
                request.method,
                request.url,
                response.http_version,
                response.status_code,
                response.reason_phrase,
            )
        return response

    def __repr__(self) -> str:
        return f"OpsComClient({self.target.label})"
