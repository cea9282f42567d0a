"""``opscom-import validate``: read, map and validate a file without sending anything."""

from __future__ import annotations

import argparse
from typing import Any

from importer.commands.options import add_input_options, build_run_options
from importer.records import Status
from importer.runner import RunOutcome, run_import

EXAMPLE = """example:
  opscom-import validate samples/campus_fleet.csv --mapping mappings/campus_fleet.yaml"""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check a fleet file and write a results workbook, sending nothing",
        description=(
            "Read, map and validate every row, write the statuses valid, invalid and "
            "duplicate to <file stem>.validation.xlsx (or --results PATH), and print the "
            "counts per status and per code. "
            "No token or server is needed."
        ),
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_options(parser)
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    outcome = run_import(build_run_options(args, dry_run=True), None)
    print_report(outcome)
    return int(outcome.exit_code)


def print_report(outcome: RunOutcome) -> None:
    """Print what a dry run found: counts per status and per code, and the first invalid rows."""
    for line in report_lines(outcome):
        print(line)


def report_lines(outcome: RunOutcome) -> list[str]:
    summary = outcome.summary
    counts = ", ".join(f"{count} {status}" for status, count in summary.counts.items())
    rows = sum(summary.counts.values())
    lines = [f"Checked {_rows(rows)} of {summary.input_file.name}: {counts}."]
    lines += _code_lines("Errors", summary.error_counts)
    lines += _code_lines("Warnings", summary.warning_counts)
    invalid = summary.counts.get(Status.INVALID.value, 0)
    if outcome.first_invalid:
        listed = len(outcome.first_invalid)
        title = (
            "Invalid rows:" if listed == invalid else f"First {listed} of {invalid} invalid rows:"
        )
        lines.append(title)
        lines += [f"  {message}" for row in outcome.first_invalid for message in row.errors]
    lines.append(f"Results: {outcome.results_path}")
    if invalid:
        noun = "row" if invalid == 1 else "rows"
        lines.append(
            f"{invalid} invalid {noun} would not be sent; correct the file and run validate again."
        )
    else:
        lines.append("No invalid rows; nothing was sent.")
    return lines


def _code_lines(title: str, counts: dict[str, int]) -> list[str]:
    """List each code with its count, most frequent first, in aligned columns."""
    if not counts:
        return []
    width = max(len(code) for code in counts)
    return [f"{title}:", *(f"  {code:<{width}}  {count}" for code, count in counts.items())]


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"
