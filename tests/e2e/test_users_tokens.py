"""USERS in real Chromium: CREATE TOKEN shows it once, the served API takes it, REVOKE ends it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from piranha_web.audit import AuditLog
from tests.e2e.conftest import Served, screenshot
from tests.e2e.test_virtual_servers_flow import login

pytestmark = pytest.mark.e2e


def api_status(served: Served, token: str) -> int:
    request = urllib.request.Request(f"{served.url}/api/v1/config",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 (loopback)
            assert json.loads(response.read())["revision"]
            return int(response.status)
    except urllib.error.HTTPError as err:
        with err:
            return int(err.code)


def test_an_admin_creates_uses_and_revokes_a_token_in_the_browser(
        browser: Any, served: Served) -> None:
    page = browser.new_page()
    login(page, served)
    page.goto(served.url + "/users/")
    page.select_option("#token-user", "piranha")
    page.fill("#token-label", "e2e")
    page.click("#create-token-button")
    page.wait_for_selector("#new-token")
    token = page.inner_text("#new-token-value").strip()
    screenshot(page, "users-token-created")
    assert token.startswith("pwt_") and api_status(served, token) == 200
    token_id = token.split("_")[1]
    page.goto(served.url + "/users/")  # the token is not shown again, its id is listed
    assert token not in page.content() and page.is_visible(f"#token-{token_id}")
    page.click(f"#revoke-{token_id}")
    page.wait_for_selector("text=revoked")
    assert not page.is_visible(f"#token-{token_id}")
    assert api_status(served, token) == 401
    actions = [e.details["action"] for e in reversed(AuditLog(served.state_dir).entries(
        kind="user")) if str(e.details.get("action", "")).startswith("token-")]
    assert actions == ["token-create", "token-revoke"]
    page.close()
