"""The audit trail: append-only JSON lines, rotation, filters, nothing secret."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from piranha_web.audit import AUDIT_FILE, MAX_NAME, REFUSED_FILE, AuditLog, printable
from piranha_web.errors import AuditError
from piranha_web.store import ConfigStore


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


def test_anonymous_events_go_to_their_own_file_and_never_rotate_authenticated_ones_away(
    tmp_path: Path,
) -> None:
    log = AuditLog(tmp_path, max_bytes=2000, keep=1, refused_bytes=2000, refused_keep=1,
                   clock=Clock())
    log.record("save", "ann", old="a", new="b")
    for _ in range(200):
        log.record("login-failed", "x" * 100_000, client="127.0.0.2")
    assert [e.kind for e in log.entries(user="ann")] == ["save"]
    assert "x" * 100 not in (tmp_path / "audit.log").read_text()
    assert all(p.stat().st_size <= 2000 for p in tmp_path.glob("audit*"))


def test_a_long_user_name_is_cut_and_its_length_recorded(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, clock=Clock())
    log.record("login-failed", "y" * 900_000, client="127.0.0.2", note="z" * 5000)
    entry = log.entries()[0]
    assert entry.user == "y" * MAX_NAME
    assert entry.details["user_length"] == 900_000
    assert len(entry.details["note"]) == 200
    assert (tmp_path / REFUSED_FILE).stat().st_size < 1000


@pytest.mark.parametrize("kind", ["login-failed", "lockout", "refused"])
def test_bounded_records_beyond_the_budget_are_counted_then_reported(
    tmp_path: Path, kind: str
) -> None:
    clock = Clock()
    log = AuditLog(tmp_path, refused_budget=5, refused_window=100, clock=clock)
    written = [log.record(kind, "mallory", client="127.0.0.2") for _ in range(50)]
    assert sum(entry is not None for entry in written) == 5
    clock.now += 100
    log.record(kind, "mallory", client="127.0.0.2")
    suppressed = log.entries(kind="suppressed")
    assert [e.details["count"] for e in suppressed] == [45]
    assert len(log.entries(kind=kind)) == 6
    log.record("login", "ann")  # authenticated events have no budget
    assert log.entries(kind="login")[0].user == "ann"


def test_a_pending_save_reads_as_done_only_after_its_commit(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, clock=Clock())
    first = log.record_pending("save", "ann", new="b")
    log.record_pending("save", "ann", new="c")  # killed before the write
    log.commit(first)
    states = {e.details["new"]: e.details["commit"] for e in log.entries(kind="save")}
    assert states == {"b": "done", "c": "not completed"}
    assert all("ref" not in e.details for e in log.entries())
    assert "committed" not in [e.kind for e in log.entries()]


@pytest.mark.parametrize("name", [AUDIT_FILE, REFUSED_FILE, ".audit.lock"])
def test_a_symlink_in_place_of_an_audit_file_is_refused(tmp_path: Path, name: str) -> None:
    outside = tmp_path / "outside"
    outside.write_text("precious\n")
    state = tmp_path / "state"
    state.mkdir()
    (state / name).symlink_to(outside)
    log = AuditLog(state)
    with pytest.raises(AuditError):
        log.record("login", "ann")
        log.record("login-failed", "ann")
    assert outside.read_text() == "precious\n"


@pytest.mark.parametrize(("raw", "shown"), [
    ("ann", "ann"),
    ("a\nb", "a\\nb"),
    ("\x1b[2J\x1b]0;pwned\x07", "\\x1b[2J\\x1b]0;pwned\\x07"),
    ("back\\slash", "back\\\\slash"),
    ("\u2028\x85\x7f", "\\u2028\\x85\\x7f"),
    ("müller ok", "müller ok"),
])
def test_printable_escapes_every_control_character(raw: str, shown: str) -> None:
    assert printable(raw) == shown
    assert printable(raw).isprintable()


AUDITED_SAVER = r"""
import sys
from pathlib import Path
from piranha_web.audit import AuditLog
from piranha_web.store import ConfigStore
store = ConfigStore(sys.argv[1], keep=100_000)
log = AuditLog(Path(sys.argv[2]))

def recorder(old, result):
    entry = log.record_pending("save", "ann", old=old, new=result.revision)
    return lambda: log.commit(entry)

print("ready", flush=True)
while True:
    loaded = store.load()
    serial = loaded.document.model().globals.serial_no + 1
    loaded.document.set("port", str(1000 + serial % 5000), virtual="web")
    store.save(loaded.document, loaded.revision, recorder=recorder)
"""
CONFIG = """serial_no = 7
virtual web {
     active = 1
     address = 192.0.2.10 eth0:1
     port = 80
     server rs1 {
         address = 10.0.0.1
         active = 1
     }
}
"""


def test_saves_killed_with_sigkill_are_never_listed_as_done(tmp_path: Path) -> None:
    """Issue 20 #11: 3 of 15 SIGKILLs during saves left records of saves that never happened.
    A save reads "done" only when its revision really became lvs.cf; each kill leaves at most
    one save "not completed"."""
    lvs_cf, state = tmp_path / "lvs.cf", tmp_path / "state"
    lvs_cf.write_text(CONFIG)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    rng = random.Random(20)
    kills = 12
    for _ in range(kills):
        child = subprocess.Popen([sys.executable, "-c", AUDITED_SAVER, str(lvs_cf), str(state)],
                                 stdout=subprocess.PIPE, env=env)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.01, 0.2))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    store = ConfigStore(lvs_cf)
    existed = {entry.revision for entry in store.history()} | {store.revision()[:12]}
    saves = AuditLog(state).entries(kind="save")
    done = [s for s in saves if s.details["commit"] == "done"]
    assert len(done) > kills
    assert all(s.details["new"][:12] in existed for s in done)
    assert len(saves) - len(done) <= kills
