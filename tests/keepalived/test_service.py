"""The apply path against a real keepalived process (on the host, in its own network namespace,
without IPVS): settings, ``keepalived -t``, atomic write only when it passes, SIGHUP reload,
state from the pid file."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from piranha_web.errors import KeepalivedError
from piranha_web.keepalived.service import (
    EngineSettings,
    KeepalivedService,
    load_settings,
    save_settings,
)
from piranha_web.lvscf import parse
from tests.conftest import ROOT
from tests.helpers.keepalived import running_keepalived, wait_for

#: a file that names no interface, so that ``keepalived -t`` passes on any host
BASE = """\
global_defs {
    router_id test
    script_user root
    enable_script_security
}
"""


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[KeepalivedService, Path]]:
    """keepalived running on ``BASE`` in a fresh network namespace."""
    conf = tmp_path / "etc" / "keepalived.conf"
    conf.parent.mkdir()
    conf.write_text(BASE)
    with running_keepalived(tmp_path, conf) as (pid_file, log):
        settings = EngineSettings(engine="keepalived", conf_path=str(conf),
                                  pid_file=str(pid_file))
        yield KeepalivedService(tmp_path / "state", settings), log


def test_state_names_the_running_keepalived(running: tuple[KeepalivedService, Path]) -> None:
    service, _ = running
    state = service.state()
    assert state.running and state.pid == int(Path(service.settings.pid_file).read_text())


def test_apply_writes_a_passing_file_and_reloads_keepalived(
    running: tuple[KeepalivedService, Path]
) -> None:
    service, log = running
    new = BASE.replace("router_id test", "router_id applied")
    assert {"-    router_id test", "+    router_id applied"} <= set(service.diff(new))
    assert service.config_test(new).ok
    result = service.apply(new)
    assert result.ok, result.message
    assert "reloaded with SIGHUP" in result.message
    assert Path(service.settings.conf_path).read_text() == new
    assert wait_for(log, "Reloading"), log.read_text()
    assert service.diff(new) == []


def test_apply_refuses_a_file_keepalived_rejects_and_leaves_the_installed_one(
    running: tuple[KeepalivedService, Path]
) -> None:
    service, log = running
    broken = BASE.replace("router_id test", "router_id test\n    bogus_keyword 1")
    result = service.apply(broken)
    assert not result.ok and result.message.startswith("Not applied: keepalived -t")
    assert result.verdict is not None and "bogus_keyword" in result.verdict.output
    assert Path(service.settings.conf_path).read_text() == BASE
    time.sleep(0.3)
    assert "Reloading" not in log.read_text()


def test_reload_without_keepalived_says_so(tmp_path: Path) -> None:
    (tmp_path / "pid").write_text(str(os.getpid()))  # a pid that is not keepalived's
    service = KeepalivedService(tmp_path, EngineSettings(pid_file=str(tmp_path / "pid")))
    result = service.reload()
    assert not result.ok and "not keepalived" in result.message


def test_a_reload_command_is_run_as_an_argv_without_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "ran; touch injected"
    settings = EngineSettings(reload_command=("/usr/bin/touch", str(marker)))
    assert KeepalivedService(tmp_path, settings).reload().ok
    assert marker.exists() and not (tmp_path / "injected").exists()


def test_regenerate_keeps_both_routers_files_in_the_state_directory(tmp_path: Path) -> None:
    service = KeepalivedService(tmp_path, EngineSettings(check_command="/usr/bin/piranha-web"))
    exports = service.regenerate(parse((ROOT / "lvs.cf.example").read_text()))
    assert "state MASTER" in service.generated_path("primary").read_text()
    assert "state BACKUP" in service.generated_path("backup").read_text()
    assert exports["backup"].warnings
    assert service.generated_path("primary").stat().st_mode & 0o777 == 0o600


def test_settings_round_trip_and_refuse_relative_paths(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == EngineSettings()
    settings = EngineSettings(engine="keepalived", auto_apply=True,
                              reload_command=("/bin/systemctl", "reload", "keepalived"))
    save_settings(tmp_path, settings)
    assert load_settings(tmp_path) == settings
    assert (tmp_path / "keepalived.json").stat().st_mode & 0o777 == 0o600
    with pytest.raises(KeepalivedError, match="absolute"):
        save_settings(tmp_path, EngineSettings(conf_path="keepalived.conf"))
    with pytest.raises(KeepalivedError, match="engine"):
        save_settings(tmp_path, EngineSettings(engine="ldirectord"))
