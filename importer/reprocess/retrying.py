"""Send again the rows of a results file that are not in OPS-COM yet, and write new results.

Every row is mapped and validated again from its cells as they are now, because an admin
may have fixed them in the workbook. Rows whose status is pushed, exists or unchanged are
finished: they are not sent, and keep their recorded outcome. The others are sent if they
are valid now. The new results list every row of the file in Row order.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from importer.config import Target
from importer.errors import ExitCode, MappingError, UsageError
from importer.incremental import run_journal
from importer.journal import state_dir_options
from importer.mapping import Mapper, Profile, load_profile, profile_from_dict, with_constants
from importer.records import RowResult, RunSummary, Status, Table
from importer.reprocess.book import ResultsBook
from importer.results import ResultsWriter, mapping_yaml, results_format_for, retry_options
from importer.results.summary import Item
from importer.runner import (
    RowCallback,
    RunClock,
    RunOptions,
    RunOutcome,
    check_rows,
    exit_code_for,
    finish_summary,
    push_results,
    write_rows,
)
from importer.signals import holding_signals

logger = logging.getLogger(__name__)

_RETRY_STEM = re.compile(r"\.retry-\d+$")


@dataclass(frozen=True, slots=True)
class ProfileChoice:
    """The profile a retry maps with, the file it came from, how the Summary names it, and
    the ``--set`` constants applied to it."""

    profile: Profile
    file: Path | None
    label: str
    constants: dict[str, str]


def retry_results_path(book_path: Path, suffix: str) -> Path:
    """Return the first free ``<stem>.retry-N<suffix>`` beside the results file.

    A file that is itself a retry's results (``fleet.results.retry-1.xlsx``) gives the
    next number (``fleet.results.retry-2.xlsx``), not ``.retry-1.retry-1``.
    """
    stem = _RETRY_STEM.sub("", book_path.stem)
    for number in itertools.count(1):
        candidate = book_path.with_name(f"{stem}.retry-{number}{suffix}")
        if not candidate.exists():
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover - count() never ends


def choose_profile(book: ResultsBook, options: RunOptions) -> ProfileChoice:
    """Return the profile to map the rows with.

    ``--mapping`` wins. Otherwise the profile file named in the Summary is loaded again, so
    that a fix made to it applies. When there is none (automatic matching) or it is gone,
    the mapping recorded in the Summary is used. The recorded ``--set`` constants apply in
    every case, and the retry's own ``--set`` options override them.
    """
    recorded = book.summary
    constants = {**(recorded.constants if recorded else {}), **options.constants}
    if options.profile_path is not None:
        return _profile_file(options.profile_path, constants)
    if recorded is None:
        raise UsageError(
            f"{book.path}: no Summary, so the mapping of the first run is unknown; "
            "pass --mapping PATH."
        )
    profile_file = recorded.profile_file
    if profile_file is not None and profile_file.is_file():
        return _profile_file(profile_file, constants)
    if profile_file is not None:
        logger.warning(
            "the profile %s is gone; mapping with the copy recorded in %s", profile_file, book.path
        )
    profile = with_constants(_recorded_profile(book), constants)
    return ProfileChoice(profile, None, f"the mapping recorded in {book.path.name}", constants)


def _profile_file(path: Path, constants: dict[str, str]) -> ProfileChoice:
    profile = with_constants(load_profile(path), constants)
    return ProfileChoice(profile, path.resolve(), str(path), constants)


def _recorded_profile(book: ResultsBook) -> Profile:
    assert book.summary is not None
    text = book.summary.get(Item.MAPPING_USED)
    try:
        document = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError as exc:
        raise MappingError(
            f"{book.path}: the Summary's '{Item.MAPPING_USED}' is not valid YAML ({exc}); "
            "pass --mapping PATH."
        ) from exc
    if not isinstance(document, dict):
        raise MappingError(
            f"{book.path}: the Summary records no mapping ('{Item.MAPPING_USED}' is empty); "
            "pass --mapping PATH."
        )
    return profile_from_dict(document)


def merged_results(book: ResultsBook, choice: ProfileChoice, mapper: Mapper) -> list[RowResult]:
    """Check every row again; finished rows keep their recorded outcome, the others are new."""
    checked = check_rows(choice.profile, mapper, (row.source for row in book.rows))
    results = []
    for previous, result in zip(book.rows, checked, strict=True):
        results.append(previous.kept_result(result) if previous.finished else result)
    return results


def retry_import(
    book: ResultsBook,
    options: RunOptions,
    target: Target,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    on_start: Callable[[int], None] | None = None,
    on_row: RowCallback | None = None,
) -> RunOutcome:
    """Send the unfinished rows of ``book`` that are valid now, and write the new results.

    The results go to ``options.results_path``, else to ``retry_results_path``. Each
    outcome is recorded in the run journal of ``options.state_dir``, so the next run finds
    the rows pushed here unchanged.
    """
    clock = RunClock()
    choice = choose_profile(book, options)
    mapper = Mapper(choice.profile, book.headers, file=book.path)
    requested = options.results_format or ("csv" if book.is_csv else None)
    results_format = results_format_for(options.results_path, requested)
    results_path = options.results_path or retry_results_path(book.path, f".{results_format}")
    summary = _new_summary(book, options, choice, mapper, target)
    results = merged_results(book, choice, mapper)
    outcome = RunOutcome(results_path, summary, ExitCode.OK, results=results)
    with (
        ResultsWriter(results_path, book.headers, results_format=results_format) as writer,
        run_journal(options, target, retry=True) as journal,
        holding_signals() as held,
    ):
        writer.expect_rows(len(outcome.results))
        journal.note_keys(outcome.results)
        if on_start is not None:
            on_start(sum(result.status is Status.VALID for result in outcome.results))
        outcome.stopped_by = asyncio.run(
            push_results(outcome.results, target, options, transport, journal.watch(on_row))
        )
        counts = write_rows(writer, iter(outcome.results), outcome)
        finish_summary(outcome, Table(book.path, book.headers, []), counts, clock)
        summary.notes.extend(_retry_notes(book))
        journal.finish(summary)
        outcome.results_path = writer.finish(summary)
    outcome.stopped_by = outcome.stopped_by or held.stop()
    outcome.exit_code = exit_code_for(counts, outcome.stopped_by)
    return outcome


def _new_summary(
    book: ResultsBook, options: RunOptions, choice: ProfileChoice, mapper: Mapper, target: Target
) -> RunSummary:
    recorded = book.summary
    return RunSummary(
        command=options.command,
        input_file=(recorded.input_file if recorded else None) or book.path,
        sheet=(recorded.get(Item.SHEET) if recorded else "") or None,
        profile=choice.label,
        target=target.label,
        started_at="",
        profile_file=choice.file,
        constants=choice.constants,
        mapping=mapping_yaml(mapper),
        retry_options=[
            *retry_options(target, options.command),
            *state_dir_options(options.state_dir),
        ],
    )


def _retry_notes(book: ResultsBook) -> list[str]:
    finished = sum(row.finished for row in book.rows)
    notes = [
        f"Retry of {book.path}: {len(book.rows) - finished} rows checked and sent again if "
        f"valid; {finished} rows already in OPS-COM kept their outcome."
    ]
    recorded_rows = book.summary.rows if book.summary else None
    if recorded_rows is not None and recorded_rows > len(book.rows):
        notes.append(
            f"{recorded_rows - len(book.rows)} of the {recorded_rows} rows its Summary counts "
            f"are no longer in {book.path.name}, so they are not in these results."
        )
    return notes
