"""The VIRTUAL SERVERS workflow in real headless Chromium against `piranha-web serve`."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import Served, screenshot
from tests.e2e.expected import FLOW_RESULT

pytestmark = pytest.mark.e2e

Page = Any


def login(page: Page, served: Served) -> None:
    page.goto(served.url + "/")
    page.fill("#username", "piranha")
    page.fill("#password", served.password)
    page.click("#login")
    page.wait_for_selector("text=VIRTUAL SERVERS")


def accept(page: Page) -> None:
    page.click("#accept")
    page.wait_for_load_state()


def select_row(page: Page, name: str) -> None:
    page.check(f"input[name=selected][value='{name}']")


def test_full_virtual_server_workflow_writes_exactly_the_expected_file(
    page: Page, served: Served
) -> None:
    """ADD with every field, two real servers, monitoring script, (DE)ACTIVATE, DELETE."""
    login(page, served)
    page.click("a:has-text('VIRTUAL SERVERS')")
    screenshot(page, "01-virtual-servers")

    page.click("#add")
    page.fill("#name", "ftp")
    page.fill("#port", "21")
    page.select_option("#protocol", "tcp")
    page.fill("#address", "198.51.100.30")
    page.select_option("#vip_nmask", "255.255.255.0")
    page.fill("#sorry_server", "10.0.0.99")
    page.fill("#fwmark", "21")
    page.fill("#device", "eth0:3")
    page.fill("#reentry", "20")
    page.fill("#timeout", "8")
    page.check("input[name=quiesce_server][value='1']")
    page.select_option("#load_monitor", "rup")
    page.select_option("#scheduler", "rr")
    page.fill("#persistent", "60")
    page.select_option("#pmask", "255.255.255.0")
    screenshot(page, "02-virtual-server-add")
    accept(page)
    assert page.locator("#name").input_value() == "ftp"
    screenshot(page, "03-virtual-server-accepted")

    page.click("#sub-real")
    for name, address in (("ftp1", "10.0.0.31"), ("ftp2", "10.0.0.32")):
        page.click("#add")
        page.fill("#name", name)
        page.fill("#address", address)
        page.fill("#weight", "1")
        accept(page)
        page.click("#sub-real")
    screenshot(page, "04-real-servers")
    select_row(page, "ftp2")
    page.click("#edit")
    page.fill("#weight", "3")
    page.fill("#port", "2121")
    accept(page)
    page.click("#sub-real")
    select_row(page, "ftp1")
    page.click("#edit")
    page.fill("#name", "ftp-a")
    accept(page)
    page.click("#sub-real")
    for name in ("ftp-a", "ftp2"):
        select_row(page, name)
        page.click("#toggle")
        page.wait_for_load_state()
    screenshot(page, "05-real-servers-edited")

    page.click("#sub-monitoring")
    page.fill("#send", "quit\\r\\n")
    page.fill("#expect", "220")
    screenshot(page, "06-monitoring-scripts")
    accept(page)
    screenshot(page, "07-monitoring-scripts-accepted")

    page.click("a:has-text('VIRTUAL SERVERS')")
    select_row(page, "ftp")
    page.click("#toggle")
    page.wait_for_load_state()
    assert page.locator("#row-ftp td").nth(1).inner_text() == "up"

    select_row(page, "www")
    page.click("#delete")
    screenshot(page, "08-delete-confirmation")
    page.click("#confirm")
    page.wait_for_load_state()
    assert page.locator("#row-www").count() == 0
    screenshot(page, "09-after-delete")

    text = served.config.read_text()
    (ROOT / "test-output").mkdir(exist_ok=True)
    (ROOT / "test-output" / "flow-result.cf").write_text(text)
    assert text == FLOW_RESULT
    check = subprocess.run(
        [sys.executable, "-m", "piranha_web.cli", "check", str(served.config)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert check.returncode == 0, check.stdout


def test_hostile_values_are_refused_or_escaped_and_never_reach_the_file(
    page: Page, served: Served
) -> None:
    before = served.config.read_bytes()
    login(page, served)
    page.goto(served.url + "/virtual/edit?virtual=www")
    page.fill("#name", "<script>alert(1)</script>")
    page.fill("#device", 'a"\n}')
    accept(page)
    assert page.locator("script:has-text('alert(1)')").count() == 0
    assert "<script>alert(1)</script>" in page.locator("#name").input_value()
    assert served.config.read_bytes() == before

    page.goto(served.url + "/virtual/monitoring/?virtual=www")
    # a double quote after a blank would end the quoted value (lvs.cf has no escape there)
    page.fill("#send", 'a "\n}')
    accept(page)
    assert "cannot be written after a blank" in page.locator("#send-error").inner_text()
    assert served.config.read_bytes() == before
    screenshot(page, "10-hostile-value-refused")


def two_browsers_on(browser: Any, served: Served, url: str) -> tuple[Any, Any]:
    """Two logged-in browsers (separate contexts) showing the same form."""
    pages = (browser.new_context().new_page(), browser.new_context().new_page())
    for page in pages:
        login(page, served)
        page.goto(served.url + url)
    return pages


def test_second_browser_accept_of_the_same_field_is_refused_and_keeps_its_input(
    browser: Any, served: Served
) -> None:
    first, second = two_browsers_on(browser, served, "/virtual/edit?virtual=www")
    first.fill("#port", "8080")
    accept(first)
    after_first = served.config.read_text()
    assert "port = 8080" in after_first

    second.fill("#port", "9090")
    accept(second)
    assert served.config.read_text() == after_first
    assert second.locator("#port").input_value() == "9090"
    assert "nothing was written" in second.locator("#conflict-message").inner_text()
    screenshot(second, "11-conflict")


def test_second_browser_accept_of_another_field_is_applied_on_top_of_the_first(
    browser: Any, served: Served
) -> None:
    first, second = two_browsers_on(browser, served, "/virtual/edit?virtual=www")
    first.fill("#port", "8080")
    accept(first)
    second.fill("#timeout", "9")
    accept(second)
    text = served.config.read_text()
    assert "port = 8080" in text and "timeout = 9" in text  # neither edit is lost


def test_unauthenticated_requests_with_any_method_are_refused(served: Served) -> None:
    """CVE-2013-6492: no route answers or changes anything without a login, whatever the method."""
    from piranha_web.web import create_app
    from piranha_web.web.settings import WebSettings

    app = create_app(WebSettings(config_path=served.config, state_dir=served.state_dir))
    before = served.config.read_bytes()
    rules = [r.rule.replace("<path:filename>", "style.css") for r in app.url_map.iter_rules()]
    for rule in rules:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
            request = urllib.request.Request(
                served.url + rule, method=method, data=b"x=1" if method != "GET" else None
            )
            opener = urllib.request.build_opener(_NoRedirect())
            try:
                response = opener.open(request, timeout=60)
                status = response.status
                body = response.read()
            except urllib.error.HTTPError as err:
                status = err.code
                body = err.read()
            if rule.startswith("/static/") or rule.startswith("/login"):
                continue
            assert status in (302, 303, 401, 403, 405), (method, rule, status)
            assert b"198.51.100.10" not in body, (method, rule)
    assert served.config.read_bytes() == before


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report redirects (to the login page) instead of following them."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
