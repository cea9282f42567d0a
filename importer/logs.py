"""Logging for the CLI: levels, a log file, JSON lines, run context, and progress.

Every line logged during a run carries the input file and the target (base URL and client
code), as ``[file=... target=...]`` in text and as fields in JSON. A run's API token is
registered with ``hide_secret`` and replaced by ``********`` in every line, although no module
logs it. On a terminal the progress bar is tqdm, and log lines go through
``logging_redirect_tqdm`` so that they do not tear the bar. Elsewhere (cron, systemd) a
progress line is logged every ``--progress-interval`` seconds instead.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from tqdm.contrib.logging import logging_redirect_tqdm

from importer.config import Secret, Target
from importer.errors import ImportToolError, UsageError
from importer.progress import ProgressBar
from importer.records import RowResult, RunSummary

logger = logging.getLogger(__name__)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "********"
#: Libraries that log every request at INFO; they log only warnings unless -vv.
CHATTY_LOGGERS = ("httpx", "httpcore", "aiohttp.access")
#: stamina logs each scheduled retry at WARNING without naming the row, and ``retry_log``
#: logs them instead, so stamina logs only errors unless -vv.
RETRY_LOGGER = "stamina"
#: Extra values left out of text lines, such as stamina's empty ``args`` and ``kwargs``.
EMPTY: tuple[object, ...] = ((), {}, "", None)
#: Attributes every ``LogRecord`` has; anything else was passed with ``extra=``.
STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)

#: The file and target of the run in progress, added to every line; one run at a time.
_context: dict[str, str] = {}
_secrets: set[str] = set()
_installed: list[logging.Handler] = []


@dataclass(frozen=True, slots=True)
class LogSettings:
    """Logging settings of the CLI: levels, file, format, seconds between progress lines."""

    level: int = logging.INFO
    importer_level: int = logging.INFO
    log_file: Path | None = None
    log_format: str = "text"
    progress_interval: float = 30.0

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> LogSettings:
        verbosity = getattr(args, "verbose", 0) - getattr(args, "quiet", 0)
        if getattr(args, "debug", False):
            verbosity = max(verbosity, 2)
        level, importer_level = levels_for(verbosity)
        return cls(
            level=level,
            importer_level=importer_level,
            log_file=getattr(args, "log_file", None),
            log_format=getattr(args, "log_format", "text"),
            progress_interval=getattr(args, "progress_interval", 30.0),
        )


def levels_for(verbosity: int) -> tuple[int, int]:
    """Return the root logger's level and the ``importer`` package's level.

    ``verbosity`` is the number of ``-v`` minus the number of ``-q``.
    """
    if verbosity <= -2:
        return logging.ERROR, logging.ERROR
    if verbosity == -1:
        return logging.WARNING, logging.WARNING
    if verbosity == 0:
        return logging.INFO, logging.INFO
    if verbosity == 1:
        return logging.INFO, logging.DEBUG
    return logging.DEBUG, logging.DEBUG


def add_logging_options(parser: argparse.ArgumentParser, *, subcommand: bool = False) -> None:
    """Add the logging options; on a subcommand they may follow the command name too.

    A subcommand's defaults are ``SUPPRESS``, so that an option given before the command name
    is not reset by the subcommand's parser.
    """

    def default(value: object) -> object:
        return argparse.SUPPRESS if subcommand else value

    group = parser.add_argument_group("logging")
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default(0),
        help="log more: -v adds this tool's debug lines, -vv every library's",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="count",
        default=default(0),
        help="log less: -q only warnings and errors, -qq only errors",
    )
    group.add_argument(
        "--log-file",
        type=Path,
        metavar="PATH",
        default=default(None),
        help="also append log lines to PATH (default: only standard error)",
    )
    group.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=default("text"),
        help="text lines, or one JSON object per line for log collectors (default: text)",
    )
    group.add_argument(
        "--progress-interval",
        type=float,
        metavar="SECONDS",
        default=default(30.0),
        help="when standard error is not a terminal, log progress every SECONDS (default: 30)",
    )


# Formatting.


def masked(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, MASK)
    return text


def extra_fields(record: logging.LogRecord) -> dict[str, object]:
    """Return the fields passed with ``extra=``, such as stamina's retry details.

    ``fields`` contains structured copies of what an ``importer`` message already says, for JSON
    only; ``console`` is a routing flag.
    """
    return {
        name: value
        for name, value in vars(record).items()
        if name not in STANDARD_ATTRIBUTES and name not in ("console", "fields")
    }


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message key=value [file=... target=...]``, secrets masked."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = extra_fields(record).items()
        details = " ".join(f"{name}={value}" for name, value in extras if value not in EMPTY)
        context = " ".join(f"{name}={value}" for name, value in _context.items())
        line += f" {details}" if details else ""
        line += f" [{context}]" if context else ""
        return masked(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, run context and extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        created = dt.datetime.fromtimestamp(record.created).astimezone()
        document: dict[str, object] = {
            "time": created.isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_context,
            **extra_fields(record),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return masked(json.dumps(document, ensure_ascii=False, default=str))


class NotForConsole(logging.Filter):
    """Drop records logged with ``extra={"console": False}``: the CLI prints those itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "console", True) is not False


