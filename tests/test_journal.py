"""The run journal: state folder, target files, keys, hashes and what each table keeps."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from importer.config import Secret, Target
from importer.errors import UsageError
from importer.journal import (
    BATCH_ROWS,
    CHECKPOINT_PAGES,
    Journal,
    MissingVehicle,
    PastRun,
    Reference,
    RunRecord,
    SentState,
    default_state_dir,
    file_sha256,
    journal_path,
    outcome_log_path,
    payload_hash,
    payload_json,
    state_dir_options,
    target_slug,
    vehicle_key,
)

TARGET = Target("https://controller.example.test", "OC_TOMA", Secret("token-never-stored"))
CAR = {"plate": "ABC123", "prov": "ON", "plateType": "Passenger", "colour": "Red"}


def record(**changes: object) -> RunRecord:
    values: dict[str, object] = {
        "pid": 4321,
        "started_at": "2026-05-01T02:00:00+00:00",
        "command": "opscom-import run fleet.csv",
        "input_file": "/srv/fleet.csv",
        "input_sha256": "ab" * 32,
        "profile": "fleet.yaml",
        "options": {"full": False},
    }
    values.update(changes)
    return RunRecord(**values)  # type: ignore[arg-type]


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    opened = Journal.open(tmp_path / "state", TARGET)
    yield opened
    opened.close()


def test_state_dir_from_opscom_variable(tmp_path: Path) -> None:
    environ = {"OPSCOM_STATE_DIR": str(tmp_path / "s"), "XDG_STATE_HOME": "/elsewhere"}
    assert default_state_dir(environ) == tmp_path / "s"


def test_state_dir_from_xdg_variable() -> None:
    assert default_state_dir({"XDG_STATE_HOME": "/var/x"}) == Path("/var/x/opscom-import")


def test_state_dir_default_in_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_state_dir({}) == tmp_path / ".local" / "state" / "opscom-import"


def test_state_dir_options_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.delenv("OPSCOM_STATE_DIR", raising=False)
    assert state_dir_options(tmp_path / "opscom-import") == []


def test_state_dir_options_other(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert state_dir_options(Path("st")) == ["--state-dir", str(tmp_path / "st")]


def test_state_dir_options_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.setenv("OPSCOM_STATE_DIR", str(tmp_path / "nightly"))
    assert state_dir_options(tmp_path / "nightly") == ["--state-dir", str(tmp_path / "nightly")]


def test_state_dir_options_none() -> None:
    assert state_dir_options(None) == []


def test_slug_readable_and_hashed() -> None:
    slug = target_slug(TARGET)
    assert slug.startswith("controller.example.test-OC_TOMA-")
    assert len(slug.rsplit("-", 1)[1]) == 12


def test_slug_differs_by_port() -> None:
    other = Target("http://127.0.0.1:8001", "OC_TOMA", Secret("t"))
    again = Target("http://127.0.0.1:8002", "OC_TOMA", Secret("t"))
    assert target_slug(other) != target_slug(again)


def test_slug_differs_by_client_code() -> None:
    other = Target(TARGET.base_url, "OC_OTHER", TARGET.token)
    assert target_slug(other) != target_slug(TARGET)


def test_slug_ignores_token() -> None:
    other = Target(TARGET.base_url, TARGET.client_code, Secret("another-token"))
    assert target_slug(other) == target_slug(TARGET)


def test_journal_file_per_target(tmp_path: Path) -> None:
    path = journal_path(tmp_path, TARGET)
    assert path == tmp_path / f"{target_slug(TARGET)}.sqlite3"


def test_key_folds_case_and_spaces() -> None:
    payload = {"plate": " abc  123 ", "prov": "on", "plateType": "passenger"}
    assert vehicle_key(payload) == ("ABC 123", "ON", "PASSENGER")


def test_key_uses_ids_when_no_names() -> None:
    payload = {"plate": "ABC123", "provID": "12", "plateTypeID": "3"}
    assert vehicle_key(payload) == ("ABC123", "12", "3")


def test_key_none_without_province() -> None:
    assert vehicle_key({"plate": "ABC123", "plateType": "Passenger"}) is None


def test_hash_ignores_field_order() -> None:
    reordered = dict(reversed(list(CAR.items())))
    assert payload_hash(reordered) == payload_hash(CAR)


def test_hash_changes_with_a_field() -> None:
    assert payload_hash({**CAR, "colour": "Blue"}) != payload_hash(CAR)


def test_hash_ignores_token_field() -> None:
    assert payload_hash({**CAR, "apiToken": "secret-1"}) == payload_hash(CAR)


def test_file_sha256(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"abc")
    assert file_sha256(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_open_uses_wal(journal: Journal) -> None:
    connection = sqlite3.connect(journal.path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


def test_open_rejects_garbage_file(tmp_path: Path) -> None:
    path = journal_path(tmp_path, TARGET)
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(UsageError) as caught:
        Journal.open(tmp_path, TARGET)
    assert str(caught.value).startswith(f"{path} is not a usable run journal")


def test_open_rejects_newer_schema(tmp_path: Path) -> None:
    path = journal_path(tmp_path, TARGET)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA user_version=99")
    connection.close()
    with pytest.raises(UsageError) as caught:
        Journal.open(tmp_path, TARGET)
    assert "written by a newer opscom-import (journal version 99)" in str(caught.value)


VERSION_1 = """
CREATE TABLE runs (id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, started_at TEXT NOT NULL,
    finished_at TEXT, status TEXT NOT NULL, command TEXT NOT NULL, input_file TEXT NOT NULL,
    input_sha256 TEXT NOT NULL, profile TEXT NOT NULL, options TEXT NOT NULL, counts TEXT);
