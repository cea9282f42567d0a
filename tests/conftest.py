"""Fixtures shared by the test modules: the fake OPS-COM server and a target pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import stamina

from importer.config import Secret, Target
from importer.fake_server import DEMO_CLIENT_CODE, DEMO_TOKEN, RunningServer, running_server

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    """Keep stamina's attempt counts but skip its backoff sleeps."""
    with stamina.set_testing(True, attempts=6, cap=True):
        yield


@pytest.fixture
def fake_server() -> Iterator[RunningServer]:
    """The bundled fake OPS-COM server on a free port of 127.0.0.1."""
    with running_server() as server:
        yield server


@pytest.fixture
def fake_target(fake_server: RunningServer) -> Target:
    return Target(fake_server.base_url, DEMO_CLIENT_CODE, Secret(DEMO_TOKEN))