# Set-up.


@contextlib.contextmanager
def configured(settings: LogSettings) -> Iterator[None]:
    """Install the handlers for one command; remove and close them afterwards."""
    formatter = JsonFormatter() if settings.log_format == "json" else TextFormatter()
    console = logging.StreamHandler(sys.stderr)
    console.addFilter(NotForConsole())
    handlers: list[logging.Handler] = [console]
    if settings.log_file is not None:
        handlers.append(open_log_file(settings.log_file))
    levels = {"": settings.level, "importer": settings.importer_level}
    if settings.level > logging.DEBUG:
        levels.update(dict.fromkeys(CHATTY_LOGGERS, max(settings.level, logging.WARNING)))
        levels[RETRY_LOGGER] = max(settings.level, logging.ERROR)
    saved = {name: logging.getLogger(name).level for name in levels}
    remove_handlers()
    for handler in handlers:
        handler.setFormatter(formatter)
        logging.getLogger().addHandler(handler)
        _installed.append(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    try:
        yield
    finally:
        remove_handlers()
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def open_log_file(path: Path) -> logging.Handler:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return logging.FileHandler(path, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot open the log file {path} ({exc.strerror}).") from exc


def remove_handlers() -> None:
    root = logging.getLogger()
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()


def hide_secret(secret: Secret) -> None:
    """Mask ``secret`` in every line logged from now on."""
    if secret.reveal():
        _secrets.add(secret.reveal())


@contextlib.contextmanager
def run_context(
    input_path: Path, target: Target | None, *, no_target: str = "(dry run)"
) -> Iterator[None]:
    """Tag every line logged in the block with the file and target; log how a run aborts.

    ``no_target`` is the target shown when there is none.
    """
    saved = dict(_context)
    _context.update(file=str(input_path), target=target.label if target else no_target)
    if target is not None:
        hide_secret(target.token)
    try:
        yield
    except KeyboardInterrupt:
        logger.warning("run interrupted", extra={"console": False})
        raise
    except ImportToolError as exc:
        # A known error is one line; its traceback goes to the debug log in cli.main.
        logger.error("run aborted: %s", exc, extra={"console": False})  # noqa: TRY400
        raise
    except Exception:
        logger.exception("run aborted by an unexpected error", extra={"console": False})
        raise
    finally:
        _context.clear()
        _context.update(saved)


def log_run_started(command: str) -> None:
    logger.info("import started: %s", command)


def log_run_finished(summary: RunSummary, results_path: Path, exit_code: int) -> None:
    """Log the end of a run: rows, duration, counts per status, exit code and results path."""
    counts = ", ".join(f"{count} {status}" for status, count in summary.counts.items())
    logger.info(
        "import finished: %d rows in %.1f s (%s); exit code %d; results %s",
        sum(summary.counts.values()),
        summary.duration_seconds,
        counts or "no rows",
        exit_code,
        results_path,
        extra={
            "fields": {
                "counts": summary.counts,
                "exit_code": exit_code,
                "results": str(results_path),
                "duration_seconds": round(summary.duration_seconds, 3),
            }
        },
    )


# Progress.


class ProgressLog:
    """Progress for logs: a line every ``interval`` seconds from a background thread."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.total = 0
        self.done = 0
        self.counts: Counter[str] = Counter()
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, total: int) -> None:
        self.total = total
        self._started = time.monotonic()
        if self.interval > 0 and total > 0:
            self._thread = threading.Thread(target=self._loop, name="progress-log", daemon=True)
            self._thread.start()

    def advance(self, result: RowResult) -> None:
        self.done += 1
        self.counts[result.status.value] += 1

    def report(self) -> None:
        """Log one progress line: rows done, rate and counts so far."""
        elapsed = max(time.monotonic() - self._started, 1e-9)
        percent = 100 * self.done / self.total if self.total else 100.0
        counts = ", ".join(f"{count} {status}" for status, count in sorted(self.counts.items()))
        logger.info(
            "progress: %d of %d rows done (%.0f%%), %.1f rows/s%s",
            self.done,
            self.total,
            percent,
            self.done / elapsed,
            f"; {counts}" if counts else "",
        )

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.report()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> ProgressLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


@contextlib.contextmanager
def progress_display(
    interval: float, *, terminal: bool | None = None
) -> Iterator[ProgressBar | ProgressLog]:
    """Yield a tqdm bar when standard error is a terminal, else a ``ProgressLog``."""
    if terminal is None:
        terminal = sys.stderr.isatty()
    if terminal:
        with ProgressBar(enabled=True) as bar, logging_redirect_tqdm():
            yield bar
    else:
        with ProgressLog(interval) as progress:
            yield progress
