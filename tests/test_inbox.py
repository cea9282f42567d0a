"""Inbox mode: which files are taken, stability, where files go, and the command end to end."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import openpyxl
import pytest

from importer import cli
from importer.errors import (
    ExitCode,
    InputFileError,
    MappingError,
    ServerConfigurationError,
    UsageError,
)
from importer.inbox import (
    FailedFile,
    ImportOne,
    InboxReport,
    is_candidate,
    move_into,
    not_spreadsheets,
    process_inbox,
    renamed,
    stable_files,
)
from tests.test_resume_e2e import run_env, slow_server, write_fleet

GOOD_CSV = "Plate,Prov,Make\nINB0001,ON,Ford\nINB0002,QC,Kia\n"


def make_file(folder: Path, name: str, text: str = GOOD_CSV, age: int = 0) -> Path:
    """Write ``name`` with a modification time ``age`` seconds before a fixed instant."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    stamp = 1_800_000_000 - age
    os.utime(path, (stamp, stamp))
    return path


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("fleet.csv", True),
        ("FLEET.XLSX", True),
        ("fleet.tsv", True),
        ("fleet.results.xlsx", False),
        (".fleet.csv", False),
        ("~$fleet.xlsx", False),
        ("fleet.csv.part", False),
        ("fleet.xlsx.crdownload", False),
        ("notes.pdf", False),
        ("fleet.csv.error.txt", False),
    ],
)
def test_candidate_names(tmp_path: Path, name: str, expected: bool) -> None:
    assert is_candidate(make_file(tmp_path, name)) is expected


def test_folder_not_candidate(tmp_path: Path) -> None:
    (tmp_path / "dir.csv").mkdir()
    assert is_candidate(tmp_path / "dir.csv") is False


def test_stable_files_oldest_first(tmp_path: Path) -> None:
    make_file(tmp_path, "b.csv", age=10)
    make_file(tmp_path, "a.csv", age=5)
    make_file(tmp_path, "c.csv", age=20)
    stable, changing = stable_files(tmp_path, 1.0, sleep=lambda _: None)
    assert [path.name for path in stable] == ["c.csv", "b.csv", "a.csv"]
    assert changing == []


def test_growing_file_left(tmp_path: Path) -> None:
    make_file(tmp_path, "done.csv", age=10)
    growing = make_file(tmp_path, "growing.csv", age=10)
    waits: list[float] = []

    def write_more(seconds: float) -> None:
        waits.append(seconds)
        with growing.open("a", encoding="utf-8") as handle:
            handle.write("INB0003,ON,Ford\n")

    stable, changing = stable_files(tmp_path, 2.5, sleep=write_more)
    assert waits == [2.5]
    assert [path.name for path in stable] == ["done.csv"]
    assert changing == [growing]


def test_touched_file_left(tmp_path: Path) -> None:
    touched = make_file(tmp_path, "touched.csv", age=10)
    stable, changing = stable_files(tmp_path, 1.0, sleep=lambda _: os.utime(touched))
    assert stable == []
    assert changing == [touched]


def test_empty_inbox_does_not_wait(tmp_path: Path) -> None:
    waits: list[float] = []
    assert stable_files(tmp_path, 5.0, sleep=waits.append) == ([], [])
    assert waits == []


def test_renamed_keeps_pairs() -> None:
    assert renamed("fleet.csv", "20260501-020000") == "fleet.20260501-020000.csv"
    assert renamed("fleet.results.xlsx", "20260501-020000") == (
        "fleet.20260501-020000.results.xlsx"
    )


def test_move_into_avoids_overwrite(tmp_path: Path) -> None:
    destination = tmp_path / "processed"
    destination.mkdir()
    (destination / "fleet.csv").write_text("old", encoding="utf-8")
    new = make_file(tmp_path, "fleet.csv", "new")
    moved = move_into(destination, [new, tmp_path / "fleet.results.xlsx"])
    assert len(moved) == 1
    assert moved[0].name.startswith("fleet.")
    assert moved[0].name != "fleet.csv"
    assert moved[0].read_text(encoding="utf-8") == "new"
    assert (destination / "fleet.csv").read_text(encoding="utf-8") == "old"


