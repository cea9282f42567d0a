"""Incremental runs through the fake server: unchanged rows stay home, changes are reported."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from importer.config import Secret, Target
from importer.errors import ExitCode
from importer.fake_server import RunningServer
from importer.incremental import (
    CHANGED_CODE,
    changed_fields,
    missing_line,
    run_journal,
    run_record,
)
from importer.journal import Journal, MissingVehicle, journal_path
from importer.records import RowResult, RunSummary, SourceRow, Status
from importer.runner import RunOptions, RunOutcome, run_import

PROFILE = """\
fields:
  plate: Plate
  plateType: {value: Passenger}
  prov: Prov
  make: Make
  colour: Colour
"""
COLOURS = ("White", "Black", "Silver", "Blue")


def fleet_rows(count: int) -> list[dict[str, str]]:
    return [
        {
            "Plate": f"INC{number:04d}",
            "Prov": "ON",
            "Make": "Ford",
            "Colour": COLOURS[number % len(COLOURS)],
        }
        for number in range(1, count + 1)
    ]


def write_fleet(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["Plate", "Prov", "Make", "Colour"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def fake_requests(server: RunningServer) -> list[dict[str, Any]]:
    """Return every request the fake server received, from its own record."""
    answer = httpx.get(f"{server.base_url}/_fake/requests", timeout=10)
    requests: list[dict[str, Any]] = answer.json()
    return requests


def summary_cells(outcome: RunOutcome) -> list[str]:
    workbook = openpyxl.load_workbook(outcome.results_path, read_only=True)
    cells = [
        str(value)
        for row in workbook["Summary"].iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    workbook.close()
    return cells


@pytest.fixture
def options(tmp_path: Path) -> RunOptions:
    profile = tmp_path / "fleet.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    source = write_fleet(tmp_path / "fleet.csv", fleet_rows(20))
    return RunOptions(input_path=source, profile_path=profile, state_dir=tmp_path / "state")


@pytest.fixture
def first_run(
    options: RunOptions, fake_target: Target, fake_server: RunningServer
) -> Iterator[RunOutcome]:
    yield run_import(options, fake_target)


def test_first_run_pushes_all(first_run: RunOutcome, fake_server: RunningServer) -> None:
    assert first_run.summary.counts == {"pushed": 20}
    assert len(fake_requests(fake_server)) == 20


def test_unchanged_rerun_sends_nothing(
    first_run: RunOutcome, options: RunOptions, fake_target: Target, fake_server: RunningServer
) -> None:
    again = run_import(options, fake_target)
    assert len(fake_requests(fake_server)) == 20
    assert again.summary.counts == {"unchanged": 20}
    assert again.exit_code is ExitCode.OK


def test_unchanged_rows_written_as_unchanged(
    first_run: RunOutcome, options: RunOptions, fake_target: Target
) -> None:
    again = run_import(options, fake_target)
    workbook = openpyxl.load_workbook(again.results_path, read_only=True)
    rows = list(workbook["Results"].iter_rows(values_only=True))
    workbook.close()
    status_column = rows[0].index("Status")
    assert {row[status_column] for row in rows[1:]} == {"unchanged"}


def change_colours(options: RunOptions, numbers: list[int], colour: str = "Green") -> None:
    rows = fleet_rows(20)
    for number in numbers:
        rows[number - 1]["Colour"] = colour
    write_fleet(options.input_path, rows)


CHANGED = [2, 5, 9, 14, 20]


def test_five_changes_send_five(
    first_run: RunOutcome, options: RunOptions, fake_target: Target, fake_server: RunningServer
) -> None:
    change_colours(options, CHANGED)
    run_import(options, fake_target)
    sent = fake_requests(fake_server)[20:]
    assert len(sent) == 5
    assert sorted(request["payload"]["plate"] for request in sent) == [
        f"INC{n:04d}" for n in CHANGED
    ]
    assert {request["payload"]["colour"] for request in sent} == {"Green"}


def test_changed_rows_stay_exists(
    first_run: RunOutcome, options: RunOptions, fake_target: Target
) -> None:
    change_colours(options, CHANGED)
    again = run_import(options, fake_target)
    assert again.summary.counts == {"unchanged": 15, "exists": 5}
    assert again.exit_code is ExitCode.OK


def by_plate(outcome: RunOutcome, plate: str) -> RowResult:
    return next(result for result in outcome.results if result.payload.get("plate") == plate)


def test_changed_row_warning_names_fields(
    first_run: RunOutcome, options: RunOptions, fake_target: Target
) -> None:
    change_colours(options, CHANGED)
    again = run_import(options, fake_target)
    row = by_plate(again, "INC0002")
    sent_at = by_plate(first_run, "INC0002").finished_at
    assert row.warnings == [
        f"OPS-COM already has this vehicle and kept the details sent on {sent_at}; changed "
        "since: colour 'Silver' → 'Green'. The Push API does not update vehicles: make the "
        "change in OPS-COM."
    ]
    assert row.warning_codes == [CHANGED_CODE]


def test_changed_rows_counted_in_summary(
    first_run: RunOutcome, options: RunOptions, fake_target: Target
) -> None:
    change_colours(options, CHANGED)
    again = run_import(options, fake_target)
    note = (
        "5 vehicles changed since last sent, but OPS-COM already had them and kept the old "
        f"details: make these changes in OPS-COM (warning '{CHANGED_CODE}' in the Results "
        "sheet)."
    )
    assert again.summary.notes == [note]
    assert note in summary_cells(again)


def test_changed_note_one_vehicle(
    first_run: RunOutcome, options: RunOptions, fake_target: Target
) -> None:
    change_colours(options, [2])
    again = run_import(options, fake_target)
    assert again.summary.notes == [
        "1 vehicle changed since it was last sent, but OPS-COM already had it and kept the old "
        f"details: make this change in OPS-COM (warning '{CHANGED_CODE}' in the Results "
        "sheet)."
    ]


def test_changed_then_unchanged_sends_nothing(
    first_run: RunOutcome, options: RunOptions, fake_target: Target, fake_server: RunningServer
) -> None:
    change_colours(options, CHANGED)
    run_import(options, fake_target)
    third = run_import(options, fake_target)
    assert len(fake_requests(fake_server)) == 25
    assert third.summary.counts == {"unchanged": 20}


def test_changed_again_compares_with_pushed(
    first_run: RunOutcome, options: RunOptions, fake_target: Target
) -> None:
    change_colours(options, [2], "Green")
    run_import(options, fake_target)
    change_colours(options, [2], "Orange")
    third = run_import(options, fake_target)
    assert "colour 'Silver' → 'Orange'" in by_plate(third, "INC0002").warnings[0]


def test_new_rows_pushed(
    first_run: RunOutcome, options: RunOptions, fake_target: Target, fake_server: RunningServer
) -> None:
    rows = fleet_rows(23)
    write_fleet(options.input_path, rows)
    again = run_import(options, fake_target)
    assert again.summary.counts == {"unchanged": 20, "pushed": 3}
    assert len(fake_requests(fake_server)) == 23


def test_missing_vehicles_listed(
    first_run: RunOutcome, options: RunOptions, fake_target: Target
) -> None:
    rows = fleet_rows(20)
    write_fleet(options.input_path, rows[:3] + rows[5:])
    again = run_import(options, fake_target)
    header = (
        "2 vehicles sent by earlier runs are not among this file's valid rows; OPS-COM still "
        "has them, because the Push API cannot delete vehicles."
    )
    listed_at = first_run_started_at(options, fake_target)
    assert again.summary.notes == [
        header,
        "Missing: plate INC0004, province ON, plate type Passenger (last listed by the run of "
        f"{listed_at} on fleet.csv)",
        "Missing: plate INC0005, province ON, plate type Passenger (last listed by the run of "
        f"{listed_at} on fleet.csv)",
    ]


def first_run_started_at(options: RunOptions, target: Target) -> str:
    assert options.state_dir is not None
    connection = sqlite3.connect(journal_path(options.state_dir, target))
    started_at: str = connection.execute("SELECT started_at FROM runs WHERE id = 1").fetchone()[0]
    connection.close()
    return started_at


def test_missing_kept_next_night(
    first_run: RunOutcome, options: RunOptions, fake_target: Target
) -> None:
    rows = fleet_rows(20)
    write_fleet(options.input_path, rows[1:])
    second = run_import(options, fake_target)
    third = run_import(options, fake_target)
    assert third.summary.notes[1] == second.summary.notes[1]


def test_listed_again_not_missing(
    first_run: RunOutcome, options: RunOptions, fake_target: Target
) -> None:
    rows = fleet_rows(20)
    write_fleet(options.input_path, rows[1:])
    run_import(options, fake_target)
    write_fleet(options.input_path, rows)
    again = run_import(options, fake_target)
    assert again.summary.notes == []
    assert again.summary.counts == {"unchanged": 20}


def test_missing_vehicles_in_workbook(
    first_run: RunOutcome, options: RunOptions, fake_target: Target
) -> None:
    rows = fleet_rows(20)
    write_fleet(options.input_path, rows[1:])
    again = run_import(options, fake_target)
    cells = summary_cells(again)
    assert any(cell.startswith("Missing: plate INC0001, province ON") for cell in cells)


def test_full_sends_every_row(
    first_run: RunOutcome, options: RunOptions, fake_target: Target, fake_server: RunningServer
) -> None:
    full = RunOptions(**{**vars_of(options), "full": True})
    again = run_import(full, fake_target)
    assert len(fake_requests(fake_server)) == 40
    assert again.summary.counts == {"exists": 20}


def vars_of(options: RunOptions) -> dict[str, Any]:
    return {name: getattr(options, name) for name in options.__dataclass_fields__}


def test_no_state_dir_sends_again(
    options: RunOptions, fake_target: Target, fake_server: RunningServer
) -> None:
    plain = RunOptions(**{**vars_of(options), "state_dir": None})
    run_import(plain, fake_target)
    again = run_import(plain, fake_target)
    assert again.summary.counts == {"exists": 20}
    assert options.state_dir is not None
    assert not options.state_dir.exists()


def test_dry_run_keeps_no_journal(options: RunOptions) -> None:
    dry = RunOptions(**{**vars_of(options), "dry_run": True})
    run_import(dry, None)
    assert options.state_dir is not None
    assert not options.state_dir.exists()


def test_run_recorded_in_journal(
    first_run: RunOutcome, options: RunOptions, fake_target: Target
) -> None:
    assert options.state_dir is not None
    connection = sqlite3.connect(journal_path(options.state_dir, fake_target))
    status, counts, source = connection.execute(
        "SELECT status, counts, input_file FROM runs"
    ).fetchone()
    connection.close()
    assert status == "finished"
    assert json.loads(counts) == {"pushed": 20}
    assert source == str(options.input_path.resolve())


def test_error_marks_run_interrupted(options: RunOptions, fake_target: Target) -> None:
    with pytest.raises(RuntimeError), run_journal(options, fake_target):
        raise RuntimeError("stop here")
    assert options.state_dir is not None
    connection = sqlite3.connect(journal_path(options.state_dir, fake_target))
    statuses = connection.execute("SELECT status, finished_at IS NOT NULL FROM runs").fetchall()
    connection.close()
    assert statuses == [("interrupted", 1)]


def test_killed_run_noted_by_next(
    options: RunOptions, fake_target: Target, fake_server: RunningServer
) -> None:
    assert options.state_dir is not None
    killed = Journal.open(options.state_dir, fake_target)
    killed.start_run(run_record(options))
    killed.close()
    again = run_import(options, fake_target)
    assert re.fullmatch(
        r"Run 1 \(process \d+, started \S+, file \S+fleet\.csv\) did not finish; the rows it "
        r"had sent and got an answer for are unchanged in this run unless it is --full\.",
        again.summary.notes[0],
    )


def retried_row(plate: str, colour: str = "Green") -> RowResult:
    """Return a valid row of a retry, as ``retry`` checks it before sending."""
    payload = {
        "plate": plate,
        "plateType": "Passenger",
        "prov": "ON",
        "make": "Ford",
        "colour": colour,
    }
    return RowResult(SourceRow(7, (plate, "ON", "Ford", colour)), payload, Status.VALID)


def retry_with(options: RunOptions, target: Target, result: RowResult) -> RunSummary:
    """Record ``result`` as pushed through a retry's journal session; return its summary."""
    summary = RunSummary("opscom-import retry r.xlsx", options.input_path, None, "", "", "")
    with run_journal(options, target, retry=True) as journal:
        journal.note_keys([result])
        on_row = journal.watch(None)
        assert on_row is not None
        result.status = Status.PUSHED
        on_row(result)
        journal.finish(summary)
    return summary


