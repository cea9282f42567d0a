"""Zero-padding xlsx number formats: which formats count, and how a number shows through them."""

from __future__ import annotations

import pytest

from importer.reading.xlsx_formats import format_padded, padded_format


@pytest.mark.parametrize(
    "code",
    ["0", "0.00", "#,##0", "00.0", "0%", "yyyy-mm-dd", "@", "0.00E+00", "# ?/?", "General", ""],
)
def test_not_padding(code: str) -> None:
    assert padded_format(code) is None


@pytest.mark.parametrize(
    ("code", "value", "text"),
    [
        ("000000", 1234, "001234"),
        ("000000", 12345678, "12345678"),
        ("00000-0000", 1234567, "00123-4567"),
        ('"U-"0000', 42, "U-0042"),
        ("\\P000", 7, "P007"),
        ("[Red]0000;-0000", 15, "0015"),
        ("#000", 5, "005"),
        ("?0000", 5, " 0005"),
        ("(000)", 9, "(009)"),
    ],
)
def test_format_padded(code: str, value: int, text: str) -> None:
    tokens = padded_format(code)
    assert tokens is not None
    assert format_padded(value, tokens) == text
