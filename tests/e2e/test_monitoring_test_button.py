"""MONITORING SCRIPTS in Chromium: set send/expect, press TEST, see each real server, ACCEPT."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Served, screenshot, start_server, stop_server
from tests.e2e.test_virtual_servers_flow import accept, login
from tests.monitor import loopback

pytestmark = pytest.mark.e2e


@pytest.fixture
def ftp_like() -> Iterator[loopback.TcpServer]:
    with loopback.serving(loopback.banner_handler) as server:
        yield server


@pytest.fixture
def served_ftp(tmp_path: Path, ftp_like: loopback.TcpServer) -> Iterator[Served]:
    """A config whose virtual server has one live real server and one on a closed port."""
    config = f"""primary = 127.0.0.1
virtual ftp {{
     active = 1
     address = 198.51.100.30 eth0:3
     port = 21
     scheduler = wlc
     protocol = tcp
     timeout = 2
     reentry = 15
     server alive {{
         address = 127.0.0.1
         active = 1
         port = {ftp_like.port}
         weight = 1
     }}
     server dead {{
         address = 127.0.0.1
         active = 1
         port = {loopback.closed_port()}
         weight = 1
     }}
}}
"""
    server = start_server(tmp_path, config)
    yield server
    stop_server(server)


def test_test_button_checks_form_values_against_every_real_server_then_accept_saves(
    page: Any, served_ftp: Served
) -> None:
    before = served_ftp.config.read_text()
    login(page, served_ftp)
    page.goto(served_ftp.url + "/virtual/monitoring/?virtual=ftp")
    page.fill("#send", "quit\\r\\n")
    page.fill("#expect", "220")
    page.click("#test")
    page.wait_for_selector("#probe-results")
    screenshot(page, "12-monitoring-test")

    rows = {
        page.locator(f"#probe-{i} td").nth(0).inner_text(): page.locator(f"#probe-{i}")
        for i in (1, 2)
    }
    assert rows["alive"].locator("td").nth(2).inner_text() == "up"
    assert rows["dead"].locator("td").nth(2).inner_text() == "down"
    assert "refused" in rows["dead"].inner_text()
    assert page.locator("#send").input_value() == "quit\\r\\n"
    assert served_ftp.config.read_text() == before, "TEST must not write lvs.cf"

    page.fill("#expect", "230")
    page.click("#test")
    page.wait_for_selector("#probe-results")
    alive = page.locator("#probe-results tr:has-text('alive')")
    assert alive.locator("td").nth(2).inner_text() == "down"
    assert "220" in alive.inner_text()

    page.fill("#expect", "220")
    accept(page)
    saved = served_ftp.config.read_text()
    assert '     send = "quit\\r\\n"\n     expect = "220"\n' in saved