CREATE TABLE vehicles (plate TEXT NOT NULL, prov TEXT NOT NULL, plate_type TEXT NOT NULL,
    payload_hash TEXT, payload TEXT, outcome TEXT, detail TEXT, error_code INTEGER,
    sent_at TEXT, sent_run INTEGER, stored_payload TEXT, stored_at TEXT, seen_run INTEGER,
    seen_at TEXT, seen_file TEXT, PRIMARY KEY (plate, prov, plate_type)) WITHOUT ROWID;
INSERT INTO vehicles (plate, prov, plate_type, payload_hash, outcome)
    VALUES ('ABC123', 'ON', 'PASSENGER', 'h1', 'pushed');
PRAGMA user_version=1;
"""


def test_open_migrates_finished_runs_compared(tmp_path: Path) -> None:
    connection = sqlite3.connect(journal_path(tmp_path, TARGET))
    connection.executescript(VERSION_1)
    connection.executescript(
        "INSERT INTO runs (pid, started_at, status, command, input_file, input_sha256,"
        " profile, options) VALUES (1, 't1', 'finished', 'c', 'f', 'h', 'p', '{}'),"
        " (2, 't2', 'interrupted', 'c', 'f', 'h', 'p', '{}');"
    )
    connection.close()
    Journal.open(tmp_path, TARGET).close()
    connection = sqlite3.connect(journal_path(tmp_path, TARGET))
    compared = connection.execute("SELECT id, compared FROM runs ORDER BY id").fetchall()
    connection.close()
    assert compared == [(1, 1), (2, 0)]


def test_open_migrates_version_1(tmp_path: Path) -> None:
    connection = sqlite3.connect(journal_path(tmp_path, TARGET))
    connection.executescript(VERSION_1)
    connection.close()
    journal = Journal.open(tmp_path, TARGET)
    states = journal.sent_states()
    journal.close()
    assert states == {("ABC123", "ON", "PASSENGER"): SentState("h1", "pushed")}


def test_open_unwritable_state_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        Journal.open(blocker / "state", TARGET)
    assert "pass --state-dir with a writable folder" in str(caught.value)


def test_start_run_stores_record(journal: Journal) -> None:
    run_id = journal.start_run(record())
    connection = sqlite3.connect(journal.path)
    row = connection.execute(
        "SELECT pid, status, input_file, input_sha256, profile, options FROM runs WHERE id = ?",
        (run_id,),
    ).fetchone()
    connection.close()
    assert row == (4321, "running", "/srv/fleet.csv", "ab" * 32, "fleet.yaml", '{"full": false}')


def test_finish_run_stores_counts(journal: Journal) -> None:
    run_id = journal.start_run(record())
    journal.finish_run(run_id, "2026-05-01T02:10:00+00:00", "finished", {"pushed": 3})
    connection = sqlite3.connect(journal.path)
    row = connection.execute(
        "SELECT finished_at, status, counts FROM runs WHERE id = ?", (run_id,)
    ).fetchone()
    connection.close()
    assert row == ("2026-05-01T02:10:00+00:00", "finished", '{"pushed": 3}')


def test_unfinished_runs_closed(journal: Journal) -> None:
    killed = journal.start_run(record(pid=111))
    current = journal.start_run(record(pid=222))
    closed = journal.close_unfinished_runs(current)
    assert closed == [PastRun(killed, 111, "2026-05-01T02:00:00+00:00", "/srv/fleet.csv")]
    assert journal.close_unfinished_runs(current) == []


def committed_outcomes(journal: Journal) -> list[tuple[str, str]]:
    """Read the vehicles table through a second connection, as another process would."""
    reader = sqlite3.connect(journal.path)
    rows = reader.execute("SELECT plate, outcome FROM vehicles ORDER BY plate").fetchall()
    reader.close()
    return rows


def record_plates(journal: Journal, run_id: int, count: int) -> None:
    for number in range(count):
        plate = f"P{number:03d}"
        journal.record_outcome(
            run_id, (plate, "ON", "PASSENGER"), {**CAR, "plate": plate}, "pushed", "t1"
        )


def test_outcome_waits_for_batch(journal: Journal) -> None:
    run_id = journal.start_run(record())
    record_plates(journal, run_id, BATCH_ROWS - 1)
    assert committed_outcomes(journal) == []


def test_outcome_batch_committed(journal: Journal) -> None:
    run_id = journal.start_run(record())
    record_plates(journal, run_id, BATCH_ROWS)
    assert len(committed_outcomes(journal)) == BATCH_ROWS


def test_outcome_committed_after_batch_seconds(journal: Journal) -> None:
    journal.batch_seconds = 0.0
    run_id = journal.start_run(record())
    journal.record_outcome(run_id, ("ABC123", "ON", "PASSENGER"), CAR, "pushed", "t1")
    assert committed_outcomes(journal) == [("ABC123", "pushed")]


def test_outcome_committed_on_close(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path, TARGET)
    journal.record_outcome(
        journal.start_run(record()), ("ABC123", "ON", "PASSENGER"), CAR, "pushed", "t1"
    )
    journal.close()
    assert committed_outcomes(journal) == [("ABC123", "pushed")]


def test_outcome_log_removed_on_close(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path, TARGET)
    journal.record_outcome(
        journal.start_run(record()), ("ABC123", "ON", "PASSENGER"), CAR, "pushed", "t1"
    )
    journal.close()
    assert not outcome_log_path(journal.path).exists()


def test_outcome_logged_before_commit(journal: Journal) -> None:
    run_id = journal.start_run(record())
    journal.record_outcome(run_id, ("ABC123", "ON", "PASSENGER"), CAR, "pushed", "t1")
    lines = outcome_log_path(journal.path).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)[:6] for line in lines] == [
        ["ABC123", "ON", "PASSENGER", payload_hash(CAR), payload_json(CAR), "pushed"]
    ]


def test_outcome_log_emptied_by_commit(journal: Journal) -> None:
    record_plates(journal, journal.start_run(record()), BATCH_ROWS)
    assert outcome_log_path(journal.path).read_bytes() == b""


KILLED_RUN = """\
import os, signal, sys
from pathlib import Path
from importer.config import Secret, Target
from importer.journal import Journal, RunRecord
journal = Journal.open(Path(sys.argv[1]), Target(sys.argv[2], sys.argv[3], Secret("t")))
run_id = journal.start_run(RunRecord(1, "t0", "run", "f.csv", "ab", "", {}))
car = {"plate": "KILL1", "prov": "ON", "plateType": "Passenger"}
journal.record_outcome(run_id, ("KILL1", "ON", "PASSENGER"), car, "pushed", "t1")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_outcome_kept_after_kill(tmp_path: Path) -> None:
    arguments = [str(tmp_path), TARGET.base_url, TARGET.client_code]
    killed = subprocess.run([sys.executable, "-c", KILLED_RUN, *arguments], check=False)
    journal = Journal.open(tmp_path, TARGET)
    states = journal.sent_states()
    journal.close()
    assert killed.returncode == -signal.SIGKILL
    assert states[("KILL1", "ON", "PASSENGER")].outcome == "pushed"


