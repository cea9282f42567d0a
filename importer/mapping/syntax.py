"""Read a composed YAML node tree, raising ``MappingError`` with the line of the offending node."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from importer.errors import MappingError

Node = yaml.Node
NULL_TAG = "tag:yaml.org,2002:null"


class NodeReader:
    """Typed access to the nodes of one profile; every error names the profile and the line.

    Scalars are read as the text written in the file, never converted to booleans or numbers.
    ``with_lines`` is false for a profile built from a dict, whose nodes come from a dump and
    whose lines therefore mean nothing to the user.
    """

    def __init__(self, path: Path | None, *, with_lines: bool) -> None:
        self.path = path
        self.with_lines = with_lines

    def compose(self, text: str) -> Node:
        """Parse ``text`` into a node tree; raise on invalid YAML or an empty document."""
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None and self.with_lines else None
            problem = " ".join(part for part in (exc.context, exc.problem) if part)
            raise MappingError(f"invalid YAML: {problem}.", path=self.path, line=line) from exc
        except yaml.YAMLError as exc:
            raise MappingError(f"invalid YAML: {exc}.", path=self.path) from exc
        if root is None:
            raise MappingError(
                "the profile is empty; see mappings/template.yaml for the layout.", path=self.path
            )
        return root

    def line(self, node: Node) -> int | None:
        return node.start_mark.line + 1 if self.with_lines else None

    def error(self, node: Node, message: str) -> MappingError:
        return MappingError(message, path=self.path, line=self.line(node))

    @staticmethod
    def is_null(node: Node) -> bool:
        return isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG

    @staticmethod
    def is_scalar(node: Node) -> bool:
        return isinstance(node, yaml.ScalarNode)

    @staticmethod
    def is_sequence(node: Node) -> bool:
        return isinstance(node, yaml.SequenceNode)

    def pairs(self, node: Node, where: str) -> list[tuple[Node, Node]]:
        """Return the key and value nodes of a mapping node."""
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"{where} must be a mapping of 'key: value' lines.")
        return list(node.value)

    def mapping(
        self,
        node: Node,
        where: str,
        *,
        allowed: Sequence[str],
        kind: str = "key",
        suggest: Callable[[str], str | None] | None = None,
    ) -> dict[str, tuple[Node, Node]]:
        """Return a mapping's entries by key; reject unknown and repeated keys."""
        entries: dict[str, tuple[Node, Node]] = {}
        for key, value in self.pairs(node, where):
            name = self.text(key, f"a {kind} in {where}")
            if name not in allowed:
                raise self.error(key, _unknown(name, where, allowed, kind, suggest))
            if name in entries:
                first = self.line(entries[name][0])
                raise self.error(key, f"{where} sets '{name}' twice (first on line {first}).")
            entries[name] = (key, value)
        return entries

    def text(self, node: Node, where: str) -> str:
        """Return a scalar's text as written; reject null, empty, lists and mappings."""
        if not isinstance(node, yaml.ScalarNode) or self.is_null(node):
            raise self.error(node, f"{where} must be a single value.")
        text = str(node.value)
        if not text.strip():
            raise self.error(node, f"{where} is empty; write a value or delete the line.")
        return text

    def texts(self, node: Node, where: str) -> tuple[str, ...]:
        """Return one scalar, or a list of scalars, as a tuple of texts."""
        if isinstance(node, yaml.SequenceNode):
            if not node.value:
                raise self.error(node, f"{where} is an empty list; write at least one name.")
            return tuple(self.text(item, where) for item in node.value)
        return (self.text(node, where),)

    def choice(self, node: Node, where: str, options: Sequence[str]) -> str:
        """Return a scalar that must be one of ``options``."""
        text = self.text(node, where)
        if text not in options:
            raise self.error(
                node, f"{where} is '{text}'; use {' or '.join(repr(o) for o in options)}."
            )
        return text


def _unknown(
    name: str,
    where: str,
    allowed: Sequence[str],
    kind: str,
    suggest: Callable[[str], str | None] | None,
) -> str:
    guess = suggest(name) if suggest is not None else None
    if guess is None:
        close = difflib.get_close_matches(name, allowed, n=1)
        guess = close[0] if close else None
    hint = f" Did you mean '{guess}'?" if guess else ""
    return f"unknown {kind} '{name}' in {where}.{hint} Valid {kind}s: {', '.join(allowed)}."
