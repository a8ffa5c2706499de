"""Sync settings live in <state_dir>/sync.json, privately, and refuse unusable values."""

from __future__ import annotations

import json
import stat
from dataclasses import fields
from pathlib import Path

import pytest

from piranha_web.errors import SyncSettingsError
from piranha_web.sync.settings import SyncSettings, load_settings, save_settings


def test_defaults_when_nothing_was_saved(tmp_path: Path) -> None:
    """root on port 22, auto-sync on, known_hosts managed in the state directory."""
    settings = load_settings(tmp_path)
    assert (settings.user, settings.port, settings.auto_sync) == ("root", 22, True)
    assert settings.remote_path is None and settings.host is None
    assert settings.known_hosts_path(tmp_path) == tmp_path / "known_hosts"


def test_saved_settings_round_trip_in_a_private_file(tmp_path: Path) -> None:
    settings = SyncSettings(user="lvsadmin", port=2222, remote_path="/etc/sysconfig/ha/lvs.cf",
                            identity_file="/root/.ssh/id_ed25519",
                            reload_command=("service", "pulse", "reload"), auto_sync=False,
                            host="backup.example.net", connect_timeout=9)
    save_settings(tmp_path, settings)
    path = tmp_path / "sync.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["reload_command"] == ["service", "pulse", "reload"]
    assert load_settings(tmp_path) == settings
    assert [p.name for p in tmp_path.iterdir()] == ["sync.json"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"user": "-oProxyCommand=x"}, "user"),
    ({"user": "root admin"}, "user"),
    ({"port": 0}, "port"),
    ({"port": 70000}, "port"),
    ({"connect_timeout": 0}, "connect_timeout"),
    ({"host": "-oProxyCommand=touch /tmp/x"}, "host"),
    ({"host": "back up"}, "host"),
    ({"remote_path": "relative/lvs.cf"}, "remote_path"),
    ({"remote_path": "/etc/ha/"}, "remote_path"),
    ({"remote_path": "/etc/ha/lvs cf"}, "remote_path"),
    ({"remote_path": "/etc/ha/*.cf"}, "remote_path"),
    ({"identity_file": "/root/%h"}, "identity_file"),
    ({"reload_command": ("service", "pulse\nrm -rf /")}, "reload_command"),
])
def test_unusable_values_are_refused_naming_the_field(tmp_path: Path, changes: dict[str, object],
                                                      field: str) -> None:
    """Values that ssh, sftp or the remote shell would misread never reach them."""
    settings = SyncSettings(**changes)  # type: ignore[arg-type]
    assert [f for f, _ in settings.problems()] == [field]
    with pytest.raises(SyncSettingsError) as refused:
        save_settings(tmp_path, settings)
    assert refused.value.field == field
    assert not (tmp_path / "sync.json").exists()


@pytest.mark.parametrize("host", ["10.0.0.2", "fe80::1", "backup-1.example.net", "lvs2"])
def test_addresses_and_host_names_are_accepted(host: str) -> None:
    assert SyncSettings(host=host).problems() == []


def test_a_damaged_or_mistyped_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "sync.json").write_text("{not json")
    with pytest.raises(SyncSettingsError):
        load_settings(tmp_path)
    (tmp_path / "sync.json").write_text(json.dumps({"port": "22"}))
    with pytest.raises(SyncSettingsError) as mistyped:
        load_settings(tmp_path)
    assert mistyped.value.field == "port"


HOST_KEY = "10.0.0.2 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKxL4d5CmuQJg7qfd1dIX9AZBBWfNw8j8gH0\n"


def test_no_setting_names_a_file_for_the_tool_to_write(tmp_path: Path) -> None:
    """The managed known_hosts is always in the state directory; nothing else is written."""
    assert "known_hosts" not in {f.name for f in fields(SyncSettings)}
    (tmp_path / "sync.json").write_text(json.dumps({"known_hosts": "/etc/passwd"}))
    settings = load_settings(tmp_path)
    assert settings.known_hosts_path(tmp_path) == tmp_path / "known_hosts"


def test_an_older_known_hosts_setting_hands_over_its_host_keys_only(tmp_path: Path) -> None:
    legacy = tmp_path / "old_known_hosts"
    legacy.write_text("# mine\n" + HOST_KEY + "root:x:0:0:root:/root:/bin/bash\n")
    before = legacy.read_bytes()
    state = tmp_path / "state"
    state.mkdir()
    (state / "sync.json").write_text(json.dumps({"user": "root", "known_hosts": str(legacy)}))
    settings = load_settings(state)
    assert settings.known_hosts_path(state) == state / "known_hosts"
    assert (state / "known_hosts").read_text() == HOST_KEY
    assert stat.S_IMODE((state / "known_hosts").stat().st_mode) == 0o600
    assert legacy.read_bytes() == before  # only read
    (state / "known_hosts").write_text("")  # later edits of the managed file are kept
    load_settings(state)
    assert (state / "known_hosts").read_text() == ""
