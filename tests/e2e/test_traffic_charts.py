"""The traffic charts in real Chromium, at 1280 and 390 px, with the traffic of a real IPVS.

This machine's kernel has no IPVS, so the pages come from the IPVS VM run of
tests/web/test_traffic_ipvs.py (one run per session, shared): CONTROL/MONITORING and the REAL
SERVER list rendered by the app inside the VM after real traffic and a drain.  Chromium gets
each page with the app's own Content-Security-Policy header and the checkout's static files,
under the app's URLs (a Playwright route answers them), and must draw every chart inside the
screen with its lines visible.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import screenshot
from tests.helpers.ipvs_vm import shared_job
from tests.web.test_traffic_ipvs import JOB

pytestmark = [pytest.mark.e2e, pytest.mark.vm]
ORIGIN = "http://piranha.test"
PAGES = {"/control/": "control.html", "/virtual/servers/?virtual=web": "servers.html"}


@pytest.fixture(scope="module")
def vm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_job(tmp_path_factory, "ipvs_vm_traffic", JOB)


def open_page(browser: Any, vm: Path, width: int, path: str) -> tuple[Any, Any, list[str]]:
    """A page of ``width`` px showing the VM's ``path``; also the CSP violations reported."""
    csp = json.loads((vm / "result.json").read_text())["csp"]
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text)
            if "Content Security Policy" in m.text else None)

    def answer(route: Any) -> None:
        url = route.request.url.removeprefix(ORIGIN)
        if url.startswith("/static/"):
            file = ROOT / "static" / url.removeprefix("/static/").split("?")[0]
            kind = "text/css" if file.suffix == ".css" else "application/javascript"
            route.fulfill(status=200, body=file.read_bytes(), content_type=kind)
        elif url in PAGES:
            route.fulfill(status=200, body=(vm / PAGES[url]).read_bytes(),
                          content_type="text/html; charset=utf-8",
                          headers={"Content-Security-Policy": csp})
        else:
            route.fulfill(status=404, body=b"")

    page.route(f"{ORIGIN}/**", answer)
    page.goto(ORIGIN + path)
    return context, page, refused


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("path, table", [("/control/", "#traffic"),
                                         ("/virtual/servers/?virtual=web", "#server-traffic")])
def test_charts_are_drawn_inside_the_screen(browser: Any, vm: Path, width: int, path: str,
                                            table: str) -> None:
    context, page, refused = open_page(browser, vm, width, path)
    try:
        page.locator(table).scroll_into_view_if_needed()
        charts = page.locator(f"{table} svg.spark")
        assert charts.count() >= 4  # connections and bytes of rs1 and rs2 at least
        for index in range(charts.count()):
            box = charts.nth(index).bounding_box()
            assert box is not None and box["width"] >= 100 and box["height"] >= 20, box
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (index, box)
        lines = page.locator(f"{table} polyline.spark-line")
        assert lines.count() >= 4
        drawn = [lines.nth(i).bounding_box() for i in range(lines.count())]
        assert all(b is not None and b["width"] > 0 for b in drawn), drawn
        stroke = lines.first.evaluate("e => getComputedStyle(e).stroke")
        assert stroke not in ("none", "")
        caption = page.locator(f"{table} figcaption").first.inner_text()
        assert "now" in caption and "peak" in caption
        assert refused == []  # no style attribute or script the CSP would block
        name = "control" if path == "/control/" else "servers"
        screenshot(page, f"traffic-{name}-{width}")
    finally:
        context.close()


def test_the_drained_server_reads_zero_now_in_the_browser(browser: Any, vm: Path) -> None:
    context, page, _ = open_page(browser, vm, 1280, "/virtual/servers/?virtual=web")
    try:
        rs2 = page.locator("#traffic-rs2 figcaption").first.inner_text()
        rs1 = page.locator("#traffic-rs1 figcaption").first.inner_text()
        assert rs2.startswith("connections: 0 conn/s now"), rs2
        assert not rs1.startswith("connections: 0 conn/s now"), rs1
        title = page.locator("#traffic-rs2 svg title").first.text_content()
        assert title is not None and "over the last hour" in title
    finally:
        context.close()
