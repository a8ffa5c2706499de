"""MAINTENANCE in real Chromium and the addresses API against the same served process.

The administrator searches 10.0.0.21 (shop1 of shop-http and of shop-https in lvs.cf.example),
DRAINs it in the browser (one save deactivates both), the API sees it drained and RETURNs it
(If-Match, one save), and the browser shows it back in service: lvs.cf is the original but
for serial_no.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from piranha_web.lvscf import parse
from tests.e2e.conftest import Served, cli, screenshot
from tests.e2e.test_virtual_servers_flow import login

pytestmark = pytest.mark.e2e

Page = Any


def call(served: Served, token: str, method: str, path: str,
         revision: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"}
    if revision is not None:
        headers["If-Match"] = f'"{revision}"'
    request = urllib.request.Request(f"{served.url}/api/v1{path}", method=method,
                                     headers=headers)
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 (loopback)
        return int(response.status), json.loads(response.read())


def test_drain_in_the_browser_and_return_through_the_api(page: Page, served: Served) -> None:
    original = served.config.read_text()
    token = cli("token", "create", "--user", "piranha", "--state-dir",
                str(served.state_dir)).strip().split()[-1]
    login(page, served)
    page.click("#tab-maintenance")
    page.fill("#q", "10.0.0.21")
    page.click("#search")
    page.wait_for_selector("#placements")
    assert page.locator("#placements tbody tr").count() == 2
    assert page.inner_text("#address-heading") == "10.0.0.21"
    page.click("#drain")
    page.wait_for_selector("#outcome-message")
    assert "10.0.0.21 deactivated in 2 virtual server(s)." in page.inner_text("#outcome-message")
    assert page.locator("#return").is_visible()
    screenshot(page, "maintenance-drained")
    model = parse(served.config.read_text()).model()
    assert not model.virtual("shop-http").server("shop1").active
    assert not model.virtual("shop-https").server("shop1").active
    assert model.virtual("shop-http").server("shop2").active

    status, state = call(served, token, "GET", "/addresses/10.0.0.21")
    assert status == 200 and state["drained"] is True
    assert [r["active"] for r in state["real_servers"]] == [False, False]
    status, result = call(served, token, "POST", "/addresses/10.0.0.21/activate",
                          state["revision"])
    assert status == 200 and result["status"] == "saved"
    assert served.config.read_text() == original.replace("serial_no = 1", "serial_no = 3")

    page.goto(f"{served.url}/maintenance/?q=10.0.0.21")
    assert page.locator("#return").count() == 0
    assert page.locator("#none-drained").is_visible()
    model = parse(served.config.read_text()).model()
    assert model.virtual("shop-http").server("shop1").active
    assert model.virtual("shop-https").server("shop1").active
