"""Find the header row among title, note and blank rows, and turn its cells into column names."""

from __future__ import annotations

import re
from collections.abc import Sequence

from importer.reading.rows import RawRow, column_letter, is_blank

#: Non-blank rows examined for the header, and rows after a candidate that show the data width.
HEADER_SEARCH_ROWS = 50
FOLLOWING_ROWS = 10
#: A cell made only of digits, signs and separators: a number, date or time, not a name.
NUMBER_OR_DATE = re.compile(r"[-+(]?[\d\s.,:/\-]*\d[\d\s.,:/\-)%]*")
LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
#: A word hyphenated across lines ("Kenn-" / "zeichen") joins back without a space.
HYPHEN_BREAK = re.compile(r"-[^\S\r\n]*[\r\n]+\s*")


def span(cells: Sequence[str]) -> int:
    """Return the position after the last non-blank cell: 0 for a blank row."""
    for index in range(len(cells) - 1, -1, -1):
        if cells[index].strip():
            return index + 1
    return 0


def common_span(rows: Sequence[Sequence[str]]) -> int:
    """Return the widest span that at least half of ``rows`` reach, so one long row is ignored."""
    spans = sorted((span(cells) for cells in rows), reverse=True)
    return spans[(len(spans) + 1) // 2 - 1] if spans else 0


def find_header(head: Sequence[RawRow]) -> int | None:
    """Return the position in ``head`` of the first row that looks like a header row.

    A header row has mostly distinct text cells, covers at least half the columns that most
    rows after it fill, and is followed by data. A title or note in one cell does not qualify.
    When no row qualifies, the first non-blank row is the header. ``None`` means all are blank.
    """
    filled = [index for index, row in enumerate(head) if not is_blank(row.cells)]
    for position, index in enumerate(filled[:HEADER_SEARCH_ROWS]):
        following = filled[position + 1 : position + 1 + FOLLOWING_ROWS]
        data_width = common_span([head[after].cells for after in following])
        if data_width and looks_like_header(head[index].cells, data_width):
            return index
    return filled[0] if filled else None


def looks_like_header(cells: Sequence[str], data_width: int) -> bool:
    """Return whether ``cells`` read as column names above data ``data_width`` columns wide."""
    names = [text.strip() for text in cells if text.strip()]
    if len(names) < 2 and data_width > 1:
        return False
    if len(names) * 2 < data_width:
        return False
    texts = [name for name in names if not NUMBER_OR_DATE.fullmatch(name)]
    if len(texts) * 2 <= len(names):
        return False
    distinct = len({name.casefold() for name in names})
    return distinct * 10 >= len(names) * 6


def is_sub_header(
    cells: Sequence[str], groups: Sequence[tuple[int, int]], vertical: set[int]
) -> bool:
    """Return whether ``cells`` name the columns of ``groups`` (merged ranges in the row above).

    Every non-blank cell must lie under a group or under a cell merged down into this row,
    and the cells under the groups must read as distinct names, not data.
    """
    grouped = {column for first, last in groups for column in range(first, last + 1)}
    names = [cells[column].strip() for column in sorted(grouped) if column < len(cells)]
    for column, text in enumerate(cells):
        if text.strip() and column not in grouped and column not in vertical:
            return False
    return looks_like_header(names, len(names))


def combine_header_rows(top: Sequence[str], lower: Sequence[str]) -> list[str]:
    """Join a group row and the row of names below it: "Vehicle" over "Make" is "Vehicle Make"."""
    width = max(len(top), len(lower))
    combined = []
    for column in range(width):
        upper = top[column].strip() if column < len(top) else ""
        name = lower[column].strip() if column < len(lower) else ""
        if not upper or not name or upper == name:
            combined.append(upper or name)
        else:
            combined.append(f"{upper} {name}")
    return combined


def header_names(cells: Sequence[str], width: int) -> tuple[list[str], list[str]]:
    """Return ``width`` unique column names from the header cells, and notes on what changed.

    Names are trimmed and a line break inside a cell becomes a space, or nothing after a
    hyphen. A blank name becomes
    the column letter; a repeated name (ignoring case) gets " (2)", " (3)"... appended.
    """
    names = [clean_name(cells[index] if index < len(cells) else "") for index in range(width)]
    notes: list[str] = []
    blank = [index for index, name in enumerate(names) if not name]
    for index in blank:
        names[index] = column_letter(index)
    if blank:
        letters = ", ".join(column_letter(index) for index in blank)
        notes.append(f"No header in column(s) {letters}; each is named by its column letter.")
    notes.extend(_make_unique(names))
    return names, notes


def clean_name(text: str) -> str:
    """Return a header cell as a one-line name: no BOM, no surrounding spaces or line breaks."""
    text = HYPHEN_BREAK.sub("-", text.replace("\ufeff", ""))
    return LINE_BREAKS.sub(" ", text).strip()


def _make_unique(names: list[str]) -> list[str]:
    """Rename repeated names in place and return one note per repeated name."""
    original = {name.casefold() for name in names}
    used: set[str] = set()
    renamed: dict[str, list[tuple[int, str]]] = {}
    for index, name in enumerate(names):
        key = name.casefold()
        if key not in used:
            used.add(key)
            continue
        number = 2
        while f"{name} ({number})".casefold() in used | original:
            number += 1
        names[index] = f"{name} ({number})"
        used.add(names[index].casefold())
        renamed.setdefault(key, []).append((index, names[index]))
    notes = []
    for key, changes in renamed.items():
        first = next(index for index, name in enumerate(names) if name.casefold() == key)
        columns = ", ".join(column_letter(index) for index, _ in [(first, ""), *changes])
        new_names = ", ".join(f"'{name}'" for _, name in changes)
        notes.append(
            f"The header '{names[first]}' appears in columns {columns}; the repeats are "
            f"named {new_names}."
        )
    return notes
