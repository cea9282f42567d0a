"""The outcome log: lines written at once, read back in order, emptied and removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer.outcome_log import OutcomeLog, OutcomeValues

PUSHED: OutcomeValues = (
    "ABC123",
    "ON",
    "PASSENGER",
    "h1",
    '{"plate":"ABC123"}',
    "pushed",
    "t1",
    1,
    "",
    None,
)
REJECTED: OutcomeValues = (
    "ÉCOLE1",
    "QC",
    "PASSENGER",
    "h2",
    "{}",
    "rejected",
    "t2",
    1,
    "error 9021: too long",
    9021,
)


@pytest.fixture
def log(tmp_path: Path) -> OutcomeLog:
    return OutcomeLog(tmp_path / "journal.sqlite3-outcomes")


def test_read_returns_appended(log: OutcomeLog) -> None:
    log.append(PUSHED)
    log.append(REJECTED)
    assert log.read() == [PUSHED, REJECTED]


def test_append_writes_one_line(log: OutcomeLog) -> None:
    log.append(REJECTED)
    assert log.path.read_text(encoding="utf-8") == (
        '["ÉCOLE1","QC","PASSENGER","h2","{}","rejected","t2",1,"error 9021: too long",9021]\n'
    )


def test_no_file_before_append(log: OutcomeLog) -> None:
    assert not log.path.exists()


def test_read_without_file(log: OutcomeLog) -> None:
    assert log.read() == []


def test_clear_empties(log: OutcomeLog) -> None:
    log.append(PUSHED)
    log.clear()
    assert log.read() == []


def test_append_after_clear(log: OutcomeLog) -> None:
    log.append(PUSHED)
    log.clear()
    log.append(REJECTED)
    assert log.read() == [REJECTED]


def test_clear_file_left_by_other_process(log: OutcomeLog) -> None:
    log.path.write_text("[]\n", encoding="utf-8")
    log.clear()
    assert log.path.read_bytes() == b""


def test_close_removes(log: OutcomeLog) -> None:
    log.append(PUSHED)
    log.close()
    assert not log.path.exists()


def test_close_keeps_when_asked(log: OutcomeLog) -> None:
    log.append(PUSHED)
    log.close(remove=False)
    assert OutcomeLog(log.path).read() == [PUSHED]


def test_cut_line_skipped(log: OutcomeLog, caplog: pytest.LogCaptureFixture) -> None:
    log.append(PUSHED)
    with log.path.open("a", encoding="utf-8") as handle:
        handle.write('["CUT1","ON"')
    assert log.read() == [PUSHED]
    assert caplog.messages == [
        f"{log.path}: skipped 1 unreadable line, so the next run sends those rows again"
    ]


def test_short_line_skipped(log: OutcomeLog) -> None:
    log.path.write_text('["ABC123","ON"]\n', encoding="utf-8")
    assert log.read() == []
