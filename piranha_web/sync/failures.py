"""Why a copy to the backup router failed, in plain words.

Each failure is a :class:`~piranha_web.errors.SyncError` whose ``reason`` is one of the
constants below (the short form the UI and the CLI show, e.g. in the "out of sync" banner) and
whose ``detail`` is what ssh/sftp said.  :func:`explain` gives the longer sentence telling the
administrator what to do.  :func:`classify` reads an OpenSSH exit status and error text:
exit status 255 is always ssh itself (connection, host key, authentication); anything else
comes from the backup's file system or from the remote command.
"""

from __future__ import annotations

from piranha_web.errors import SyncError

NO_BACKUP = "no backup router configured"
LOCAL_UNREADABLE = "local lvs.cf unreadable"
UNUSABLE_PATH = "unusable path"
STATE_UNUSABLE = "state directory unusable"
CLIENT_MISSING = "OpenSSH client missing"
HOST_KEY_NOT_OFFERED = "confirmed host key not offered"
UNREACHABLE = "backup router unreachable"
NO_SFTP = "no sftp on the backup router"
TIMEOUT = "timeout"
HOST_KEY_UNKNOWN = "host key unknown (confirm it first)"
HOST_KEY_CHANGED = "host key CHANGED"
AUTH_REFUSED = "authentication refused"
PERMISSION_DENIED = "permission denied"
DISK_FULL = "disk full"
REMOTE_PATH_MISSING = "remote path missing"
VERIFY_MISMATCH = "verification mismatch"
RELOAD_FAILED = "reload command failed"
FAILED = "copy failed"
HAS_ERRORS = "lvs.cf has errors (not copied)"

EXPLANATIONS = {
    NO_BACKUP: "REDUNDANCY has no active backup router (backup_active = 1 and a backup address "
    "are needed), and no host is set in the sync settings.",
    LOCAL_UNREADABLE: "This router's lvs.cf could not be read, so nothing was copied.",
    UNUSABLE_PATH: "A path for the copy cannot be used (set the remote path in the sync "
    "settings).",
    STATE_UNUSABLE: "piranha-web's state directory (settings, known_hosts, sync status) "
    "cannot be read or written.",
    CLIENT_MISSING: "The OpenSSH client (ssh, sftp, ssh-keyscan) is not installed on this "
    "router.",
    HOST_KEY_NOT_OFFERED: "The backup router does not offer the host key you confirmed (it may "
    "have changed since it was shown). Scan it again and compare the fingerprint.",
    UNREACHABLE: "The backup router could not be reached over SSH: it is down, its network "
    "link is down, or sshd is not running there.",
    NO_SFTP: "The backup router answers over SSH, but its sshd offers no sftp subsystem, which "
    "the copy uses: add `Subsystem sftp internal-sftp` (or the sftp-server path) to its "
    "sshd_config and reload sshd.",
    TIMEOUT: "The backup router did not answer in time.",
    HOST_KEY_UNKNOWN: "The backup router's SSH host key has not been confirmed yet. Nothing is "
    "copied to a host whose identity was not confirmed: compare its fingerprint with the one "
    "shown on the backup router itself, then confirm it.",
    HOST_KEY_CHANGED: "WARNING: the backup router's SSH host key has CHANGED since it was "
    "confirmed. Someone may be impersonating the backup router (a man-in-the-middle attack), "
    "or it was reinstalled. Nothing was copied. Check the key on the backup router itself "
    "before you confirm the new one.",
    AUTH_REFUSED: "The backup router refused our SSH key: check the SSH user, the identity "
    "file, and that its public key is in the user's authorized_keys on the backup router.",
    PERMISSION_DENIED: "The SSH user may not write lvs.cf's directory on the backup router.",
    DISK_FULL: "The backup router's disk is full (or the SSH user's quota is used up).",
    REMOTE_PATH_MISSING: "The directory for lvs.cf does not exist on the backup router.",
    VERIFY_MISMATCH: "After the copy, the backup router's lvs.cf is not the file that was sent "
    "(something changed it there). Copy again, and find out what changes it.",
    RELOAD_FAILED: "lvs.cf was copied and verified, but the reload command failed on the "
    "backup router, so its daemons may still run the old configuration.",
    FAILED: "Copying lvs.cf to the backup router failed.",
    HAS_ERRORS: "This router's lvs.cf has errors pulse would refuse to start with, so it is "
    "not copied automatically: the backup router keeps its last good lvs.cf. Fix the errors "
    "(see FINDINGS), or use SYNC NOW and confirm to copy this file anyway.",
}

#: (reason, phrases): the first reason one of whose phrases occurs in the error text wins
Table = tuple[tuple[str, tuple[str, ...]], ...]

#: checked in order against what ssh printed when it exited with 255
_SSH_FAILURES: Table = (
    (HOST_KEY_CHANGED, ("REMOTE HOST IDENTIFICATION HAS CHANGED", "has changed and you have "
                        "requested strict checking")),
    (HOST_KEY_UNKNOWN, ("host key is known for", "Host key verification failed")),
    (AUTH_REFUSED, ("Permission denied (", "Too many authentication failures",
                    "no mutual signature algorithm", "Authentication failed")),
    (TIMEOUT, ("timed out",)),
    (NO_SFTP, ("subsystem request failed",)),
    (UNREACHABLE, ("No route to host", "Connection refused", "Network is unreachable",
                   "Could not resolve hostname", "Name or service not known",
                   "Connection reset", "Connection closed", "kex_exchange_identification",
                   "Broken pipe", "Host is down")),
)
#: errors reported by the backup's file system or remote commands
_REMOTE_FAILURES: Table = (
    (DISK_FULL, ("No space left on device", "Disk quota exceeded", 'write remote "')),
    (PERMISSION_DENIED, ("Permission denied", "Read-only file system",
                         "Operation not permitted")),
    (REMOTE_PATH_MISSING, ("No such file or directory", "Not a directory")),
)


def explain(reason: str) -> str:
    """The sentence telling the administrator what ``reason`` means and what to do."""
    return EXPLANATIONS.get(reason, EXPLANATIONS[FAILED])


def tidy(stderr: str) -> str:
    """ssh's error text without blank lines, banner art and sftp's echoed commands."""
    lines = []
    for line in stderr.replace("\r", "").splitlines():
        text = line.strip()
        if text and not text.startswith("sftp>") and set(text) != {"@"}:
            lines.append(text.strip("@ ").strip())
    return "\n".join(lines)[:2000]


def classify(returncode: int, stderr: str) -> SyncError:
    """The failure an ssh/sftp exit status and error text stand for.

    For remote errors only the last message counts: sftp stops a batch at the failing command
    and messages of earlier, allowed failures come before it.
    """
    detail = tidy(stderr)
    if returncode == 255:
        table, text = _SSH_FAILURES, stderr
    else:
        lines = detail.splitlines()
        table, text = _REMOTE_FAILURES, lines[-1] if lines else ""
        detail = text
    for reason, phrases in table:
        if any(phrase in text for phrase in phrases):
            return SyncError(reason, detail)
    if returncode == 255:
        return SyncError(UNREACHABLE, detail or "ssh failed without a message")
    return SyncError(FAILED, detail or f"exit status {returncode}")
