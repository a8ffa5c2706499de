"""Every way a copy fails is named in plain words: from ssh's text, and against a real sshd."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from piranha_web.store import ConfigStore
from piranha_web.sync import failures
from piranha_web.sync.failures import classify, explain
from tests.helpers.sshd import USER_NAME, USER_PORT, USER_UID, BackupRouter
from tests.sync.conftest import ServiceFactory

CHANGED_BANNER = """\
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Host key for 169.254.77.2 has changed and you have requested strict checking.
Host key verification failed.
"""


@pytest.mark.parametrize(("returncode", "stderr", "reason"), [
    (255, "No ED25519 host key is known for [127.0.0.1]:22022 and you have requested strict "
          "checking.\r\nHost key verification failed.\r\n", failures.HOST_KEY_UNKNOWN),
    (255, CHANGED_BANNER, failures.HOST_KEY_CHANGED),
    (255, "root@127.0.0.1: Permission denied (publickey).\r\nConnection closed\r\n",
     failures.AUTH_REFUSED),
    (255, "ssh: connect to host 127.0.0.1 port 22099: Connection refused\r\n",
     failures.UNREACHABLE),
    (255, "ssh: connect to host 169.254.77.2 port 22: No route to host\r\n",
     failures.UNREACHABLE),
    (255, "Connection timed out during banner exchange\r\n", failures.TIMEOUT),
    (255, "subsystem request failed on channel 0\r\nConnection closed\r\n", failures.NO_SFTP),
    (1, 'dest open "/etc/sysconfig/ha/.lvs.cf.tmp": Permission denied\r\n',
     failures.PERMISSION_DENIED),
    (2, "sh: 1: cannot create /etc/sysconfig/ha/lvs.cf: Read-only file system\n",
     failures.PERMISSION_DENIED),
    (1, 'dest open "/etc/sysconfig/ha/.lvs.cf.tmp": No such file or directory\r\n',
     failures.REMOTE_PATH_MISSING),
    (1, 'write remote "/etc/sysconfig/ha/.lvs.cf.tmp": Failure\r\n', failures.DISK_FULL),
    (1, "cat: write error: No space left on device\n", failures.DISK_FULL),
    (1, 'dest open "/etc/sysconfig/ha/.lvs.cf.tmp": Failure\r\n', failures.FAILED),
])
def test_openssh_messages_map_to_plain_reasons(returncode: int, stderr: str,
                                                reason: str) -> None:
    """The messages of the OpenSSH error matrix each get their own plain-words reason."""
    error = classify(returncode, stderr)
    assert error.reason == reason
    assert "@@@" not in error.detail and "\r" not in error.detail


def test_every_reason_has_an_explanation_and_a_changed_key_is_loud() -> None:
    reasons = [value for name, value in vars(failures).items()
               if name.isupper() and isinstance(value, str)]
    assert len(reasons) >= 15
    assert all(reason in failures.EXPLANATIONS for reason in reasons)
    assert explain(failures.HOST_KEY_CHANGED).startswith("WARNING")
    assert "man-in-the-middle" in explain(failures.HOST_KEY_CHANGED)


def test_wrong_client_key_is_authentication_refused(
    make_service: ServiceFactory, backup_router: BackupRouter, remote: Path
) -> None:
    outcome = make_service(identity_file=str(backup_router.keys["wrong"])).sync_now()
    assert (outcome.ok, outcome.reason) == (False, failures.AUTH_REFUSED)
    assert "Permission denied (publickey" in outcome.detail
    assert not remote.exists()


def test_unwritable_directory_on_the_backup_is_permission_denied(
    make_service: ServiceFactory, backup_router: BackupRouter
) -> None:
    """A non-root SSH user who may not write the directory gets a real EACCES."""
    root_owned = backup_router.new_dir("root-owned", owner=0, mode=0o755)
    own = backup_router.new_dir("own", owner=USER_UID, mode=0o755)
    denied = make_service(user=USER_NAME, port=USER_PORT,
                          remote_path=str(root_owned / "lvs.cf")).sync_now()
    assert (denied.ok, denied.reason) == (False, failures.PERMISSION_DENIED)
    assert list(root_owned.iterdir()) == []
    allowed = make_service(user=USER_NAME, port=USER_PORT,
                           remote_path=str(own / "lvs.cf")).sync_now()
    assert allowed.ok, allowed.message
    assert (own / "lvs.cf").stat().st_uid == USER_UID


def test_missing_remote_directory_is_remote_path_missing(
    make_service: ServiceFactory, remote: Path
) -> None:
    outcome = make_service(remote_path=str(remote.parent / "no-such-dir" / "lvs.cf")).sync_now()
    assert (outcome.ok, outcome.reason) == (False, failures.REMOTE_PATH_MISSING)
    assert "no-such-dir" in outcome.detail


def test_backup_down_is_unreachable_and_the_save_stands(
    make_service: ServiceFactory, backup_router: BackupRouter, lvs: Path, remote: Path
) -> None:
    """Link down on the backup: the save is kept, the sync fails in plain words, then heals."""
    service = make_service()
    store = ConfigStore(lvs)
    loaded = store.load()
    loaded.document.set("deadtime", "30")
    with backup_router.namespace.link_down():
        store.save(loaded.document, loaded.revision)
        outcome = service.after_save()
    assert (outcome.ok, outcome.reason) == (False, failures.UNREACHABLE)
    assert "No route to host" in outcome.detail
    assert b"deadtime = 30" in lvs.read_bytes()
    assert service.last() == outcome
    assert not remote.exists()
    assert service.sync_now().ok
    assert remote.read_bytes() == lvs.read_bytes()


def test_closed_port_is_unreachable(
    make_service: ServiceFactory, backup_router: BackupRouter, state_dir: Path
) -> None:
    service = make_service(trusted=False, port=2299)
    (state_dir / "known_hosts").write_text(backup_router.known_hosts_line(2299))
    outcome = service.sync_now()
    assert (outcome.ok, outcome.reason) == (False, failures.UNREACHABLE)
    assert "Connection refused" in outcome.detail


SILENT_SERVER = r"""
import socket, sys, time
server = socket.create_server((sys.argv[1], int(sys.argv[2])))
print("ready", flush=True)
connection, _ = server.accept()
time.sleep(60)
"""


def test_a_backup_that_never_answers_is_a_timeout(
    make_service: ServiceFactory, backup_router: BackupRouter, state_dir: Path
) -> None:
    """A TCP peer that accepts but never speaks SSH: the connect timeout ends the attempt."""
    silent = backup_router.popen_inside(sys.executable, "-c", SILENT_SERVER,
                                        backup_router.address, "2298")
    try:
        assert silent.stdout is not None and silent.stdout.readline().strip() == "ready"
        service = make_service(trusted=False, port=2298, connect_timeout=1)
        (state_dir / "known_hosts").write_text(backup_router.known_hosts_line(2298))
        outcome = service.sync_now()
    finally:
        silent.kill()
        silent.communicate()
    assert (outcome.ok, outcome.reason) == (False, failures.TIMEOUT)
