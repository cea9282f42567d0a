"""Turn raw rows into ``SourceRow`` values: skip blank rows, fit cells to the headers, flag cells.

The checks run on every row of files with a million rows. So each row is joined into one
string and searched once, and single cells are inspected only when that string has a hit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from importer.records import SourceRow

SEPARATOR = "\x1f"
#: Values quoted in one warning at most.
MAX_LISTED = 5


class RawRow(NamedTuple):
    """One row as read from the file: its number as Excel shows it, its cell texts and, for
    delimited text, the number of fields on the line (``None`` for workbooks)."""

    number: int
    cells: Sequence[str]
    field_count: int | None = None


def column_letter(index: int) -> str:
    """Return the spreadsheet letter of the 0-based column ``index``: 0 is A, 26 is AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def is_blank(cells: Sequence[str]) -> bool:
    """Return whether every cell is empty or whitespace, as a person would see the row."""
    return not SEPARATOR.join(cells).strip()


def source_rows(
    raw_rows: Iterable[RawRow], headers: Sequence[str], field_range: tuple[int, int] | None
) -> Iterator[SourceRow]:
    """Yield the non-blank rows fitted to ``headers``, each with its reader warnings.

    ``field_range`` is the fewest and the most fields a line of delimited text may have:
    the number of columns, and the header line's field count when a trailing delimiter
    makes it larger. A line outside it is ragged and gets a warning. Workbooks pass None.
    """
    width = len(headers)
    for number, raw_cells, field_count in raw_rows:
        cells = raw_cells
        joined = SEPARATOR.join(cells)
        warnings: list[str] = []
        if "\x00" in joined:
            cells = _remove_nul_bytes(number, cells, headers, warnings)
            joined = SEPARATOR.join(cells)
        if not joined.strip():
            continue
        unread = [text for text in cells[width:] if text.strip()]
        if (
            field_range is not None
            and field_count is not None
            and not field_range[0] <= field_count <= field_range[1]
        ):
            warnings.append(_ragged_warning(number, field_count, field_range, width, unread))
        elif unread:
            warnings.append(_unread_warning(number, width, unread))
        yield SourceRow(number=number, cells=_fit(cells, width), warnings=tuple(warnings))


def _fit(cells: Sequence[str], width: int) -> tuple[str, ...]:
    if len(cells) == width:
        return tuple(cells)
    if len(cells) > width:
        return tuple(cells[:width])
    return (*cells, *([""] * (width - len(cells))))


def _remove_nul_bytes(
    number: int, cells: Sequence[str], headers: Sequence[str], warnings: list[str]
) -> list[str]:
    cleaned = []
    for index, text in enumerate(cells):
        cleaned.append(text.replace("\x00", ""))
        if "\x00" in text:
            warnings.append(
                f"Row {number}, column {_column_name(index, headers)}: removed "
                f"{text.count(chr(0))} NUL byte(s) (\\0), which usually come from a damaged "
                f"or wrongly encoded export; check the value {cleaned[-1]!r}."
            )
    return cleaned


def _ragged_warning(
    number: int, field_count: int, field_range: tuple[int, int], width: int, unread: list[str]
) -> str:
    short = field_count < field_range[0]
    expected = field_range[0] if short else field_range[1]
    start = f"Row {number} has {field_count} cells but the header row has {expected}"
    if unread:
        return f"{start}; {_unread_clause(width, unread)}."
    if short:
        return f"{start}; the missing cells at the end are read as empty."
    return f"{start}; the extra cells are empty."


def _unread_warning(number: int, width: int, unread: list[str]) -> str:
    listed = _listed(unread)
    return (
        f"Row {number}: the columns past {column_letter(width - 1)} have no header, so their "
        f"values are not read: {listed}."
    )


def _unread_clause(width: int, unread: list[str]) -> str:
    return f"values past column {column_letter(width - 1)} are not read: {_listed(unread)}"


def _listed(values: list[str]) -> str:
    """Return the first values quoted, so that a very long row still gives a short warning."""
    shown = ", ".join(repr(text) for text in values[:MAX_LISTED])
    if len(values) > MAX_LISTED:
        return f"{shown} and {len(values) - MAX_LISTED} more"
    return shown


def _column_name(index: int, headers: Sequence[str]) -> str:
    if index < len(headers):
        return f"'{headers[index]}'"
    return column_letter(index)
