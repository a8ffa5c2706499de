"""Backup-sync settings, kept in ``<state_dir>/sync.json`` (never in lvs.cf).

Piranha's parser rejects keys it does not know, so everything about *how* lvs.cf reaches the
backup router lives here: SSH user and port, the path on the backup (default: the same path as
the local lvs.cf), the identity file (only ever read, by ssh), an optional reload command run
on the backup after a verified copy, whether to copy automatically after each ACCEPT, an
explicit host instead of lvs.cf's ``backup``, and the SSH connect timeout.

The known_hosts file the tool writes is always ``<state_dir>/known_hosts``: no setting may name
a file for the tool (running as root) to write.  Settings saved by older versions may still
name one (``known_hosts``): :func:`load_settings` ignores that key, and when the managed file
does not exist yet it takes over the host-key lines of the named file (read only), so a
confirmed key stays confirmed.

Every value ends up in an ssh/sftp argument or in the remote shell command line, so the rules
are strict: :meth:`SyncSettings.problems` lists what is wrong per field, and
:func:`save_settings` refuses settings with problems (:class:`SyncSettingsError`).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from piranha_web.errors import SyncSettingsError
from piranha_web.sync.files import read_json, write_json, write_private

SETTINGS_FILE = "sync.json"
KNOWN_HOSTS_FILE = "known_hosts"

#: what a path may contain: ssh expands % and ~ in its options, sftp batch files split on
#: blanks and expand globs, the remote shell sees it; none of these characters need any of that
SAFE_PATH = re.compile(r"/[A-Za-z0-9._/@+,=:-]*")
USER = re.compile(r"[A-Za-z_][A-Za-z0-9._-]{0,31}")
HOST_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def host_problem(host: str) -> str | None:
    """Why ``host`` is not an IP address or DNS name ssh can be given safely (None: fine)."""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    if len(host) > 253 or not all(HOST_LABEL.fullmatch(label) for label in labels):
        return "must be an IP address or a host name"
    return None


def path_problem(path: str) -> str | None:
    """Why ``path`` cannot be used as an absolute file path here (None: fine)."""
    if not path.startswith("/"):
        return "must be an absolute path (starting with /)"
    if path.endswith("/"):
        return "must name a file, not a directory"
    if len(path) > 1024:
        return "must be at most 1024 characters long"
    if not SAFE_PATH.fullmatch(path):
        return "may only contain letters, digits and / . _ - @ + , = :"
    return None


@dataclass(frozen=True)
class SyncSettings:
    """How lvs.cf is copied to the backup router (see the module docstring)."""

    user: str = "root"
    port: int = 22
    remote_path: str | None = None
    identity_file: str | None = None
    reload_command: tuple[str, ...] = ()
    auto_sync: bool = True
    host: str | None = None
    connect_timeout: int = 5

    def problems(self) -> list[tuple[str, str]]:
        """``(field, message)`` for every value that cannot be used."""
        found: list[tuple[str, str]] = []
        if not USER.fullmatch(self.user):
            found.append(("user", "must be a user name (letters, digits, . _ -)"))
        if not 1 <= self.port <= 65535:
            found.append(("port", "must be between 1 and 65535"))
        if not 1 <= self.connect_timeout <= 300:
            found.append(("connect_timeout", "must be between 1 and 300 seconds"))
        for name in ("remote_path", "identity_file"):
            value = getattr(self, name)
            problem = path_problem(value) if value is not None else None
            if problem:
                found.append((name, problem))
        if self.host is not None and (problem := host_problem(self.host)):
            found.append(("host", problem))
        for word in self.reload_command:
            if not word or _CONTROL.search(word):
                found.append(("reload_command", "must not hold empty words or control "
                                                "characters"))
                break
        return found

    def checked(self) -> SyncSettings:
        """These settings, or :class:`SyncSettingsError` for the first problem."""
        for field_name, message in self.problems():
            raise SyncSettingsError(field_name, message)
        return self

    def known_hosts_path(self, state_dir: Path) -> Path:
        """The managed known_hosts: always in the state directory."""
        return state_dir / KNOWN_HOSTS_FILE

    def to_json(self) -> dict[str, Any]:
        value = asdict(self)
        value["reload_command"] = list(self.reload_command)
        return value

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> SyncSettings:
        """Settings from a JSON object; unknown keys are ignored, wrong types refused."""
        defaults = cls()
        known: dict[str, Any] = {}
        for spec in fields(cls):
            if spec.name not in value:
                continue
            item = value[spec.name]
            expected = type(getattr(defaults, spec.name))
            if spec.name == "reload_command":
                if not isinstance(item, list) or not all(isinstance(w, str) for w in item):
                    raise SyncSettingsError(spec.name, "must be a list of words")
                item = tuple(item)
            elif item is None and getattr(defaults, spec.name) is None:
                pass
            elif expected is type(None):
                if not isinstance(item, str):
                    raise SyncSettingsError(spec.name, "must be text")
            elif type(item) is not expected:
                raise SyncSettingsError(spec.name, f"must be {expected.__name__}")
            known[spec.name] = item
        return replace(defaults, **known)


def load_settings(state_dir: Path) -> SyncSettings:
    """The saved settings, or the defaults when none were saved."""
    path = state_dir / SETTINGS_FILE
    try:
        value = read_json(path)
    except ValueError as err:
        raise SyncSettingsError(SETTINGS_FILE, f"{path} is damaged: {err}") from err
    if value is None:
        return SyncSettings()
    legacy = value.get("known_hosts")
    if isinstance(legacy, str) and not path_problem(legacy):
        adopt_known_hosts(Path(legacy), state_dir / KNOWN_HOSTS_FILE)
    return SyncSettings.from_json(value)


#: how a host-key line of known_hosts looks: host field, key type, base64 key
_HOST_KEY_LINE = re.compile(
    r"[^\s#]\S*[ \t]+(ssh-[a-z0-9-]+|ecdsa-sha2-nistp[0-9]+|sk-[a-z0-9@.-]+)[ \t]+"
    r"[A-Za-z0-9+/]+={0,2}([ \t].*)?"
)


def adopt_known_hosts(legacy: Path, managed: Path) -> None:
    """Copy the host-key lines of an older version's known_hosts setting into the managed file.

    Only when the managed file does not exist yet; the legacy file is only read, and only lines
    that are host keys are taken (whatever else the file holds is not copied).
    """
    if managed.exists():
        return
    try:
        text = legacy.read_text("utf-8", errors="replace")
    except OSError:
        return
    lines = [line + "\n" for line in text.splitlines() if _HOST_KEY_LINE.fullmatch(line)]
    if lines:
        write_private(managed, "".join(lines).encode("utf-8"))


def save_settings(state_dir: Path, settings: SyncSettings) -> None:
    """Store ``settings`` (mode 600, atomic); refuses settings with problems."""
    write_json(state_dir / SETTINGS_FILE, settings.checked().to_json())
