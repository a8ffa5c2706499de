"""The backup router's SSH host key: shown, confirmed by the administrator, then trusted.

No blind trust on first use: :func:`scan` fetches the keys the backup offers (``ssh-keyscan``)
and shows their SHA256 fingerprints, the same text ``ssh-keygen -l`` prints on the backup
router itself; :func:`trust` scans again and writes only the key whose fingerprint the
administrator confirmed into the managed known_hosts file, replacing earlier entries for that
host.  :func:`is_trusted` answers locally (``ssh-keygen -F``) whether any key is trusted for
the target, so an unconfirmed host is refused before anything is sent to it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import subprocess
from dataclasses import dataclass

from piranha_web.errors import SyncError
from piranha_web.sync.failures import (
    CLIENT_MISSING,
    HOST_KEY_NOT_OFFERED,
    STATE_UNUSABLE,
    TIMEOUT,
    UNREACHABLE,
    tidy,
)
from piranha_web.sync.files import write_private
from piranha_web.sync.target import Target

#: key algorithm in known_hosts -> the name ssh-keygen -l shows
KEY_TYPES = {
    "ssh-ed25519": "ED25519",
    "ssh-rsa": "RSA",
    "ecdsa-sha2-nistp256": "ECDSA",
    "ecdsa-sha2-nistp384": "ECDSA",
    "ecdsa-sha2-nistp521": "ECDSA",
    "sk-ssh-ed25519@openssh.com": "ED25519-SK",
    "sk-ecdsa-sha2-nistp256@openssh.com": "ECDSA-SK",
}


@dataclass(frozen=True)
class HostKey:
    """One host key the backup router offers."""

    algorithm: str  # e.g. ssh-ed25519
    blob: str  # base64 public key
    fingerprint: str  # SHA256:...

    @property
    def key_type(self) -> str:
        return KEY_TYPES.get(self.algorithm, self.algorithm)

    def known_hosts_line(self, name: str) -> str:
        return f"{name} {self.algorithm} {self.blob}\n"


def fingerprint(blob: str) -> str:
    """``SHA256:...`` of a base64 public key, exactly as ``ssh-keygen -l`` prints it."""
    digest = hashlib.sha256(base64.b64decode(blob, validate=True)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def parse_keys(text: str) -> list[HostKey]:
    """The keys in ssh-keyscan output (comments and malformed lines skipped)."""
    keys = []
    for line in text.splitlines():
        words = line.split()
        if len(words) < 3 or line.startswith("#"):
            continue
        try:
            keys.append(HostKey(words[1], words[2], fingerprint(words[2])))
        except (binascii.Error, ValueError):
            continue
    return keys


def scan(target: Target) -> list[HostKey]:
    """The host keys the backup router offers right now (nothing is trusted by this)."""
    argv = ["ssh-keyscan", "-T", str(target.connect_timeout), "-p", str(target.port), "--",
            target.host]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False,
                              timeout=target.connect_timeout + 10)
    except subprocess.TimeoutExpired as err:
        raise SyncError(TIMEOUT, "ssh-keyscan got no answer") from err
    except OSError as err:
        raise SyncError(CLIENT_MISSING, f"cannot run ssh-keyscan: {err}") from err
    keys = parse_keys(done.stdout)
    if not keys:
        detail = tidy("\n".join(line for line in done.stderr.splitlines()
                                if not line.startswith("#")))
        raise SyncError(UNREACHABLE, detail or f"no SSH host key received from {target.host} "
                                               f"port {target.port}")
    return keys


def _names_match(hosts: str, name: str) -> bool:
    """Whether a known_hosts host field (plain list or ``|1|salt|hash``) names ``name``."""
    if hosts.startswith("|1|"):
        try:
            _, _, salt, hashed = hosts.split("|")
            mac = hmac.new(base64.b64decode(salt), name.encode(), hashlib.sha1).digest()
            return hmac.compare_digest(base64.b64encode(mac).decode(), hashed)
        except (ValueError, binascii.Error):
            return False
    return name in hosts.split(",")


def trusted_keys(target: Target) -> list[HostKey]:
    """The keys the managed known_hosts trusts for the target (to compare with a scan)."""
    try:
        lines = target.known_hosts.read_text("utf-8").splitlines()
    except FileNotFoundError:
        return []
    except OSError as err:
        raise SyncError(STATE_UNUSABLE,
                        f"cannot read {target.known_hosts}: {err.strerror}") from err
    found = []
    for line in lines:
        words = line.split()
        if len(words) >= 3 and _names_match(words[0], target.known_hosts_name):
            found.extend(parse_keys(line))
    return found


def trust(target: Target, confirmed: str) -> HostKey:
    """Trust the backup's key whose fingerprint is ``confirmed``; earlier keys are replaced."""
    keys = scan(target)
    chosen = next((key for key in keys if key.fingerprint == confirmed.strip()), None)
    if chosen is None:
        offered = ", ".join(f"{key.key_type} {key.fingerprint}" for key in keys)
        raise SyncError(HOST_KEY_NOT_OFFERED,
                        f"{target.host} offers {offered}, not {confirmed}; nothing was trusted")
    try:
        old = target.known_hosts.read_text("utf-8").splitlines(keepends=True)
    except FileNotFoundError:
        old = []
    except OSError as err:
        raise SyncError(STATE_UNUSABLE,
                        f"cannot read {target.known_hosts}: {err.strerror}") from err
    kept = [line for line in old
            if not (line.split() and _names_match(line.split()[0], target.known_hosts_name))]
    kept.append(chosen.known_hosts_line(target.known_hosts_name))
    write_private(target.known_hosts, "".join(kept).encode())
    return chosen


def is_trusted(target: Target) -> bool:
    """Whether the managed known_hosts holds a key for the target (checked locally)."""
    if not target.known_hosts.exists():
        return False
    try:
        done = subprocess.run(["ssh-keygen", "-F", target.known_hosts_name, "-f",
                               str(target.known_hosts)], capture_output=True, check=False,
                              timeout=10)
    except OSError as err:
        raise SyncError(CLIENT_MISSING, f"cannot run ssh-keygen: {err}") from err
    return done.returncode == 0 and bool(done.stdout.strip())