def test_outcome_log_cut_line_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    line = json.dumps(["KEPT1", "ON", "PASSENGER", "h", "{}", "pushed", "t1", 1, "", None])
    outcome_log_path(journal_path(tmp_path, TARGET)).write_text(f'{line}\n["CUT1", "ON', "utf-8")
    journal = Journal.open(tmp_path, TARGET)
    states = journal.sent_states()
    journal.close()
    assert list(states) == [("KEPT1", "ON", "PASSENGER")]
    assert "skipped 1 unreadable line," in caplog.text


def test_reference_sees_uncommitted_outcome(journal: Journal) -> None:
    key = ("ABC123", "ON", "PASSENGER")
    journal.record_outcome(journal.start_run(record()), key, CAR, "pushed", "t1")
    assert journal.reference(key) == Reference(CAR, "t1")


def test_sent_states_lists_sent_vehicles(journal: Journal) -> None:
    run_id = journal.start_run(record())
    key = ("ABC123", "ON", "PASSENGER")
    journal.record_outcome(run_id, key, CAR, "exists", "t1")
    assert journal.sent_states() == {key: SentState(payload_hash(CAR), "exists", "t1")}


def test_rejection_detail_kept(journal: Journal) -> None:
    run_id = journal.start_run(record())
    key = ("ABC123", "ON", "PASSENGER")
    journal.record_outcome(
        run_id, key, CAR, "rejected", "t1", detail="error 9021: too long", error_code=9021
    )
    assert journal.sent_states()[key] == SentState(
        payload_hash(CAR), "rejected", "t1", "error 9021: too long", 9021
    )


