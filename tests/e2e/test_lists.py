"""The VIRTUAL SERVERS and REAL SERVER lists in Chromium: selection, Enter, search, pages, bulk.

Issue 10: the row acted on stays selected, a click anywhere in a row selects it, Enter on a
radio button never means ADD, and a 1,000-virtual-server file (x 32 real servers, generated
once per session) stays usable: pages of at most 100 rows, a search box, sortable columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.bench_core import generate
from tests.conftest import ROOT
from tests.e2e.conftest import Served, screenshot, start_server, stop_server
from tests.e2e.test_virtual_servers_flow import login

pytestmark = pytest.mark.e2e

Page = Any
#: the first view of the big file parses and validates 200k lines (seconds on a busy CI box)
BIG_TIMEOUT = 60_000


def checked(page: Page, form: str = "") -> list[str]:
    """Values of the checked radio buttons of the list."""
    found: list[str] = page.eval_on_selector_all(
        f"{form} input[type=radio][name=selected]:checked", "els => els.map(e => e.value)")
    return found


def row_status(page: Page, name: str) -> str:
    text: str = page.locator(f"#row-{name} td:nth-child(2)").inner_text()  # STATUS
    return text.strip()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server on lvs.cf.example for this module's tests (each leaves the file as the next
    one expects: toggles are undone, the bulk test comes last)."""
    server = start_server(tmp_path_factory.mktemp("lists"),
                          (ROOT / "lvs.cf.example").read_text())
    yield server
    stop_server(server)


def press(page: Page, button: str) -> None:
    page.click(button)
    page.wait_for_load_state()


def test_the_row_acted_on_stays_selected_after_deactivate_and_cancel(
    page: Page, served: Served
) -> None:
    """Trap 1: the second virtual server, toggled twice, is the one toggled both times."""
    login(page, served)
    page.goto(served.url + "/virtual/")
    assert row_status(page, "www") == "up" and row_status(page, "shop-http") == "up"
    page.check("#row-shop-http input[name=selected]")
    press(page, "#toggle")
    assert checked(page) == ["shop-http"]
    assert row_status(page, "shop-http") == "down"
    press(page, "#toggle")
    assert row_status(page, "shop-http") == "up" and row_status(page, "www") == "up"
    assert checked(page) == ["shop-http"]

    page.check("#row-shop-https input[name=selected]")
    press(page, "#edit")
    press(page, "#cancel")
    assert checked(page) == ["shop-https"]

    page.goto(served.url + "/virtual/servers/?virtual=www")
    page.check("#row-www2 input[name=selected]")
    press(page, "#toggle")
    assert checked(page) == ["www2"] and row_status(page, "www2") == "down"
    press(page, "#edit")
    press(page, "#cancel")
    assert checked(page) == ["www2"]


def test_a_click_anywhere_in_a_row_selects_it_in_both_lists(
    page: Page, served: Served
) -> None:
    login(page, served)
    page.goto(served.url + "/virtual/")
    page.click("#row-shop-https td:nth-child(3)")  # NAME
    assert checked(page) == ["shop-https"]
    page.click("#row-shop-http td:nth-child(6)")  # PORT
    assert checked(page) == ["shop-http"]
    page.goto(served.url + "/virtual/servers/?virtual=www")
    page.click("#row-www2 td:nth-child(2)")  # STATUS
    assert checked(page) == ["www2"]


