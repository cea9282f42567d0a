"""Telling formats and text encodings apart from the bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer.errors import InputFileError
from importer.reading.sniff import (
    Encoding,
    FileKind,
    detect_encoding,
    first_decode_error,
    sniff_kind,
)
from tests.conftest import FIXTURES


def encoding_of(tmp_path: Path, data: bytes) -> Encoding:
    path = tmp_path / "sample.csv"
    path.write_bytes(data)
    return detect_encoding(path, data[:65536])


@pytest.mark.parametrize(
    ("data", "name"),
    [
        ("Plate,City\nAB1,Québec\n".encode(), "utf-8"),
        ("\ufeffPlate\nAB1\n".encode(), "utf-8-sig"),
        ("Plate\tCity\r\n".encode("utf-16"), "utf-16"),
        ("Plate\tCity\r\n".encode("utf-32"), "utf-32"),
        ("Plate,City\r\nAB1,Montréal\r\n".encode("utf-16-le"), "utf-16-le"),
        ("Plate,City\r\nAB1,Montréal\r\n".encode("utf-16-be"), "utf-16-be"),
        ("Plate;Ville\nAB1;Montréal\n".encode("cp1252"), "cp1252"),
        (b"Plate\nAB\x81\n", "latin-1"),
    ],
)
def test_detect_encoding(tmp_path: Path, data: bytes, name: str) -> None:
    assert encoding_of(tmp_path, data).name == name


def test_detect_encoding_utf8_has_no_note(tmp_path: Path) -> None:
    assert encoding_of(tmp_path, "Marque\nCitroën\n".encode()).note is None


def test_decode_error_in_second_block(tmp_path: Path) -> None:
    path = tmp_path / "late_accent.csv"
    path.write_bytes(b"Plate\n" + b"AB1\n" * 300_000 + b"Montr\xe9al\n")
    assert first_decode_error(path, "utf-8") == "byte 0xE9 at offset 1200011, line 300002"


def test_decode_error_split_character(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_bytes("Plate\nCitroë".encode()[:-1])
    assert first_decode_error(path, "utf-8") == (
        "the file ends in the middle of a character at offset 12"
    )


def test_decode_ok(tmp_path: Path) -> None:
    path = tmp_path / "fine.csv"
    path.write_bytes("Plate\nCitroën\n".encode())
    assert first_decode_error(path, "utf-8") is None


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"Plate,Make\n", FileKind.TEXT),
        (b"<table>", FileKind.TEXT),
    ],
)
def test_sniff_text(tmp_path: Path, head: bytes, kind: FileKind) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(head)
    assert sniff_kind(path, head) is kind


def test_sniff_encrypted_ole() -> None:
    path = FIXTURES / "password_protected.xlsx"
    with pytest.raises(InputFileError, match="password-protected"):
        sniff_kind(path, path.read_bytes()[:65536])
