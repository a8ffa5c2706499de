"""Put lvs.cf on the backup router so that its readers only ever see a complete file.

:func:`push` uploads the bytes under a temporary name beside the target
(``.lvs.cf.piranha-web.tmp``), keeps the backup's current file as ``lvs.cf.piranha-web.prev``
(a hard link, so the old version stays intact), and renames the upload over lvs.cf in one step
(OpenSSH's sftp ``rename`` is ``posix-rename@openssh.com``, i.e. rename(2)); a failed upload's
temporary file is removed.  It then proves the copy: :func:`remote_checksum` reads the sha256
of the file now on the backup (``sha256sum`` over ssh, or the file itself over sftp when the
backup has no ``sha256sum``) and it must equal the checksum of the bytes sent.
"""

from __future__ import annotations

import hashlib
import posixpath
import shlex

from piranha_web.errors import SyncError
from piranha_web.sync.failures import (
    NO_SFTP,
    RELOAD_FAILED,
    UNREACHABLE,
    VERIFY_MISMATCH,
    classify,
    tidy,
)
from piranha_web.sync.openssh import Session

TEMP_SUFFIX = ".piranha-web.tmp"
PREVIOUS_SUFFIX = ".piranha-web.prev"
_HEX = frozenset("0123456789abcdef")


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def remote_names(path: str) -> tuple[str, str]:
    """(temporary upload name, previous version name) beside ``path`` on the backup."""
    directory, name = posixpath.split(path)
    return (posixpath.join(directory, f".{name}{TEMP_SUFFIX}"),
            posixpath.join(directory, f"{name}{PREVIOUS_SUFFIX}"))


def keepalived_path(lvs_cf_path: str) -> str:
    """Where the backup's keepalived.conf goes: beside its lvs.cf."""
    return posixpath.join(posixpath.dirname(lvs_cf_path), "keepalived.conf")


def push(session: Session, data: bytes, mode: int, path: str | None = None) -> str:
    """Replace the backup's lvs.cf (or the file ``path``) with ``data`` (file mode ``mode``);
    returns its checksum.

    Raises :class:`SyncError` with the plain-words reason when the copy or its verification
    fails; the backup then still has a complete file (the old or the new one).
    """
    path = path or session.target.remote_path
    temporary, previous = remote_names(path)
    upload = session.local_file(posixpath.basename(path) or "upload", data, mode)
    result = session.sftp([
        f"put {upload} {temporary}",
        f"-rm {previous}",
        f"-ln {path} {previous}",
        f"rename {temporary} {path}",
    ])
    if result.returncode != 0:
        if result.returncode != 255:
            session.sftp([f"-rm {temporary}"])
        raise _sftp_failure(session, result.returncode, result.stderr)
    sent = checksum(data)
    found = remote_checksum(session, path)
    if found != sent:
        raise SyncError(VERIFY_MISMATCH, f"sent sha256 {sent}, the backup router has "
                                         f"{found or 'no file'}")
    return sent


def _sftp_failure(session: Session, returncode: int, stderr: str) -> SyncError:
    """What a failed sftp call means.  Over the shared connection a backup whose sshd has no
    sftp subsystem only says "Connection closed", like a lost host: when ssh itself still
    gets through, the host is reachable and sftp is what is missing."""
    error = classify(returncode, stderr)
    if error.reason == UNREACHABLE and session.ssh("true").returncode == 0:
        return SyncError(NO_SFTP, error.detail or "sftp failed; ssh works")
    return error


def remote_checksum(session: Session, path: str | None = None) -> str | None:
    """sha256 of the backup's lvs.cf (or of ``path``) as it is now; None when it does not exist."""
    path = path or session.target.remote_path
    result = session.ssh(f"sha256sum -- {shlex.quote(path)}")
    words = result.stdout.split()
    if result.returncode == 0 and words and len(words[0]) == 64 and set(words[0].decode(
            "ascii", "replace")) <= _HEX:
        return words[0].decode("ascii")
    if result.returncode == 127:
        return _read_back_checksum(session, path)
    if result.returncode != 255 and "No such file" in result.stderr:
        return None
    raise classify(result.returncode, result.stderr)


def _read_back_checksum(session: Session, path: str) -> str | None:
    """The checksum computed here from the file read back over sftp (no sha256sum there)."""
    copy = session.local_file("read-back", b"")
    result = session.sftp([f"get {path} {copy}"])
    if result.returncode != 0:
        if result.returncode != 255 and "No such file" in result.stderr:
            return None
        raise classify(result.returncode, result.stderr)
    return checksum(copy.read_bytes())


def reload(session: Session) -> None:
    """Run the configured reload command on the backup router (each word shell-quoted)."""
    command = " ".join(shlex.quote(word) for word in session.target.reload_command)
    result = session.ssh(command)
    if result.returncode == 255:
        result.raise_for_failure()
    if result.returncode != 0:
        said = tidy(result.stderr).splitlines()
        raise SyncError(RELOAD_FAILED, f"{command}: exit status {result.returncode}"
                                       + (f": {said[-1]}" if said else ""))