def test_retry_session_records_outcome(
    first_run: RunOutcome, options: RunOptions, fake_target: Target
) -> None:
    retry_with(options, fake_target, retried_row("INC0021"))
    assert options.state_dir is not None
    journal = Journal.open(options.state_dir, fake_target)
    states = journal.sent_states()
    journal.close()
    assert states[("INC0021", "ON", "PASSENGER")].outcome == "pushed"


def test_retry_session_lists_no_missing(
    first_run: RunOutcome, options: RunOptions, fake_target: Target
) -> None:
    summary = retry_with(options, fake_target, retried_row("INC0021"))
    assert summary.notes == []
    assert options.state_dir is not None
    journal = Journal.open(options.state_dir, fake_target)
    missing = journal.missing(10)
    journal.close()
    assert missing == (0, [])


def test_retry_session_keeps_killed_run(
    options: RunOptions, fake_target: Target, fake_server: RunningServer
) -> None:
    assert options.state_dir is not None
    killed = Journal.open(options.state_dir, fake_target)
    killed.start_run(run_record(options))
    killed.close()
    retry_with(options, fake_target, retried_row("INC0021"))
    again = run_import(options, fake_target)
    assert again.summary.notes[0].startswith("Run 1 (process ")


def test_retried_row_unchanged_next_run(
    options: RunOptions, fake_target: Target, fake_server: RunningServer
) -> None:
    write_fleet(options.input_path, fleet_rows(1))
    retry_with(options, fake_target, retried_row("INC0001", fleet_rows(1)[0]["Colour"]))
    again = run_import(options, fake_target)
    assert again.summary.counts == {"unchanged": 1}
    assert fake_requests(fake_server) == []


