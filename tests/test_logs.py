"""Logging set-up: levels, text and JSON lines, run context, masking, progress lines."""

from __future__ import annotations

import argparse
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from importer import cli, logs
from importer.config import Secret, Target
from importer.errors import UsageError
from importer.progress import ProgressBar
from importer.records import RowResult, SourceRow, Status
from tests.test_resume_e2e import run_env, slow_server, write_fleet

TARGET = Target("http://127.0.0.1:8765", "OC_DEMO", Secret("tok-secret-123"))
library = logging.getLogger("importer.somewhere")


def settings(*argv: str) -> logs.LogSettings:
    return logs.LogSettings.from_args(cli.build_parser().parse_args([*argv, "validate", "f.csv"]))


@pytest.mark.parametrize(
    ("argv", "level", "importer_level"),
    [
        ((), logging.INFO, logging.INFO),
        (("-q",), logging.WARNING, logging.WARNING),
        (("-qq",), logging.ERROR, logging.ERROR),
        (("-v",), logging.INFO, logging.DEBUG),
        (("-vv",), logging.DEBUG, logging.DEBUG),
        (("--debug",), logging.DEBUG, logging.DEBUG),
    ],
)
def test_levels_from_options(argv: tuple[str, ...], level: int, importer_level: int) -> None:
    chosen = settings(*argv)
    assert (chosen.level, chosen.importer_level) == (level, importer_level)


def test_options_after_command() -> None:
    args = cli.build_parser().parse_args(["validate", "f.csv", "-q", "--log-format", "json"])
    chosen = logs.LogSettings.from_args(args)
    assert (chosen.level, chosen.log_format) == (logging.WARNING, "json")


def test_options_before_command_kept() -> None:
    args = cli.build_parser().parse_args(["--log-file", "x.log", "validate", "f.csv"])
    assert logs.LogSettings.from_args(args).log_file == Path("x.log")


def test_progress_interval_option() -> None:
    assert settings("--progress-interval", "5").progress_interval == 5.0


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "run.log"
    yield path
    logs.remove_handlers()


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_text_line_has_context(log_file: Path) -> None:
    with (
        logs.configured(logs.LogSettings(log_file=log_file)),
        logs.run_context(Path("fleet.csv"), TARGET),
    ):
        library.info("sent %d rows", 3)
    line = read_lines(log_file)[0]
    assert line.endswith(
        " INFO importer.somewhere: sent 3 rows "
        "[file=fleet.csv target=http://127.0.0.1:8765 (client code OC_DEMO)]"
    )


def test_json_line_fields(log_file: Path) -> None:
    json_settings = logs.LogSettings(log_file=log_file, log_format="json")
    with logs.configured(json_settings), logs.run_context(Path("fleet.csv"), TARGET):
        library.warning("slow down", extra={"fields": {"wait": 2.5}})
    document = json.loads(read_lines(log_file)[0])
    del document["time"]
    assert document == {
        "level": "WARNING",
        "logger": "importer.somewhere",
        "message": "slow down",
        "file": "fleet.csv",
        "target": "http://127.0.0.1:8765 (client code OC_DEMO)",
        "wait": 2.5,
    }


def test_json_keeps_library_extras(log_file: Path) -> None:
    json_settings = logs.LogSettings(
        level=logging.DEBUG, importer_level=logging.DEBUG, log_file=log_file, log_format="json"
    )
    with logs.configured(json_settings):
        logging.getLogger("stamina").warning(
            "stamina.retry_scheduled", extra={"stamina.retry_num": 2}
        )
    assert json.loads(read_lines(log_file)[0])["stamina.retry_num"] == 2


def every_library(log_file: Path) -> logs.LogSettings:
    """Return the settings of -vv, which let stamina's own retry lines through."""
    return logs.LogSettings(level=logging.DEBUG, importer_level=logging.DEBUG, log_file=log_file)


def test_text_shows_library_extras(log_file: Path) -> None:
    with logs.configured(every_library(log_file)):
        logging.getLogger("stamina").warning(
            "stamina.retry_scheduled", extra={"stamina.retry_num": 2}
        )
    assert read_lines(log_file)[0].endswith("stamina.retry_scheduled stamina.retry_num=2")


def test_text_skips_empty_extras(log_file: Path) -> None:
    with logs.configured(every_library(log_file)):
        logging.getLogger("stamina").warning(
            "stamina.retry_scheduled",
            extra={"stamina.args": (), "stamina.kwargs": {}, "stamina.retry_num": 1},
        )
    assert read_lines(log_file)[0].endswith("stamina.retry_scheduled stamina.retry_num=1")


def test_stamina_warnings_dropped(log_file: Path) -> None:
    with logs.configured(logs.LogSettings(log_file=log_file)):
        logging.getLogger("stamina").warning("stamina.retry_scheduled")
        logging.getLogger("stamina").error("stamina.failed")
    lines = read_lines(log_file)
    assert len(lines) == 1
    assert lines[0].endswith(" ERROR stamina: stamina.failed")


