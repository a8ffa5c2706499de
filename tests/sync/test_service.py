"""SyncService against a real sshd in a network namespace: copies, status, settings, record."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from piranha_web.store import ConfigStore
from piranha_web.sync.outcome import DIFFERS, IN_SYNC, NO_BACKUP, UNREACHABLE
from tests.helpers.sshd import BackupRouter, lvs_cf_text
from tests.sync.conftest import ServiceFactory


def test_sync_lands_the_exact_bytes_with_the_local_mode(
    make_service: ServiceFactory, lvs: Path, remote: Path
) -> None:
    """The backup router ends with a byte-identical lvs.cf, same permissions as ours."""
    lvs.write_bytes(lvs.read_bytes() + "# caf\u00e9 \xff-ish bytes\n".encode("latin-1"))
    outcome = make_service().sync_now()
    assert outcome.ok, outcome.message
    assert remote.read_bytes() == lvs.read_bytes()
    assert stat.S_IMODE(remote.stat().st_mode) == 0o640
    assert "verified" in outcome.message


def test_previous_version_is_kept_and_no_temporary_file_is_left(
    make_service: ServiceFactory, lvs: Path, remote: Path
) -> None:
    """The backup's former lvs.cf stays beside it as lvs.cf.piranha-web.prev."""
    service = make_service()
    first = lvs.read_bytes()
    assert service.sync_now().ok
    lvs.write_bytes(first + b"# second version\n")
    assert service.sync_now().ok
    assert (remote.parent / "lvs.cf.piranha-web.prev").read_bytes() == first
    assert sorted(p.name for p in remote.parent.iterdir()) == ["lvs.cf",
                                                               "lvs.cf.piranha-web.prev"]


def test_status_says_in_sync_differs_and_sees_changes_on_the_backup(
    make_service: ServiceFactory, lvs: Path, remote: Path
) -> None:
    """status() compares the backup's file with ours now, without copying anything."""
    service = make_service()
    before = service.status()
    assert before.state == DIFFERS and "has no lvs.cf" in before.message
    assert not remote.exists()
    assert service.sync_now().ok
    assert service.status().state == IN_SYNC
    remote.write_bytes(remote.read_bytes() + b"# edited by hand on the backup\n")
    changed = service.status()
    assert changed.state == DIFFERS
    assert changed.remote_checksum != changed.local_checksum
    assert remote.read_bytes() != lvs.read_bytes()


def test_status_of_an_unconfirmed_host_is_unreachable_without_contacting_it(
    make_service: ServiceFactory, backup_router: BackupRouter
) -> None:
    """Without a confirmed host key nothing is sent to the backup router at all."""
    service = make_service(trusted=False)
    log_before = backup_router.root_sshd.log_text().count("Connection from")
    status = service.status()
    outcome = service.sync_now()
    assert status.state == UNREACHABLE
    assert status.reason == outcome.reason == "host key unknown (confirm it first)"
    assert not outcome.ok
    assert backup_router.root_sshd.log_text().count("Connection from") == log_before


def test_last_sync_is_recorded_privately_with_time_result_reason_and_checksum(
    make_service: ServiceFactory, state_dir: Path
) -> None:
    """The last attempt is kept in the state dir (mode 600) for the UI and the CLI."""
    service = make_service()
    assert service.last() is None
    outcome = service.sync_now()
    record = state_dir / "sync-status.json"
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    saved = json.loads(record.read_text())
    assert saved["ok"] is True and saved["checksum"] == outcome.checksum
    assert saved["time"] > 0 and saved["reason"] is None
    assert service.last() == outcome


def test_after_save_respects_auto_sync_off(
    make_service: ServiceFactory, remote: Path
) -> None:
    """With automatic sync off a save copies nothing; SYNC NOW still does."""
    service = make_service(auto_sync=False)
    outcome = service.after_save()
    assert outcome.ok and outcome.skipped and "off" in outcome.message
    assert not remote.exists()
    assert service.sync_now().ok and remote.exists()


def test_after_save_copies_what_the_store_just_saved(
    make_service: ServiceFactory, lvs: Path, remote: Path
) -> None:
    """The ACCEPT path: ConfigStore.save, then after_save puts that very file on the backup."""
    service = make_service()
    store = ConfigStore(lvs)
    loaded = store.load()
    loaded.document.set("keepalive", "4")
    store.save(loaded.document, loaded.revision)
    outcome = service.after_save()
    assert outcome.ok, outcome.message
    assert remote.read_bytes() == lvs.read_bytes()
    assert b"keepalive = 4" in remote.read_bytes()


def test_a_file_with_errors_is_not_copied_after_a_save_but_sync_now_still_copies_it(
    make_service: ServiceFactory, lvs: Path, remote: Path
) -> None:
    """The backup keeps its last good lvs.cf; the outcome says why; SYNC NOW copies anyway."""
    service = make_service()
    assert service.after_save().ok
    good = remote.read_bytes()
    lvs.write_text(lvs.read_text() + "keepalive = 4 # inline comment\n")
    outcome = service.after_save()
    assert not outcome.ok and outcome.reason == "lvs.cf has errors (not copied)"
    assert "keeps its last good lvs.cf" in outcome.message
    assert remote.read_bytes() == good
    assert service.last() == outcome
    assert service.sync_now().ok
    assert remote.read_bytes() == lvs.read_bytes()


def test_no_active_backup_router_means_nothing_to_copy(
    make_service: ServiceFactory, lvs: Path, remote: Path
) -> None:
    """backup_active = 0: the sync is skipped (not a failure) and status says no backup."""
    lvs.write_text(lvs.read_text().replace("backup_active = 1", "backup_active = 0"))
    service = make_service()
    outcome = service.after_save()
    assert outcome.ok and outcome.skipped and outcome.reason == "no backup router configured"
    assert service.status().state == NO_BACKUP
    assert not remote.exists()


def test_explicit_host_overrides_lvs_cf_backup(
    make_service: ServiceFactory, lvs: Path, remote: Path, backup_router: BackupRouter
) -> None:
    """The host setting is used even when lvs.cf names another (or no) backup router."""
    lvs.write_text(lvs_cf_text("192.0.2.77"))
    service = make_service(host=backup_router.address)
    assert service.sync_now().ok
    assert remote.read_bytes() == lvs.read_bytes()


def test_reload_command_runs_on_the_backup_with_every_word_quoted(
    make_service: ServiceFactory, remote: Path
) -> None:
    """A reload word with blanks and ; reaches the remote command as one argument."""
    marker = remote.parent / "reloaded; rm -rf nothing"
    service = make_service(reload_command=("touch", str(marker)))
    outcome = service.sync_now()
    assert outcome.ok, outcome.message
    assert "reloaded" in outcome.message
    assert marker.exists()
    assert sorted(p.name for p in remote.parent.iterdir()) == ["lvs.cf", marker.name]


def test_failing_reload_is_reported_but_the_copy_stays(
    make_service: ServiceFactory, lvs: Path, remote: Path
) -> None:
    """A reload that fails is a failure in plain words; lvs.cf itself was still copied."""
    outcome = make_service(reload_command=("false",)).sync_now()
    assert not outcome.ok
    assert outcome.reason == "reload command failed"
    assert remote.read_bytes() == lvs.read_bytes()
