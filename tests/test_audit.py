"""The audit trail: append-only JSON lines, rotation, filters, nothing secret."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from piranha_web.audit import AuditLog
from piranha_web.errors import AuditError


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


def test_entries_are_json_lines_read_back_newest_first_with_filters(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, clock=Clock())
    log.record("login", "ann", client="127.0.0.1")
    log.record("save", "bob", old="a" * 64, new="b" * 64, summary=["virtual www added"])
    log.record("login-failed", "bob", client="127.0.0.1")
    lines = (tmp_path / "audit.log").read_text().splitlines()
    assert json.loads(lines[1])["summary"] == ["virtual www added"]
    assert json.loads(lines[1])["time"] == "2023-11-14 22:13:22Z"
    assert stat.S_IMODE((tmp_path / "audit.log").stat().st_mode) == 0o600
    assert [e.kind for e in log.entries()] == ["login-failed", "save", "login"]
    assert [e.kind for e in log.entries(user="bob")] == ["login-failed", "save"]
    assert [e.user for e in log.entries(kind="login")] == ["ann"]
    assert [e.kind for e in log.entries(since=1_700_000_002)] == ["login-failed", "save"]
    assert [e.kind for e in log.entries(limit=1)] == ["login-failed"]


def test_rotation_keeps_n_files_and_reads_across_them(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, max_bytes=400, keep=2, clock=Clock())
    for n in range(20):
        log.record("check", "ann", virtual=f"v{n}")
    assert sorted(p.name for p in tmp_path.glob("audit.log*")) == [
        "audit.log", "audit.log.1", "audit.log.2"]
    assert all(p.stat().st_size <= 400 for p in tmp_path.glob("audit.log*"))
    found = [e.details["virtual"] for e in log.entries()]
    assert found[0] == "v19" and found == sorted(found, key=lambda v: -int(v[1:]))
    assert len(found) < 20  # the oldest file was dropped


def test_secrets_are_refused_and_a_torn_line_is_skipped(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    with pytest.raises(ValueError, match="password"):
        log.record("login", "ann", password="hunter2")
    log.record("logout", "ann")
    with (tmp_path / "audit.log").open("a") as handle:
        handle.write('{"ts": 1, "kind": "lo')  # a crash mid-line
    assert [e.kind for e in log.entries()] == ["logout"]


def test_an_unwritable_trail_raises_audit_error(tmp_path: Path) -> None:
    (tmp_path / "audit.log").mkdir()
    with pytest.raises(AuditError, match="cannot write the audit trail"):
        AuditLog(tmp_path).record("logout", "ann")
