"""The backup router is lvs.cf's 'backup' when backup_active = 1, unless a host is set."""

from __future__ import annotations

from pathlib import Path

import pytest

from piranha_web.errors import SyncError
from piranha_web.sync import failures
from piranha_web.sync.settings import SyncSettings
from piranha_web.sync.target import backup_address, resolve_target

LVS = "serial_no = 3\nprimary = 10.0.0.1\nbackup_active = {active}\nbackup = {backup}\n"


def test_backup_address_comes_from_lvs_cf() -> None:
    assert backup_address(LVS.format(active=1, backup="10.0.0.2")) == "10.0.0.2"


@pytest.mark.parametrize(("active", "backup"), [(0, "10.0.0.2"), (1, "0.0.0.0")])
def test_inactive_or_unset_backup_means_no_backup_router(active: int, backup: str) -> None:
    assert backup_address(LVS.format(active=active, backup=backup)) is None


def test_unparsable_lvs_cf_cannot_name_a_backup() -> None:
    with pytest.raises(SyncError) as failed:
        backup_address("virtual web {\n")
    assert failed.value.reason == failures.LOCAL_UNREADABLE


def test_target_defaults_to_the_same_path_and_the_managed_known_hosts(tmp_path: Path) -> None:
    config = tmp_path / "ha" / "lvs.cf"
    target = resolve_target(SyncSettings(), tmp_path / "state", config,
                            backup_address(LVS.format(active=1, backup="10.0.0.2")))
    assert (target.host, target.port, target.user) == ("10.0.0.2", 22, "root")
    assert target.remote_path == str(config)
    assert target.known_hosts == tmp_path / "state" / "known_hosts"
    assert target.known_hosts_name == "10.0.0.2"


def test_host_setting_overrides_and_port_shows_in_the_known_hosts_name(tmp_path: Path) -> None:
    target = resolve_target(SyncSettings(host="10.9.9.9", port=2222), tmp_path,
                            tmp_path / "lvs.cf",
                            backup_address(LVS.format(active=0, backup="0.0.0.0")))
    assert target.host == "10.9.9.9"
    assert target.known_hosts_name == "[10.9.9.9]:2222"


def test_no_backup_router_and_no_host_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SyncError) as failed:
        resolve_target(SyncSettings(), tmp_path, tmp_path / "lvs.cf",
                       backup_address(LVS.format(active=0, backup="10.0.0.2")))
    assert failed.value.reason == failures.NO_BACKUP


def test_a_local_path_ssh_would_misread_needs_an_explicit_remote_path(tmp_path: Path) -> None:
    with pytest.raises(SyncError) as failed:
        resolve_target(SyncSettings(), tmp_path, tmp_path / "my configs" / "lvs.cf",
                       backup_address(LVS.format(active=1, backup="10.0.0.2")))
    assert failed.value.reason == failures.UNUSABLE_PATH
    target = resolve_target(SyncSettings(remote_path="/etc/sysconfig/ha/lvs.cf"), tmp_path,
                            tmp_path / "my configs" / "lvs.cf",
                            backup_address(LVS.format(active=1, backup="10.0.0.2")))
    assert target.remote_path == "/etc/sysconfig/ha/lvs.cf"
