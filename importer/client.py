"""Send one vehicle to the Push API and read the answer, whatever shape it takes.

The server's HTTP status codes are undocumented, so ``read_answer`` classifies on the JSON
``ErrorCode`` first (errors may arrive with status 200), then on the status, and turns any
body that is not JSON into a readable message instead of a crash.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from dataclasses import dataclass
from enum import Enum
from typing import Literal

import httpx

from importer.config import Target
from importer.records import Payload

TransportName = Literal["aiohttp", "httpx"]

EXISTS_CODES = frozenset({9012, 9022})
CONFIGURATION_CODES = {
    9000: "the client code (check OPSCOM_CLIENT_CODE or --client-code)",
    9001: "the API token (OPSCOM_API_TOKEN is empty or was not sent)",
    9002: "the API token (it lacks permission for vehicle pushes)",
}
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
BODY_EXCERPT = 200


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
    document = _json_object(body)
    if document is not None and document.get("ErrorCode") not in (None, "", 0):
        return _answer_with_error_code(status, document)
    if status in (401, 403):
        return Answer(
            AnswerKind.CONFIGURATION,
            status,
            f"HTTP {status} without an error code: the server rejected the API token or the "
            "client code; check OPSCOM_API_TOKEN and OPSCOM_CLIENT_CODE.",
        )
    if status in RETRY_STATUSES:
        retry_after = parse_retry_after(headers.get("Retry-After") if headers else None, now)
        return Answer(
            AnswerKind.RETRY, status, _status_message(status, body), retry_after=retry_after
        )
    if 200 <= status < 300 and document is not None:
        return Answer(AnswerKind.PUSHED, status, warnings=_warnings(document))
    return Answer(AnswerKind.FAILED, status, _status_message(status, body))


def _answer_with_error_code(status: int, document: dict[str, object]) -> Answer:
    raw_code = document.get("ErrorCode")
    message = str(document.get("ErrorMessage") or "").strip()
    try:
        code = int(str(raw_code))
    except ValueError:
        return Answer(AnswerKind.REJECTED, status, f"error {raw_code}: {message or 'no message'}")
    if code in EXISTS_CODES:
        return Answer(AnswerKind.EXISTS, status, f"{code}: {message}", error_code=code)
    if code in CONFIGURATION_CODES:
        return Answer(
            AnswerKind.CONFIGURATION,
            status,
            f"the server answered {code} ({message or 'no message'}); check "
            f"{CONFIGURATION_CODES[code]}.",
            error_code=code,
        )
    return Answer(
        AnswerKind.REJECTED, status, f"error {code}: {message or 'no message'}", error_code=code
    )


def _json_object(body: bytes) -> dict[str, object] | None:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return document if isinstance(document, dict) else None


def _warnings(document: dict[str, object]) -> tuple[str, ...]:
    warnings = document.get("warnings") or document.get("Warnings")
    if isinstance(warnings, list):
        return tuple(str(item) for item in warnings)
    if isinstance(warnings, str) and warnings:
        return (warnings,)
    return ()


def _status_message(status: int, body: bytes) -> str:
    text = " ".join(body.decode("utf-8", errors="replace").split())
    if not text:
        return f"HTTP {status} with an empty body."
    excerpt = text[:BODY_EXCERPT] + ("…" if len(text) > BODY_EXCERPT else "")
    return f"HTTP {status}, not a JSON answer: {excerpt}"


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Return the wait a ``Retry-After`` header asks for, in seconds (delta or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


def make_transport(name: TransportName, concurrency: int) -> httpx.AsyncBaseTransport:
    """Build the HTTP transport: aiohttp's (fast under concurrency) or httpx's own."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    if name == "httpx":
        return httpx.AsyncHTTPTransport(limits=limits, trust_env=True)
    from httpx_aiohttp import AiohttpTransport  # noqa: PLC0415 - imported only when chosen

    transport: httpx.AsyncBaseTransport = AiohttpTransport(limits=limits, trust_env=True)
    return transport


class OpsComClient:
    """An ``httpx.AsyncClient`` bound to one target; use with ``async with``."""

    def __init__(
        self,
        target: Target,
        *,
        transport: httpx.AsyncBaseTransport,
        timeouts: Timeouts | None = None,
    ) -> None:
        self.target = target
        self.timeouts = timeouts or Timeouts()
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(
                self.timeouts.read, connect=self.timeouts.connect, pool=self.timeouts.total
            ),
            headers={"Accept": "application/json", "Content-Type": "application/json"},
            trust_env=True,
        )

    async def __aenter__(self) -> OpsComClient:
        await self._http.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._http.__aexit__(*exc_info)  # type: ignore[arg-type]

    async def push(self, payload: Payload) -> Answer:
        """Send one vehicle and classify the answer; transport errors propagate as httpx errors."""
        body = json.dumps({"apiToken": self.target.token.reveal(), **payload}).encode()
        response = await self._http.post(self.target.push_url, content=body)
        return read_answer(response.status_code, response.content, response.headers)

    def __repr__(self) -> str:
        return f"OpsComClient({self.target.label})"
