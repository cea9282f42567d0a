"""``opscom-import map``: show how a file's columns map to vehicle fields, and write a profile."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from importer.commands.options import add_input_options, parse_constants
from importer.errors import ExitCode, UsageError
from importer.mapping import automatic_profile, load_profile, with_constants
from importer.mapping.report import MappingReport, build_report
from importer.reading import ReadOptions, read_table

EXAMPLE = """example:
  opscom-import map samples/campus_fleet.csv
  opscom-import map samples/campus_fleet.csv --set plateType=Passenger --out campus.yaml"""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "map",
        help="show which column feeds each vehicle field; write it as a profile",
        description=(
            "Match the file's headers to vehicle fields (or apply --mapping), then print "
            "each field's column with three sample values, the columns left unmapped and "
            "the required fields still missing. Exit code 0 when every required field is "
            "mapped, 2 when one is missing or two columns match one field."
        ),
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, help="the fleet file (.csv, .xlsx, ...)")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="PATH",
        help="write the automatic matching as a profile (YAML) to edit",
    )
    parser.add_argument("--force", action="store_true", help="let --out replace an existing file")
    add_input_options(parser, single_file=False)
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    if args.out is not None and args.mapping is not None:
        raise UsageError("--out writes the automatic matching; leave out --mapping to use it.")
    if args.out is not None and args.out.exists() and not args.force:
        raise UsageError(f"{args.out} already exists; pass --force to replace it.")
    base = load_profile(args.mapping) if args.mapping is not None else automatic_profile()
    profile = with_constants(base, parse_constants(args.constants))
    read = ReadOptions(
        sheet=args.sheet or profile.sheet,
        header_row=args.header_row or profile.header_row,
        encoding=args.encoding,
        delimiter=args.delimiter,
    )
    table = read_table(args.file, read)
    report = build_report(table, profile)
    print_report(report)
    if args.out is not None:
        write_profile(report, args.out)
    return int(ExitCode.OK if report.complete else ExitCode.USAGE)


def print_report(report: MappingReport) -> None:
    """Print the field table, then the unmapped, ignored and missing columns."""
    table = report.table
    source = "automatic matching" if report.profile is None else f"profile {report.profile.label}"
    sheet = f", sheet {table.sheet!r}" if table.sheet else ""
    print(f"{table.path}{sheet}: header on row {table.header_row}, {source}\n")
    rows = [("field", "column", "sample values")]
    for line in report.fields:
        if line.constant is not None:
            rows.append((line.api_field, "(constant)", repr(line.constant)))
        else:
            samples = ", ".join(_sample(read, sent) for read, sent in line.samples)
            rows.append((line.api_field, repr(line.column), samples))
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    for api_field, column, samples in rows:
        print(f"  {api_field:<{widths[0]}}  {column:<{widths[1]}}  {samples}".rstrip())
    print()
    _print_list("Unmapped columns", report.unmapped)
    if report.profile is not None:
        _print_list("Ignored columns", report.ignored)
    for api_field, headers in report.conflicts.items():
        listed = ", ".join(map(repr, headers))
        print(f"Conflict: columns {listed} match {api_field}; keep one in a profile.")
    for api_field in report.missing:
        # Every row has its own plate, so a constant suits only the other required fields.
        constant = "" if api_field == "plate" else f", or pass --set {api_field}=VALUE"
        print(f"Missing required field: {api_field}; name its column in a profile{constant}.")
    if report.complete:
        print("Every required field is mapped.")


def _sample(read: str, sent: str | None) -> str:
    if sent is None:
        return f"{read!r} (not in the map: row invalid)"
    return repr(read) if sent == read else f"{read!r} (sent as {sent!r})"


def _print_list(title: str, headers: list[str]) -> None:
    print(f"{title}: {', '.join(map(repr, headers)) if headers else '(none)'}")


def write_profile(report: MappingReport, path: Path) -> None:
    """Write the automatic matching as a profile to edit, and print its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.profile_text(), encoding="utf-8")
    print(f"Profile written to {path}; check it, then pass it with --mapping {path}.")