def fake_import(codes: dict[str, ExitCode | BaseException]) -> ImportOne:
    """Return an ``import_one`` that writes a results file and returns or raises per file."""

    def import_one(path: Path, results: Path) -> ExitCode:
        outcome = codes[path.name]
        if isinstance(outcome, BaseException):
            raise outcome
        results.write_text("results", encoding="utf-8")
        return outcome

    return import_one


def test_good_file_processed(tmp_path: Path) -> None:
    make_file(tmp_path, "good.csv")
    report = process_inbox(
        tmp_path, fake_import({"good.csv": ExitCode.OK}), window=0, sleep=lambda _: None
    )
    assert sorted(p.name for p in (tmp_path / "processed").iterdir()) == [
        "good.csv",
        "good.results.xlsx",
    ]
    assert report.exit_code is ExitCode.OK


def test_unreadable_file_failed_with_note(tmp_path: Path) -> None:
    bad = make_file(tmp_path, "bad.csv")
    error = InputFileError(bad, "the file is empty; export the sheet again.")
    report = process_inbox(
        tmp_path, fake_import({"bad.csv": error}), window=0, sleep=lambda _: None
    )
    note = (tmp_path / "failed" / "bad.csv.error.txt").read_text(encoding="utf-8")
    assert (tmp_path / "failed" / "bad.csv").exists()
    assert note.splitlines()[1:] == [
        f"{bad}: the file is empty; export the sheet again.",
        "Fix the file (or the mapping profile) and drop it in the inbox again.",
    ]
    assert note.splitlines()[0].endswith(": opscom-import could not import bad.csv.")
    assert report.exit_code is ExitCode.USAGE


def test_columns_mismatch_failed(tmp_path: Path) -> None:
    make_file(tmp_path, "other.csv")
    error = MappingError("field 'plate': no column 'Plate' in the file.")
    report = process_inbox(
        tmp_path, fake_import({"other.csv": error}), window=0, sleep=lambda _: None
    )
    assert [failure.path.name for failure in report.failed] == ["other.csv"]
    assert report.failed[0].note == tmp_path / "failed" / "other.csv.error.txt"
    assert (tmp_path / "failed" / "other.csv").exists()


def test_rows_failed_still_processed(tmp_path: Path) -> None:
    make_file(tmp_path, "partial.csv")
    report = process_inbox(
        tmp_path,
        fake_import({"partial.csv": ExitCode.ROWS_FAILED}),
        window=0,
        sleep=lambda _: None,
    )
    assert (tmp_path / "processed" / "partial.csv").exists()
    assert report.exit_code is ExitCode.ROWS_FAILED


def test_rejected_token_stops_and_leaves_files(tmp_path: Path) -> None:
    make_file(tmp_path, "first.csv", age=10)
    make_file(tmp_path, "second.csv", age=5)
    error = ServerConfigurationError("the server answered 9002")
    report = process_inbox(
        tmp_path,
        fake_import({"first.csv": error, "second.csv": ExitCode.OK}),
        window=0,
        sleep=lambda _: None,
    )
    assert report.exit_code is ExitCode.SERVER_CONFIGURATION
    assert (tmp_path / "first.csv").exists()
    assert (tmp_path / "second.csv").exists()
    assert not (tmp_path / "processed").exists()
    assert report.left == [tmp_path / "first.csv", tmp_path / "second.csv"]


def test_stop_after_first_file_leaves_rest(tmp_path: Path) -> None:
    make_file(tmp_path, "first.csv", age=20)
    make_file(tmp_path, "second.csv", age=10)
    make_file(tmp_path, "third.csv", age=5)
    error = ServerConfigurationError("most of the first rows failed the same way")
    report = process_inbox(
        tmp_path,
        fake_import({"first.csv": ExitCode.OK, "second.csv": error, "third.csv": ExitCode.OK}),
        window=0,
        sleep=lambda _: None,
    )
    assert [path.name for path, _ in report.processed] == ["first.csv"]
    assert report.left == [tmp_path / "second.csv", tmp_path / "third.csv"]


def test_other_errors_propagate(tmp_path: Path) -> None:
    make_file(tmp_path, "fleet.csv")
    with pytest.raises(KeyboardInterrupt):
        process_inbox(
            tmp_path,
            fake_import({"fleet.csv": KeyboardInterrupt()}),
            window=0,
            sleep=lambda _: None,
        )
    assert (tmp_path / "fleet.csv").exists()


