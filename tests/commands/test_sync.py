"""``piranha-web sync``: push and --status exit codes, host key confirmation, saved settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from piranha_web.audit import AuditLog
from piranha_web.cli import main
from tests.helpers.sshd import BackupRouter, lvs_cf_text


@pytest.fixture
def files(tmp_path: Path, backup_router: BackupRouter) -> dict[str, Path]:
    lvs = tmp_path / "lvs.cf"
    lvs.write_text(lvs_cf_text(backup_router.address))
    return {"lvs": lvs, "state": tmp_path / "state",
            "remote": backup_router.new_dir("cli") / "lvs.cf"}


def sync(files: dict[str, Path], router: BackupRouter, *args: str) -> int:
    return main(["sync", "--config", str(files["lvs"]), "--state-dir", str(files["state"]),
                 "--identity", str(router.keys["client"]), "--remote-path", str(files["remote"]),
                 *args])


def test_host_key_is_shown_then_confirmed_then_push_and_status_succeed(
    files: dict[str, Path], backup_router: BackupRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first-contact flow an administrator follows on the command line."""
    assert sync(files, backup_router) == 1
    assert "host key unknown (confirm it first)" in capsys.readouterr().err
    assert sync(files, backup_router, "--show-host-key") == 0
    shown = capsys.readouterr().out
    fingerprint = next(word for word in shown.split() if word.startswith("SHA256:") and
                       word != "SHA256:...")
    assert not (files["state"] / "known_hosts").exists()
    assert sync(files, backup_router, "--trust-host-key", fingerprint) == 0
    assert fingerprint in capsys.readouterr().out
    assert sync(files, backup_router) == 0
    assert "verified" in capsys.readouterr().out
    assert files["remote"].read_bytes() == files["lvs"].read_bytes()
    assert sync(files, backup_router, "--status") == 0
    status = capsys.readouterr().out
    assert "in sync" in status and "last sync:" in status
    trail = [(e.kind, e.details.get("ok")) for e in reversed(AuditLog(files["state"]).entries())]
    assert trail == [("sync", False), ("host-key", True), ("sync", True)]


def test_status_exit_codes_are_0_equal_1_differs_2_unreachable(
    files: dict[str, Path], backup_router: BackupRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    files["state"].mkdir()
    known_hosts = files["state"] / "known_hosts"
    known_hosts.write_text(backup_router.known_hosts_line()
                           + backup_router.known_hosts_line(2299))
    assert sync(files, backup_router, "--status") == 1  # nothing on the backup yet
    assert sync(files, backup_router) == 0
    assert sync(files, backup_router, "--status") == 0
    files["lvs"].write_text(files["lvs"].read_text() + "# changed here\n")
    assert sync(files, backup_router, "--status") == 1
    assert "differs" in capsys.readouterr().out
    assert sync(files, backup_router, "--status", "--ssh-port", "2299") == 2
    assert "Connection refused" in capsys.readouterr().out
    assert sync(files, backup_router, "--ssh-port", "2299") == 1
    assert "backup router unreachable" in capsys.readouterr().err


def test_push_exits_1_with_the_reason_and_2_for_unusable_options(
    files: dict[str, Path], backup_router: BackupRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    files["state"].mkdir()
    (files["state"] / "known_hosts").write_text(backup_router.known_hosts_line())
    files["remote"] = files["remote"].parent / "missing" / "lvs.cf"
    assert sync(files, backup_router) == 1
    assert "remote path missing" in capsys.readouterr().err
    assert sync(files, backup_router, "--host=-oProxyCommand=id") == 2
    assert "host" in capsys.readouterr().err


def test_save_settings_persists_options_without_contacting_the_backup(
    files: dict[str, Path], backup_router: BackupRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    log_before = backup_router.root_sshd.log_text()
    assert sync(files, backup_router, "--save-settings", "--reload-command",
                "service pulse reload", "--auto-sync", "no", "--ssh-user", "lvsadmin") == 0
    saved = json.loads((files["state"] / "sync.json").read_text())
    assert saved["reload_command"] == ["service", "pulse", "reload"]
    assert (saved["auto_sync"], saved["user"]) == (False, "lvsadmin")
    assert saved["remote_path"] == str(files["remote"])
    assert backup_router.root_sshd.log_text() == log_before
    assert main(["sync", "--config", str(files["lvs"]), "--state-dir", str(files["state"]),
                 "--save-settings", "--ssh-port", "0"]) == 2
    assert "port" in capsys.readouterr().err
    assert json.loads((files["state"] / "sync.json").read_text()) == saved


def test_config_and_state_dir_come_from_the_environment(
    files: dict[str, Path], backup_router: BackupRouter, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PIRANHA_CONFIG", str(files["lvs"]))
    monkeypatch.setenv("PIRANHA_STATE_DIR", str(files["state"]))
    files["state"].mkdir()
    (files["state"] / "known_hosts").write_text(backup_router.known_hosts_line())
    assert main(["sync", "--identity", str(backup_router.keys["client"]),
                 "--remote-path", str(files["remote"])]) == 0
    assert files["remote"].read_bytes() == files["lvs"].read_bytes()


def test_cli_settings_are_recorded_first_and_refused_unrecorded(
    files: dict[str, Path], backup_router: BackupRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 20 #10: the reload command run as root on the backup changed unrecorded."""
    assert sync(files, backup_router, "--save-settings", "--reload-command",
                "service pulse reload") == 0
    entry = AuditLog(files["state"]).entries(kind="sync-settings")[0]
    assert "reload_command: (none) -> service pulse reload" in entry.details["changes"]
    assert entry.details["commit"] == "done"
    saved = (files["state"] / "sync.json").read_text()
    (files["state"] / "audit.log").unlink()
    (files["state"] / "audit.log").mkdir()  # appending now fails
    assert sync(files, backup_router, "--save-settings", "--reload-command", "reboot") == 1
    assert "audit trail" in capsys.readouterr().err
    assert (files["state"] / "sync.json").read_text() == saved

def test_relative_state_dir_and_config_work_like_absolute_ones(
    files: dict[str, Path], backup_router: BackupRouter, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 27: ``--state-dir relative/path`` made every copy fail with a message blaming
    the remote path; paths are made absolute at start (real sshd)."""
    monkeypatch.chdir(files["lvs"].parent)
    relative = {**files, "lvs": Path("lvs.cf"), "state": Path("state")}
    assert sync(relative, backup_router, "--show-host-key") == 0
    fingerprint = next(word for word in capsys.readouterr().out.split()
                       if word.startswith("SHA256:") and word != "SHA256:...")
    assert sync(relative, backup_router, "--trust-host-key", fingerprint) == 0
    capsys.readouterr()
    assert sync(relative, backup_router) == 0, capsys.readouterr().err
    assert files["remote"].read_bytes() == files["lvs"].read_bytes()
    assert (files["state"] / "known_hosts").is_file()


def test_paths_are_absolute_from_the_start(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    import argparse

    from piranha_web.commands.paths import config_of, state_dir_of

    monkeypatch.chdir(tmp_path)
    args = argparse.Namespace(config="etc/lvs.cf", state_dir="var/state")
    assert config_of(args) == tmp_path / "etc" / "lvs.cf"
    assert state_dir_of(args) == tmp_path / "var" / "state"
    monkeypatch.setenv("PIRANHA_STATE_DIR", "env-state")
    assert state_dir_of(argparse.Namespace(state_dir=None)) == tmp_path / "env-state"
    assert state_dir_of(argparse.Namespace(state_dir="/abs/state")) == Path("/abs/state")
