"""Validate the rows of one file in order: normalise, check, then look for duplicates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from importer.mapping import MappedRow, Profile
from importer.records import Status
from importer.validation.checks import CHECKS
from importer.validation.duplicates import DuplicateFinder
from importer.validation.normalize import Normalizer
from importer.validation.verdict import Places, Verdict


class RowValidator:
    """Validate the rows of one file, in file order, with one profile.

    The validator keeps state across rows: a row that repeats an earlier valid row's vehicle
    is a duplicate. ``today`` gives the date that makes "after next year" invalid; tests pass
    a fixed one.
    """

    def __init__(self, profile: Profile, *, today: Callable[[], dt.date] = dt.date.today) -> None:
        self._normalizer = Normalizer(profile.plate_style, latest_year=today().year + 1)
        self._constants = frozenset(rule.api_field for rule in profile.rules if not rule.columns)
        self._options = frozenset(rule.api_field for rule in profile.rules if rule.from_set)
        self._duplicates = DuplicateFinder()

    def validate(self, row: MappedRow) -> Verdict:
        """Return the verdict on ``row``, with the normalised payload to send."""
        places = Places(row, self._constants, self._options)
        verdict = Verdict(row, {})
        verdict.payload = self._normalizer.normalize(row, places, verdict)
        for check in CHECKS:
            check(verdict, places)
        if verdict.status is Status.VALID:
            self._duplicates.check(verdict, places)
        return verdict
