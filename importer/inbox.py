"""Inbox mode: import every spreadsheet dropped in a folder, oldest first, then file it away.

Each file is imported with the same options and its results workbook is written beside it.
Both then move to ``processed/`` when the file was imported, whatever its rows' verdicts, or
to ``failed/`` with a ``.error.txt`` note when the file could not be imported. A file whose
size or modification time changes during the stability window is still being written and is
left for the next run. So are the names that editors and copy tools give partial or lock
files (a leading ``.`` or ``~$``, a ``.part``, ``.tmp`` or ``.crdownload`` suffix), and the
results and notes this module writes. Any other file that is not a spreadsheet is left
alone and listed in the report, so that a fleet list sent in the wrong format is noticed.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from importer.errors import (
    ExitCode,
    InputFileError,
    MappingError,
    ServerConfigurationError,
    UsageError,
)
from importer.reading import EXCEL_SUFFIXES, TEXT_SUFFIXES

logger = logging.getLogger(__name__)
#: Logging ``extra`` that keeps a line off the console, for lines the command prints itself.
QUIET = {"console": False}

PROCESSED = "processed"
FAILED = "failed"
RESULTS_SUFFIX = ".results.xlsx"
ERROR_SUFFIX = ".error.txt"
SPREADSHEET_SUFFIXES = EXCEL_SUFFIXES | TEXT_SUFFIXES
#: Suffixes that download and copy tools give files they are still writing.
PARTIAL_SUFFIXES = frozenset({".part", ".partial", ".tmp", ".crdownload", ".download"})

#: Errors that are the file's own: it cannot be read, or its columns do not fit the profile.
FILE_ERRORS = (InputFileError, MappingError)
#: Imports one file, writing its results workbook to the second path; returns the exit code.
ImportOne = Callable[[Path, Path], ExitCode]


@dataclass(frozen=True, slots=True)
class FileState:
    """A file's size and modification time, compared across the stability window."""

    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class FailedFile:
    """A file moved to ``failed/``: its path in the inbox, the full message, and the note."""

    path: Path
    message: str
    note: Path

    def reason(self) -> str:
        """Return the message in one line: its first line, without the file's path in front.

        A message of several lines (an automatic matching error followed by the profile to
        write) refers the reader to the note, which contains all of it.
        """
        first, _, rest = self.message.partition("\n")
        first = first.removeprefix(f"{self.path}: ").rstrip()
        if rest.strip():
            return f"{first.removesuffix(':')}; the full message is in {self.note}."
        return first


@dataclass(slots=True)
class InboxReport:
    """Outcome of one pass over the inbox, file by file."""

    processed: list[tuple[Path, ExitCode]] = field(default_factory=list)
    failed: list[FailedFile] = field(default_factory=list)
    still_writing: list[Path] = field(default_factory=list)
    #: Files that are not spreadsheets; they stay in the inbox.
    not_spreadsheets: list[Path] = field(default_factory=list)
    stopped_by: ServerConfigurationError | None = None
    #: Files left in the inbox because the pass stopped: the one in progress and the rest.
    left: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        """Return the exit code of the pass, as the README's exit code table documents it.

        3 when the pass stopped because the server rejected the client code or token, or
        most of a file's first rows failed the same way. Otherwise 2 when files failed and
        none was imported, 1 when some rows or files were not imported, and 0 when every file
        was imported with exit code 0 or there was none.
        """
        if self.stopped_by is not None:
            return ExitCode.SERVER_CONFIGURATION
        codes = [code for _, code in self.processed]
        if self.failed and not codes:
            return ExitCode.USAGE
        if self.failed:
            codes.append(ExitCode.ROWS_FAILED)
        return max(codes, default=ExitCode.OK)


def is_candidate(path: Path) -> bool:
    """Return whether ``path`` is a spreadsheet to import (not ours, not partial, not hidden)."""
    if is_passed_over(path) or path.suffix.lower() not in SPREADSHEET_SUFFIXES:
        return False
    return path.is_file()


def is_passed_over(path: Path) -> bool:
    """Return whether the name marks a hidden, partial or lock file, or one this module wrote."""
    name = path.name
    if name.startswith((".", "~$")) or name.lower().endswith((RESULTS_SUFFIX, ERROR_SUFFIX)):
        return True
    return path.suffix.lower() in PARTIAL_SUFFIXES


def not_spreadsheets(folder: Path) -> list[Path]:
    """Return the files in ``folder`` that are neither spreadsheets nor passed over, by name."""
    return sorted(
        path
        for path in folder.iterdir()
        if path.suffix.lower() not in SPREADSHEET_SUFFIXES
        and not is_passed_over(path)
        and path.is_file()
    )


