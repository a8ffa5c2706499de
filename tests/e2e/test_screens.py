"""Every page at 1280 px and at 390 px (a phone): screenshots, and no sideways scrolling.

The screenshots land in test-output/screenshots/screen-<width>-<page>.png for a human to look
at.  At 390 px no page may be wider than the window: tabs wrap, forms stack label above
field, wide tables scroll inside their own box.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Served, screenshot
from tests.e2e.test_virtual_servers_flow import login

pytestmark = pytest.mark.e2e

#: (screenshot name, path) of every page a GET reaches
PAGES = (
    ("control", "/control/"),
    ("password", "/control/password"),
    ("global-settings", "/global/"),
    ("redundancy", "/redundancy/"),
    ("virtual-servers", "/virtual/"),
    ("virtual-server", "/virtual/edit?virtual=www"),
    ("virtual-server-new", "/virtual/new"),
    ("virtual-server-delete", "/virtual/delete?virtual=www"),
    ("real-servers", "/virtual/servers/?virtual=www"),
    ("real-server", "/virtual/servers/edit?virtual=www&server=www1"),
    ("real-server-new", "/virtual/servers/new?virtual=www"),
    ("real-server-delete", "/virtual/servers/delete?virtual=www&server=www1"),
    ("monitoring-scripts", "/virtual/monitoring/?virtual=www"),
    ("sync", "/sync/"),
    ("findings", "/findings/"),
    ("maintenance", "/maintenance/?q=10.0.0.21"),
    ("history", "/history/"),
    ("audit", "/audit/"),
    ("users", "/users/"),
    ("apidocs", "/apidocs/"),
)
SCROLL_WIDTH = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"


def visit(page: Any, served: Served, width: int) -> list[str]:
    """Screenshot every page at ``width``; the pages wider than the window."""
    too_wide = []
    login(page, served)
    for name, path in PAGES:
        response = page.goto(served.url + path)
        assert response is not None and response.status == 200, (path, response)
        screenshot(page, f"screen-{width}-{name}")
        scroll, inner = page.evaluate(SCROLL_WIDTH)
        if scroll > inner:
            too_wide.append(f"{path}: {scroll} px in a {inner} px window")
    # pages reached by a POST: CHECK NOW and TEST
    page.goto(served.url + "/virtual/servers/?virtual=www")
    page.click("#check-now")
    page.wait_for_load_state()
    screenshot(page, f"screen-{width}-check-now")
    scroll, inner = page.evaluate(SCROLL_WIDTH)
    if scroll > inner:
        too_wide.append(f"CHECK NOW: {scroll} px in a {inner} px window")
    page.context.clear_cookies()
    page.goto(served.url + "/login")
    screenshot(page, f"screen-{width}-login")
    return too_wide


def test_every_page_at_1280_px_is_screenshotted(browser: Any, served: Served) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        too_wide = visit(context.new_page(), served, 1280)
    finally:
        context.close()
    assert too_wide == []


def test_no_page_scrolls_sideways_at_390_px(browser: Any, served: Served) -> None:
    # not is_mobile: a mobile viewport zooms out to fit a too-wide page, hiding the problem
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        too_wide = visit(context.new_page(), served, 390)
    finally:
        context.close()
    assert too_wide == []
