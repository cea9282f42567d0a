"""``opscom-import fake-server``: a local stand-in for OPS-COM, for trying the tool safely."""

from __future__ import annotations

import argparse
from typing import Any

from importer.errors import UsageError
from importer.fake_faults import Faults
from importer.fake_server import DEMO_CLIENT_CODE, DEMO_TOKEN, FakeState, serve

EXAMPLE = f"""example:
  opscom-import fake-server --port 8765 &
  export OPSCOM_BASE_URL=http://127.0.0.1:8765 OPSCOM_CLIENT_CODE={DEMO_CLIENT_CODE}
  export OPSCOM_API_TOKEN={DEMO_TOKEN}
  opscom-import run samples/campus_fleet.csv --mapping mappings/campus_fleet.yaml

with faults, the same ones for the same seed:
  opscom-import fake-server --latency-ms 20 --fail-rate 0.05 --throttle-rate 0.05 \\
      --drop-rate 0.02 --error-200-rate 0.05 --html-rate 0.02 --seed 7"""

RATES = (
    ("--fail-rate", "fail_rate", "answer 503 with an empty body, storing nothing"),
    ("--throttle-rate", "throttle_rate", "answer 429 with Retry-After, storing nothing"),
    ("--drop-rate", "drop_rate", "close the connection without answering (half after storing)"),
    (
        "--error-200-rate",
        "error_200_rate",
        "send error responses (with an ErrorCode) with status 200",
    ),
    ("--html-rate", "html_rate", "answer 502 with an HTML page, storing nothing"),
)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fake-server",
        help="run a local fake OPS-COM Push API for trials and tests",
        description=(
            "Serve the Push API contract on a local port, keeping what it stores in memory. "
            f"It accepts client code {DEMO_CLIENT_CODE} and token {DEMO_TOKEN}. "
            "GET /_fake/vehicles lists what was stored and GET /_fake/requests every request "
            "received (without its token). Faults are drawn per request from the seed, the "
            "vehicle and how often it was sent, so a rerun with the same seed meets the same "
            "faults."
        ),
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default: 8765)")
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        metavar="MS",
        help="delay before each push response, in milliseconds (default: 0)",
    )
    for option, _, effect in RATES:
        parser.add_argument(
            option, type=float, default=0.0, metavar="P", help=f"fraction of pushes to {effect}"
        )
    parser.add_argument(
        "--retry-after",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="Retry-After of a throttled response, in seconds (default: 1)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault draws (default: 0)")
    parser.set_defaults(handler=main)


def faults_from(args: argparse.Namespace) -> Faults:
    """Build the fault settings from the options, or raise ``UsageError`` naming the option."""
    try:
        return Faults(
            latency_ms=args.latency_ms,
            retry_after=args.retry_after,
            seed=args.seed,
            **{name: getattr(args, name) for _, name, _ in RATES},
        )
    except ValueError as exc:
        raise UsageError(
            f"fake-server: {exc}. Rates are fractions of the requests, such as 0.05."
        ) from exc


def main(args: argparse.Namespace) -> int:
    faults = faults_from(args)
    print(f"Fake OPS-COM listening on http://{args.host}:{args.port} (Ctrl-C to stop)", flush=True)
    if faults.total_rate or faults.latency_ms:
        print(f"Faults: {faults}", flush=True)
    serve(FakeState(faults=faults), host=args.host, port=args.port)
    return 0
