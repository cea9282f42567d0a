"""Serve the bundled fake OPS-COM with a fixed delay before each push response.

    python benchmarks/slow_fake_server.py --port 8765 --latency-ms 20

The benchmark runner uses this only when ``opscom-import fake-server`` has no
``--latency-ms`` option of its own. The delay applies to push requests only, so the
``/_fake/...`` inspection endpoints respond at once. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from importer.fake_server import FakeState, make_app

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def delayed_app(latency_seconds: float) -> web.Application:
    """Return the fake server's application with ``latency_seconds`` added to each push."""

    @web.middleware
    async def delay(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "POST" and latency_seconds > 0:
            await asyncio.sleep(latency_seconds)
        return await handler(request)

    app = make_app(FakeState())
    app.middlewares.append(delay)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument(
        "--latency-ms", type=float, default=20.0, help="delay per push, in ms (default: 20)"
    )
    args = parser.parse_args(argv)
    app = delayed_app(args.latency_ms / 1000)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
