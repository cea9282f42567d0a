"""``opscom-import fake-server``: a local stand-in for OPS-COM, for trying the tool safely."""

from __future__ import annotations

import argparse
from typing import Any

from importer.fake_server import DEMO_CLIENT_CODE, DEMO_TOKEN, FakeState, serve

EXAMPLE = f"""example:
  opscom-import fake-server --port 8765 &
  export OPSCOM_BASE_URL=http://127.0.0.1:8765 OPSCOM_CLIENT_CODE={DEMO_CLIENT_CODE}
  export OPSCOM_API_TOKEN={DEMO_TOKEN}
  opscom-import run samples/fleet.csv --mapping mappings/fleet.yaml"""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fake-server",
        help="run a local fake OPS-COM Push API for trials and tests",
        description=(
            "Serve the Push API contract on a local port, keeping what it stores in memory. "
            f"It accepts client code {DEMO_CLIENT_CODE} and token {DEMO_TOKEN}. "
            "GET /_fake/vehicles lists what was stored."
        ),
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default: 8765)")
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    print(f"Fake OPS-COM listening on http://{args.host}:{args.port} (Ctrl-C to stop)", flush=True)
    serve(FakeState(), host=args.host, port=args.port)
    return 0