def rejecting_transport(calls: list[str], code: int = 9030) -> httpx.MockTransport:
    """Respond with error ``code`` to plate INC0003 and with success to every other plate."""

    def handler(request: httpx.Request) -> httpx.Response:
        payload = json.loads(request.content)
        calls.append(payload["plate"])
        if payload["plate"] == "INC0003":
            return httpx.Response(400, json={"ErrorCode": code, "ErrorMessage": "Too long."})
        return httpx.Response(200, json={"success": True})

    return httpx.MockTransport(handler)


MOCK_TARGET = Target("http://127.0.0.1:9", "OC_DEMO", Secret("t"))


def test_rejected_row_not_sent_again(options: RunOptions) -> None:
    calls: list[str] = []
    first = run_import(options, MOCK_TARGET, transport=rejecting_transport(calls))
    calls.clear()
    again = run_import(options, MOCK_TARGET, transport=rejecting_transport(calls))
    row = by_plate(again, "INC0003")
    sent_at = by_plate(first, "INC0003").finished_at
    assert calls == []
    assert again.summary.counts == {"unchanged": 19, "rejected": 1}
    assert row.errors == [
        f"Not sent: OPS-COM rejected these same values on {sent_at} (error 9030: Too long.). "
        "Fix the row, or pass --full to send it again after a change in OPS-COM's setup."
    ]
    assert row.error_codes == ["server-9030"]
    assert again.exit_code is ExitCode.ROWS_FAILED