def snapshot(folder: Path) -> dict[Path, FileState]:
    """Return the state of every candidate file in ``folder`` (not its subfolders)."""
    states: dict[Path, FileState] = {}
    for path in folder.iterdir():
        if not is_candidate(path):
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:  # removed between listing and stat
            continue
        states[path] = FileState(stat.st_size, stat.st_mtime_ns)
    return states


def stable_files(
    folder: Path, window: float, sleep: Callable[[float], None] = time.sleep
) -> tuple[list[Path], list[Path]]:
    """Return the files unchanged over ``window`` seconds, oldest first, and those that changed.

    ``sleep`` waits the window; tests pass a function that writes to a file instead.
    """
    before = snapshot(folder)
    if not before:
        return [], []
    sleep(window)
    after = snapshot(folder)
    stable = [path for path, state in before.items() if after.get(path) == state]
    changing = sorted(path for path in before if after.get(path) != before[path])
    stable.sort(key=lambda path: (before[path].mtime_ns, path.name))
    return stable, changing


def process_inbox(
    folder: Path,
    import_one: ImportOne,
    *,
    window: float,
    sleep: Callable[[float], None] = time.sleep,
) -> InboxReport:
    """Import each stable file in ``folder`` oldest first and move it with its results.

    ``import_one`` raises ``ServerConfigurationError`` when the server rejects the client code
    or token: that stops the pass and leaves the file in place, because every later file
    would fail the same way. Other errors that are not the file's own (an unusable state
    folder, an interruption) propagate and leave the file in place too. The next run then
    resumes it from the journal.
    """
    check_folder(folder)
    report = InboxReport()
    report.not_spreadsheets = not_spreadsheets(folder)
    for path in report.not_spreadsheets:
        # The command prints the same line, so it is kept off the console.
        logger.warning("%s is not a spreadsheet; left in the inbox", path, extra=QUIET)
    files, report.still_writing = stable_files(folder, window, sleep)
    for path in report.still_writing:
        logger.info("%s is still being written; left for the next run", path)
    for index, path in enumerate(files):
        results = path.with_name(f"{path.stem}{RESULTS_SUFFIX}")
        try:
            code = import_one(path, results)
        except ServerConfigurationError as exc:
            report.stopped_by = exc
            report.left = files[index:]
            return report
        except FILE_ERRORS as exc:
            note = file_failure(folder, path, str(exc))
            report.failed.append(FailedFile(path, str(exc), note))
            continue
        move_into(folder / PROCESSED, [path, results])
        report.processed.append((path, code))
    return report


def check_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder; pass the inbox folder to import from.")


def file_failure(folder: Path, path: Path, message: str) -> Path:
    """Move ``path`` to ``failed/`` with a ``.error.txt`` note saying why; return the note."""
    moved = move_into(folder / FAILED, [path])[0]
    note = moved.with_name(f"{moved.name}{ERROR_SUFFIX}")
    when = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    note.write_text(
        f"{when}: opscom-import could not import {path.name}.\n{message}\n"
        "Fix the file (or the mapping profile) and drop it in the inbox again.\n",
        encoding="utf-8",
    )
    # The inbox command logs the full message as the file's "run aborted" line and prints a
    # one-line reason, so this line only names where the file went.
    logger.error(
        "%s could not be imported and was moved to %s; the reason is in %s",
        path,
        moved,
        note,
        extra=QUIET,
    )
    return note


def move_into(destination: Path, paths: list[Path]) -> list[Path]:
    """Move the existing ``paths`` into ``destination``, renaming rather than overwriting.

    A name already taken there (the same file name on another night) gets the time added:
    ``fleet.20240501-020000.csv``. All paths get the same suffix, so an input and its
    results keep matching names.
    """
    destination.mkdir(exist_ok=True)
    present = [path for path in paths if path.exists()]
    stamp = ""
    number = 0
    while any((destination / renamed(path.name, stamp)).exists() for path in present):
        number += 1
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S") + (f"-{number}" if number > 1 else "")
    moved = []
    for path in present:
        target = destination / renamed(path.name, stamp)
        shutil.move(path, target)
        moved.append(target)
    return moved


def renamed(name: str, stamp: str) -> str:
    """Insert ``stamp`` before the suffixes: ``fleet.csv`` and ``fleet.results.xlsx`` alike."""
    if not stamp:
        return name
    if name.lower().endswith(RESULTS_SUFFIX):
        return f"{name[: -len(RESULTS_SUFFIX)]}.{stamp}{RESULTS_SUFFIX}"
    path = Path(name)
    return f"{path.stem}.{stamp}{path.suffix}"
