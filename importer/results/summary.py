"""The Summary sheet: what was run, on which file, with which mapping, and how it went.

Besides the facts an admin reads (counts per status, error code and warning kind, timings,
the target without its token), the sheet records what ``opscom-import retry`` needs to map
the rows again. That is the profile's path, the ``--set`` constants, and the mapping that was
used, written as profile YAML so that a run without a profile file can be reproduced too.
"""

from __future__ import annotations

import shlex
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from importer import __version__
from importer.config import Target
from importer.mapping.mapper import Binding, Mapper
from importer.records import RowResult, RunSummary, Status

SummaryValue = str | int | float


class Item(StrEnum):
    """Labels of the Summary sheet's first column; ``opscom-import retry`` reads them back."""

    COMMAND = "Command"
    INPUT_FILE = "Input file"
    SHEET = "Sheet"
    MAPPING_PROFILE = "Mapping profile"
    PROFILE_FILE = "Profile file"
    CONSTANT = "Constant (--set)"
    MAPPING_USED = "Mapping used"
    TARGET = "Target"
    STARTED = "Started"
    FINISHED = "Finished"
    DURATION = "Duration (s)"
    ROWS = "Rows"
    ROWS_PER_SECOND = "Rows per second"
    TOOL_VERSION = "Tool version"
    REPROCESS_COMMAND = "Reprocess command"
    NOTE = "Note"


#: Headers of the Summary sheet.
SUMMARY_HEADERS = ("Item", "Value")

#: Prefixes of the count labels: "Rows: pushed", "Error: missing-plate", "Warning: ...".
#: The colon keeps a status such as "exists" from reading as a verb ("Rows exists").
STATUS_PREFIX = "Rows: "
ERROR_PREFIX = "Error: "
WARNING_PREFIX = "Warning: "


@dataclass(slots=True)
class Tally:
    """Counts of the rows written and of their error codes and warning kinds."""

    rows: int = 0
    error_codes: Counter[str] = field(default_factory=Counter)
    warning_codes: Counter[str] = field(default_factory=Counter)

    def add(self, result: RowResult) -> None:
        self.rows += 1
        self.error_codes.update(result.error_codes)
        self.warning_codes.update(result.warning_codes)

    def fill(self, summary: RunSummary) -> None:
        """Copy the code counts into ``summary``, most frequent first."""
        summary.error_counts = _ranked(self.error_codes)
        summary.warning_counts = _ranked(self.warning_codes)


def _ranked(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def summary_rows(summary: RunSummary) -> list[tuple[str, SummaryValue]]:
    """Return the Summary sheet's rows below its header, as (label, value) pairs."""
    rows: list[tuple[str, SummaryValue]] = [
        (Item.COMMAND, summary.command),
        (Item.INPUT_FILE, str(summary.input_file)),
        (Item.SHEET, summary.sheet or ""),
        (Item.MAPPING_PROFILE, summary.profile),
        (Item.PROFILE_FILE, str(summary.profile_file or "")),
    ]
    rows.extend((Item.CONSTANT, f"{name}={value}") for name, value in summary.constants.items())
    rows += [
        (Item.MAPPING_USED, summary.mapping),
        (Item.TARGET, summary.target),
        (Item.STARTED, summary.started_at),
        (Item.FINISHED, summary.finished_at),
        (Item.DURATION, round(summary.duration_seconds, 2)),
        (Item.ROWS, summary.rows),
        (Item.ROWS_PER_SECOND, round(summary.rows_per_second, 1)),
        (Item.TOOL_VERSION, __version__),
        (Item.REPROCESS_COMMAND, summary.retry_command),
    ]
    statuses = [status.value for status in Status]
    ordered = sorted(summary.counts.items(), key=lambda item: _index(statuses, item[0]))
    rows.extend((f"{STATUS_PREFIX}{status}", count) for status, count in ordered)
    rows.extend((f"{ERROR_PREFIX}{code}", count) for code, count in summary.error_counts.items())
    rows.extend(
        (f"{WARNING_PREFIX}{code}", count) for code, count in summary.warning_counts.items()
    )
    rows.extend((Item.NOTE, note) for note in summary.notes)
    return rows


def _index(order: list[str], value: str) -> int:
    return order.index(value) if value in order else len(order)


def mapping_yaml(mapper: Mapper) -> str:
    """Return the mapping ``mapper`` applies as profile YAML, each field bound to one column.

    A field whose profile offered several candidate columns, or that automatic matching
    found, is recorded with the column it read, so loading this YAML maps the same table
    the same way.
    """
    fields = {binding.rule.api_field: _rule_document(binding) for binding in mapper.bindings}
    document: dict[str, Any] = {"fields": fields, "plate_style": mapper.profile.plate_style}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True).rstrip("\n")


def _rule_document(binding: Binding) -> dict[str, Any]:
    rule = binding.rule
    if rule.value is not None:
        return {"value": rule.value}
    document: dict[str, Any] = {"column": binding.column}
    if rule.default is not None:
        document["default"] = rule.default
    if rule.transforms:
        document["transform"] = list(rule.transforms)
    if rule.table is not None:
        document["map"] = dict(rule.table.entries)
        document["unmapped"] = rule.table.unmapped
    return document


def retry_options(target: Target | None, command: str) -> list[str]:
    """Return the options that make a retry reach the same target as ``command`` did.

    The base URL and client code are pinned so that a changed environment cannot send the
    retry elsewhere. A ``--config`` file is passed on because it may contain the token.
    """
    options: list[str] = []
    if target is not None:
        options += ["--base-url", target.base_url, "--client-code", target.client_code]
    config = _option_value(shlex.split(command), "--config")
    if config is not None:
        options += ["--config", str(Path(config).resolve())]
    return options


def _option_value(arguments: list[str], name: str) -> str | None:
    for index, argument in enumerate(arguments):
        if argument == name and index + 1 < len(arguments):
            return arguments[index + 1]
        if argument.startswith(f"{name}="):
            return argument.partition("=")[2]
    return None


def retry_command(results_path: Path, options: list[str]) -> str:
    """Return the shell command that reprocesses the rows of ``results_path`` not yet stored."""
    return shlex.join(["opscom-import", "retry", str(results_path.resolve()), *options])
