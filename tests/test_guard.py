"""The error-rate guard that stops a run when most of its first rows fail the same way."""

from __future__ import annotations

from importer.errors import ExitCode
from importer.guard import ErrorRateGuard, RepeatedFailureError, hint_for
from importer.records import Status


def _feed(guard: ErrorRateGuard, outcomes: list[tuple[Status, str | None]]) -> list[int]:
    """Return the 1-based positions at which the guard tripped."""
    trips = []
    for position, (status, reason) in enumerate(outcomes, start=1):
        if guard.observe(status, reason, f"message for {reason}") is not None:
            trips.append(position)
    return trips


def test_guard_trips_at_minimum() -> None:
    trips = _feed(ErrorRateGuard(), [(Status.FAILED, "http-404")] * 12)
    assert trips[0] == 10


def test_guard_message_names_reason_and_fix() -> None:
    guard = ErrorRateGuard()
    message = "HTTP 404, not a JSON answer: Not Found. Check the base URL and the client code."
    for _ in range(9):
        assert guard.observe(Status.FAILED, "http-404", message) is None
    error = guard.observe(Status.FAILED, "http-404", message)
    assert isinstance(error, RepeatedFailureError)
    assert error.exit_code is ExitCode.SERVER_CONFIGURATION
    assert str(error) == (
        "stopped early: 10 of the first 10 rows failed the same way (HTTP 404, not a JSON "
        "answer: Not Found. Check the base URL and the client code). The rows not yet sent "
        "were marked 'not attempted'."
    )


def test_guard_tolerates_mixed_failures() -> None:
    outcomes = [(Status.FAILED, "http-503"), (Status.REJECTED, "server-9030")] * 10
    assert _feed(ErrorRateGuard(), outcomes) == []


def test_guard_tolerates_some_failures() -> None:
    outcomes = [(Status.PUSHED, None)] * 5 + [(Status.REJECTED, "server-9030")] * 15
    assert _feed(ErrorRateGuard(), outcomes) == []


def test_guard_counts_rejections() -> None:
    outcomes = [(Status.PUSHED, None)] + [(Status.REJECTED, "server-9011")] * 11
    assert _feed(ErrorRateGuard(), outcomes)[0] == 10


def test_guard_ignores_rows_after_window() -> None:
    outcomes = [(Status.PUSHED, None)] * 20 + [(Status.FAILED, "http-404")] * 50
    assert _feed(ErrorRateGuard(), outcomes) == []


def test_guard_small_file_never_trips() -> None:
    assert _feed(ErrorRateGuard(), [(Status.FAILED, "http-404")] * 9) == []


def test_guard_exists_is_not_failure() -> None:
    assert _feed(ErrorRateGuard(), [(Status.EXISTS, None)] * 20) == []


def test_hints_per_reason() -> None:
    assert hint_for("http-429").startswith("The server kept asking to slow down")
    assert hint_for("http-503").startswith("The server kept asking to slow down")
    assert hint_for("http-301") is None
    assert hint_for("http-404") is None
    assert hint_for("http-500") == "The server is failing; try again later."
    assert hint_for("timeout").startswith("Check the base URL, the network")
    assert hint_for("server-9030").startswith("The server rejected these rows")
    assert hint_for("http-400") == "Check the base URL, the client code and the API token."
