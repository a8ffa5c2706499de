"""Issue 27, "wrong target": exactly one row looks chosen, and it is the row the next button
acts on, whether it was chosen by mouse, touch or keyboard, in both lists (real Chromium).

The highlight is drawn by the browser from the checked radio button (CSS ``:has``), never by
the server from the row acted on last.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from bench.bench_core import generate
from tests.e2e.conftest import Served, screenshot, start_server, stop_server
from tests.e2e.test_virtual_servers_flow import login

pytestmark = pytest.mark.e2e

Page = Any

#: the rows drawn as chosen: a cell with a background of its own (rows have none otherwise)
HIGHLIGHTED = """(table) => Array.from(document.querySelectorAll(table + ' tbody tr'))
    .filter((tr) => getComputedStyle(tr.querySelector('td')).backgroundColor
                    !== 'rgba(0, 0, 0, 0)')
    .map((tr) => tr.id.replace(/^row-/, ''))"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """200 virtual servers of 3 real servers each (vs150 is on the second page)."""
    server = start_server(tmp_path_factory.mktemp("target"), generate(200, 3))
    yield server
    stop_server(server)


def highlighted(page: Page, table: str = "#virtual-servers") -> list[str]:
    rows: list[str] = page.evaluate(HIGHLIGHTED, table)
    return rows


def checked(page: Page) -> list[str]:
    values: list[str] = page.eval_on_selector_all(
        "input[type=radio][name=selected]:checked", "els => els.map(e => e.value)")
    return values


def active(served: Served, virtual: str, server: str | None = None) -> str:
    """The ``active`` line of a block of the file on disk."""
    text = served.config.read_text()
    block = re.search(rf"\nvirtual {virtual} {{\n(.*?)\n}}", text, re.S)
    assert block
    body = block.group(1)
    if server:
        inner = re.search(rf"server {server} {{\n(.*?)\n\s*}}", body, re.S)
        assert inner
        body = inner.group(1)
    else:
        body = body.split("server ")[0]
    found = re.search(r"active = (\d)", body)
    assert found
    return found.group(1)


def toggle(page: Page) -> None:
    with page.expect_navigation():
        page.click("#toggle")


def act_on_vs150(page: Page, served: Served) -> None:
    """Choose vs150 and (DE)ACTIVATE it: the page comes back with vs150 chosen."""
    login(page, served)
    page.goto(served.url + "/virtual/?selected=vs150")
    page.check("#row-vs150 input[name=selected]")
    toggle(page)
    assert checked(page) == ["vs150"] and highlighted(page) == ["vs150"]


def undo(page: Page, served: Served, *names: str) -> None:
    """Switch the named virtual servers back on (the module's tests share one file)."""
    for name in names:
        if active(served, name) == "0":
            page.goto(served.url + f"/virtual/?selected={name}")
            page.check(f"#row-{name} input[name=selected]")
            toggle(page)
        assert active(served, name) == "1"


def test_a_click_moves_the_highlight_and_deactivate_hits_the_highlighted_row(
    page: Page, served: Served
) -> None:
    act_on_vs150(page, served)
    page.click("#row-vs152 td.name")
    assert checked(page) == ["vs152"]
    assert highlighted(page) == ["vs152"], "exactly one row looks chosen: the checked one"
    screenshot(page, "wrong-target-01-click")
    toggle(page)
    assert (active(served, "vs150"), active(served, "vs151"), active(served, "vs152")) == (
        "0", "1", "0")
    assert highlighted(page) == ["vs152"]
    undo(page, served, "vs150", "vs152")


def test_a_tap_moves_the_highlight(browser: Any, served: Served) -> None:
    context = browser.new_context(has_touch=True, is_mobile=True,
                                  viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        act_on_vs150(page, served)
        page.tap("#row-vs152 td.name")
        assert checked(page) == ["vs152"] and highlighted(page) == ["vs152"]
        screenshot(page, "wrong-target-02-tap-390")
        with page.expect_navigation():
            page.tap("#toggle")
        assert (active(served, "vs150"), active(served, "vs152")) == ("0", "0")
        assert active(served, "vs151") == "1"
        undo(page, served, "vs150", "vs152")
    finally:
        context.close()


def test_the_arrow_keys_move_the_highlight(page: Page, served: Served) -> None:
    act_on_vs150(page, served)
    page.focus("#row-vs150 input[name=selected]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert checked(page) == ["vs152"] and highlighted(page) == ["vs152"]
    page.keyboard.press("ArrowUp")
    assert checked(page) == ["vs151"] and highlighted(page) == ["vs151"]
    toggle(page)
    assert (active(served, "vs150"), active(served, "vs151"), active(served, "vs152")) == (
        "0", "0", "1")
    undo(page, served, "vs150", "vs151")


def test_the_real_server_list_follows_its_radio_too(page: Page, served: Served) -> None:
    login(page, served)
    table = "#real-servers"
    page.goto(served.url + "/virtual/servers/?virtual=vs7")
    page.check("#row-rs0 input[name=selected]")
    toggle(page)
    assert highlighted(page, table) == ["rs0"]
    page.click("#row-rs2 td.name")
    assert checked(page) == ["rs2"] and highlighted(page, table) == ["rs2"]
    page.focus("#row-rs2 input[name=selected]")
    page.keyboard.press("ArrowUp")
    assert highlighted(page, table) == ["rs1"]
    toggle(page)
    assert [active(served, "vs7", f"rs{n}") for n in range(3)] == ["0", "0", "1"]
    assert highlighted(page, table) == ["rs1"]
