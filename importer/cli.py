"""The ``opscom-import`` command line: parse options, run a subcommand, map errors to exit codes."""

from __future__ import annotations

import argparse
import contextlib
import logging
import shlex
import sys
from collections.abc import Sequence

from importer import __version__, logs, signals
from importer.commands import demo, fake_server, inbox, map, retry, run, validate
from importer.errors import ExitCode, ImportToolError

logger = logging.getLogger("importer")

COMMANDS = (run, validate, retry, map, inbox, demo, fake_server)


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
    logs.add_logging_options(parser)
    for subparser in subparsers.choices.values():
        logs.add_logging_options(subparser, subcommand=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    parser = build_parser()
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(arguments)
    # The command as typed, for the Summary sheet, the logs and the reprocess command.
    args.command_line = shlex.join(["opscom-import", *arguments])
    # The handlers stay installed until the except clauses below have logged.
    with contextlib.ExitStack() as logging_set_up:
        try:
            logging_set_up.enter_context(logs.configured(logs.LogSettings.from_args(args)))
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
