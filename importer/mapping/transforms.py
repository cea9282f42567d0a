"""Turn one cell into the value sent for one field: transforms, the default, the value table.

The steps run in a fixed order: the profile's transforms in the order written, then the
default when the result is empty, otherwise the ``map:`` table. ``convert`` returns what
changed, so that the mapper can report every altered value to the administrator.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_WHITESPACE = re.compile(r"\s+")
# Spaces, tabs, the no-break space, and the dash characters people type or paste.
_SPACES_AND_DASHES = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_NOT_DIGITS = re.compile(r"[^0-9]+")

#: The transforms a profile may name, by their name in YAML.
TRANSFORMS: dict[str, Callable[[str], str]] = {
    "trim": str.strip,
    "upper": str.upper,
    "collapse-spaces": lambda text: _WHITESPACE.sub(" ", text),
    "remove-spaces-dashes": lambda text: _SPACES_AND_DASHES.sub("", text),
    "digits-only": lambda text: _NOT_DIGITS.sub("", text),
}

#: Rules for a value that a ``map:`` table does not list.
UNMAPPED_RULES = ("keep", "invalid")


def map_key(text: str) -> str:
    """Return ``text`` folded for lookups in a value table: no surrounding spaces, no case."""
    return text.strip().casefold()


@dataclass(frozen=True, slots=True)
class ValueTable:
    """A ``map:`` table keyed by ``map_key``; ``unmapped`` sets the rule for other values."""

    entries: Mapping[str, str]
    unmapped: str = "keep"

    def lookup(self, text: str) -> str | None:
        return self.entries.get(map_key(text))


@dataclass(frozen=True, slots=True)
class Converted:
    """The value to send, and how it came about.

    ``steps`` names each step that altered the value (a transform name, ``map`` or
    ``default``). ``not_in_map`` is set when a table with ``unmapped: invalid`` lacks the value.
    """

    text: str
    steps: tuple[str, ...] = ()
    not_in_map: bool = False


def convert(
    cell: str, transforms: tuple[str, ...], default: str | None, table: ValueTable | None
) -> Converted:
    """Apply the transforms, then the default or the value table, to one cell."""
    text, steps = cell, []
    for name in transforms:
        changed = TRANSFORMS[name](text)
        if changed != text:
            steps.append(name)
        text = changed
    if not text.strip():
        if default is not None:
            return Converted(default, (*steps, "default"))
        return Converted(text, tuple(steps))
    if table is None:
        return Converted(text, tuple(steps))
    mapped = table.lookup(text)
    if mapped is None:
        return Converted(text, tuple(steps), not_in_map=table.unmapped == "invalid")
    if mapped != text:
        steps.append("map")
    return Converted(mapped, tuple(steps))
