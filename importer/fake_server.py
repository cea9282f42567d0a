"""A local stand-in for the OPS-COM Push API, for the demo, the tests and the benchmarks.

It keeps the documented contract: the same path, the token check (9001 missing, 9002 wrong),
the required fields (9006 plate, 9010 plate type, 9011 province), 9021 for plates over 50
characters, a truncation warning for optional names over 50 characters (stored truncated),
and 9012 when the same vehicle (plate + province + plate type) arrives again. What it stored
is listed at ``GET /_fake/vehicles`` and every request it received at ``GET /_fake/requests``.

It only ever listens on the address it is given; the CLI defaults to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

logger = logging.getLogger(__name__)

DEMO_TOKEN = "demo-token-0000"  # noqa: S105 - the fake server's public demo token
DEMO_CLIENT_CODE = "OC_DEMO"
NAME_FIELDS = ("plateType", "prov", "make", "type", "colour")
MAX_LENGTH = 50


@dataclass
class FakeState:
    """What the fake server accepts and what it has stored."""

    token: str = DEMO_TOKEN
    client_code: str = DEMO_CLIENT_CODE
    vehicles: list[dict[str, str]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    keys: set[tuple[str, str, str]] = field(default_factory=set)


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
    key = (
        vehicle["plate"].upper(),
        (vehicle.get("prov") or vehicle.get("provID", "")).upper(),
        (vehicle.get("plateType") or vehicle.get("plateTypeID", "")).casefold(),
    )
    if key in state.keys:
        return _error(9012, "The vehicle is already in the database.", 409)
    state.keys.add(key)
    state.vehicles.append(vehicle)
    answer: dict[str, Any] = {"success": True}
    if warnings:
        answer["warnings"] = warnings
    return 200, answer


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

    async def push(request: web.Request) -> web.Response:
        try:
            body: object = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        status, answer = answer_push(state, request.match_info["client_code"], body)
        state.requests.append(
            {
                "time": time.time(),
                "client_code": request.match_info["client_code"],
                "payload": _without_token(body),
                "status": status,
                "answer": answer,
            }
        )
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


def _without_token(body: object) -> object:
    if isinstance(body, dict):
        return {key: value for key, value in body.items() if key != "apiToken"}
    return body


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