def test_reference_is_pushed_payload(journal: Journal) -> None:
    run_id = journal.start_run(record())
    key = ("ABC123", "ON", "PASSENGER")
    journal.record_outcome(run_id, key, CAR, "pushed", "t1")
    journal.record_outcome(run_id, key, {**CAR, "colour": "Blue"}, "exists", "t2")
    assert journal.reference(key) == Reference(CAR, "t1")


def test_reference_falls_back_to_exists(journal: Journal) -> None:
    run_id = journal.start_run(record())
    key = ("ABC123", "ON", "PASSENGER")
    journal.record_outcome(run_id, key, CAR, "exists", "t1")
    assert journal.reference(key) == Reference(CAR, "t1")


def test_reference_none_after_rejection(journal: Journal) -> None:
    run_id = journal.start_run(record())
    key = ("ABC123", "ON", "PASSENGER")
    journal.record_outcome(run_id, key, CAR, "rejected", "t1")
    assert journal.reference(key) is None


OLD, KEPT = ("OLD1", "ON", "PASSENGER"), ("KEPT1", "ON", "PASSENGER")


def test_missing_lists_marked_vehicles(journal: Journal) -> None:
    first = journal.start_run(record())
    journal.record_outcome(first, OLD, CAR, "pushed", "t1")
    journal.record_outcome(first, KEPT, CAR, "pushed", "t1")
    second = journal.start_run(record(started_at="2026-05-02T02:00:00+00:00"))
    journal.mark_missing(second, [OLD])
    assert journal.missing(10) == (
        1,
        [MissingVehicle(OLD, CAR, "2026-05-01T02:00:00+00:00", "/srv/fleet.csv")],
    )


def test_missing_last_listed_by_later_run(journal: Journal) -> None:
    first = journal.start_run(record())
    journal.record_outcome(first, OLD, CAR, "pushed", "t1")
    listing = journal.start_run(record(started_at="2026-05-02T02:00:00+00:00"))
    journal.mark_missing(listing, [])
    journal.start_run(record(started_at="2026-05-02T09:00:00+00:00", command="retry"))
    gone = journal.start_run(record(started_at="2026-05-03T02:00:00+00:00"))
    journal.mark_missing(gone, [OLD])
    assert journal.missing(10)[1] == [
        MissingVehicle(OLD, CAR, "2026-05-02T02:00:00+00:00", "/srv/fleet.csv")
    ]


