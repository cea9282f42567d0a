"""The command line: help texts, documented commands, exit codes of usage errors."""

from __future__ import annotations

import argparse
import re

import pytest

from importer import cli
from tests.conftest import ROOT

#: A path into the repository's sample files or bundled profiles, as help examples write it.
EXAMPLE_PATH = re.compile(r"(?<![\w./-])(?:samples|mappings)/[^\s'\"]+")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_command_has_help_and_example(name: str) -> None:
    parser = _subcommands()[name]
    assert parser.description
    assert parser.epilog is not None
    assert "example" in parser.epilog


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_example_paths_exist(name: str) -> None:
    epilog = _subcommands()[name].epilog or ""
    paths = EXAMPLE_PATH.findall(epilog)
    missing = [path for path in paths if not (ROOT / path).exists()]
    assert missing == []


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_command_in_readme(name: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"opscom-import {name}" in readme


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_option_has_help(name: str) -> None:
    parser = _subcommands()[name]
    missing = [a.dest for a in parser._actions if not a.help]
    assert missing == []


def test_token_option_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["run", "fleet.csv", "--api-token", "x"])
    assert caught.value.code == 2
    assert "unrecognized arguments: --api-token x" in capsys.readouterr().err


def test_run_without_base_url_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in (
        "OPSCOM_BASE_URL",
        "OPSCOM_CLIENT_CODE",
        "OPSCOM_API_TOKEN",
        "OPSCOM_API_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    code = cli.main(
        [
            "run",
            str(ROOT / "samples" / "campus_fleet.csv"),
            "-m",
            str(ROOT / "mappings" / "campus_fleet.yaml"),
        ]
    )
    assert code == 2
    assert capsys.readouterr().err.startswith("error: no OPS-COM base URL")


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(
        ["validate", "no-such-file.csv", "-m", str(ROOT / "mappings" / "campus_fleet.yaml")]
    )
    assert code == 2
    assert capsys.readouterr().err == "error: no-such-file.csv: file not found; check the path.\n"
