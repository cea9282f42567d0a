"""``opscom-import validate``: read, map and validate a file without sending anything."""

from __future__ import annotations

import argparse
from typing import Any

from importer.commands.options import add_input_options, build_run_options
from importer.commands.run import print_outcome
from importer.runner import run_import


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check a fleet file and write a results workbook, sending nothing",
        description="Read, map and validate every row; no token or server is needed.",
        epilog="example:\n  opscom-import validate fleet.xlsx --mapping mappings/fleet.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_options(parser)
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    outcome = run_import(build_run_options(args, dry_run=True), None)
    print_outcome(outcome)
    return int(outcome.exit_code)
