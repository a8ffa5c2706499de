"""KEEPALIVED in Chromium against `piranha-web serve` and a real keepalived process: the tab
shows both routers' files, verdicts, warnings and the diff; APPLY writes and reloads; the engine
setting makes ACCEPT regenerate and apply; the page fits a 390 px screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from piranha_web.keepalived.service import EngineSettings, save_settings
from tests.conftest import ROOT
from tests.e2e.conftest import Served, screenshot, start_server, stop_server
from tests.e2e.test_virtual_servers_flow import accept, login
from tests.helpers.keepalived import in_namespace_wrapper, running_keepalived, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def keepalived_served(tmp_path: Path) -> Iterator[tuple[Served, Path, Path]]:
    installed = tmp_path / "etc" / "keepalived.conf"
    installed.parent.mkdir()
    installed.write_text("global_defs {\n    router_id before\n}\n")
    with running_keepalived(tmp_path, installed, ("eth0",)) as (pid_file, log):
        save_settings(tmp_path / "state", EngineSettings(
            engine="keepalived", conf_path=str(installed), pid_file=str(pid_file),
            keepalived=str(in_namespace_wrapper(tmp_path, ("eth0",)))))
        served = start_server(tmp_path, (ROOT / "lvs.cf.example").read_text())
        try:
            yield served, installed, log
        finally:
            stop_server(served)


def test_review_apply_and_accept_with_the_keepalived_engine(
    page: Any, keepalived_served: tuple[Served, Path, Path]
) -> None:
    served, installed, log = keepalived_served
    login(page, served)
    page.click("#tab-keepalived")
    assert "configuration OK" in page.locator("#verdict-primary").inner_text()
    assert "configuration OK" in page.locator("#verdict-backup").inner_text()
    assert "state BACKUP" in page.locator("#conf-backup").inner_text()
    assert "lvs.cf line 7: heartbeat_port" in page.locator("#warnings-primary").inner_text()
    assert "+    router_id piranha_primary" in page.locator("#installed-diff").inner_text()
    screenshot(page, "30-keepalived")

    page.click("#apply")
    page.wait_for_load_state()
    assert "reloaded with SIGHUP" in page.locator(".flash").first.inner_text()
    assert "router_id piranha_primary" in installed.read_text()
    assert wait_for(log, "Reloading")
    assert "installed file is the generated one" in page.locator("#diff-summary").inner_text()

    page.check("#auto_apply")
    page.click("#engine-save")
    page.wait_for_load_state()
    page.goto(served.url + "/virtual/edit?virtual=www")
    page.fill("#timeout", "9")
    accept(page)
    assert "keepalived.conf regenerated" in page.content()
    assert "delay_loop 9" in installed.read_text()

    page.set_viewport_size({"width": 390, "height": 844})
    page.click("#tab-keepalived")
    screenshot(page, "31-keepalived-phone")
    # the panel's own content fits (the tab bar above it is the layout's, shared by all panels)
    wide = page.evaluate("""Array.from(document.querySelectorAll('main *')).filter(
        e => e.getBoundingClientRect().right > 390).map(e => e.tagName + '#' + e.id)""")
    assert wide == [], f"wider than a 390 px screen: {wide}"
