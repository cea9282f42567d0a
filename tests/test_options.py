"""Push options on the command line: defaults, parsing and the checks on their values."""

from __future__ import annotations

import argparse

import pytest

from importer.client import Timeouts
from importer.commands.options import add_push_options, build_push_options
from importer.errors import UsageError
from importer.pushing import PushOptions


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_push_options(parser)
    return parser.parse_args(list(argv))


def test_push_options_defaults() -> None:
    push, timeouts = build_push_options(_parse())
    assert push == PushOptions(concurrency=8, rate=None, max_attempts=6, row_timeout=120.0)
    assert timeouts == Timeouts(connect=10.0, read=30.0, total=60.0)


def test_push_options_parsed() -> None:
    args = _parse(
        "-c", "16", "--rate", "2.5", "--max-attempts", "3", "--row-timeout", "30",
        "--connect-timeout", "2", "--read-timeout", "5", "--request-timeout", "9",
    )  # fmt: skip
    push, timeouts = build_push_options(args)
    assert push == PushOptions(concurrency=16, rate=2.5, max_attempts=3, row_timeout=30.0)
    assert timeouts == Timeouts(connect=2.0, read=5.0, total=9.0)


def test_push_options_transport_choice() -> None:
    assert _parse().transport == "aiohttp"
    assert _parse("--transport", "httpx").transport == "httpx"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--concurrency", "0"], "--concurrency 0: use a whole number of at least 1."),
        (["--max-attempts", "-1"], "--max-attempts -1: use a whole number of at least 1."),
        (["--rate", "0"], "--rate 0: use a number of requests per second above 0."),
        (["--row-timeout", "-5"], "--row-timeout -5: use a number of seconds above 0."),
        (["--read-timeout", "inf"], "--read-timeout inf: use a number of seconds above 0."),
        (["--connect-timeout", "nan"], "--connect-timeout nan: use a number of seconds above 0."),
    ],
)
def test_push_options_rejected(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        build_push_options(_parse(*argv))
    assert str(caught.value) == message
