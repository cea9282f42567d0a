"""HTTP transports under the httpx client: aiohttp's connection pool (the default) or httpx's own.

httpx's own transport costs several times more CPU per request than aiohttp's under
concurrency, so the default transport sends through one ``aiohttp.ClientSession`` while the
code above it keeps httpx's API, and tests can still inject ``httpx.MockTransport``. Push
answers are small JSON objects, so the transport reads each body whole before returning.

aiohttp's failures are translated into httpx's exception classes so the pusher handles both
transports the same way. The translation keeps one fact the retry logic needs: whether the
request may have reached the server (a read failure) or certainly did not (a connect failure).
"""

from __future__ import annotations

import contextlib
import ssl
from typing import Literal, NamedTuple, TypeVar

import aiohttp
import httpx
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

TransportName = Literal["aiohttp", "httpx"]
Key = TypeVar("Key")
Value = TypeVar("Value")

#: Conversions kept per cache before it is emptied. Requests differ in Content-Length, so the
#: headers cache keeps one entry per body length.
CACHE_SIZE = 256
ProxySetting = tuple[URL | None, aiohttp.BasicAuth | None]


class Destination(NamedTuple):
    """A request URL as aiohttp takes it, with the proxy for its origin, if any."""

    url: URL
    proxy: URL | None
    proxy_auth: aiohttp.BasicAuth | None


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends through one aiohttp session with a fixed-size pool.

    With ``trust_env``, the proxy for each URL comes from the environment (``HTTPS_PROXY``,
    ``NO_PROXY``...) through aiohttp's own lookup, done once per URL: aiohttp's session-wide
    ``trust_env`` repeats it, and a netrc lookup, in a thread for every request. The TLS
    context comes from ``httpx.create_ssl_context``, which verifies certificates and reads
    ``SSL_CERT_FILE`` and ``SSL_CERT_DIR``, as httpx does itself.
    """

    def __init__(self, limits: httpx.Limits, *, trust_env: bool = True) -> None:
        self.limits = limits
        self.trust_env = trust_env
        self._ssl_context: ssl.SSLContext = httpx.create_ssl_context(trust_env=trust_env)
        self._session: aiohttp.ClientSession | None = None
        # A client sends the same URL, headers and timeouts with nearly every request (the
        # headers differ by Content-Length), so each is converted to aiohttp's form once.
        self._targets: dict[str, Destination] = {}
        self._headers: dict[tuple[tuple[bytes, bytes], ...], list[tuple[str, str]]] = {}
        self._timeouts: dict[tuple[object, ...], aiohttp.ClientTimeout] = {}

    def _open_session(self) -> aiohttp.ClientSession:
        # The session must be created inside the running event loop, so it is opened lazily.
        connector = aiohttp.TCPConnector(
            limit=self.limits.max_connections or 0,
            keepalive_timeout=self.limits.keepalive_expiry or 15.0,
            ssl=self._ssl_context,
        )
        return aiohttp.ClientSession(connector=connector, auto_decompress=False)

    def _destination(self, url: httpx.URL) -> Destination:
        """Return ``url`` as aiohttp takes it, with the proxy and its credentials for it."""
        text = str(url)
        found = self._targets.get(text)
        if found is None:
            proxy: ProxySetting = (None, None)
            if self.trust_env:
                with contextlib.suppress(LookupError):  # no proxy set, or NO_PROXY matched
                    proxy = get_env_proxy_for_url(URL(text))
            found = remember(self._targets, text, Destination(URL(text), *proxy))
        return found

    def _aiohttp_headers(self, headers: httpx.Headers) -> list[tuple[str, str]]:
        raw = tuple(headers.raw)
        found = self._headers.get(raw)
        if found is None:
            found = remember(self._headers, raw, headers.multi_items())
        return found

    def _aiohttp_timeout(self, request: httpx.Request) -> aiohttp.ClientTimeout:
        timeout = request.extensions.get("timeout", {})
        key = (timeout.get("connect"), timeout.get("read"))
        found = self._timeouts.get(key)
        if found is None:
            connect, read = key
            timeout = aiohttp.ClientTimeout(
                total=None, connect=connect, sock_connect=connect, sock_read=read
            )
            found = remember(self._timeouts, key, timeout)
        return found

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None:
            self._session = self._open_session()
        destination = self._destination(request.url)
        try:
            async with self._session.request(
                request.method,
                destination.url,
                headers=self._aiohttp_headers(request.headers),
                data=request.content or None,
                allow_redirects=False,
                proxy=destination.proxy,
                proxy_auth=destination.proxy_auth,
                timeout=self._aiohttp_timeout(request),
            ) as answer:
                body = await answer.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise translate_error(exc, request) from exc
        extensions: dict[str, object] = {"http_version": b"HTTP/1.1"}
        if answer.reason:
            extensions["reason_phrase"] = answer.reason.encode("latin-1", errors="replace")
        return httpx.Response(
            answer.status,
            headers=answer.raw_headers,
            content=body,
            request=request,
            extensions=extensions,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def remember(cache: dict[Key, Value], key: Key, value: Value) -> Value:
    """Store ``value`` under ``key`` and return it; a full cache is emptied first."""
    if len(cache) >= CACHE_SIZE:
        cache.clear()
    cache[key] = value
    return value


def translate_error(exc: BaseException, request: httpx.Request) -> httpx.TransportError:
    """Return the httpx exception matching an aiohttp failure; the most specific class wins."""
    message = str(exc) or type(exc).__name__
    error_class: type[httpx.TransportError]
    if isinstance(exc, aiohttp.ClientHttpProxyError | aiohttp.ClientProxyConnectionError):
        error_class = httpx.ProxyError
    elif isinstance(exc, aiohttp.ConnectionTimeoutError):
        error_class = httpx.ConnectTimeout
    elif isinstance(exc, aiohttp.ClientConnectorError):
        error_class = httpx.ConnectError
    elif isinstance(exc, TimeoutError):
        error_class = httpx.ReadTimeout
    elif isinstance(exc, aiohttp.ServerDisconnectedError):
        error_class = httpx.RemoteProtocolError
        message = "the server closed the connection without answering"
    elif isinstance(exc, aiohttp.InvalidURL):
        error_class = httpx.UnsupportedProtocol
    elif isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ClientOSError):
        error_class = httpx.ReadError
    else:
        error_class = httpx.RemoteProtocolError
    return error_class(message, request=request)


def make_transport(name: TransportName, pool_size: int) -> httpx.AsyncBaseTransport | None:
    """Return the aiohttp transport, or None for httpx's own.

    httpx reads proxies from the environment only for a transport it builds itself, so for
    ``"httpx"`` the client is left to build it (see ``OpsComClient``).
    """
    if name == "httpx":
        return None
    return AiohttpTransport(pool_limits(pool_size))


def pool_limits(pool_size: int) -> httpx.Limits:
    """Return a pool of ``pool_size`` kept-alive connections, one per request in flight."""
    return httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)
