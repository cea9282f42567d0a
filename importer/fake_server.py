"""A local stand-in for the OPS-COM Push API, for the demo, the tests and the benchmarks.

It keeps the documented contract. It serves the same path and checks the token (9001
missing, 9002 wrong) and the required fields (9006 plate, 9010 plate type, 9011 province).
It rejects plates over 50 characters with 9021, stores optional names over 50 characters
truncated with a warning, and answers 9012 when the same vehicle (plate + province + plate
type) arrives again. What it stored
is listed at ``GET /_fake/vehicles`` and every request it received at ``GET /_fake/requests``
(time, client code, payload without the token, fault and answer given).

``Faults`` adds latency and seeded faults (see ``importer.fake_faults``). It only ever listens
on the address it is given; the CLI defaults to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from importer.fake_faults import HTML_PAGE, Fault, Faults

logger = logging.getLogger(__name__)

DEMO_TOKEN = "demo-token-0000"  # noqa: S105 - the fake server's public demo token
DEMO_CLIENT_CODE = "OC_DEMO"
NAME_FIELDS = ("plateType", "prov", "make", "type", "colour")
MAX_LENGTH = 50


@dataclass
class FakeState:
    """The token and client code the fake server accepts, and the vehicles it has stored."""

    token: str = DEMO_TOKEN
    client_code: str = DEMO_CLIENT_CODE
    vehicles: list[dict[str, str]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    keys: set[tuple[str, str, str]] = field(default_factory=set)
    faults: Faults = field(default_factory=Faults)
    #: How many requests carried each vehicle so far, for the fault draw.
    arrivals: Counter[str] = field(default_factory=Counter)


def _error(code: int, message: str, status: int = 400) -> tuple[int, dict[str, Any]]:
    return status, {"ErrorCode": code, "ErrorMessage": message}


def answer_push(state: FakeState, client_code: str, body: object) -> tuple[int, dict[str, Any]]:
    """Apply one push to ``state`` and return the HTTP status and JSON answer."""
    if not client_code:
        return _error(9000, "Client code is missing from the request.")
    if not isinstance(body, dict):
        return _error(9003, "The request could not be parsed.")
    token = body.get("apiToken")
    if not token:
        return _error(9001, "API Token is missing from the request.", 401)
    if token != state.token or client_code != state.client_code:
        return _error(9002, "API Token does not have permission for this request.", 401)
    vehicle = {key: str(value) for key, value in body.items() if key != "apiToken"}
    missing = _missing_required(vehicle)
    if missing is not None:
        return missing
    if len(vehicle["plate"]) > MAX_LENGTH:
        return _error(9021, "Plate must be 50 characters or fewer.")
    warnings = _truncate_names(vehicle)
    key = vehicle_key(vehicle)
    if key in state.keys:
        return _error(9012, "The vehicle is already in the database.", 409)
    state.keys.add(key)
    state.vehicles.append(vehicle)
    answer: dict[str, Any] = {"success": True}
    if warnings:
        answer["warnings"] = warnings
    return 200, answer


def vehicle_key(vehicle: dict[str, Any]) -> tuple[str, str, str]:
    """Return what makes a vehicle unique: plate, province or state, and plate type."""
    return (
        str(vehicle.get("plate", "")).upper(),
        str(vehicle.get("prov") or vehicle.get("provID", "")).upper(),
        str(vehicle.get("plateType") or vehicle.get("plateTypeID", "")).casefold(),
    )


def _missing_required(vehicle: dict[str, str]) -> tuple[int, dict[str, Any]] | None:
    if not vehicle.get("plate"):
        return _error(9006, "Plate is required.")
    if not (vehicle.get("plateType") or vehicle.get("plateTypeID")):
        return _error(9010, "Plate type is required.")
    if not (vehicle.get("prov") or vehicle.get("provID")):
        return _error(9011, "Province or state is required.")
    return None


def _truncate_names(vehicle: dict[str, str]) -> list[str]:
    warnings = []
    for name in NAME_FIELDS:
        value = vehicle.get(name, "")
        if len(value) > MAX_LENGTH:
            vehicle[name] = value[:MAX_LENGTH]
            warnings.append(f"{name} was longer than {MAX_LENGTH} characters and was truncated.")
    return warnings


def make_app(state: FakeState) -> web.Application:
    """Build the aiohttp application serving ``state``."""

    async def push(request: web.Request) -> web.StreamResponse:
        if state.faults.latency_ms:
            await asyncio.sleep(state.faults.latency_ms / 1000)
        raw = await request.read()
        body = _parse(raw)
        client_code = request.match_info.get("client_code", "")
        fault, handle_before_drop = state.faults.draw(*_arrival(state, body, raw))
        entry: dict[str, Any] = {
            "time": time.time(),
            "client_code": client_code,
            "payload": _without_token(body),
            "fault": fault.value,
        }
        state.requests.append(entry)
        response = _fault_response(state, fault, entry)
        if response is not None:
            return response
        if fault is Fault.DROP and not handle_before_drop:
            return _drop(request, entry)
        stored_before = len(state.vehicles)
        status, answer = answer_push(state, client_code, body)
        entry["stored"] = len(state.vehicles) > stored_before
        if fault is Fault.DROP:
            return _drop(request, entry)
        if fault is Fault.ERROR_200 and "ErrorCode" in answer:
            status = 200
        entry.update(status=status, answer=answer)
        return web.json_response(answer, status=status)

    async def vehicles(_: web.Request) -> web.Response:
        return web.json_response(state.vehicles)

    async def requests(_: web.Request) -> web.Response:
        return web.json_response(state.requests)

    app = web.Application()
    app.router.add_post("/api/{client_code}/v1/vehicles/push", push)
    app.router.add_post("/api//v1/vehicles/push", push)
    app.router.add_get("/_fake/vehicles", vehicles)
    app.router.add_get("/_fake/requests", requests)
    return app


def _parse(raw: bytes) -> object:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def _arrival(state: FakeState, body: object, raw: bytes) -> tuple[str, int]:
    """Return the key of the vehicle a request carries and how many times it arrived before."""
    if isinstance(body, dict):
        key = "|".join(vehicle_key(body))
    else:
        key = hashlib.blake2b(raw, digest_size=8).hexdigest()
    arrival = state.arrivals[key]
    state.arrivals[key] += 1
    return key, arrival


def _fault_response(state: FakeState, fault: Fault, entry: dict[str, Any]) -> web.Response | None:
    """Return the answer of a fault that stops the request before the API sees it."""
    entry["stored"] = False
    if fault is Fault.FAIL:
        entry.update(status=503, answer="")
        return web.Response(status=503)
    if fault is Fault.THROTTLE:
        entry.update(status=429, answer="Too Many Requests")
        retry_after = f"{state.faults.retry_after:g}"
        return web.Response(
            status=429, text="Too Many Requests", headers={"Retry-After": retry_after}
        )
    if fault is Fault.HTML:
        entry.update(status=502, answer=HTML_PAGE)
        return web.Response(status=502, text=HTML_PAGE, content_type="text/html")
    return None


def _drop(request: web.Request, entry: dict[str, Any]) -> web.Response:
    """Close the connection without answering; the response returned is never sent."""
    entry.update(status=None, answer="connection closed without an answer")
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=500)


def _without_token(body: object) -> object:
    """Return the payload as recorded: a JSON object without its token, else nothing.

    A body that is not a JSON object is not recorded, because it may hold the token in a
    shape that cannot be filtered.
    """
    if isinstance(body, dict):
        return {key: value for key, value in body.items() if key != "apiToken"}
    return None


def serve(state: FakeState, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve until interrupted (the ``fake-server`` command)."""
    web.run_app(make_app(state), host=host, port=port, print=None, access_log=None)


@dataclass
class RunningServer:
    """A fake server running in a background thread."""

    state: FakeState
    base_url: str


@contextlib.contextmanager
def running_server(
    state: FakeState | None = None, host: str = "127.0.0.1"
) -> Iterator[RunningServer]:
    """Run the fake server on a free port of ``host`` in a thread; stop it on exit."""
    state = state or FakeState()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(make_app(state), access_log=None)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, host, 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, name="fake-opscom", daemon=True)
    thread.start()
    try:
        yield RunningServer(state, f"http://{host}:{port}")
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.run_until_complete(runner.cleanup())
        loop.close()
