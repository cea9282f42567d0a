"""Options shared by several subcommands, defined once, and the ``RunOptions`` built from them."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from importer.client import Timeouts
from importer.config import Target, resolve_target
from importer.errors import UsageError
from importer.journal import default_state_dir
from importer.pushing import PushOptions
from importer.reading import ReadOptions
from importer.results import RESULTS_FORMATS
from importer.runner import RunOptions


def add_input_options(parser: argparse.ArgumentParser, *, single_file: bool = True) -> None:
    """Options that say how to read the file and map it; ``single_file`` adds FILE and --results."""
    if single_file:
        parser.add_argument("file", type=Path, help="the fleet file (.csv, .xlsx, ...)")
    parser.add_argument(
        "-m",
        "--mapping",
        type=Path,
        metavar="PATH",
        help="mapping profile (YAML); see mappings/ (default: match headers automatically)",
    )
    parser.add_argument(
        "--set",
        dest="constants",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help=(
            "send VALUE as FIELD on every row, for a field that no column of the file feeds, "
            "e.g. --set plateType=Passenger (repeatable)"
        ),
    )
    parser.add_argument(
        "--sheet",
        metavar="NAME|NUMBER",
        help="worksheet to read: its name, or its number counting visible sheets from 1 "
        "(default: the first visible sheet with data)",
    )
    parser.add_argument(
        "--header-row",
        type=int,
        metavar="N",
        help="row number of the header row (default: detected)",
    )
    add_text_options(parser)
    if not single_file:
        return
    parser.add_argument(
        "--results",
        type=Path,
        metavar="PATH",
        help="results workbook to write (default: <file stem>.results.xlsx beside the file, "
        "or <file stem>.validation.xlsx for validate and --dry-run)",
    )
    add_results_format_option(parser)


def add_text_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--encoding`` and ``--delimiter``, for every command that reads a CSV file."""
    parser.add_argument(
        "--encoding",
        help="text encoding of a CSV file, e.g. utf-8, cp1252 or utf-16 (default: detected)",
    )
    parser.add_argument(
        "--delimiter",
        help="CSV delimiter: one character, or tab, comma, semicolon or pipe (default: detected)",
    )


def add_results_format_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--results-format``, for every command that writes a results file."""
    parser.add_argument(
        "--results-format",
        choices=RESULTS_FORMATS,
        help="xlsx: a workbook with a Summary sheet; csv: UTF-8 with a byte order mark, the "
        "Summary in <results stem>.summary.csv (default: the suffix of --results, else xlsx)",
    )


def add_target_options(parser: argparse.ArgumentParser) -> None:
    """Options that say where to push; the token comes only from the environment or --config."""
    parser.add_argument(
        "--base-url", metavar="URL", help="OPS-COM base URL (default: $OPSCOM_BASE_URL)"
    )
    parser.add_argument(
        "--client-code", metavar="CODE", help="OPS-COM client code (default: $OPSCOM_CLIENT_CODE)"
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="TOML file with base_url, client_code, api_token",
    )


def add_push_options(parser: argparse.ArgumentParser) -> None:
    """Options that say how hard to push."""
    parser.add_argument(
        "-c",
        "--concurrency",
        type=int,
        default=8,
        metavar="N",
        help="maximum requests in flight; fewer while the server throttles (default: 8)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        metavar="R",
        help="maximum requests per second, evenly spaced (default: no limit)",
    )
    parser.add_argument(
        "--transport",
        choices=("aiohttp", "httpx"),
        default="aiohttp",
        help="HTTP transport under httpx (default: aiohttp, the faster one)",
    )
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="longest time to open a connection (default: 10)",
    )
    parser.add_argument(
        "--read-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="maximum wait in seconds for the server's next bytes (default: 30)",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="maximum time in seconds for one whole request (default: 60)",
    )
    parser.add_argument(
        "--max-attempts", type=int, default=6, metavar="N", help="attempts per row (default: 6)"
    )
    parser.add_argument(
        "--row-timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="maximum time in seconds for one row, retries and waits included (default: 120)",
    )


def add_journal_options(parser: argparse.ArgumentParser) -> None:
    """Options for the run journal, which makes runs resumable and incremental."""
    parser.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="folder for the run journal and lock (default: $OPSCOM_STATE_DIR, else "
        "$XDG_STATE_HOME/opscom-import, else ~/.local/state/opscom-import)",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="send every valid row, even those unchanged since their last push",
    )


def parse_constants(pairs: list[str]) -> dict[str, str]:
    """Turn ``--set FIELD=VALUE`` options into a dict."""
    constants: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--set '{pair}': use the form FIELD=VALUE, e.g. plateType=Passenger.")
        constants[name.strip()] = value
    return constants


def build_run_options(args: argparse.Namespace, *, dry_run: bool) -> RunOptions:
    """Build the one options object of a run from parsed arguments."""
    push, timeouts = build_push_options(args)
    return RunOptions(
        input_path=args.file,
        profile_path=args.mapping,
        constants=parse_constants(args.constants),
        results_path=args.results,
        results_format=getattr(args, "results_format", None),
        read=ReadOptions(args.sheet, args.header_row, args.encoding, args.delimiter),
        push=push,
        timeouts=timeouts,
        transport=getattr(args, "transport", "aiohttp"),
        dry_run=dry_run,
        command=getattr(args, "command_line", None) or shlex.join(["opscom-import", *sys.argv[1:]]),
        state_dir=None if dry_run or not hasattr(args, "state_dir") else state_dir_from(args),
        full=getattr(args, "full", False),
    )


def state_dir_from(args: argparse.Namespace) -> Path:
    """Return ``--state-dir``, else the default from the environment."""
    return Path(args.state_dir) if args.state_dir else default_state_dir()


def build_push_options(args: argparse.Namespace) -> tuple[PushOptions, Timeouts]:
    """Check the push options and build the pusher's options and the client's timeouts."""
    defaults, default_timeouts = PushOptions(), Timeouts()
    push = PushOptions(
        concurrency=getattr(args, "concurrency", defaults.concurrency),
        rate=getattr(args, "rate", None),
        max_attempts=getattr(args, "max_attempts", defaults.max_attempts),
        row_timeout=getattr(args, "row_timeout", defaults.row_timeout),
    )
    timeouts = Timeouts(
        connect=getattr(args, "connect_timeout", default_timeouts.connect),
        read=getattr(args, "read_timeout", default_timeouts.read),
        total=getattr(args, "request_timeout", default_timeouts.total),
    )
    for option, value in (
        ("--concurrency", push.concurrency),
        ("--max-attempts", push.max_attempts),
    ):
        if value < 1:
            raise UsageError(f"{option} {value}: use a whole number of at least 1.")
    for option, number, unit in (
        ("--rate", push.rate, "requests per second"),
        ("--row-timeout", push.row_timeout, "seconds"),
        ("--connect-timeout", timeouts.connect, "seconds"),
        ("--read-timeout", timeouts.read, "seconds"),
        ("--request-timeout", timeouts.total, "seconds"),
    ):
        if number is not None and not 0 < number < float("inf"):
            raise UsageError(f"{option} {number:g}: use a number of {unit} above 0.")
    return push, timeouts


def target_from_args(args: argparse.Namespace) -> Target:
    """Resolve the target from options, the environment and ``--config``."""
    return resolve_target(
        base_url=args.base_url, client_code=args.client_code, config_file=args.config
    )
