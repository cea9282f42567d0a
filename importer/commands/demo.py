"""``opscom-import demo``: import the bundled samples into a fake server started in-process."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from importer.config import Secret, Target
from importer.errors import UsageError
from importer.fake_server import DEMO_CLIENT_CODE, DEMO_TOKEN, running_server
from importer.runner import RunOptions, run_import

#: Sample files and their profiles, relative to the project root.
DEMO_FILES = (
    ("samples/campus_fleet.csv", "mappings/campus_fleet.yaml"),
    ("samples/hospital_fleet.xlsx", "mappings/hospital_fleet.yaml"),
)


def project_root() -> Path:
    """Return the folder holding ``samples/`` and ``mappings/``: the checkout, else the cwd."""
    for folder in (Path(__file__).resolve().parents[2], Path.cwd()):
        if (folder / "samples").is_dir() and (folder / "mappings").is_dir():
            return folder
    raise UsageError(
        "samples/ and mappings/ not found; run the demo from the opscom-import checkout."
    )


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="import the sample files into a local fake OPS-COM and show the results",
        description=(
            "Start the fake OPS-COM server on a free loopback port, import every sample file "
            "with its mapping profile, and write the results workbooks."
        ),
        epilog="example:\n  opscom-import demo --out /tmp/opscom-demo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="folder for the results workbooks (default: a new temporary folder)",
    )
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    root = project_root()
    out = args.out or Path(tempfile.mkdtemp(prefix="opscom-demo-"))
    out.mkdir(parents=True, exist_ok=True)
    with running_server() as server:
        target = Target(server.base_url, DEMO_CLIENT_CODE, Secret(DEMO_TOKEN))
        print(f"Fake OPS-COM server at {server.base_url}")
        for sample, profile in DEMO_FILES:
            input_path = root / sample
            options = RunOptions(
                input_path=input_path,
                profile_path=root / profile,
                results_path=out / f"{input_path.stem}.results.xlsx",
                command=f"opscom-import run {sample} --mapping {profile}",
            )
            outcome = run_import(options, target)
            counts = ", ".join(f"{n} {status}" for status, n in outcome.summary.counts.items())
            print(f"{sample}: {counts}\n  results: {outcome.results_path}")
        print(f"The fake server stored {len(server.state.vehicles)} vehicles.")
    return 0
