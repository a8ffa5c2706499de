"""CONTROL/MONITORING, GLOBAL SETTINGS and REDUNDANCY in Chromium, on a real router namespace.

`piranha-web serve` reads a network namespace (PIRANHA_NETNS) holding veth devices with
LVS-style labelled aliases and a stand-in `pulse` process, so what the panels show is real
kernel state.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import Served, screenshot, start_server, stop_server
from tests.e2e.test_virtual_servers_flow import accept, login
from tests.helpers.router_ns import RouterNamespace

pytestmark = pytest.mark.e2e


@pytest.fixture
def router_served(tmp_path: Path) -> Iterator[tuple[Served, RouterNamespace]]:
    router = RouterNamespace.create()
    try:
        router.start_daemon(tmp_path, "pulse", "--forceactive")
        config = (ROOT / "lvs.cf.example").read_text().replace(
            "address = 198.51.100.10 eth0:1", "address = 192.0.2.10 pwni0:1"
        )
        served = start_server(tmp_path, config, {"PIRANHA_NETNS": router.name})
        try:
            yield served, router
        finally:
            stop_server(served)
    finally:
        router.delete()


def test_three_router_panels_show_kernel_state_and_accept_changes(
    page: Any, router_served: tuple[Served, RouterNamespace]
) -> None:
    served, _ = router_served
    login(page, served)

    page.click("a:has-text('CONTROL/MONITORING')")
    assert "--forceactive" in page.locator("#daemons").inner_text()
    assert "pwni0:1" in page.locator("#interfaces").inner_text()
    vips = page.locator("#vips").inner_text()
    assert "192.0.2.10" in vips and "pwni0:1" in vips
    screenshot(page, "13-control-monitoring")

    page.click("a:has-text('GLOBAL SETTINGS')")
    assert page.locator("#primary").input_value() == "192.0.2.1"
    assert page.locator("#primary-warning").count() == 0, "192.0.2.1 is this router's address"
    page.fill("#tcp_timeout", "900")
    accept(page)
    screenshot(page, "14-global-settings")
    text = served.config.read_text()
    assert "network = direct\ntcp_timeout = 900\nvirtual www {" in text

    page.fill("#primary", "192.0.2.99")
    accept(page)
    assert page.locator("#primary-warning").count() == 1, "not an address of this router"

    page.click("a:has-text('REDUNDANCY')")
    page.fill("#keepalive", "3")
    accept(page)
    assert "keepalive = 3\n" in served.config.read_text()
    page.click("#disable")
    page.wait_for_load_state()
    assert "backup_active = 0\n" in served.config.read_text()
    assert page.locator("#enable").count() == 1
    screenshot(page, "15-redundancy")

    page.goto(served.url + "/virtual/edit?virtual=www")
    suggestions = page.locator("#device-suggestions option")
    values = {suggestions.nth(i).get_attribute("value") for i in range(suggestions.count())}
    assert {"pwni0", "pwni0:1", "pwni1"} <= values
