"""HISTORY in real Chromium: two users' changes and a hand edit, compare, RESTORE to the backup.

`piranha-web serve` as a real process, the backup router a real sshd in a network namespace
(host key trusted beforehand on the command line, as an administrator would).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Served, cli, screenshot, start_server, stop_server
from tests.helpers.sshd import BackupRouter, lvs_cf_text

pytestmark = pytest.mark.e2e

Page = Any
ANN, OTTO = ("ann", "ann-Secret-pw-1"), ("otto", "otto-Secret-pw-2")


@pytest.fixture
def remote(backup_router: BackupRouter) -> Path:
    return backup_router.new_dir("history") / "lvs.cf"


@pytest.fixture
def served(tmp_path: Path, backup_router: BackupRouter, remote: Path) -> Iterator[Served]:
    config, state = tmp_path / "lvs.cf", tmp_path / "state"
    config.write_text(lvs_cf_text(backup_router.address))
    sync = ["sync", "--config", str(config), "--state-dir", str(state)]
    cli(*sync, "--identity", str(backup_router.keys["client"]), "--remote-path", str(remote),
        "--save-settings")
    fingerprint = subprocess.run(
        ["ssh-keygen", "-lf", str(backup_router.keys["host"]) + ".pub"],
        capture_output=True, text=True, check=True).stdout.split()[1]
    cli(*sync, "--trust-host-key", fingerprint)
    server = start_server(tmp_path)
    for (name, password), role in ((ANN, "admin"), (OTTO, "operator")):
        cli("user", "add", name, "--role", role, "--state-dir", str(state), "--password-stdin",
            stdin=password + "\n")
    yield server
    stop_server(server)


def log_in(page: Page, served: Served, user: tuple[str, str]) -> None:
    page.goto(served.url + "/login")
    page.fill("#username", user[0])
    page.fill("#password", user[1])
    page.click("#login")
    page.wait_for_selector("#logout")


def history_rows(page: Page) -> list[tuple[str, str]]:
    """(who, summary) of the HISTORY rows, newest first."""
    return [(row.query_selector(".who").inner_text(),
             " ".join(row.query_selector(".summary").inner_text().split()))
            for row in page.query_selector_all("#history tbody tr")]


def test_two_users_hand_edit_compare_and_restore_reach_the_backup(
    page: Page, served: Served, remote: Path
) -> None:
    original = served.config.read_text()
    log_in(page, served, ANN)
    page.goto(served.url + "/virtual/edit?virtual=www")
    page.fill("#port", "8080")
    page.click("#accept")
    page.wait_for_selector("#sync-result")
    assert "port = 8080" in remote.read_text()
    page.click("#logout")

    served.config.write_text(served.config.read_text().replace("scheduler = wlc",
                                                               "scheduler = rr", 1))
    log_in(page, served, OTTO)
    page.goto(served.url + "/virtual/servers/edit?virtual=www&server=www1")
    page.fill("#weight", "5")
    page.click("#accept")
    page.wait_for_selector("#outcome-message")
    page.click("#tab-history")
    rows = history_rows(page)
    assert rows[:3] == [
        ("otto", "server www1 of virtual www: weight 1 -> 5"),
        ("hand edit", "virtual www: scheduler wlc -> rr"),
        ("ann", "virtual www: port 80 -> 8080"),
    ]
    assert page.query_selector("#restore") is None and page.query_selector("#tab-users") is None
    screenshot(page, "history-01-list")
    page.click("#logout")

    log_in(page, served, ANN)
    page.click("#tab-history")
    first = page.query_selector_all("#history tbody tr")[-1].get_attribute("id")
    page.check(f"#{first} input[name=a]")
    page.click("#compare")
    summary = page.inner_text("#summary")
    assert "virtual www: port 8080 -> 80" not in summary  # from the oldest to the newest
    assert "virtual www: port 80 -> 8080" in summary
    assert "server www1 of virtual www: weight 1 -> 5" in summary
    captions = [c.inner_text() for c in page.query_selector_all("table.diff caption")]
    assert captions == ["global", "virtual www", "virtual www / server www1"]  # serial_no first
    screenshot(page, "history-02-compare")

    page.click("#compare-info a >> nth=0")  # the oldest revision
    page.click("#restore")
    assert "virtual www: port 8080 -> 80" in page.inner_text("#restore-summary")
    page.click("#restore-confirm")
    page.wait_for_selector("#sync-result")
    assert "verified" in page.inner_text("#sync-result")
    restored = served.config.read_text()
    serial = int(re.search(r"serial_no = (\d+)", original).group(1))  # type: ignore[union-attr]
    # two saves and the restore bumped it (the hand edit did not)
    assert restored == original.replace(f"serial_no = {serial}", f"serial_no = {serial + 3}")
    assert remote.read_text() == restored
    page.click("#tab-history")
    assert history_rows(page)[0][0] == "ann"
    assert page.inner_text("#history tbody tr >> nth=0 >> .cause").startswith("restore")
    screenshot(page, "history-03-restored")