def test_missing_folder_rejected(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a folder; pass the inbox folder"):
        process_inbox(tmp_path / "nope", fake_import({}), window=0)


@pytest.mark.parametrize(
    ("processed", "failed", "expected"),
    [
        ([], [], ExitCode.OK),
        ([ExitCode.OK, ExitCode.OK], [], ExitCode.OK),
        ([ExitCode.OK, ExitCode.ROWS_FAILED], [], ExitCode.ROWS_FAILED),
        ([ExitCode.OK], ["c.csv"], ExitCode.ROWS_FAILED),
        ([ExitCode.ROWS_FAILED], ["c.csv", "d.csv"], ExitCode.ROWS_FAILED),
        ([], ["c.csv", "d.csv"], ExitCode.USAGE),
    ],
)
def test_exit_code_mixed_files(
    processed: list[ExitCode], failed: list[str], expected: ExitCode
) -> None:
    report = InboxReport(
        processed=[(Path(f"{n}.csv"), code) for n, code in enumerate(processed)],
        failed=[FailedFile(Path(name), "unreadable", Path(f"{name}.error.txt")) for name in failed],
    )
    assert report.exit_code is expected


def test_exit_code_stopped_wins() -> None:
    report = InboxReport(
        processed=[(Path("a.csv"), ExitCode.OK)],
        failed=[FailedFile(Path("b.csv"), "unreadable", Path("b.csv.error.txt"))],
        stopped_by=ServerConfigurationError("the server answered 9002"),
    )
    assert report.exit_code is ExitCode.SERVER_CONFIGURATION


def test_reason_one_line() -> None:
    failure = FailedFile(
        Path("in/c.csv"), "in/c.csv: the file is empty; export the sheet again.", Path("n.txt")
    )
    assert failure.reason() == "the file is empty; export the sheet again."


def test_reason_points_to_note() -> None:
    message = "in/b.csv: automatic matching cannot map this file. Save these lines:\nfields:\n"
    failure = FailedFile(Path("in/b.csv"), message, Path("in/failed/b.csv.error.txt"))
    assert failure.reason() == (
        "automatic matching cannot map this file. Save these lines; the full message is in "
        "in/failed/b.csv.error.txt."
    )


def test_not_spreadsheets_listed(tmp_path: Path) -> None:
    for name in ("notes.docx", "fleet.csv", "scan.pdf", ".hidden.pdf", "fleet.docx.part"):
        make_file(tmp_path, name)
    make_file(tmp_path, "fleet.csv.error.txt")
    (tmp_path / "processed").mkdir()
    assert not_spreadsheets(tmp_path) == [tmp_path / "notes.docx", tmp_path / "scan.pdf"]


def test_not_spreadsheet_logged_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    notes = make_file(tmp_path, "notes.docx")
    report = process_inbox(tmp_path, fake_import({}), window=0, sleep=lambda _: None)
    assert report.not_spreadsheets == [notes]
    assert notes.exists()
    assert [record.getMessage() for record in caplog.records] == [
        f"{notes} is not a spreadsheet; left in the inbox"
    ]


def keep_writing(path: Path, stop: threading.Event) -> None:
    """Append a row to ``path`` every 20 ms until ``stop`` is set, like a slow copy."""
    number = 0
    while not stop.wait(0.02):
        number += 1
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"GROW{number:04d},ON,Ford\n")


def test_inbox_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _, profile = write_fleet(tmp_path, 0)
    make_file(inbox, "good.csv", age=30)
    (inbox / "bad.xlsx").write_bytes(b"this is not a workbook")
    growing = make_file(inbox, "growing.csv", "Plate,Prov,Make\n")
    stop = threading.Event()
    writer = threading.Thread(target=keep_writing, args=(growing, stop))
    with slow_server(0.0) as server:
        for name, value in run_env(server).items():
            if name.startswith("OPSCOM_"):
                monkeypatch.setenv(name, value)
        writer.start()
        try:
            code = cli.main(
                ["inbox", str(inbox), "-m", str(profile), "--state-dir",
                 str(tmp_path / "state"), "--stable-seconds", "0.3"]
            )  # fmt: skip
        finally:
            stop.set()
            writer.join()
        stored = sorted(vehicle["plate"] for vehicle in server.state.vehicles)
    out = capsys.readouterr().out

    assert code == ExitCode.ROWS_FAILED  # good.csv imported, bad.xlsx not readable
    assert stored == ["INB0001", "INB0002"]
    assert sorted(path.name for path in (inbox / "processed").iterdir()) == [
        "good.csv",
        "good.results.xlsx",
    ]
    assert sorted(path.name for path in (inbox / "failed").iterdir()) == [
        "bad.xlsx",
        "bad.xlsx.error.txt",
    ]
    assert sorted(path.name for path in inbox.iterdir() if path.is_file()) == ["growing.csv"]
    assert "growing.csv: still being written; left for the next run." in out
    assert "good.csv: 2 rows: 2 pushed." in out
    workbook = openpyxl.load_workbook(inbox / "processed" / "good.results.xlsx", read_only=True)
    assert workbook.sheetnames[0] == "Results"
    workbook.close()