def test_rejected_row_sent_when_changed(options: RunOptions) -> None:
    calls: list[str] = []
    run_import(options, MOCK_TARGET, transport=rejecting_transport(calls))
    change_colours(options, [3])
    calls.clear()
    run_import(options, MOCK_TARGET, transport=rejecting_transport(calls))
    assert calls == ["INC0003"]


def test_rejected_row_sent_with_full(options: RunOptions) -> None:
    calls: list[str] = []
    run_import(options, MOCK_TARGET, transport=rejecting_transport(calls))
    calls.clear()
    full = RunOptions(**{**vars_of(options), "full": True})
    run_import(full, MOCK_TARGET, transport=rejecting_transport(calls))
    assert len(calls) == 20


def test_unreadable_request_sent_again(options: RunOptions) -> None:
    calls: list[str] = []
    run_import(options, MOCK_TARGET, transport=rejecting_transport(calls, code=9003))
    calls.clear()
    again = run_import(options, MOCK_TARGET, transport=rejecting_transport(calls, code=9003))
    assert calls == ["INC0003"]
    assert again.summary.counts == {"unchanged": 19, "rejected": 1}


def test_changed_fields_in_api_order() -> None:
    old = {"plate": "A1", "colour": "Red", "vin": "V1", "year": "2019"}
    new = {"plate": "A1", "colour": "Blue", "year": "2019", "make": "Ford"}
    assert changed_fields(old, new) == [
        ("make", "", "Ford"),
        ("colour", "Red", "Blue"),
        ("vin", "V1", ""),
    ]


def test_missing_line_ids_as_sent() -> None:
    payload = {"plate": "ab 12", "provID": "7", "plateTypeID": "3"}
    vehicle = MissingVehicle(("AB 12", "7", "3"), payload, "", "")
    assert missing_line(vehicle) == (
        "Missing: plate ab 12, province ID 7, plate type ID 3 (last listed by an earlier run)"
    )
