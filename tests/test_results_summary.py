"""The Summary's rows, the mapping recorded for a retry, and the retry command's options."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from importer.config import Secret, Target
from importer.mapping import Mapper, automatic_profile, load_profile, profile_from_dict
from importer.records import RunSummary, SourceRow, Status
from importer.results import mapping_yaml, retry_options
from importer.results.summary import summary_rows

HEADERS = ["Unit", "Licence Plate", "Province", "Make", "Colour"]
ROW = SourceRow(2, ("U-1", "ab-12 34", "ont", "FORD", "blk"))
TARGET = Target("https://example.invalid", "OC_TEST", Secret("secret-token-1"))


def replayed(mapper: Mapper) -> Mapper:
    """Map the same headers with the profile recorded from ``mapper``."""
    document = yaml.safe_load(mapping_yaml(mapper))
    return Mapper(profile_from_dict(document), HEADERS)


def test_summary_rows_order_statuses() -> None:
    facts = RunSummary("c", Path("f.csv"), None, "p", "t", "s")
    facts.counts = {"failed": 1, "invalid": 2, "pushed": 3}
    labels = [label for label, _ in summary_rows(facts) if label.startswith("Rows: ")]
    assert labels == ["Rows: pushed", "Rows: invalid", "Rows: failed"]


def test_summary_rows_every_status_label() -> None:
    facts = RunSummary("c", Path("f.csv"), None, "p", "t", "s")
    facts.counts = {status.value: 1 for status in Status}
    labels = [label for label, _ in summary_rows(facts) if label.startswith("Rows: ")]
    assert labels == [
        "Rows: pushed",
        "Rows: exists",
        "Rows: unchanged",
        "Rows: valid",
        "Rows: invalid",
        "Rows: duplicate",
        "Rows: rejected",
        "Rows: failed",
        "Rows: not attempted",
    ]


def test_summary_rows_code_labels() -> None:
    facts = RunSummary("c", Path("f.csv"), None, "p", "t", "s")
    facts.error_counts = {"missing-plate": 2}
    facts.warning_counts = {"plate-normalized": 1}
    rows = summary_rows(facts)
    assert ("Error: missing-plate", 2) in rows
    assert ("Warning: plate-normalized", 1) in rows


def test_mapping_yaml_profile(tmp_path: Path) -> None:
    profile_path = tmp_path / "fleet.yaml"
    profile_path.write_text(
        "fields:\n"
        "  plate: {column: [Plate, Licence Plate], transform: [upper]}\n"
        "  plateType: {value: Passenger}\n"
        "  prov: {column: Province, map: {ont: ON}, unmapped: invalid}\n"
        "  make: Make\n"
        "  colour: {column: Colour, default: Unknown}\n"
        "plate_style: keep\n",
        encoding="utf-8",
    )
    mapper = Mapper(load_profile(profile_path), HEADERS)
    assert yaml.safe_load(mapping_yaml(mapper)) == {
        "fields": {
            "plate": {"column": "Licence Plate", "transform": ["upper"]},
            "plateType": {"value": "Passenger"},
            "prov": {"column": "Province", "map": {"ont": "ON"}, "unmapped": "invalid"},
            "make": {"column": "Make"},
            "colour": {"column": "Colour", "default": "Unknown"},
        },
        "plate_style": "keep",
    }


def test_mapping_yaml_replays_profile(tmp_path: Path) -> None:
    profile_path = tmp_path / "fleet.yaml"
    profile_path.write_text(
        "fields:\n"
        "  plate: {column: [Plate, Licence Plate], transform: [upper]}\n"
        "  plateType: {value: Passenger}\n"
        "  prov: {column: Province, map: {ont: ON}}\n"
        "  colour: {column: Colour, default: Unknown}\n",
        encoding="utf-8",
    )
    mapper = Mapper(load_profile(profile_path), HEADERS)
    assert replayed(mapper).map_row(ROW).payload == mapper.map_row(ROW).payload


def test_mapping_yaml_replays_automatic() -> None:
    mapper = Mapper(automatic_profile({"plateType": "Passenger"}), HEADERS)
    assert replayed(mapper).map_row(ROW).payload == mapper.map_row(ROW).payload


def test_mapping_yaml_records_constants() -> None:
    mapper = Mapper(automatic_profile({"plateType": "Passenger"}), HEADERS)
    fields = yaml.safe_load(mapping_yaml(mapper))["fields"]
    assert fields["plateType"] == {"value": "Passenger"}


def test_mapping_yaml_keeps_yes_no_words(tmp_path: Path) -> None:
    profile_path = tmp_path / "fleet.yaml"
    profile_path.write_text(
        "fields:\n  plate: Licence Plate\n  plateType: {value: 'NO'}\n  prov: {value: 'ON'}\n",
        encoding="utf-8",
    )
    mapper = Mapper(load_profile(profile_path), HEADERS)
    payload = replayed(mapper).map_row(ROW).payload
    assert payload["prov"] == "ON"
    assert payload["plateType"] == "NO"


def test_retry_options_target() -> None:
    assert retry_options(TARGET, "opscom-import run f.csv") == [
        "--base-url",
        "https://example.invalid",
        "--client-code",
        "OC_TEST",
    ]


def test_retry_options_never_hold_token() -> None:
    assert "secret-token-1" not in " ".join(retry_options(TARGET, "opscom-import run f.csv"))


def test_retry_options_dry_run() -> None:
    assert retry_options(None, "opscom-import validate f.csv") == []


@pytest.mark.parametrize(
    "command",
    [
        "opscom-import run f.csv --config conf/opscom.toml",
        "opscom-import run f.csv --config=conf/opscom.toml",
    ],
)
def test_retry_options_config(command: str) -> None:
    expected = str(Path("conf/opscom.toml").resolve())
    assert retry_options(None, command) == ["--config", expected]
