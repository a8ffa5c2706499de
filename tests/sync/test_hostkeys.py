"""The backup's host key is shown, confirmed by the administrator, and only then trusted."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from piranha_web.errors import SyncError
from piranha_web.sync import failures
from piranha_web.sync.hostkeys import fingerprint, parse_keys
from tests.helpers.sshd import BackupRouter
from tests.sync.conftest import ServiceFactory


def keygen_fingerprint(public_key: Path) -> str:
    """What ``ssh-keygen -l`` prints as the SHA256 fingerprint of a public key file."""
    return subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", str(public_key)],
                          capture_output=True, text=True, check=True).stdout.split()[1]


@pytest.mark.parametrize("kind", ["ed25519", "rsa", "ecdsa"])
def test_fingerprint_is_what_ssh_keygen_shows(tmp_path: Path, kind: str) -> None:
    """The administrator compares our text with ssh-keygen -l on the backup: they must match."""
    key = tmp_path / kind
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", str(key)], check=True)
    blob = (tmp_path / f"{kind}.pub").read_text().split()[1]
    assert fingerprint(blob) == keygen_fingerprint(tmp_path / f"{kind}.pub")


def test_keyscan_output_comments_and_garbage_are_ignored() -> None:
    blob = "AAAAC3NzaC1lZDI1NTE5AAAAIC5RDrxbl7SjCQap+SDMfJJ0d+4Op9VJj1BDryX5r/Fh"
    text = (f"# 10.0.0.2:22 SSH-2.0-OpenSSH_9.2p1\n10.0.0.2 ssh-ed25519 {blob}\n"
            "10.0.0.2 ssh-rsa not-base64!\n")
    keys = parse_keys(text)
    assert [(key.key_type, key.fingerprint) for key in keys] == [
        ("ED25519", "SHA256:LCOVeidsV+2/wvFieHJ4tCpuNFjNcTKNYka0WU56lHI")]


def test_scan_shows_the_backups_fingerprint_and_trusts_nothing(
    make_service: ServiceFactory, backup_router: BackupRouter, state_dir: Path
) -> None:
    service = make_service(trusted=False)
    keys = service.scan_host_key()
    assert [key.fingerprint for key in keys] == [
        keygen_fingerprint(backup_router.keys.directory / "host.pub")]
    assert not (state_dir / "known_hosts").exists()
    assert not service.host_key_trusted()


def test_confirmed_key_alone_is_trusted_then_sync_works(
    make_service: ServiceFactory, backup_router: BackupRouter, state_dir: Path, lvs: Path,
    remote: Path,
) -> None:
    """Trusting writes only the confirmed key (mode 600), replacing older entries for the host."""
    service = make_service(trusted=False)
    known_hosts = state_dir / "known_hosts"
    other = "192.0.2.9 " + backup_router.keys.public("other_host") + "\n"
    known_hosts.write_text(backup_router.known_hosts_line(key="other_host") + other)
    confirmed = service.scan_host_key()[0].fingerprint
    key = service.trust_host_key(confirmed)
    assert key.fingerprint == confirmed
    assert known_hosts.read_text() == other + backup_router.known_hosts_line()
    assert stat.S_IMODE(known_hosts.stat().st_mode) == 0o600
    assert service.sync_now().ok
    assert remote.read_bytes() == lvs.read_bytes()


def test_hashed_known_hosts_entries_are_recognised_and_replaced(
    make_service: ServiceFactory, backup_router: BackupRouter, state_dir: Path
) -> None:
    """An administrator's hashed known_hosts works too (ssh-keygen -H)."""
    service = make_service()
    known_hosts = state_dir / "known_hosts"
    subprocess.run(["ssh-keygen", "-H", "-f", str(known_hosts)], capture_output=True,
                   check=True)
    assert known_hosts.read_text().startswith("|1|")
    assert service.host_key_trusted()
    assert service.sync_now().ok
    service.trust_host_key(service.scan_host_key()[0].fingerprint)
    assert known_hosts.read_text() == backup_router.known_hosts_line()


def test_a_fingerprint_the_backup_does_not_offer_is_refused(
    make_service: ServiceFactory, backup_router: BackupRouter, state_dir: Path
) -> None:
    service = make_service(trusted=False)
    wrong = keygen_fingerprint(backup_router.keys.directory / "other_host.pub")
    with pytest.raises(SyncError) as refused:
        service.trust_host_key(wrong)
    assert refused.value.reason == failures.HOST_KEY_NOT_OFFERED
    assert not (state_dir / "known_hosts").exists()
    assert not service.sync_now().ok


def test_changed_host_key_stops_sync_loudly_until_the_new_key_is_confirmed(
    make_service: ServiceFactory, backup_router: BackupRouter, lvs: Path, remote: Path
) -> None:
    """The backup router comes back with another host key (reinstalled, or an impostor)."""
    service = make_service()
    assert service.sync_now().ok
    lvs.write_bytes(lvs.read_bytes() + b"# after the key change\n")
    before = remote.read_bytes()
    backup_router.restart_root_sshd("other_host")
    try:
        outcome = service.sync_now()
        status = service.status()
        assert (outcome.ok, outcome.reason) == (False, failures.HOST_KEY_CHANGED)
        assert "WARNING" in outcome.message and "CHANGED" in outcome.message
        assert (status.state, status.reason) == ("unreachable", failures.HOST_KEY_CHANGED)
        assert remote.read_bytes() == before
        new = service.scan_host_key()[0].fingerprint
        assert new == keygen_fingerprint(backup_router.keys.directory / "other_host.pub")
        service.trust_host_key(new)
        assert service.sync_now().ok
        assert remote.read_bytes() == lvs.read_bytes()
    finally:
        backup_router.restart_root_sshd("host")
