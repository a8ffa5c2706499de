"""Backup-router sync in real headless Chromium against `piranha-web serve` and a real sshd.

The administrator's first contact: a save reports the backup out of sync (host key not
confirmed) once, the compact status in the header offers the host key page, the fingerprint
shown is the backup's own, CONFIRM trusts it (and nothing says "host key unknown" any more),
SYNC NOW copies lvs.cf, and the next ACCEPT copies the new file by itself.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Served, cli, screenshot, start_server, stop_server
from tests.helpers.sshd import BackupRouter, control_masters, lvs_cf_text

pytestmark = pytest.mark.e2e

Page = Any


@pytest.fixture
def remote(backup_router: BackupRouter) -> Path:
    return backup_router.new_dir("e2e") / "lvs.cf"


@pytest.fixture
def served_with_backup(tmp_path: Path, backup_router: BackupRouter,
                       remote: Path) -> Iterator[Served]:
    """piranha-web serving an lvs.cf whose backup is the test router; sync settings saved."""
    (tmp_path / "lvs.cf").write_text(lvs_cf_text(backup_router.address))
    cli("sync", "--config", str(tmp_path / "lvs.cf"), "--state-dir", str(tmp_path / "state"),
        "--identity", str(backup_router.keys["client"]), "--remote-path", str(remote),
        "--save-settings")
    server = start_server(tmp_path)
    yield server
    stop_server(server)
    assert control_masters(str(server.state_dir)) == []


def test_first_contact_confirm_host_key_then_every_accept_reaches_the_backup(
    page: Page, served_with_backup: Served, backup_router: BackupRouter, remote: Path
) -> None:
    served = served_with_backup
    page.goto(served.url + "/")
    page.fill("#username", "piranha")
    page.fill("#password", served.password)
    page.click("#login")
    page.goto(served.url + "/virtual/edit?virtual=www")
    page.fill("#port", "8080")
    page.click("#accept")
    page.wait_for_selector("#sync-result")
    # the failed copy is said once, in the outcome; the header has a compact status only
    assert "host key unknown" in page.inner_text("#sync-result")
    assert page.inner_text("body").count("host key unknown") == 1
    assert page.query_selector("#sync-banner") is None
    assert page.inner_text("#sync-indicator-text") == "Backup: has no lvs.cf from here"
    assert "port = 8080" in served.config.read_text()
    assert not remote.exists()
    screenshot(page, "sync-01-out-of-sync-after-accept")

    page.goto(served.url + "/global/")
    assert page.query_selector("#sync-banner") is None
    header = page.locator("header.titlebar").bounding_box()
    assert header is not None and header["height"] < 60, header
    page.click("#sync-indicator-text")
    page.wait_for_selector("#sync-indicator-hostkey")
    screenshot(page, "sync-02-status-details")
    page.click("#sync-indicator-hostkey")
    shown = page.inner_text("#hostkeys code.fingerprint")
    expected = subprocess.run(["ssh-keygen", "-lf", str(backup_router.keys["host"]) + ".pub"],
                              capture_output=True, text=True, check=True).stdout.split()[1]
    assert shown == expected
    screenshot(page, "sync-03-host-key")
    page.click("#confirm-1")
    page.wait_for_selector("text=is now trusted")
    assert "host key unknown" not in page.inner_text("body")
    assert "confirmed" in page.inner_text("#sync-indicator-text")
    page.click("#sync-now")
    page.wait_for_selector("#sync-state")
    assert page.inner_text("#sync-state").startswith("IN SYNC")
    assert page.inner_text("#sync-indicator-text") == "Backup: in sync"
    assert remote.read_bytes() == served.config.read_bytes()
    screenshot(page, "sync-04-in-sync")

    page.goto(served.url + "/virtual/edit?virtual=www")
    page.fill("#port", "8081")
    page.click("#accept")
    page.wait_for_selector("#sync-result")
    assert "verified" in page.inner_text("#sync-result")
    assert "port = 8081" in remote.read_text()
    assert remote.read_bytes() == served.config.read_bytes()


def test_serve_with_a_relative_state_dir_copies_to_the_backup(
    page: Page, tmp_path: Path, backup_router: BackupRouter, remote: Path
) -> None:
    """Issue 27: ``serve --state-dir state`` (relative) made every copy fail with a message
    blaming the remote path; the paths are made absolute when serve starts."""
    (tmp_path / "lvs.cf").write_text(lvs_cf_text(backup_router.address))
    cli("sync", "--config", str(tmp_path / "lvs.cf"), "--state-dir", str(tmp_path / "state"),
        "--identity", str(backup_router.keys["client"]), "--remote-path", str(remote),
        "--save-settings")
    (tmp_path / "state" / "known_hosts").write_text(backup_router.known_hosts_line())
    served = start_server(tmp_path, relative=True)
    try:
        page.goto(served.url + "/")
        page.fill("#username", "piranha")
        page.fill("#password", served.password)
        page.click("#login")
        page.goto(served.url + "/virtual/edit?virtual=www")
        page.fill("#port", "8081")
        page.click("#accept")
        page.wait_for_selector("#sync-result")
        assert "verified" in page.inner_text("#sync-result"), page.inner_text("#sync-result")
        assert remote.read_bytes() == (tmp_path / "lvs.cf").read_bytes()
    finally:
        stop_server(served)
