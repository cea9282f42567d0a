"""The ``opscom-import`` command line: parse options, run a subcommand, map errors to exit codes."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from importer import __version__, signals
from importer.commands import demo, fake_server, run, validate
from importer.errors import ExitCode, ImportToolError

logger = logging.getLogger("importer")

COMMANDS = (run, validate, demo, fake_server)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opscom-import",
        description="Bulk-import vehicles from CSV and Excel fleet files into OPS-COM.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="log debug messages and show tracebacks"
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        with signals.sigterm_raises():
            return int(args.handler(args))
    except ImportToolError as exc:
        logger.debug("stopped by %s", type(exc).__name__, exc_info=True)
        print(f"error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except signals.Terminated:
        print("terminated", file=sys.stderr)
        return int(ExitCode.TERMINATED)


if __name__ == "__main__":
    sys.exit(main())
