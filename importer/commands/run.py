"""``opscom-import run``: push a fleet file to OPS-COM and write the results workbook."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from importer import logs
from importer.commands.options import (
    add_input_options,
    add_journal_options,
    add_push_options,
    add_target_options,
    build_run_options,
    target_from_args,
)
from importer.commands.validate import print_report
from importer.errors import ExitCode
from importer.locking import run_lock
from importer.runner import RunOutcome, run_import

EXAMPLE = """example:
  export OPSCOM_BASE_URL=https://controller.operationscommander.io
  export OPSCOM_CLIENT_CODE=OC_TOMA
  export OPSCOM_API_TOKEN=...   # never on the command line
  opscom-import run fleet.xlsx --mapping mappings/campus_fleet.yaml"""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="push a fleet file to OPS-COM and write a results workbook",
        description="Read, map, validate and push every row, then write the results workbook.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_options(parser)
    add_target_options(parser)
    add_push_options(parser)
    add_journal_options(parser)
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="read, map and validate only, and send nothing; the verdicts go to "
        "<file stem>.validation.xlsx unless --results says otherwise",
    )
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    options = build_run_options(args, dry_run=args.dry_run)
    target = None if args.dry_run else target_from_args(args)
    settings = logs.LogSettings.from_args(args)
    with logs.run_context(options.input_path, target), run_lock(options.state_dir, target):
        logs.log_run_started(options.command)
        with logs.progress_display(settings.progress_interval) as bar:
            outcome = run_import(options, target, on_start=bar.start, on_row=bar.advance)
        logs.log_run_finished(outcome.summary, outcome.results_path, outcome.exit_code)
    if args.dry_run:
        print_report(outcome)
    else:
        print_outcome(outcome)
    return int(outcome.exit_code)


def print_outcome(outcome: RunOutcome) -> None:
    """Print the one-line summary and, if the run was stopped, why."""
    counts = ", ".join(f"{count} {status}" for status, count in outcome.summary.counts.items())
    rows = sum(outcome.summary.counts.values())
    print(f"{rows} rows: {counts}. Results: {outcome.results_path}")
    if outcome.stopped_by is not None:
        print(f"error: {outcome.stopped_by}", file=sys.stderr)
    elif outcome.exit_code is ExitCode.ROWS_FAILED:
        print("Some rows were not imported; see the Errors column of the results.", file=sys.stderr)