def test_inbox_wrong_token_names_files_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _, profile = write_fleet(tmp_path, 0)
    make_file(inbox, "a.csv", age=20)
    make_file(inbox, "b.csv", age=10)
    with slow_server(0.0) as server:
        for name, value in run_env(server).items():
            if name.startswith("OPSCOM_"):
                monkeypatch.setenv(name, value)
        monkeypatch.setenv("OPSCOM_API_TOKEN", "wrong-token")
        code = cli.main(
            ["-q", "inbox", str(inbox), "-m", str(profile), "--state-dir",
             str(tmp_path / "state"), "--stable-seconds", "0"]
        )  # fmt: skip
    out = capsys.readouterr().out

    assert code == ExitCode.SERVER_CONFIGURATION
    assert out.splitlines()[-1] == (
        f"{inbox}: the pass stopped; 2 files left for the next run: a.csv, b.csv."
    )
    assert sorted(path.name for path in inbox.glob("*.csv")) == ["a.csv", "b.csv"]


def test_inbox_failures_one_line_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    make_file(inbox, "good.csv", "Plate,Prov,Plate Type\nINB0001,ON,Passenger\n", age=30)
    make_file(inbox, "junk.csv", "Foo,Bar,Baz\n1,2,3\n", age=20)
    make_file(inbox, "empty.csv", "", age=10)
    make_file(inbox, "notes.docx", "not a fleet list")
    log_file = tmp_path / "inbox.log"
    with slow_server(0.0) as server:
        for name, value in run_env(server).items():
            if name.startswith("OPSCOM_"):
                monkeypatch.setenv(name, value)
        code = cli.main(
            ["inbox", str(inbox), "--state-dir", str(tmp_path / "state"), "--stable-seconds",
             "0", "--log-file", str(log_file)]
        )  # fmt: skip
    err = capsys.readouterr().err.splitlines()
    log = log_file.read_text(encoding="utf-8")
    junk_note = inbox / "failed" / "junk.csv.error.txt"

    assert code == ExitCode.ROWS_FAILED
    assert [line for line in err if not line[:4].isdigit()] == [
        f"junk.csv: moved to {inbox / 'failed'}: automatic matching cannot map this file. No "
        "column matches the required fields plate, plateType, prov. Columns found: 'Foo', "
        "'Bar', 'Baz'. Save these lines as a profile, fill in the empty fields plate, "
        "plateType and prov and pass --mapping PATH (opscom-import map FILE --out PATH writes "
        f"them); the full message is in {junk_note}.",
        f"empty.csv: moved to {inbox / 'failed'}: the file is empty; export the sheet again.",
        f"notes.docx: not a spreadsheet; left in {inbox}.",
    ]
    assert "# Mapping profile for junk.csv" in junk_note.read_text(encoding="utf-8")
    assert log.count("# Mapping profile for junk.csv") == 1
    assert log.count("notes.docx is not a spreadsheet; left in the inbox") == 1
    assert (inbox / "notes.docx").exists()


def test_inbox_reason_names_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _, profile = write_fleet(tmp_path, 0)
    make_file(inbox, "empty.csv", "")
    with slow_server(0.0) as server:
        for name, value in run_env(server).items():
            if name.startswith("OPSCOM_"):
                monkeypatch.setenv(name, value)
        cli.main(
            ["inbox", str(inbox), "-m", str(profile), "--state-dir", str(tmp_path / "state"),
             "--stable-seconds", "0"]
        )  # fmt: skip
    capsys.readouterr()
    note = (inbox / "failed" / "empty.csv.error.txt").read_text(encoding="utf-8")
    assert note.splitlines()[1].startswith(f"{inbox / 'empty.csv'}: ")
