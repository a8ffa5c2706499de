"""How lvs.cf reaches the backup: never partial, always the latest, and proven afterwards."""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from pathlib import Path

from piranha_web.store import ConfigStore
from piranha_web.sync import SyncOutcome
from tests.helpers.sshd import BackupRouter, lvs_cf_text
from tests.sync.conftest import ServiceFactory

#: runs inside the backup's network namespace: read lvs.cf in a loop until told to stop and
#: report how often each distinct content (by sha256) was seen
READER = r"""
import hashlib, json, os, sys
path, stop = sys.argv[1], sys.argv[2]
seen = {}
print("ready", flush=True)
while not os.path.exists(stop):
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        continue
    digest = hashlib.sha256(data).hexdigest()
    seen[digest] = seen.get(digest, 0) + 1
print(json.dumps(seen), flush=True)
"""


def version(backup: str, n: int) -> bytes:
    """A valid lvs.cf whose size differs per version, so a torn read cannot match any."""
    padding = "".join(f"# version {n} padding line {i}\n" for i in range(300 + 97 * (n % 7)))
    return (lvs_cf_text(backup, f"version {n}") + padding).encode()


def test_a_reader_on_the_backup_never_sees_a_partial_file(
    make_service: ServiceFactory, lvs: Path, remote: Path, backup_router: BackupRouter,
    tmp_path: Path,
) -> None:
    """While 8 versions are synced, every read on the backup returns one complete version."""
    service = make_service()
    versions = [version(backup_router.address, n) for n in range(8)]
    lvs.write_bytes(versions[0])
    assert service.sync_now().ok
    stop = tmp_path / "stop-reader"
    reader = backup_router.popen_inside(sys.executable, "-c", READER, str(remote), str(stop))
    assert reader.stdout is not None
    assert reader.stdout.readline().strip() == "ready"
    for data in versions[1:]:
        lvs.write_bytes(data)
        outcome = service.sync_now()
        assert outcome.ok, outcome.message
    stop.touch()
    output, errors = reader.communicate(timeout=30)
    seen = json.loads(output)
    complete = {hashlib.sha256(data).hexdigest() for data in versions}
    assert set(seen) <= complete, f"torn reads: {set(seen) - complete} ({errors})"
    assert len(seen) >= 4, "the reader did not overlap the syncs"
    assert sum(seen.values()) > 100
    assert remote.read_bytes() == versions[-1]


def test_ten_rapid_saves_end_with_the_last_version_on_the_backup(
    make_service: ServiceFactory, lvs: Path, remote: Path
) -> None:
    """Saves that each start a sync while earlier syncs still run: the last save wins."""
    service = make_service()
    store = ConfigStore(lvs)
    outcomes: list[SyncOutcome] = []
    threads = []
    for n in range(10):
        loaded = store.load()
        loaded.document.set("keepalive", str(n + 2))
        store.save(loaded.document, loaded.revision)
        thread = threading.Thread(target=lambda: outcomes.append(service.after_save()))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == 10
    assert all(outcome.ok for outcome in outcomes), [o.message for o in outcomes]
    assert b"keepalive = 11\n" in lvs.read_bytes()
    assert remote.read_bytes() == lvs.read_bytes()
    last = service.last()
    assert last is not None
    assert last.checksum == hashlib.sha256(lvs.read_bytes()).hexdigest()


def test_verification_detects_a_file_changed_on_the_backup_behind_our_back(
    make_service: ServiceFactory, lvs: Path, remote: Path, backup_router: BackupRouter
) -> None:
    """The backup's file is changed between the rename and the check: reported, not ok."""
    outcome = make_service(identity_file=str(backup_router.keys["tamper"])).sync_now()
    assert not outcome.ok
    assert outcome.reason == "verification mismatch"
    assert "not the file that was sent" in outcome.message
    assert remote.read_bytes() == lvs.read_bytes() + b"# changed on the backup\n"


def test_a_backup_without_sha256sum_is_verified_by_reading_the_file_back(
    make_service: ServiceFactory, lvs: Path, remote: Path, backup_router: BackupRouter
) -> None:
    """No sha256sum on the backup: the copy is read back over sftp and still verified."""
    service = make_service(identity_file=str(backup_router.keys["nosha"]))
    outcome = service.sync_now()
    assert outcome.ok, outcome.message
    assert remote.read_bytes() == lvs.read_bytes()
    assert service.status().state == "in sync"


def test_a_full_disk_on_the_backup_keeps_its_old_file_and_leaves_no_temporary_file(
    make_service: ServiceFactory, lvs: Path, remote: Path, backup_router: BackupRouter
) -> None:
    """ENOSPC on the backup is reported as disk full; its lvs.cf stays the complete old one."""
    service = make_service()
    old = lvs.read_bytes()
    with backup_router.tiny_filesystem(remote.parent, size_kib=16):
        assert service.sync_now().ok
        lvs.write_bytes(old + b"#" * 40_000 + b"\n")
        outcome = service.sync_now()
        assert not outcome.ok
        assert outcome.reason == "disk full"
        assert backup_router.as_sshd_sees("cat", str(remote)).encode() == old
        listing = backup_router.as_sshd_sees("ls", "-A", str(remote.parent)).split()
        assert listing == ["lvs.cf"]
