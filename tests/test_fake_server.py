"""The fake OPS-COM server: its contract, its seeded faults and its record of requests."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from importer.commands import fake_server as command
from importer.errors import UsageError
from importer.fake_faults import HTML_PAGE, Fault, Faults
from importer.fake_server import DEMO_TOKEN, FakeState, RunningServer, running_server

VEHICLE = {"plate": "ABC123", "prov": "ON", "plateType": "Passenger"}


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    """A fake server with the ``Faults`` given by ``@pytest.mark.parametrize`` indirectly."""
    faults = getattr(request, "param", Faults())
    with running_server(FakeState(faults=faults)) as running:
        yield running


@pytest.fixture(scope="module", autouse=True)
def _http() -> Iterator[None]:
    """One HTTP client for the module, so each request does not build a new one."""
    with httpx.Client(timeout=10) as client:
        CLIENT.append(client)
        yield
        CLIENT.clear()


CLIENT: list[httpx.Client] = []


def _push(server: RunningServer, body: object, client_code: str = "OC_DEMO") -> httpx.Response:
    url = f"{server.base_url}/api/{client_code}/v1/vehicles/push"
    return CLIENT[0].post(url, content=json.dumps(body))


def _record(server: RunningServer) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = CLIENT[0].get(f"{server.base_url}/_fake/requests").json()
    return records


def _with_token(vehicle: dict[str, str], token: str = DEMO_TOKEN) -> dict[str, str]:
    return {**vehicle, "apiToken": token}


def test_faults_default_injects_nothing() -> None:
    assert Faults().draw("A|ON|passenger", 0) == (Fault.NONE, False)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"fail_rate": -0.1}, "fail_rate must be between 0 and 1, not -0.1"),
        ({"html_rate": 1.5}, "html_rate must be between 0 and 1, not 1.5"),
        ({"drop_rate": 0.6, "fail_rate": 0.6}, "the fault rates add up to 1.2; at most 1"),
        ({"latency_ms": -5}, "latency and Retry-After must not be negative"),
    ],
)
def test_faults_reject_bad_settings(settings: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        Faults(**settings)  # type: ignore[arg-type]


def test_faults_draw_reproducible() -> None:
    faults = Faults(fail_rate=0.2, drop_rate=0.2, seed=3)
    first = [faults.draw(f"P{i}", 0) for i in range(200)]
    again = [Faults(fail_rate=0.2, drop_rate=0.2, seed=3).draw(f"P{i}", 0) for i in range(200)]
    assert first == again


def test_faults_draw_depends_on_seed() -> None:
    one = [Faults(fail_rate=0.5, seed=1).draw(f"P{i}", 0)[0] for i in range(100)]
    two = [Faults(fail_rate=0.5, seed=2).draw(f"P{i}", 0)[0] for i in range(100)]
    assert one != two


def test_faults_draw_new_per_arrival() -> None:
    faults = Faults(fail_rate=0.5, seed=0)
    draws = {faults.draw("P1", arrival)[0] for arrival in range(20)}
    assert draws == {Fault.FAIL, Fault.NONE}


def test_faults_draw_follows_rates() -> None:
    faults = Faults(
        fail_rate=0.1, throttle_rate=0.1, drop_rate=0.1, error_200_rate=0.1, html_rate=0.1
    )
    counts = Counter(faults.draw(f"P{i}", 0)[0] for i in range(20_000))
    for fault in (Fault.FAIL, Fault.THROTTLE, Fault.DROP, Fault.ERROR_200, Fault.HTML):
        assert 1_800 < counts[fault] < 2_200, fault
    assert 9_500 < counts[Fault.NONE] < 10_500


def test_server_stores_vehicle(server: RunningServer) -> None:
    response = _push(server, _with_token(VEHICLE))
    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert server.state.vehicles == [VEHICLE]


def test_server_duplicate_is_9012(server: RunningServer) -> None:
    _push(server, _with_token(VEHICLE))
    response = _push(server, _with_token(VEHICLE))
    assert response.status_code == 409
    assert response.json()["ErrorCode"] == 9012


def test_server_wrong_token_9002(server: RunningServer) -> None:
    response = _push(server, _with_token(VEHICLE, "wrong"))
    assert response.status_code == 401
    assert response.json()["ErrorCode"] == 9002


def test_record_omits_token(server: RunningServer) -> None:
    _push(server, _with_token(VEHICLE))
    _push(server, _with_token(VEHICLE, "another-secret-token"))
    text = CLIENT[0].get(f"{server.base_url}/_fake/requests").text
    assert DEMO_TOKEN not in text
    assert "another-secret-token" not in text


def test_record_drops_non_object_body(server: RunningServer) -> None:
    _push(server, ["apiToken", DEMO_TOKEN])
    record = _record(server)
    assert record[0]["payload"] is None
    assert DEMO_TOKEN not in json.dumps(record)


def test_record_entry_fields(server: RunningServer) -> None:
    _push(server, _with_token(VEHICLE))
    entry = _record(server)[0]
    assert set(entry) == {"time", "client_code", "payload", "fault", "stored", "status", "answer"}
    assert entry["client_code"] == "OC_DEMO"
    assert entry["payload"] == VEHICLE
    assert entry["fault"] == "none"
    assert entry["stored"] is True
    assert entry["status"] == 200
    assert entry["answer"] == {"success": True}


@pytest.mark.parametrize("server", [Faults(fail_rate=1.0)], indirect=True)
def test_fault_fail_is_503(server: RunningServer) -> None:
    response = _push(server, _with_token(VEHICLE))
    assert response.status_code == 503
    assert response.content == b""
    assert server.state.vehicles == []
    assert _record(server)[0]["fault"] == "fail"


@pytest.mark.parametrize("server", [Faults(throttle_rate=1.0, retry_after=2)], indirect=True)
def test_fault_throttle_is_429(server: RunningServer) -> None:
    response = _push(server, _with_token(VEHICLE))
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert server.state.vehicles == []


@pytest.mark.parametrize("server", [Faults(html_rate=1.0)], indirect=True)
def test_fault_html_is_502_page(server: RunningServer) -> None:
    response = _push(server, _with_token(VEHICLE))
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text == HTML_PAGE
    assert server.state.vehicles == []


@pytest.mark.parametrize("server", [Faults(drop_rate=1.0)], indirect=True)
def test_fault_drop_closes_connection(server: RunningServer) -> None:
    stored_flags = []
    for number in range(20):
        with pytest.raises(httpx.RemoteProtocolError):
            _push(server, _with_token({**VEHICLE, "plate": f"D{number}"}))
    for entry in _record(server):
        assert entry["status"] is None
        assert entry["answer"] == "connection closed without an answer"
        stored_flags.append(entry["stored"])
    assert set(stored_flags) == {True, False}
    assert len(server.state.vehicles) == stored_flags.count(True)


@pytest.mark.parametrize("server", [Faults(error_200_rate=1.0)], indirect=True)
def test_fault_error_200(server: RunningServer) -> None:
    first = _push(server, _with_token(VEHICLE))
    second = _push(server, _with_token(VEHICLE))
    assert first.status_code == 200
    assert first.json() == {"success": True}
    assert second.status_code == 200
    assert second.json()["ErrorCode"] == 9012


@pytest.mark.parametrize("server", [Faults(latency_ms=1)], indirect=True)
def test_latency_still_answers(server: RunningServer) -> None:
    assert _push(server, _with_token(VEHICLE)).status_code == 200


def test_faults_same_for_same_seed() -> None:
    def faults_seen(seed: int) -> list[str]:
        state = FakeState(faults=Faults(fail_rate=0.3, throttle_rate=0.3, seed=seed))
        with running_server(state) as running:
            for number in range(30):
                _push(running, _with_token({**VEHICLE, "plate": f"S{number % 10}"}))
            return [entry["fault"] for entry in _record(running)]

    assert faults_seen(5) == faults_seen(5)


def _args(**overrides: float) -> argparse.Namespace:
    values: dict[str, float] = {
        "latency_ms": 0.0,
        "retry_after": 1.0,
        "seed": 0,
        "fail_rate": 0.0,
        "throttle_rate": 0.0,
        "drop_rate": 0.0,
        "error_200_rate": 0.0,
        "html_rate": 0.0,
    }
    values.update(overrides)
    return argparse.Namespace(**values)


def test_command_builds_faults() -> None:
    faults = command.faults_from(_args(fail_rate=0.05, seed=9, latency_ms=20))
    assert faults == Faults(latency_ms=20, fail_rate=0.05, seed=9)


def test_command_rejects_bad_rate() -> None:
    with pytest.raises(UsageError) as caught:
        command.faults_from(_args(drop_rate=2.0))
    assert str(caught.value) == (
        "fake-server: drop_rate must be between 0 and 1, not 2. Rates are fractions of the "
        "requests, such as 0.05."
    )