def test_enter_on_a_list_radio_button_never_means_add(page: Page, served: Served) -> None:
    """Trap 8 (lists): the implicit submit button of a list form is EDIT, not ADD/DELETE."""
    login(page, served)
    page.goto(served.url + "/virtual/")
    page.check("#row-shop-http input[name=selected]")
    page.focus("#row-shop-http input[name=selected]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/virtual/new" not in page.url
    assert page.url.endswith("/virtual/edit?virtual=shop-http")
    page.goto(served.url + "/virtual/servers/?virtual=www")
    page.check("#row-www2 input[name=selected]")
    page.focus("#row-www2 input[name=selected]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/new" not in page.url and "server=www2" in page.url


def marked(page: Page) -> list[str]:
    """Names whose mark box is ticked on the page shown."""
    found: list[str] = page.eval_on_selector_all(
        "input[name=marked]:checked", "els => els.map(e => e.value)")
    return sorted(found)


def names_shown(page: Page) -> list[str]:
    found: list[str] = page.eval_on_selector_all(
        "#virtual-servers tbody td.name", "els => els.map(e => e.innerText.trim())")
    return found


def test_marks_ticked_but_not_submitted_survive_sort_and_search(
    page: Page, served: Served
) -> None:
    """Issue 27 item 3: sorting (a heading) or searching (the box, Enter or SEARCH, "Show all")
    lost the marks ticked on the page since the list form was last submitted."""
    login(page, served)
    page.goto(served.url + "/virtual/")
    page.check("#row-www input[name=marked]")
    press(page, "#sort-name")  # a heading: a button of the list form
    assert names_shown(page) == ["shop-http", "shop-https", "www"]
    assert marked(page) == ["www"]
    page.check("#row-shop-https input[name=marked]")
    page.fill("#q", "shop")
    page.press("#q", "Enter")  # forms.js sends it through the list form
    page.wait_for_load_state()
    assert "q=shop" in page.url and names_shown(page) == ["shop-http", "shop-https"]
    assert marked(page) == ["shop-https"]
    assert "2 marked (1 on other pages)" in page.locator("#marked-count").inner_text()
    page.check("#row-shop-http input[name=marked]")
    page.uncheck("#row-shop-https input[name=marked]")
    press(page, "#search-clear")
    assert names_shown(page) == ["shop-http", "shop-https", "www"]  # still sorted by name
    assert page.locator("#q").input_value() == ""
    assert marked(page) == ["shop-http", "www"]
    page.fill("#q", "www")
    page.check("#row-shop-https input[name=marked]")
    press(page, "#search")  # the SEARCH button, too
    assert names_shown(page) == ["www"]
    page.goto(served.url + "/virtual/")
    assert page.locator("#q").input_value() == "www"  # the view is kept as before
    press(page, "#search-clear")
    assert marked(page) == ["shop-http", "shop-https", "www"]
    screenshot(page, "lists-02-marks-kept-by-sort-and-search")
    press(page, "#clear-marks")
    assert marked(page) == []


def test_without_javascript_sorting_keeps_the_marks_and_search_still_works(
    browser: Any, served: Served
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        login(page, served)
        page.goto(served.url + "/virtual/servers/?virtual=shop-http")
        page.check("#row-shop2 input[name=marked]")
        press(page, "#sort-name")
        press(page, "#sort-name")  # the other way round
        assert marked(page) == ["shop2"]
        assert page.eval_on_selector_all("#real-servers tbody td.name",
                                          "els => els.map(e => e.innerText.trim())") == [
            "shop2", "shop1"]
        page.fill("#q", "shop1")
        press(page, "#search")  # a plain GET form without JavaScript
        assert "q=shop1" in page.url
        assert page.locator("#real-servers tbody tr").count() == 1
        press(page, "#search-clear")
        assert marked(page) == ["shop2"]
        press(page, "#clear-marks")
    finally:
        context.close()


def test_bulk_deactivate_and_activate_of_marked_rows_in_one_save(
    page: Page, served: Served
) -> None:
    login(page, served)
    page.goto(served.url + "/virtual/")
    serial = re.search(r"serial_no = (\d+)", served.config.read_text())
    assert serial
    page.check("#row-www input[name=marked]")
    page.check("#row-shop-https input[name=marked]")
    press(page, "#deactivate-marked")
    assert [row_status(page, n) for n in ("www", "shop-http", "shop-https")] == [
        "down", "up", "down"]
    after = re.search(r"serial_no = (\d+)", served.config.read_text())
    assert after and int(after.group(1)) == int(serial.group(1)) + 1, "one save"
    page.goto(served.url + "/virtual/servers/?virtual=shop-http")
    page.check("#row-shop1 input[name=marked]")
    page.check("#row-shop2 input[name=marked]")
    press(page, "#deactivate-marked")
    assert row_status(page, "shop1") == row_status(page, "shop2") == "down"
    page.check("#row-shop2 input[name=marked]")
    press(page, "#activate-marked")
    assert (row_status(page, "shop1"), row_status(page, "shop2")) == ("down", "up")


# ---------------------------------------------------------------- 1,000 virtual servers


@pytest.fixture(scope="session")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """lvs.cf with 1,000 virtual servers of 32 real servers each, generated once."""
    path = tmp_path_factory.mktemp("big") / "lvs.cf.big"
    path.write_text(generate(1000, 32))
    return path


@pytest.fixture(scope="module")
def big_served(big_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = start_server(tmp_path_factory.mktemp("big-served"), big_file.read_text())
    yield served
    stop_server(served)


def test_a_1000_virtual_server_file_lists_100_rows_searches_sorts_and_pages(
    page: Page, big_served: Served
) -> None:
    page.set_default_timeout(BIG_TIMEOUT)
    login(page, big_served)
    page.goto(big_served.url + "/virtual/")
    assert page.locator("#virtual-servers tbody tr").count() == 100
    assert page.locator("#toggle-top").is_visible(), "buttons above a long list"
    assert page.locator("#page-next-bottom").is_visible(), "pages below it too"
    assert "1-100 of 1000" in page.locator("#list-count").inner_text()
    screenshot(page, "lists-01-big-file")
    page.fill("#q", "vs537")
    press(page, "#search")
    names = page.eval_on_selector_all("#virtual-servers tbody td.name",
                                      "els => els.map(e => e.innerText.trim())")
    assert names == ["vs537"]
    assert "q=vs537" in page.url

    # the filter and the selection survive an action
    page.check("#row-vs537 input[name=selected]")
    press(page, "#toggle")
    assert row_status(page, "vs537") == "down" and checked(page) == ["vs537"]
    assert page.locator("#q").input_value() == "vs537"
    assert page.locator("#virtual-servers tbody tr").count() == 1

    # sortable columns and pages (one test: the big server starts once per xdist worker)
    press(page, "#search-clear")
    press(page, "#sort-name")
    press(page, "#sort-name")
    assert page.locator("#virtual-servers tbody td.name").first.inner_text() == "vs999"
    press(page, "#page-next")
    assert page.locator("#virtual-servers tbody td.name").first.inner_text() == "vs899"
    page.goto(big_served.url + "/virtual/servers/?virtual=vs3")
    assert page.locator("#real-servers tbody tr").count() == 32
    page.fill("#q", "10.0.3.17")
    press(page, "#search")
    names = page.eval_on_selector_all("#real-servers tbody td.name",
                                      "els => els.map(e => e.innerText.trim())")
    assert names == ["rs16"]


def test_enter_on_a_radio_button_means_edit_while_a_search_is_shown(
    page: Page, served: Served
) -> None:
    """With a search, "Show all" (a button of the list form, above it) must not become the
    list form's implicit button: Enter on a radio button or a mark box still means EDIT."""
    login(page, served)
    page.goto(served.url + "/virtual/?q=shop")
    assert page.locator("#search-clear").is_visible()
    page.check("#row-shop-https input[name=selected]")
    page.focus("#row-shop-https input[name=marked]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/virtual/edit?virtual=shop-https")
    page.goto(served.url + "/virtual/?q=")
