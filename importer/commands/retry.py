"""``opscom-import retry``: send again the rows of a results file that are not in OPS-COM yet."""

from __future__ import annotations

import argparse
import dataclasses
import logging
from pathlib import Path
from typing import Any

from importer import logs
from importer.commands.options import (
    add_push_options,
    add_results_format_option,
    add_target_options,
    add_text_options,
    build_run_options,
    target_from_args,
)
from importer.commands.run import print_outcome
from importer.locking import run_lock
from importer.reprocess import ResultsBook, read_results, retry_import
from importer.runner import RunOptions

logger = logging.getLogger(__name__)

EXAMPLE = """example:
  opscom-import run fleet.xlsx --mapping mappings/campus_fleet.yaml
  # fix the invalid rows in fleet.results.xlsx, save it, then:
  opscom-import retry fleet.results.xlsx"""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "retry",
        help="send again the rows of a results workbook that are not in OPS-COM yet",
        description=(
            "Read a results workbook (or results CSV), possibly edited, map and validate every "
            "row again, and send the rows whose status is not pushed, exists or unchanged. "
            "Rows are matched by their Row value, so the sheet may be sorted or filtered. "
            "The new results go to <stem>.retry-N.xlsx beside it, or replace it with --in-place."
        ),
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )

    parser.add_argument("file", type=Path, metavar="RESULTS", help="the results file of a run")
    parser.add_argument(
        "-m",
        "--mapping",
        type=Path,
        metavar="PATH",
        help="mapping profile (YAML) to use instead of the one the Summary records",
    )
    parser.add_argument(
        "--set",
        dest="constants",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="send VALUE as FIELD on every row, over the run's own --set values (repeatable)",
    )
    add_text_options(parser)

    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--results",
        type=Path,
        metavar="PATH",
        help="where to write the new results (default: <stem>.retry-N.xlsx beside RESULTS, "
        "with the first free N)",
    )
    where.add_argument(
        "--in-place", action="store_true", help="replace RESULTS with the new results"
    )
    add_results_format_option(parser)

    add_target_options(parser)
    add_push_options(parser)
    parser.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="folder of the run journal, where the retry records what it sends, and of the "
        "lock that keeps two runs off one target (default: as for run)",
    )

    # Reading options of build_run_options that a results file does not need.
    parser.set_defaults(handler=main, sheet=None, header_row=None)


def build_retry_options(args: argparse.Namespace) -> RunOptions:
    """Build the run options of a retry; ``--in-place`` writes to RESULTS itself."""
    options = build_run_options(args, dry_run=False)
    if args.in_place:
        options = dataclasses.replace(options, results_path=args.file)
    return options


def main(args: argparse.Namespace) -> int:
    options = build_retry_options(args)
    text = options.read
    book = read_results(options.input_path, encoding=text.encoding, delimiter=text.delimiter)
    finished = sum(row.finished for row in book.rows)
    if finished == len(book.rows):
        # Logged too, so that a scheduled retry leaves a trace in --log-file.
        with logs.run_context(options.input_path, None, no_target="(nothing to send)"):
            logs.log_run_started(options.command)
            logger.info(
                "nothing to retry: all %d rows of %s are in OPS-COM", len(book.rows), book.path
            )
        print(f"Nothing to retry: all {len(book.rows)} rows of {book.path} are in OPS-COM.")
        return 0
    target = target_from_args(args)
    settings = logs.LogSettings.from_args(args)
    with logs.run_context(options.input_path, target), run_lock(options.state_dir, target):
        logs.log_run_started(options.command)
        with logs.progress_display(settings.progress_interval) as bar:
            outcome = retry_import(book, options, target, on_start=bar.start, on_row=bar.advance)
        logs.log_run_finished(outcome.summary, outcome.results_path, outcome.exit_code)
    print(_retry_line(book, finished))
    print_outcome(outcome)
    return int(outcome.exit_code)


def _retry_line(book: ResultsBook, finished: int) -> str:
    retried = len(book.rows) - finished
    return (
        f"Retried {retried} of the {len(book.rows)} rows of {book.path.name}; "
        f"{finished} already in OPS-COM were not sent."
    )
