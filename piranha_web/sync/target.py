"""Which backup router to copy lvs.cf to, and how: lvs.cf's ``backup`` plus the sync settings.

The backup router is lvs.cf's ``backup`` address when ``backup_active = 1`` (REDUNDANCY), unless
the sync settings name a host explicitly.  The remote path defaults to the local lvs.cf's path,
because pulse on the backup reads the same path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from piranha_web.errors import ParseError, SyncError
from piranha_web.lvscf import Globals, parse
from piranha_web.sync.failures import LOCAL_UNREADABLE, NO_BACKUP, UNUSABLE_PATH
from piranha_web.sync.settings import SyncSettings, host_problem, path_problem

UNSET_ADDRESS = "0.0.0.0"  # noqa: S104 - Piranha's "no address", never bound


@dataclass(frozen=True)
class Target:
    """Everything needed to reach the backup router's lvs.cf."""

    host: str
    port: int
    user: str
    remote_path: str
    known_hosts: Path
    identity_file: str | None
    connect_timeout: int
    reload_command: tuple[str, ...]

    @property
    def known_hosts_name(self) -> str:
        """How known_hosts names this host: ``host``, or ``[host]:port`` off port 22."""
        return self.host if self.port == 22 else f"[{self.host}]:{self.port}"

    @property
    def shown(self) -> str:
        """``user@host:path`` (port too when not 22) for messages."""
        port = f" port {self.port}" if self.port != 22 else ""
        return f"{self.user}@{self.host}{port}:{self.remote_path}"


def backup_address(lvs_text: str) -> str | None:
    """lvs.cf's backup router address, or None when there is no active backup router.

    Raises :class:`SyncError` when lvs.cf cannot be parsed (the address cannot be known).
    """
    try:
        return backup_of(parse(lvs_text).model().globals)
    except ParseError as err:
        raise SyncError(LOCAL_UNREADABLE, f"lvs.cf has errors, so the backup router's "
                                          f"address cannot be read: {err}") from err


def backup_of(settings: Globals) -> str | None:
    """The active backup router of lvs.cf's global settings, or None."""
    if not settings.backup_active or not settings.backup or settings.backup == UNSET_ADDRESS:
        return None
    return settings.backup


def resolve_target(settings: SyncSettings, state_dir: Path, config_path: Path,
                   backup: str | None) -> Target:
    """The backup router for ``settings`` and the local lvs.cf (see the module docstring).

    Raises :class:`SyncError` (``NO_BACKUP``) when there is none.
    """
    host = settings.host or backup
    if host is None:
        raise SyncError(NO_BACKUP)
    if problem := host_problem(host):
        raise SyncError(NO_BACKUP, f"the backup address {host!r} {problem}")
    remote_path = settings.remote_path or os.path.abspath(config_path)
    known_hosts = settings.known_hosts_path(state_dir)
    for what, path in (("remote path", remote_path), ("known_hosts file", str(known_hosts))):
        if problem := path_problem(path):
            raise SyncError(UNUSABLE_PATH, f"the {what} {path!r} {problem}")
    return Target(
        host=host,
        port=settings.port,
        user=settings.user,
        remote_path=remote_path,
        known_hosts=known_hosts,
        identity_file=settings.identity_file,
        connect_timeout=settings.connect_timeout,
        reload_command=settings.reload_command,
    )
