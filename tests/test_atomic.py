"""replace_file: old or new file, never a part; modes, owners and symlinks as promised."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest

from piranha_web.atomic import locked, replace_file


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_the_mode_and_a_missing_folder_is_made_private(tmp_path: Path) -> None:
    target = tmp_path / "state" / "file"
    replace_file(target, b"one", make_parent=True)
    assert target.read_bytes() == b"one" and mode_of(target) == 0o600
    assert mode_of(target.parent) == 0o700
    replace_file(tmp_path / "readable", b"x", mode=0o644)
    assert mode_of(tmp_path / "readable") == 0o644


def test_keep_mode_keeps_the_old_mode_and_replaces_the_file_a_symlink_names(
    tmp_path: Path,
) -> None:
    real = tmp_path / "real.cf"
    real.write_bytes(b"old")
    os.chmod(real, 0o640)
    link = tmp_path / "lvs.cf"
    link.symlink_to(real)
    replace_file(link, b"new", mode=0o600, keep_mode=True)
    assert link.is_symlink() and real.read_bytes() == b"new" and mode_of(real) == 0o640
    replace_file(tmp_path / "plain", b"a")
    os.chmod(tmp_path / "plain", 0o644)
    replace_file(tmp_path / "plain", b"b")  # without keep_mode the new file's mode is ``mode``
    assert mode_of(tmp_path / "plain") == 0o600


def test_a_failed_rename_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "file"
    target.write_bytes(b"old")

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        replace_file(target, b"new", prefix=".mine-")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_locked_makes_a_second_holder_wait_until_the_first_lets_go(tmp_path: Path) -> None:
    lock_file = tmp_path / "state" / ".x.lock"
    order: list[str] = []
    entered = threading.Event()

    def second() -> None:
        entered.wait()
        with locked(lock_file):
            order.append("second")

    thread = threading.Thread(target=second)
    thread.start()
    with locked(lock_file):
        entered.set()
        time.sleep(0.2)  # the second holder is waiting on flock meanwhile
        order.append("first")
    thread.join(5)
    assert order == ["first", "second"]
    assert mode_of(lock_file) == 0o600 and mode_of(lock_file.parent) == 0o700