def test_token_masked(log_file: Path) -> None:
    with (
        logs.configured(logs.LogSettings(log_file=log_file)),
        logs.run_context(Path("fleet.csv"), TARGET),
    ):
        library.error("body was %s", '{"apiToken": "tok-secret-123"}')
    line = read_lines(log_file)[0]
    assert "tok-secret-123" not in line
    assert '{"apiToken": "********"}' in line


def test_context_cleared_after_run(log_file: Path) -> None:
    with logs.configured(logs.LogSettings(log_file=log_file)):
        with logs.run_context(Path("fleet.csv"), TARGET):
            pass
        library.info("after")
    assert read_lines(log_file)[0].endswith("importer.somewhere: after")


def test_abort_logged_not_printed(log_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with (
        logs.configured(logs.LogSettings(log_file=log_file)),
        pytest.raises(UsageError),
        logs.run_context(Path("fleet.csv"), TARGET),
    ):
        raise UsageError("no such sheet")
    assert capsys.readouterr().err == ""
    assert (
        " ERROR importer.logs: run aborted: no such sheet [file=fleet.csv"
        in read_lines(log_file)[0]
    )


def test_level_filters_lines(log_file: Path) -> None:
    quiet = logs.LogSettings(logging.WARNING, logging.WARNING, log_file)
    with logs.configured(quiet):
        library.info("hidden")
        library.warning("shown")
    assert [line.rsplit(": ", 1)[1] for line in read_lines(log_file)] == ["shown"]


def test_http_request_lines_hidden(log_file: Path) -> None:
    with logs.configured(logs.LogSettings(log_file=log_file)):
        logging.getLogger("httpx").info("HTTP Request: POST ...")
    assert read_lines(log_file) == []


def test_handlers_removed_after(log_file: Path) -> None:
    before = list(logging.getLogger().handlers)
    with logs.configured(logs.LogSettings(log_file=log_file)):
        pass
    assert logging.getLogger().handlers == before


def test_unwritable_log_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with (
        pytest.raises(UsageError) as caught,
        logs.configured(logs.LogSettings(log_file=blocker / "run.log")),
    ):
        pass
    assert str(caught.value).startswith(f"cannot open the log file {blocker / 'run.log'}")


def row(status: Status) -> RowResult:
    return RowResult(SourceRow(2, ()), {}, status)


def test_progress_line_text(caplog: pytest.LogCaptureFixture) -> None:
    progress = logs.ProgressLog(interval=0)
    progress.start(4)
    progress.advance(row(Status.PUSHED))
    progress.advance(row(Status.EXISTS))
    with caplog.at_level(logging.INFO, logger="importer.logs"):
        progress.report()
    assert caplog.messages[0].startswith("progress: 2 of 4 rows done (50%), ")
    assert caplog.messages[0].endswith(" rows/s; 1 exists, 1 pushed")


def test_progress_lines_repeat(caplog: pytest.LogCaptureFixture) -> None:
    reported = threading.Event()

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith("progress: "):
                reported.set()

    watch = Watch()
    logging.getLogger("importer.logs").addHandler(watch)
    try:
        with caplog.at_level(logging.INFO), logs.ProgressLog(interval=0.01) as progress:
            progress.start(10)
            assert reported.wait(timeout=10)
    finally:
        logging.getLogger("importer.logs").removeHandler(watch)


def test_display_off_terminal_is_log() -> None:
    with logs.progress_display(30.0, terminal=False) as display:
        assert isinstance(display, logs.ProgressLog)


def test_display_on_terminal_is_bar() -> None:
    with logs.progress_display(30.0, terminal=True) as display:
        assert isinstance(display, ProgressBar)


def test_cli_run_log_file_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source, profile = write_fleet(tmp_path, 40)
    log_path = tmp_path / "logs" / "run.log"
    with slow_server(0.01) as server:
        for name, value in run_env(server).items():
            if name.startswith("OPSCOM_"):
                monkeypatch.setenv(name, value)
        code = cli.main(
            ["run", str(source), "-m", str(profile), "--state-dir", str(tmp_path / "state"),
             "--concurrency", "1", "--log-file", str(log_path), "--log-format", "json",
             "--progress-interval", "0.05"]
        )  # fmt: skip
    capsys.readouterr()
    text = log_path.read_text(encoding="utf-8")
    documents = [json.loads(line) for line in text.splitlines()]
    messages = [document["message"] for document in documents]
    assert code == 0
    assert "demo-token-0000" not in text
    assert messages[0].startswith("import started: opscom-import ")
    assert messages[-1].startswith("import finished: 40 rows in ")
    assert documents[-1]["counts"] == {"pushed": 40}
    assert {document["file"] for document in documents} == {str(source)}
    assert {document["target"] for document in documents} == {
        f"{server.base_url} (client code OC_DEMO)"
    }
    assert any(message.startswith("progress: ") for message in messages)


def test_parse_log_format_choices() -> None:
    parser = argparse.ArgumentParser()
    logs.add_logging_options(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--log-format", "xml"])
