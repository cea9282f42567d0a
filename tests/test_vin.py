"""VIN check digits: known VINs, case, and the characters no VIN may contain."""

from __future__ import annotations

import pytest

from importer.vin import check_digit, has_valid_check_digit, invalid_characters


@pytest.mark.parametrize(
    ("vin", "digit"),
    [
        ("1HGCM82633A004352", "3"),
        ("1M8GDM9AXKP042788", "X"),
        ("11111111111111111", "1"),
        ("1HGCM82633A004353", "5"),
        ("WVWZZZ1JZ3W386752", "9"),
    ],
)
def test_check_digit_known_vins(vin: str, digit: str) -> None:
    assert check_digit(vin) == digit


def test_check_digit_ignores_case() -> None:
    assert check_digit("1m8gdm9axkp042788") == "X"


def test_check_digit_rejects_wrong_length() -> None:
    with pytest.raises(ValueError, match="a VIN has 17 characters, not 16"):
        check_digit("1HGCM82633A00435")


def test_check_digit_rejects_letter_o() -> None:
    with pytest.raises(ValueError, match="a VIN cannot contain 'O'"):
        check_digit("1HGCM82633A00435O")


def test_has_valid_check_digit_true() -> None:
    assert has_valid_check_digit("1HGCM82633A004352") is True


def test_has_valid_check_digit_false() -> None:
    assert has_valid_check_digit("1HGCM82633A004353") is False


def test_has_valid_check_digit_x() -> None:
    assert has_valid_check_digit("1M8GDM9AXKP042788") is True


def test_invalid_characters_in_order_once() -> None:
    assert invalid_characters("IOQ-O i") == ["I", "O", "Q", "-", " "]


def test_invalid_characters_none() -> None:
    assert invalid_characters("1HGCM82633A004352") == []
