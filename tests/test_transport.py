"""The aiohttp transport under httpx, against small aiohttp servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

import httpx
import pytest
from aiohttp import web

from importer.transport import CACHE_SIZE, AiohttpTransport, make_transport, pool_limits, remember

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _serve_and_post(handler: Handler, *, read_timeout: float = 5.0) -> httpx.Response:
    app = web.Application()
    app.router.add_post("/push", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        transport = AiohttpTransport(pool_limits(2))
        timeout = httpx.Timeout(read_timeout, connect=5.0)
        async with httpx.AsyncClient(transport=transport, timeout=timeout) as client:
            return await client.post(f"http://127.0.0.1:{port}/push", content=b'{"plate": "A"}')
    finally:
        await runner.cleanup()


def _post(handler: Handler, **kwargs: float) -> httpx.Response:
    return asyncio.run(_serve_and_post(handler, **kwargs))


def test_transport_reads_answer() -> None:
    async def handler(request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response({"echo": body.decode()}, status=201, headers={"X-Test": "1"})

    response = _post(handler)
    assert response.status_code == 201
    assert response.json() == {"echo": '{"plate": "A"}'}
    assert response.headers["X-Test"] == "1"


def test_transport_sends_each_body_whole() -> None:
    bodies: list[bytes] = []

    async def handler(request: web.Request) -> web.Response:
        bodies.append(await request.read())
        return web.json_response({})

    async def send() -> None:
        app = web.Application()
        app.router.add_post("/push", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/push"
        try:
            async with httpx.AsyncClient(transport=AiohttpTransport(pool_limits(1))) as client:
                for body in (b'{"plate": "A"}', b'{"plate": "LONGER1"}', b'{"plate": "A"}'):
                    await client.post(url, content=body)
        finally:
            await runner.cleanup()

    asyncio.run(send())
    assert bodies == [b'{"plate": "A"}', b'{"plate": "LONGER1"}', b'{"plate": "A"}']


def test_remember_returns_value() -> None:
    cache: dict[int, str] = {}
    assert remember(cache, 1, "one") == "one"
    assert cache == {1: "one"}


def test_remember_empties_full_cache() -> None:
    cache = {number: str(number) for number in range(CACHE_SIZE)}
    remember(cache, -1, "new")
    assert cache == {-1: "new"}


def test_transport_decodes_gzip() -> None:
    async def handler(request: web.Request) -> web.Response:
        response = web.json_response({"success": True})
        response.enable_compression()
        return response

    assert _post(handler).json() == {"success": True}


def test_transport_dropped_connection() -> None:
    async def handler(request: web.Request) -> web.Response:
        await request.read()
        assert request.transport is not None
        request.transport.abort()
        return web.Response()

    with pytest.raises(httpx.RemoteProtocolError) as caught:
        _post(handler)
    assert str(caught.value) == "the server closed the connection without answering"


def test_transport_truncated_body() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "100"})
        await response.prepare(request)
        await response.write(b'{"success": tr')
        assert request.transport is not None
        request.transport.close()
        return response

    with pytest.raises(httpx.ReadError):
        _post(handler)


def test_transport_read_timeout() -> None:
    async def handler(request: web.Request) -> web.Response:
        await asyncio.sleep(0.3)
        return web.Response()

    with pytest.raises(httpx.ReadTimeout):
        _post(handler, read_timeout=0.05)


def test_transport_refused_connection() -> None:
    port = _closed_port()

    async def send() -> None:
        async with httpx.AsyncClient(transport=AiohttpTransport(pool_limits(1))) as client:
            await client.post(f"http://127.0.0.1:{port}/push", content=b"{}")

    with pytest.raises(httpx.ConnectError):
        asyncio.run(send())


def test_transport_proxy_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append(str(request.url))
        return web.json_response({"via": "proxy"})

    async def send() -> httpx.Response:
        app = web.Application()
        app.router.add_post("/push", proxy)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        proxy_port = runner.addresses[0][1]
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy_port}")
        try:
            async with httpx.AsyncClient(transport=AiohttpTransport(pool_limits(1))) as client:
                return await client.post(f"http://127.0.0.1:{closed_port}/push", content=b"{}")
        finally:
            await runner.cleanup()

    for name in ("NO_PROXY", "no_proxy", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    closed_port = _closed_port()
    assert asyncio.run(send()).json() == {"via": "proxy"}
    assert seen == [f"http://127.0.0.1:{closed_port}/push"]


def test_transport_no_proxy_respected(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"via": "direct"})

    assert _post(handler).json() == {"via": "direct"}


def _closed_port() -> int:
    """Return a port of 127.0.0.1 that this test opened and closed, so nothing listens there."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_make_transport_httpx_left_to_client() -> None:
    assert make_transport("httpx", 4) is None


def test_make_transport_aiohttp_pool_size() -> None:
    transport = make_transport("aiohttp", 4)
    assert isinstance(transport, AiohttpTransport)
    assert transport.limits.max_connections == 4
    assert transport.limits.max_keepalive_connections == 4
    assert transport.trust_env is True
