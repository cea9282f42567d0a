"""Progress display for the CLI: a tqdm bar on a terminal, nothing otherwise."""

from __future__ import annotations

import sys
from collections import Counter
from types import TracebackType
from typing import NoReturn

from tqdm import tqdm

from importer.records import RowResult


class ProgressBar:
    """A tqdm bar counting pushed rows, with live status counts as its postfix."""

    def __init__(self, *, enabled: bool | None = None) -> None:
        self.enabled = enabled
        self._bar: tqdm[NoReturn] | None = None
        self._counts: Counter[str] = Counter()

    def start(self, total: int) -> None:
        # disable=None lets tqdm switch itself off when stderr is not a terminal.
        disable = None if self.enabled is None else not self.enabled
        self._bar = tqdm(total=total, unit="row", file=sys.stderr, disable=disable, leave=False)

    def advance(self, result: RowResult) -> None:
        if self._bar is None:
            return
        self._counts[result.status.value] += 1
        self._bar.update(1)
        if self._bar.n % 50 == 0 or self._bar.n == self._bar.total:
            self._bar.set_postfix(self._counts, refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
