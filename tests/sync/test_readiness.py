"""Backup readiness against a real sshd in a network namespace playing the backup router."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from piranha_web.keepalived.service import (
    EngineSettings,
    KeepalivedService,
    save_settings,
)
from piranha_web.keepalived.vrrp import vrrp_states
from piranha_web.lvscf import parse
from piranha_web.store import ConfigStore
from piranha_web.sync.readiness import LIST_DAEMONS, summary
from tests.helpers.keepalived import keepalived_binary
from tests.helpers.sshd import BackupRouter
from tests.sync.conftest import ServiceFactory
from tests.web.api.conftest import build_api


@pytest.fixture
def pulse(tmp_path: Path) -> Path:
    """A stand-in daemon: sleep under the name pulse (what /proc/PID/comm says)."""
    program = tmp_path / "bin" / "pulse"
    program.parent.mkdir()
    shutil.copy("/bin/sleep", program)
    return program


@pytest.fixture
def running(pulse: Path, backup_router: BackupRouter) -> Iterator[subprocess.Popen[str]]:
    process = backup_router.popen_inside(str(pulse), "120")
    time.sleep(0.2)
    yield process
    process.kill()
    process.communicate()


def test_without_a_daemon_the_backup_holding_our_file_is_not_ready(
        make_service: ServiceFactory, lvs: Path, pulse: Path) -> None:
    service = make_service()
    assert service.sync_now().ok
    outside = subprocess.Popen([str(pulse), "120"])  # a pulse of another namespace
    try:
        found = service.readiness()
    finally:
        outside.kill()
        outside.wait()
    assert found.reachable and found.same_file and found.file_ok
    assert found.serial_no == parse(lvs.read_text()).model().globals.serial_no
    assert found.daemons == ()
    assert not found.ready


def test_with_pulse_running_there_it_is_ready_and_says_since_when(
        make_service: ServiceFactory, lvs: Path,
        running: subprocess.Popen[str]) -> None:
    service = make_service()
    assert service.sync_now().ok
    before = time.time()
    found = service.readiness()
    assert [(d.name, d.pid) for d in found.daemons] == [("pulse", running.pid)]
    assert before - 30 < found.daemons[0].started <= time.time()
    assert found.ready


def test_another_file_with_errors_is_not_the_same_and_not_ok(
        make_service: ServiceFactory, lvs: Path, remote: Path) -> None:
    remote.write_text("serial_no = 99\nbogus_key = 1\n")
    found = make_service().readiness()
    assert found.reachable and found.serial_no == 99
    assert found.same_file is False and found.file_ok is False
    assert any("bogus_key" in e for e in found.errors)


def test_a_missing_file_and_an_unreachable_backup(
        make_service: ServiceFactory, lvs: Path) -> None:
    found = make_service().readiness()
    assert found.reachable and "does not exist" in found.problem and not found.ready
    unreachable = make_service(port=1).readiness()
    assert not unreachable.reachable and unreachable.problem


def test_the_remote_command_is_fixed_text() -> None:
    assert "{" not in LIST_DAEMONS.replace("${d#/proc/}", "")


def test_get_api_v1_backup_answers_the_same_as_json(
        make_service: ServiceFactory, lvs: Path, tmp_path: Path,
        running: subprocess.Popen[str]) -> None:
    service = make_service()
    assert service.sync_now().ok
    (tmp_path / "api").mkdir()
    api = build_api(tmp_path / "api")
    api.web.services.syncer = service
    response = api.get("/backup")
    assert response.status_code == 200, response.json
    body = response.json
    assert body is not None
    assert {k: body[k] for k in ("reachable", "same_file", "file_ok", "ready")} == {
        "reachable": True, "same_file": True, "file_ok": True, "ready": True}
    assert body["serial_no"] == parse(lvs.read_text()).model().globals.serial_no
    assert [(d["name"], d["pid"]) for d in body["daemons"]] == [("pulse", running.pid)]
    assert body["vrrp_state"] is None and body["checked_at"] > 0


def test_the_sync_page_shows_readiness_only_when_asked(
        make_service: ServiceFactory, lvs: Path, tmp_path: Path,
        running: subprocess.Popen[str]) -> None:
    service = make_service()
    assert service.sync_now().ok
    (tmp_path / "web").mkdir()
    api = build_api(tmp_path / "web")
    api.web.services.syncer = service
    client = api.web.client()
    assert 'id="readiness-summary"' not in client.get("/sync/").get_data(as_text=True)
    assert 'id="sync-indicator-ready"' not in client.get("/control/").get_data(as_text=True)
    page = client.get("/sync/?ready=1").get_data(as_text=True)
    assert "READY: the backup router holds this lvs.cf and runs pulse." in page
    assert f"pulse (pid {running.pid}, for " in page
    header = client.get("/control/").get_data(as_text=True)  # from the file: no SSH
    assert '<span id="sync-indicator-ready">ready</span>' in header
    running.kill()
    running.communicate()
    client.get("/sync/?ready=1")
    header = client.get("/virtual/").get_data(as_text=True)
    assert ('<span id="sync-indicator-ready">NOT ready: no LVS daemon runs there</span>'
            in header)


VRRP = """\
vrrp_instance VI_9 {
    state BACKUP
    interface DEVICE
    virtual_router_id 59
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.0.2.59/32 dev DEVICE
    }
}
"""


def test_a_keepalived_there_gives_its_vrrp_state(
        make_service: ServiceFactory, lvs: Path, tmp_path: Path,
        backup_router: BackupRouter) -> None:
    conf = tmp_path / "keepalived.conf"
    conf.write_text(VRRP.replace("DEVICE", backup_router.namespace.inner))
    pid_file = tmp_path / "k.pid"
    process = backup_router.popen_inside(
        keepalived_binary(), "-n", "-l", "-G", "-D", "-f", str(conf), "-p", str(pid_file),
        "-r", str(tmp_path / "v.pid"), "-c", str(tmp_path / "c.pid"))
    try:
        deadline = time.monotonic() + 30  # BACKUP, then MASTER after 3 missed adverts
        while time.monotonic() < deadline and (
                not pid_file.exists() or not pid_file.read_text().strip()
                or vrrp_states(int(pid_file.read_text())) != {"VI_9": "MASTER"}):
            time.sleep(0.2)
        service = make_service()
        assert service.sync_now().ok
        found = service.readiness()
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert "keepalived" in [d.name for d in found.daemons]
    assert found.vrrp_state == "VI_9 MASTER"
    assert found.ready


def test_with_the_keepalived_engine_its_file_there_must_be_ours(
        make_service: ServiceFactory, lvs: Path, remote: Path, state_dir: Path,
        running: subprocess.Popen[str]) -> None:
    save_settings(state_dir, EngineSettings(engine="keepalived",
                                            check_command="/usr/bin/piranha-web"))
    KeepalivedService.load(state_dir).regenerate(ConfigStore(lvs).load().document)
    service = make_service()
    assert service.sync_now().ok
    found = service.readiness()
    assert found.same_keepalived is True and found.ready
    (remote.parent / "keepalived.conf").write_text("# edited by hand on the backup\n")
    found = service.readiness()
    assert found.same_file and found.same_keepalived is False and not found.ready
    assert summary(found) == "NOT ready: another keepalived.conf"
