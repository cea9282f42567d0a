"""Cell conversion: each transform, the default, the value table, and what changed."""

from __future__ import annotations

import pytest

from importer.mapping.transforms import TRANSFORMS, Converted, ValueTable, convert

TABLE = ValueTable({"pas": "Passenger", "com": "Commercial", "0": ""})
STRICT = ValueTable({"pas": "Passenger"}, "invalid")


@pytest.mark.parametrize(
    ("name", "cell", "expected"),
    [
        ("trim", "\t999 AAA \u00a0", "999 AAA"),
        ("upper", "mz-pe 309", "MZ-PE 309"),
        ("upper", "Škoda", "ŠKODA"),
        ("collapse-spaces", "Pick Up  Trucks\n4x4", "Pick Up Trucks 4x4"),
        ("collapse-spaces", " a ", " a "),
        ("remove-spaces-dashes", "MZ-PE 309", "MZPE309"),
        ("remove-spaces-dashes", "GEL\u00a01890 \u2013 X\u2011Y", "GEL1890XY"),
        ("digits-only", "2015.0", "20150"),
        ("digits-only", "(773) 568-8495", "7735688495"),
        ("digits-only", "N/A", ""),
        ("digits-only", "²३", ""),
    ],
)
def test_transform(name: str, cell: str, expected: str) -> None:
    assert TRANSFORMS[name](cell) == expected


def test_transforms_run_in_order() -> None:
    assert convert(" ab-12 ", ("trim", "upper", "remove-spaces-dashes"), None, None) == Converted(
        "AB12", ("trim", "upper", "remove-spaces-dashes")
    )


def test_unchanging_transform_not_listed() -> None:
    assert convert("AB12", ("trim", "upper"), None, None) == Converted("AB12")


def test_no_rule_keeps_cell() -> None:
    assert convert(" Ford ", (), None, None) == Converted(" Ford ")


def test_default_for_empty_cell() -> None:
    assert convert("", (), "Unknown", None) == Converted("Unknown", ("default",))


def test_default_for_blank_cell() -> None:
    assert convert("   ", (), "Unknown", None) == Converted("Unknown", ("default",))


def test_default_after_transform_empties() -> None:
    assert convert("N/A", ("digits-only",), "0", None) == Converted("0", ("digits-only", "default"))


def test_default_not_mapped() -> None:
    assert convert("", (), "PAS", TABLE) == Converted("PAS", ("default",))


def test_empty_cell_without_default() -> None:
    assert convert("", ("trim",), None, STRICT) == Converted("")


def test_map_ignores_case_and_spaces() -> None:
    assert convert(" pas ", (), None, TABLE) == Converted("Passenger", ("map",))


def test_map_after_transform() -> None:
    assert convert("c-o-m", ("remove-spaces-dashes",), None, TABLE) == Converted(
        "Commercial", ("remove-spaces-dashes", "map")
    )


def test_map_to_empty_leaves_out() -> None:
    assert convert("0", (), None, TABLE) == Converted("", ("map",))


def test_map_to_same_text_unchanged() -> None:
    table = ValueTable({"passenger": "Passenger"})
    assert convert("Passenger", (), None, table) == Converted("Passenger")


def test_unmapped_keep() -> None:
    assert convert("OMT", (), None, TABLE) == Converted("OMT")


def test_unmapped_invalid() -> None:
    assert convert("OMT", (), None, STRICT) == Converted("OMT", not_in_map=True)


def test_unmapped_invalid_after_transform() -> None:
    assert convert(" omt", ("trim",), None, STRICT) == Converted("omt", ("trim",), True)
