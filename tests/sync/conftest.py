"""Fixtures of the sync tests: a local lvs.cf naming the test backup router, and a service.

The backup router itself (network namespace + real sshd) is the session fixture
``backup_router`` from :mod:`tests.helpers.sshd`; each test gets its own directory on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from piranha_web.sync import SyncService, SyncSettings
from tests.helpers.sshd import BackupRouter, control_masters, lvs_cf_text

ServiceFactory = Callable[..., SyncService]


@pytest.fixture
def lvs(tmp_path: Path, backup_router: BackupRouter) -> Path:
    """This router's lvs.cf, with the test backup router as ``backup``."""
    path = tmp_path / "lvs.cf"
    path.write_text(lvs_cf_text(backup_router.address))
    path.chmod(0o640)
    return path


@pytest.fixture
def remote(backup_router: BackupRouter) -> Path:
    """Where lvs.cf goes on the backup router (its directory exists, the file does not)."""
    return backup_router.new_dir("case") / "lvs.cf"


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir(mode=0o700)
    return path


@pytest.fixture
def make_service(lvs: Path, state_dir: Path, remote: Path,
                 backup_router: BackupRouter) -> Iterator[ServiceFactory]:
    """A SyncService for ``lvs`` whose saved settings reach the backup router.

    Keyword arguments replace settings (identity defaults to the accepted client key, the
    remote path to ``remote``); ``trusted`` (default True) puts the backup's host key in the
    managed known_hosts as an administrator's confirmation would.  No connection master may
    be left running after the test.
    """

    def make(trusted: bool = True, **changes: Any) -> SyncService:
        settings = SyncSettings(identity_file=str(backup_router.keys["client"]),
                                remote_path=str(remote))
        settings = SyncSettings(**{**settings.to_json(), **changes,
                                   "reload_command": tuple(changes.get("reload_command", ()))})
        service = SyncService(lvs, state_dir)
        service.save_settings(settings)
        if trusted:
            port = settings.port
            key = "user_host" if port == 2222 else "host"
            (state_dir / "known_hosts").write_text(backup_router.known_hosts_line(port, key))
        return service

    yield make
    assert control_masters(str(state_dir)) == [], "an ssh connection master outlived the test"
