"""`piranha-web audit` and `piranha-web history` on the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from piranha_web.audit import AuditLog
from piranha_web.store import ConfigStore
from tests.conftest import ROOT


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "piranha_web.cli", *args],
                          capture_output=True, text=True, cwd=ROOT, check=False)


def test_audit_filters_by_user_and_age_and_prints_json(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, clock=lambda: time.time() - 3 * 86400)
    log.record("login", "old")
    AuditLog(tmp_path).record("save", "ann", summary=["virtual www: port 80 -> 8080"])
    AuditLog(tmp_path).record("login", "bob")
    lines = cli("audit", "--state-dir", str(tmp_path), "--since", "2d").stdout.splitlines()
    assert [line.split()[2:4] for line in lines] == [["ann", "save"], ["bob", "login"]]
    assert 'summary=["virtual www: port 80 -> 8080"]' in lines[0]
    found = cli("audit", "--state-dir", str(tmp_path), "--user", "ann", "--json").stdout
    assert [json.loads(line)["kind"] for line in found.splitlines()] == ["save"]
    assert cli("audit", "--state-dir", str(tmp_path), "--since", "yesterday").returncode == 2


def test_history_lists_revisions_and_shows_a_text(tmp_path: Path) -> None:
    config = tmp_path / "lvs.cf"
    config.write_text("serial_no = 1\nprimary = 192.0.2.1\n")
    state = tmp_path / "state"
    assert cli("history", "--config", str(config), "--state-dir", str(state)).returncode == 0
    config.write_text("serial_no = 1\nprimary = 192.0.2.9\n")
    listed = cli("history", "--config", str(config), "--state-dir", str(state)).stdout
    newest, first = listed.splitlines()
    assert "hand edit (hand edit): global settings: primary 192.0.2.1 -> 192.0.2.9" in newest
    assert "first seen" in first
    short = first.split()[2]
    shown = cli("history", "--config", str(config), "--state-dir", str(state), "--show", short)
    assert shown.stdout == "serial_no = 1\nprimary = 192.0.2.1\n"
    assert ConfigStore(config).history() == []  # reading writes nothing beside lvs.cf
    assert len(list((state / "revisions").iterdir())) == 2  # both texts kept


FORGED = "mallory\n2026-12-01 10:00:00 piranha save summary=[\"nothing\"]\x1b[2J\x1b]0;x\x07"


def test_a_forged_user_name_prints_as_one_escaped_line(tmp_path: Path) -> None:
    """Issue 20 #7: newlines and ESC in a typed user name must not make fake records or
    reach the terminal raw."""
    AuditLog(tmp_path).record("login-failed", FORGED, client="127.0.0.2",
                              **{"note\nforged": "x\x1by"})
    AuditLog(tmp_path).record("login", "ann")
    printed = cli("audit", "--state-dir", str(tmp_path)).stdout
    lines = printed.splitlines()
    assert len(lines) == 2
    assert "\x1b" not in printed and "\x07" not in printed
    assert lines[0].split()[2].startswith("mallory\\n2026-12-01")
    assert "\\x1b[2J" in lines[0] and "note\\nforged=" in lines[0]
    as_json = cli("audit", "--state-dir", str(tmp_path), "--json").stdout
    assert len(as_json.splitlines()) == 2 and "\x1b" not in as_json
    assert json.loads(as_json.splitlines()[0])["user"] == FORGED[:64]  # cut, as typed