def test_missing_last_listed_by_sender(journal: Journal) -> None:
    journal.mark_missing(journal.start_run(record()), [])
    sender = journal.start_run(record(started_at="2026-05-02T09:00:00+00:00", command="retry"))
    journal.record_outcome(sender, OLD, CAR, "pushed", "t1")
    gone = journal.start_run(record(started_at="2026-05-03T02:00:00+00:00"))
    journal.mark_missing(gone, [OLD])
    assert journal.missing(10)[1][0].listed_at == "2026-05-02T09:00:00+00:00"


def test_missing_since_in_states(journal: Journal) -> None:
    first = journal.start_run(record())
    journal.record_outcome(first, OLD, CAR, "pushed", "t1")
    second = journal.start_run(record())
    journal.mark_missing(second, [OLD])
    assert journal.sent_states()[OLD].missing_since == second


def test_listed_again_not_missing(journal: Journal) -> None:
    first = journal.start_run(record())
    journal.record_outcome(first, OLD, CAR, "pushed", "t1")
    journal.mark_missing(journal.start_run(record()), [OLD])
    journal.mark_listed([OLD])
    assert journal.missing(10) == (0, [])


def test_sent_again_not_missing(journal: Journal) -> None:
    first = journal.start_run(record())
    journal.record_outcome(first, OLD, CAR, "pushed", "t1")
    journal.mark_missing(journal.start_run(record()), [OLD])
    journal.record_outcome(first, OLD, CAR, "exists", "t2")
    assert journal.missing(10) == (0, [])


def test_missing_ignores_never_stored(journal: Journal) -> None:
    first = journal.start_run(record())
    failed = ("FAIL1", "ON", "PASSENGER")
    journal.record_outcome(first, failed, CAR, "failed", "t1")
    journal.mark_missing(journal.start_run(record()), [failed])
    assert journal.missing(10) == (0, [])


def test_missing_list_limited_count_complete(journal: Journal) -> None:
    first = journal.start_run(record())
    keys = [(f"P{n}", "ON", "PASSENGER") for n in range(5)]
    for key in keys:
        journal.record_outcome(first, key, CAR, "pushed", "t1")
    journal.mark_missing(journal.start_run(record()), keys)
    count, listed = journal.missing(2)
    assert count == 5
    assert len(listed) == 2


def test_token_never_written(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path, TARGET)
    run_id = journal.start_run(record())
    payload = {**CAR, "apiToken": TARGET.token.reveal()}
    journal.record_outcome(run_id, ("ABC123", "ON", "PASSENGER"), payload, "pushed", "t1")
    journal.close()
    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir())
    assert TARGET.token.reveal().encode() not in stored


def test_token_never_in_outcome_log(journal: Journal) -> None:
    payload = {**CAR, "apiToken": TARGET.token.reveal()}
    journal.record_outcome(
        journal.start_run(record()), ("ABC123", "ON", "PASSENGER"), payload, "pushed", "t1"
    )
    logged = outcome_log_path(journal.path).read_bytes()
    assert TARGET.token.reveal().encode() not in logged


def test_payload_stored_without_token(journal: Journal) -> None:
    run_id = journal.start_run(record())
    payload = {**CAR, "apiToken": "abc"}
    journal.record_outcome(run_id, ("ABC123", "ON", "PASSENGER"), payload, "pushed", "t1")
    journal.commit_outcomes()
    connection = sqlite3.connect(journal.path)
    stored = connection.execute("SELECT payload FROM vehicles").fetchone()[0]
    connection.close()
    assert json.loads(stored) == CAR


def test_payload_hash_stable() -> None:
    payload = {"plate": "ÉCOLE1", "prov": "QC", "plateType": "Passenger", "make": 'Škoda "x"'}
    assert payload_json(payload) == (
        '{"make":"Škoda \\"x\\"","plate":"ÉCOLE1","plateType":"Passenger","prov":"QC"}'
    )
    assert payload_hash({**payload, "year": "2020"}) == "c95df3f648004a8f6bdb8df3f5587a21"


def test_checkpoint_interval_set(journal: Journal) -> None:
    pages = journal._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    assert pages == CHECKPOINT_PAGES
