"""Text and formula safety rules shared by the workbook and the CSV output."""

from __future__ import annotations

import pytest

from importer.results.cells import (
    cell_safe_text,
    csv_field,
    csv_text,
    is_formula_like,
    is_plain_text,
    text_width,
)


@pytest.mark.parametrize("text", ["=1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like(text: str) -> None:
    assert is_formula_like(text) is True


@pytest.mark.parametrize("text", ["", "ABC123", "1-2", " =1", "'=1", "00123"])
def test_not_formula_like(text: str) -> None:
    assert is_formula_like(text) is False


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ('=HYPERLINK("http://example.invalid","x")', '\'=HYPERLINK("http://example.invalid","x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("'=already quoted", "''=already quoted"),
        ("'plain quote", "'plain quote"),
        ("00123", "00123"),
        (None, ""),
        (42, "42"),
    ],
)
def test_csv_field(value: object, field: str) -> None:
    assert csv_field(value) == field


@pytest.mark.parametrize(
    "text", ["=1", "+1", "-2", "@x", "\tx", "\rx", "'=1", "''+1", "'x", "'", "x", ""]
)
def test_csv_text_inverts_csv_field(text: str) -> None:
    assert csv_text(csv_field(text)) == text


def test_cell_safe_text_replaces_control_characters() -> None:
    assert cell_safe_text("a\x00b\x1fc\td\ne") == "a\ufffdb\ufffdc\td\ne"


def test_cell_safe_text_keeps_short_text() -> None:
    assert cell_safe_text("x" * 32_767) == "x" * 32_767


def test_cell_safe_text_cuts_long_text() -> None:
    assert cell_safe_text("x" * 32_768) == "x" * 32_766 + "\N{HORIZONTAL ELLIPSIS}"


def test_text_width_longest_line() -> None:
    assert text_width("ab\nabcd\nabc") == 4


@pytest.mark.parametrize(
    "text", ["ABC123", "00123", "Row 2: a\nb", "a\tb", "x" * 32_767, "r>x</r>"]
)
def test_plain_text(text: str) -> None:
    assert is_plain_text(text) is True


@pytest.mark.parametrize(
    "text", ["=1", "+1", "-2", "@x", "\tx", "\rx", "a\x00b", "a\x1fb", "<r>x</r>", "x" * 32_768]
)
def test_not_plain_text(text: str) -> None:
    assert is_plain_text(text) is False
