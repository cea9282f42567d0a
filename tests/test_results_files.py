"""Results files: written under a temporary name, with the usual permissions, and the
temporary files of killed runs removed."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from importer.results.files import LEFTOVER_AGE, AtomicFile

TARGET = "fleet.results.xlsx"


@pytest.fixture
def umask() -> Iterator[None]:
    """Restore the process umask after a test that sets it."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _commit(folder: Path) -> Path:
    atomic = AtomicFile(folder / TARGET)
    atomic.temporary.write_bytes(b"results")
    return atomic.commit()


def _leftover(folder: Path, name: str, age: float) -> Path:
    path = folder / name
    path.write_bytes(b"")
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


@pytest.mark.usefixtures("umask")
@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_commit_mode_follows_umask(tmp_path: Path, mask: int, mode: int) -> None:
    os.umask(mask)
    assert _commit(tmp_path).stat().st_mode & 0o777 == mode


@pytest.mark.usefixtures("umask")
def test_umask_unchanged_by_writing(tmp_path: Path) -> None:
    os.umask(0o027)
    _commit(tmp_path)
    assert os.umask(0o022) == 0o027


def test_old_leftover_removed(tmp_path: Path) -> None:
    leftover = _leftover(tmp_path, f".{TARGET}.zp40l35r.tmp", LEFTOVER_AGE + 60)
    _commit(tmp_path)
    assert not leftover.exists()


def test_recent_leftover_kept(tmp_path: Path) -> None:
    leftover = _leftover(tmp_path, f".{TARGET}.zp40l35r.tmp", LEFTOVER_AGE - 60)
    _commit(tmp_path)
    assert leftover.exists()


@pytest.mark.parametrize(
    "name", [f".{TARGET}.notes.tmp", ".other.results.xlsx.zp40l35r.tmp", f"{TARGET}.zp40l35r.tmp"]
)
def test_other_old_files_kept(tmp_path: Path, name: str) -> None:
    other = _leftover(tmp_path, name, LEFTOVER_AGE + 60)
    _commit(tmp_path)
    assert other.exists()


def test_folder_after_commit(tmp_path: Path) -> None:
    _leftover(tmp_path, f".{TARGET}.zp40l35r.tmp", LEFTOVER_AGE + 60)
    _commit(tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == [TARGET]
