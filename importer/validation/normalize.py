"""Normalise the values of a mapped row before they are checked and sent.

Every value loses spaces at its ends, repeated spaces and invisible characters. Then plates
are upper-cased (and, unless the profile keeps them, lose spaces and dashes), provinces and
states become their postal abbreviation, years such as ``2011.0`` become ``2011`` and VINs
are upper-cased. Each change is a warning on the row, so nothing is changed silently.

A province or year that cannot be normalised is an error found here, because recognising
the value is the same work as normalising it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from importer.mapping import MappedRow
from importer.records import Payload
from importer.regions import closest_region, find_region
from importer.validation.verdict import Places, Verdict, shown

#: Characters that show as nothing but would be sent: zero-width spaces and joiners, the
#: word joiner, the byte-order mark and the soft hyphen.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))

#: Dashes removed from compact plates: ASCII and Unicode hyphens, dashes and the minus sign.
DASHES = re.compile(r"[\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")

FIRST_YEAR = 1900
_YEAR_WITH_ZERO_DECIMALS = re.compile(r"([0-9]+)\.0+")


def clean_spaces(text: str) -> str:
    """Return ``text`` without invisible characters, end spaces or repeated spaces."""
    return " ".join(text.translate(INVISIBLE).split())


def cleaning_steps(text: str) -> str:
    """Say what ``clean_spaces`` changes in ``text``, for the warning."""
    visible = text.translate(INVISIBLE)
    inner = visible.strip()
    steps = []
    if visible != inner:
        steps.append("spaces at the ends removed")
    if re.search(r"\s\s", inner):
        steps.append("repeated spaces merged")
    if any(c.isspace() and c != " " for c in inner):
        steps.append("tabs, line breaks or special spaces made plain spaces")
    if visible != text:
        steps.append("invisible characters removed")
    return ", ".join(steps)


#: A finding about one value, before it is placed in a row: whether it is an error, its
#: code, the value it is about, and the message text that follows the place.
Finding = tuple[bool, str, str, str]

#: Fields whose values repeat across rows (provinces, plate types, makes, years), so their
#: normalised form is remembered. Plates and VINs differ on nearly every row.
REMEMBERED_FIELDS = frozenset(
    {
        "plateType",
        "plateTypeID",
        "prov",
        "provID",
        "make",
        "makeID",
        "type",
        "typeID",
        "colour",
        "colourID",
        "year",
    }
)
#: Distinct values remembered per field; a field with more stops adding to its memo.
MEMO_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Normalized:
    """One value as it is sent (empty: left out), with the findings about it."""

    text: str
    findings: tuple[Finding, ...] = ()


class Normalizer:
    """Normalise row payloads for one profile's plate style and a given latest model year.

    A value's outcome depends only on its field and its text. So for the fields in
    ``REMEMBERED_FIELDS`` it is computed once per distinct value, and only the messages,
    which name the row, are built for each row.
    """

    def __init__(self, plate_style: str, latest_year: int) -> None:
        self.plate_style = plate_style
        self.latest_year = latest_year
        self._memos: dict[str, dict[str, Normalized]] = {name: {} for name in REMEMBERED_FIELDS}

    def normalize(self, row: MappedRow, places: Places, verdict: Verdict) -> Payload:
        """Return the normalised payload, adding each change and failure to ``verdict``.

        A value that is empty once cleaned is left out of the payload; the checks report it.
        """
        payload: Payload = {}
        for api_field, raw in row.payload.items():
            normalized = self.normalize_value(api_field, raw)
            for is_error, code, value, text in normalized.findings:
                issue = places[api_field].issue(code, value, text)
                (verdict.errors if is_error else verdict.warnings).append(issue)
            if normalized.text:
                payload[api_field] = normalized.text
        return payload

    def normalize_value(self, api_field: str, raw: str) -> Normalized:
        """Return the value of ``api_field`` to send for the cell text ``raw``, and findings."""
        memo = self._memos.get(api_field)
        if memo is None:
            return self._normalize(api_field, raw)
        normalized = memo.get(raw)
        if normalized is None:
            normalized = self._normalize(api_field, raw)
            if len(memo) < MEMO_LIMIT:
                memo[raw] = normalized
        return normalized

    def _normalize(self, api_field: str, raw: str) -> Normalized:
        text = clean_spaces(raw)
        if not text:
            return Normalized("")
        findings: list[Finding] = []
        if text != raw:
            steps = cleaning_steps(raw)
            sentence = f"'{shown(raw)}' is sent as '{shown(text)}' ({steps})."
            findings.append((False, "whitespace-trimmed", raw, sentence))
        text = self._normalize_field(api_field, text, findings)
        return Normalized(text, tuple(findings))

    def _normalize_field(self, api_field: str, text: str, findings: list[Finding]) -> str:
        if api_field == "plate":
            return self._plate(text, findings)
        if api_field == "prov":
            return _province(text, findings)
        if api_field == "year":
            return self._year(text, findings)
        if api_field == "vin":
            return _changed(text, text.upper(), "vin-normalized", findings, change="upper case")
        return text

    def _plate(self, text: str, findings: list[Finding]) -> str:
        plate = text.upper()
        change = "upper case"
        if self.plate_style == "compact":
            plate = DASHES.sub("", plate.replace(" ", ""))
            change = "upper case, without spaces or dashes"
        if not plate.isalnum() and not any(c.isalnum() for c in plate):
            return ""  # nothing to send: the checks report the missing plate
        return _changed(text, plate, "plate-normalized", findings, change=change)

    def _year(self, text: str, findings: list[Finding]) -> str:
        digits = text
        whole = _YEAR_WITH_ZERO_DECIMALS.fullmatch(text)
        if whole is not None:
            digits = whole.group(1)
        problem = self._year_problem(digits)
        if problem is not None:
            code, explanation = problem
            findings.append((True, code, text, f"'{shown(text)}' {explanation}"))
            return text
        return _changed(text, digits, "year-normalized", findings)

    def _year_problem(self, digits: str) -> tuple[str, str] | None:
        """Return the error code and explanation for a year that cannot be sent, if any."""
        if not digits.isascii() or not digits.isdigit() or len(digits) not in (2, 4):
            return (
                "invalid-year",
                "is not a 4-digit year; write the model year, such as 2019, "
                "or leave the cell empty.",
            )
        if len(digits) == 2:
            return (
                "two-digit-year",
                f"is a two-digit year, which could be 19{digits} or 20{digits}; "
                "write all four digits.",
            )
        if not FIRST_YEAR <= int(digits) <= self.latest_year:
            return (
                "year-out-of-range",
                f"is not a model year from {FIRST_YEAR} to {self.latest_year}; "
                "correct the year or leave the cell empty.",
            )
        return None


def _province(text: str, findings: list[Finding]) -> str:
    region = find_region(text)
    if region is None:
        findings.append((True, "unknown-province", text, _unknown_province(text)))
        return text
    return _changed(text, region.sent_as, "province-normalized", findings)


def _unknown_province(text: str) -> str:
    sentence = f"'{shown(text)}' is not a Canadian province, US state or Mexican state; "
    region = closest_region(text)
    if region is not None and region.country == "MX":
        return sentence + f"use the state's full name, such as {region.sent_as}."
    example = region.sent_as if region is not None else "ON"
    return sentence + f"use a postal abbreviation such as {example}."


def _changed(
    before: str, after: str, code: str, findings: list[Finding], *, change: str = ""
) -> str:
    """Return ``after``, adding a warning with ``code`` when it differs from ``before``."""
    if after != before:
        detail = f" ({change})" if change else ""
        findings.append(
            (False, code, before, f"'{shown(before)}' is sent as '{shown(after)}'{detail}.")
        )
    return after
