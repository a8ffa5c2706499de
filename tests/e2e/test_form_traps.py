"""Issue 10, part A: the traps of the edit forms, each shown in real headless Chromium.

Enter never presses a destructive button; problems already in lvs.cf are visible (and such a
file is not copied to the backup by itself); every field's error at once, accessibly; a diff
in words and by block after ACCEPT; TEST shows the strings it tests; a conflict after a rename
keeps the input; 0.0.0.0 VIP warns; leaving NAT removes nat_nmask; numeric fields, the
unsaved-changes warning and the Active checkbox of new real servers.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import Served, screenshot, start_server, stop_server
from tests.e2e.test_virtual_servers_flow import accept, login
from tests.monitor import loopback

pytestmark = pytest.mark.e2e

Page = Any
NEGATIVE = ROOT / "tests" / "data" / "corpus" / (
    "NEGATIVE__blog-portal-dr-inline-comments-cn__fsid70284062048.cf")
#: buttons that blank, delete or disable something: never the implicit (Enter) submitter
DESTRUCTIVE = ("NO SEND PROGRAM", "BLANK SEND", "BLANK EXPECT", "DELETE", "DISABLE", "CANCEL",
               "(DE)ACTIVATE", "network:")


@pytest.fixture
def served_negative(tmp_path: Path) -> Iterator[Served]:
    """piranha-web serving the corpus file pulse refuses (inline '#' comments)."""
    shutil.copy(NEGATIVE, tmp_path / "lvs.cf")
    server = start_server(tmp_path)
    yield server
    stop_server(server)


def implicit_submitter(page: Page, form: str) -> str:
    """The value of the button Enter in a text field of ``form`` would press."""
    value: str = page.evaluate(
        """(selector) => {
            const form = document.querySelector(selector);
            const button = Array.from(form.elements).find(
                (e) => (e.type === 'submit' || e.type === 'image') && !e.disabled);
            return button ? (button.value || button.textContent) : '';
        }""",
        form,
    )
    return value


# ---------------------------------------------------------------------- trap 2: Enter

def test_enter_in_expect_accepts_and_never_removes_the_sending_program(
    page: Page, served: Served
) -> None:
    served.config.write_text(served.config.read_text().replace(
        '     expect = "HTTP"\n     use_regex = 0\n     load_monitor = none\n     scheduler = wlc',
        '     expect = "HTTP"\n     send_program = "/usr/local/bin/check %h"\n'
        '     use_regex = 0\n     load_monitor = none\n     scheduler = wlc', 1))
    login(page, served)
    page.goto(served.url + "/virtual/monitoring/?virtual=www")
    page.fill("#expect", "200 OK")
    page.press("#expect", "Enter")
    page.wait_for_selector("#outcome-message")
    text = served.config.read_text()
    assert 'send_program = "/usr/local/bin/check %h"' in text
    assert 'expect = "200 OK"' in text


@pytest.mark.parametrize("path,form", [
    ("/virtual/monitoring/?virtual=www", "#monitoring-form"),
    ("/virtual/edit?virtual=www", "#virtual-form"),
    ("/virtual/new", "#virtual-form"),
    ("/virtual/servers/edit?virtual=www&server=www1", "#server-form"),
    ("/virtual/servers/new?virtual=www", "#server-form"),
    ("/global/", "#global-settings-form"),
    ("/redundancy/", "#redundancy-form"),
    ("/sync/", "#sync-settings-form"),
])
def test_enter_in_any_form_of_the_tool_means_accept(
    page: Page, served: Served, path: str, form: str
) -> None:
    login(page, served)
    page.goto(served.url + path)
    assert implicit_submitter(page, form) == "ACCEPT"


# ---------------------------------------------------------------------- trap 3: findings

def test_problems_already_in_lvs_cf_are_visible_on_every_page_and_where_they_are_fixed(
    page: Page, served_negative: Served
) -> None:
    served = served_negative
    login(page, served)
    for path in ("/virtual/", "/global/", "/redundancy/", "/control/"):
        page.goto(served.url + path)
        summary = page.inner_text("#findings-summary")
        assert "7 errors" in summary and "1 warning" in summary, (path, summary)
    page.click("#findings-link")
    screenshot(page, "traps-01-findings")
    listing = page.inner_text("#findings")
    assert "lvs.cf:25: error: virtual portal1v1: scheduler: '#' after a value" in listing
    assert "lvs.cf:13: error: global: network:" in listing
    group = page.locator("section.findings-group:has(h2:text-is('virtual portal1v1'))")
    assert group.count() == 1
    fix = group.locator("a.fix", has_text="scheduler")
    assert fix.count() == 1
    fix.click()
    page.wait_for_selector("#virtual-form")
    assert "virtual=portal1v1" in page.url and page.url.endswith("#scheduler")
    options = page.locator("#scheduler option").all_inner_texts()
    assert not [o for o in options if "#" in o], options
    assert page.locator("#scheduler").input_value() == "wlc"
    assert "line 25" in page.inner_text("#row-scheduler")
    assert "line 17" in page.inner_text("#row-address")
    screenshot(page, "traps-02-field-findings")

    page.goto(served.url + "/global/")
    current = page.inner_text("#network-current")
    assert "direct" in current and "line 13" in current, current

    page.goto(served.url + "/virtual/edit?virtual=portal1v1")
    page.fill("#timeout", "6")
    accept(page)
    assert "timeout = 6" in served.config.read_text()
    assert "keeps its last good lvs.cf" in page.inner_text("#sync-result")
    page.goto(served.url + "/control/")
    page.click("#sync-now")
    page.wait_for_selector("#sync-confirm")
    assert "7 errors" in page.inner_text("#sync-confirm")
    screenshot(page, "traps-03-sync-confirm")


# ---------------------------------------------------------------------- trap 4: all errors

def test_every_field_error_at_once_with_aria_links(page: Page, served: Served) -> None:
    before = served.config.read_bytes()
    login(page, served)
    page.goto(served.url + "/virtual/new")
    page.fill("#name", "web api")
    page.fill("#port", "70000")
    page.fill("#address", "203.0.113.300")
    page.fill("#device", "eth0:9")
    page.fill("#timeout", "0")
    accept(page)
    screenshot(page, "traps-04-all-errors")
    for field in ("name", "port", "address", "timeout"):
        control = page.locator(f"#{field}")
        assert control.get_attribute("aria-invalid") == "true", field
        described = control.get_attribute("aria-describedby") or ""
        messages = [page.inner_text(f"#{ref}") for ref in described.split()]
        assert any(m.strip() for m in messages), field
    assert page.locator("#device").get_attribute("aria-invalid") is None
    assert served.config.read_bytes() == before

    page.fill("#name", "web-api")
    page.fill("#port", "80")
    page.fill("#address", "203.0.113.30")
    page.fill("#timeout", "6")
    page.fill("#device", "eth0 1")
    accept(page)
    assert page.locator("#row-device .field-error").count() == 1
    assert page.locator("#row-address .field-error").count() == 0
    assert page.locator("#device").get_attribute("aria-invalid") == "true"
    assert served.config.read_bytes() == before


# ---------------------------------------------------------------------- trap 5: diff

def test_diff_after_accept_says_what_changed_in_words_then_lines_by_block(
    page: Page, served: Served
) -> None:
    login(page, served)
    page.goto(served.url + "/virtual/servers/edit?virtual=www&server=www2")
    page.fill("#weight", "2")
    accept(page)
    # the words are lvscf.changes.summarize's (shared with the HISTORY tab)
    assert page.locator("#change-summary li").all_inner_texts() == [
        "server www2 of virtual www: weight 1 -> 2"]
    blocks = page.locator("#changes .block-name").all_inner_texts()
    assert blocks == ["global", "virtual www / server www2"]

    page.goto(served.url + "/virtual/new")
    page.fill("#name", "web-api")
    page.fill("#address", "198.51.100.40")
    page.fill("#device", "eth0:4")
    accept(page)
    screenshot(page, "traps-05-diff-in-words")
    assert "virtual web-api added" in page.locator("#change-summary li").all_inner_texts()
    blocks = page.locator("#changes .block-name").all_inner_texts()
    assert blocks == ["global", "virtual web-api"], blocks
    added = page.locator("#changes tr.added code").all_inner_texts()
    assert added[1] == "virtual web-api {" and added[-1] == "}", added


# ---------------------------------------------------------------------- trap 6: TEST page

@pytest.fixture
def served_probe(tmp_path: Path) -> Iterator[Served]:
    with loopback.serving(loopback.banner_handler) as ftp_like:
        config = (ROOT / "lvs.cf.example").read_text().replace(
            "address = 10.0.0.11\n         active = 1\n",
            f"address = 127.0.0.1\n         active = 1\n         port = {ftp_like.port}\n")
        server = start_server(tmp_path, config)
        yield server
        stop_server(server)


def test_test_page_shows_the_strings_being_tested_not_the_saved_ones(
    page: Page, served_probe: Served
) -> None:
    login(page, served_probe)
    page.goto(served_probe.url + "/virtual/monitoring/?virtual=www")
    page.fill("#send", "quit\\r\\n")
    page.fill("#expect", "220")
    page.click("#test")
    page.wait_for_selector("#probe-results")
    sends, expects = page.inner_text("#nanny-send"), page.inner_text("#nanny-expect")
    assert "quit" in sends and "GET" not in sends, sends
    assert "220" in expects and "HTTP" not in expects, expects


# ---------------------------------------------------------------------- trap 8

def test_renamed_by_another_admin_keeps_the_input_on_the_conflict_page(
    page: Page, served: Served
) -> None:
    login(page, served)
    page.goto(served.url + "/virtual/edit?virtual=www")
    served.config.write_text(served.config.read_text().replace("virtual www {", "virtual web {"))
    page.fill("#port", "8080")
    accept(page)
    screenshot(page, "traps-06-renamed-conflict")
    assert page.locator("#conflict").count() == 1
    assert "www" in page.inner_text("#conflict-message")
    assert page.locator("#port").input_value() == "8080"
    assert "port = 8080" not in served.config.read_text()


def test_vip_zero_warns_and_leaving_nat_removes_the_nat_netmask(
    page: Page, served: Served
) -> None:
    served.config.write_text(served.config.read_text().replace(
        "network = direct\n", "network = nat\nnat_router = 10.0.0.254 eth1:1\n"
        "nat_nmask = 255.255.255.0\n"))
    login(page, served)
    page.goto(served.url + "/virtual/new")
    page.fill("#name", "nowhere")
    page.fill("#address", "0.0.0.0")
    page.fill("#device", "eth0:5")
    accept(page)
    assert "the virtual IP 0.0.0.0 is no address" in page.inner_text("#row-address")

    page.goto(served.url + "/global/")
    page.click("#network-direct")
    page.wait_for_load_state()
    text = served.config.read_text()
    assert "network = direct" in text
    assert "nat_router" not in text and "nat_nmask" not in text


# ---------------------------------------------------------------------- any screen

def test_numeric_fields_unsaved_warning_and_active_checkbox_for_new_real_servers(
    page: Page, served: Served
) -> None:
    login(page, served)
    page.goto(served.url + "/virtual/edit?virtual=www")
    for field in ("port", "timeout", "reentry", "persistent", "fwmark"):
        assert page.locator(f"#{field}").get_attribute("inputmode") == "numeric", field
    assert page.locator("script[src*='/static/']").count() == 1

    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.focus("#timeout")
    page.press("#timeout", "End")
    page.keyboard.type("7")
    page.click("#tab-global_settings")
    deadline = time.monotonic() + 30  # wait for the question, not a fixed half second
    while not dialogs and time.monotonic() < deadline:
        page.wait_for_timeout(50)  # lets Playwright deliver the dialog event
    assert dialogs == ["beforeunload"]
    assert "/virtual/edit" in page.url
    page.remove_listener("dialog", dismiss)
    accept(page)  # submitting the form is no "leaving with unsaved changes"
    assert "timeout = 67" in served.config.read_text()

    page.goto(served.url + "/virtual/servers/new?virtual=www")
    assert page.locator("#active").is_checked() is False
    page.fill("#name", "www3")
    page.fill("#address", "10.0.0.13")
    page.check("#active")
    accept(page)
    assert "server www3 {\n         address = 10.0.0.13\n         active = 1\n" in \
        served.config.read_text()


def test_forms_work_without_javascript(browser: Any, served: Served) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, served)
        page.goto(served.url + "/virtual/edit?virtual=www")
        page.fill("#timeout", "9")
        accept(page)
        assert "timeout = 9" in served.config.read_text()
    finally:
        context.close()


def test_header_status_and_findings_line_fit_a_phone(
    browser: Any, served_negative: Served
) -> None:
    """At 390 px the header (with the sync status) and the findings line stay within the
    screen; the FINDINGS page and an edit page are screenshot for a look."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        login(page, served_negative)
        page.goto(served_negative.url + "/virtual/edit?virtual=portal1v1")
        page.fill("#timeout", "6")
        accept(page)
        for selector in ("header.titlebar", "#findings-summary"):
            box = page.locator(selector).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, \
                (selector, box)
        screenshot(page, "traps-07-edit-390")
        page.click("#findings-link")
        screenshot(page, "traps-08-findings-390")
    finally:
        context.close()
