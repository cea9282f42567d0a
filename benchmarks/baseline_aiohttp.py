"""The reference senders the importer's push is compared with.

    OPSCOM_API_TOKEN=demo-token-0000 python benchmarks/baseline_aiohttp.py PAYLOADS.jsonl \\
        --url http://127.0.0.1:8765/api/OC_DEMO/v1/vehicles/push --concurrency 32

``PAYLOADS.jsonl`` has one vehicle per line as a JSON object of API fields. The default mode
is the practical limit: a bare asyncio loop of ``--concurrency`` workers sharing one aiohttp
session, with no retries, no validation and no results file. ``--one-at-a-time`` is what a
quick script does instead: a plain loop that sends one request and waits for the response
before sending the next. Either mode prints one JSON line with the counts and the seconds spent
sending. Only loopback URLs are accepted, since this is a benchmark tool, not an importer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


@dataclass(slots=True)
class SendReport:
    """Counts of one sender's run: requests sent, their HTTP statuses and the seconds spent."""

    mode: str
    concurrency: int
    sent: int = 0
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)

    def to_json(self) -> str:
        document = asdict(self)
        document["statuses"] = {str(code): count for code, count in sorted(self.statuses.items())}
        return json.dumps(document)


def read_payloads(path: Path, limit: int | None = None) -> list[dict[str, str]]:
    """Read the first ``limit`` payloads (all when ``None``) of a JSON-lines file."""
    payloads: list[dict[str, str]] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if limit is not None and len(payloads) >= limit:
                break
            if line.strip():
                payloads.append(json.loads(line))
    return payloads


def request_bodies(payloads: Sequence[dict[str, str]], token: str) -> Iterator[bytes]:
    """Yield each request body as the Push API wants it: the token inside the JSON."""
    for payload in payloads:
        yield json.dumps({"apiToken": token, **payload}).encode()


async def send_concurrently(url: str, bodies: Iterator[bytes], concurrency: int) -> SendReport:
    """Send every body with ``concurrency`` workers pulling from one iterator."""
    report = SendReport("aiohttp", concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=HEADERS) as session:

        async def worker() -> None:
            for body in bodies:
                async with session.post(url, data=body) as response:
                    await response.read()
                    report.statuses[response.status] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        report.seconds = time.perf_counter() - started
    report.sent = sum(report.statuses.values())
    return report


def send_one_at_a_time(url: str, bodies: Iterator[bytes]) -> SendReport:
    """Send each body and wait for the response before the next, as a simple script does."""
    report = SendReport("one-at-a-time", 1)
    started = time.perf_counter()
    for body in bodies:
        request = urllib.request.Request(url, data=body, headers=HEADERS, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
                report.statuses[response.status] += 1
        except urllib.error.HTTPError as exc:
            exc.read()
            report.statuses[exc.code] += 1
    report.seconds = time.perf_counter() - started
    report.sent = sum(report.statuses.values())
    return report


def check_loopback(url: str) -> str:
    """Return ``url`` if it is an http URL on a loopback host; exit with a message otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS:
        sys.exit(f"error: --url {url!r} is not an http URL on 127.0.0.1, ::1 or localhost.")
    return url


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Send vehicle payloads to a local fake OPS-COM as fast as a bare loop can.",
    )
    parser.add_argument("payloads", type=Path, help="JSON-lines file, one vehicle per line")
    parser.add_argument("--url", required=True, help="the push URL on a loopback host")
    parser.add_argument(
        "--concurrency", type=int, default=32, help="requests in flight (default: 32)"
    )
    parser.add_argument(
        "--one-at-a-time",
        action="store_true",
        help="send sequentially, each request after the previous response",
    )
    parser.add_argument("--limit", type=int, help="send only the first N payloads")
    args = parser.parse_args(argv)
    token = os.environ.get("OPSCOM_API_TOKEN")
    if not token:
        sys.exit("error: set OPSCOM_API_TOKEN to the fake server's token (demo-token-0000).")
    url = check_loopback(args.url)
    bodies = request_bodies(read_payloads(args.payloads, args.limit), token)
    if args.one_at_a_time:
        report = send_one_at_a_time(url, bodies)
    else:
        report = asyncio.run(send_concurrently(url, bodies, max(1, args.concurrency)))
    print(report.to_json())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
