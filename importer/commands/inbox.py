"""``opscom-import inbox``: import every fleet file dropped in a folder, then file it away."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
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
from importer.config import Target
from importer.errors import ExitCode
from importer.inbox import FAILED, PROCESSED, InboxReport, process_inbox
from importer.locking import run_lock
from importer.runner import RunOptions, load_run_profile, run_import

EXAMPLE = """example:
  export OPSCOM_BASE_URL=https://controller.operationscommander.io
  export OPSCOM_CLIENT_CODE=OC_TOMA
  export OPSCOM_API_TOKEN_FILE=/etc/opscom/token
  opscom-import inbox /srv/fleet-inbox --mapping mappings/campus_fleet.yaml"""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "inbox",
        help="import every fleet file in a folder, then move it to processed/ or failed/",
        description=(
            "Import every spreadsheet in DIR, oldest first, with one mapping profile. Each "
            "results workbook is written beside its file, and both are moved to "
            f"DIR/{PROCESSED}/; a file that cannot be read goes to DIR/{FAILED}/ with a "
            ".error.txt note saying why. A file whose size or modification time changes "
            "during --stable-seconds is still being written and is left for the next run. "
            "Exit code: 0 when every file was imported with exit code 0, 1 when some rows or "
            "files were not imported, 2 when no file could be read, 3 and 4 as for run."
        ),
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("folder", type=Path, metavar="DIR", help="the inbox folder")
    add_input_options(parser, single_file=False)
    add_target_options(parser)
    add_push_options(parser)
    add_journal_options(parser)
    parser.add_argument(
        "--stable-seconds",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="a file must keep its size and modification time this long to be imported "
        "(default: 5)",
    )
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    placeholders = argparse.Namespace(**vars(args), file=args.folder, results=None)
    base = build_run_options(placeholders, dry_run=False)
    load_run_profile(base)  # a broken profile is a usage error, not a fault of each file
    target = target_from_args(args)
    settings = logs.LogSettings.from_args(args)
    with logs.run_context(args.folder, target), run_lock(base.state_dir, target):
        logs.log_run_started(base.command)

        def import_one(path: Path, results: Path) -> ExitCode:
            return import_file(base, target, settings, path, results)

        report = process_inbox(args.folder, import_one, window=args.stable_seconds)
    print_report(args.folder, report)
    return int(report.exit_code)


def import_file(
    base: RunOptions, target: Target, settings: logs.LogSettings, path: Path, results: Path
) -> ExitCode:
    """Import one inbox file; raise the server's configuration error if it stopped the run."""
    options = dataclasses.replace(base, input_path=path, results_path=results)
    with logs.run_context(path, target):
        with logs.progress_display(settings.progress_interval) as bar:
            outcome = run_import(options, target, on_start=bar.start, on_row=bar.advance)
        logs.log_run_finished(outcome.summary, outcome.results_path, outcome.exit_code)
    counts = ", ".join(f"{count} {status}" for status, count in outcome.summary.counts.items())
    print(f"{path.name}: {sum(outcome.summary.counts.values())} rows: {counts}.")
    if outcome.stopped_by is not None:
        raise outcome.stopped_by
    return outcome.exit_code


def print_report(folder: Path, report: InboxReport) -> None:
    """Print where each file went, and what was left for the next run."""
    for path, code in report.processed:
        rows_note = "; some rows were not imported, see its results" if code else ""
        print(f"{path.name}: moved to {folder / PROCESSED} with its results{rows_note}.")
    for failure in report.failed:
        print(
            f"{failure.path.name}: moved to {folder / FAILED}: {failure.reason()}", file=sys.stderr
        )
    for path in report.still_writing:
        print(f"{path.name}: still being written; left for the next run.")
    for path in report.not_spreadsheets:
        print(f"{path.name}: not a spreadsheet; left in {folder}.", file=sys.stderr)
    if report.stopped_by is not None:
        print(f"error: {report.stopped_by}", file=sys.stderr)
        names = ", ".join(path.name for path in report.left)
        count = f"{len(report.left)} file{'s' if len(report.left) != 1 else ''}"
        print(f"{folder}: the pass stopped; {count} left for the next run: {names}.")
    elif not (report.processed or report.failed or report.still_writing):
        print(f"{folder}: no fleet file to import.")
