"""Check mapped rows against the Push API's documented rules before anything is sent.

A ``RowValidator`` takes the rows of one file in order. For each row it normalises the
values (``normalize``), runs the checks (``checks``) and, for a row without errors, looks for
an earlier row with the same vehicle (``duplicates``). The ``Verdict`` carries the payload to
send and the findings, each a ``RowIssue`` with a stable code listed in ``codes``.
"""

from __future__ import annotations

from importer.validation.codes import CODES, Code, Severity
from importer.validation.validator import RowValidator
from importer.validation.verdict import Verdict

__all__ = ["CODES", "Code", "RowValidator", "Severity", "Verdict"]
