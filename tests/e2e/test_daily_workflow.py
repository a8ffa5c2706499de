"""Issue 27, second half, in real Chromium against `piranha-web serve`: what each role sees,
the login page, two instances on one host, marks across pages, RESTORE's preview, UNDO,
HISTORY summaries, the backup's status and the CONTROL/TEST summaries.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import Served, cli, screenshot, start_server, stop_server

pytestmark = pytest.mark.e2e

Page = Any
ANN, OTTO, VERA = ("ann", "ann-Secret-pw-1"), ("otto", "otto-Secret-pw-2"), ("vera", "vera-pw-33")


def add_users(served: Served) -> None:
    """ann (admin), otto (operator) and vera (viewer) beside the default admin piranha."""
    for (name, password), role in ((ANN, "admin"), (OTTO, "operator"), (VERA, "viewer")):
        cli("user", "add", name, "--role", role, "--state-dir", str(served.state_dir),
            "--password-stdin", stdin=password + "\n")


def log_in(page: Page, served: Served, user: tuple[str, str] = ("piranha", "")) -> None:
    page.goto(served.url + "/login")
    page.fill("#username", user[0])
    page.fill("#password", user[1] or served.password)
    page.click("#login")
    page.wait_for_selector("#logout")


@pytest.fixture
def example(tmp_path: Path) -> Iterator[Served]:
    """piranha-web on lvs.cf.example with the three extra users."""
    server = start_server(tmp_path, (ROOT / "lvs.cf.example").read_text())
    add_users(server)
    yield server
    stop_server(server)


def test_the_login_page_names_no_path_and_users_shows_the_command_to_admins(
    page: Page, example: Served
) -> None:
    page.goto(example.url + "/login")
    text = page.content()
    assert str(example.state_dir) not in text and str(ROOT) not in text
    assert page.query_selector("#passwd-command") is None
    log_in(page, example)
    page.goto(example.url + "/users/")
    assert str(example.state_dir) in page.inner_text("#passwd-command")


def test_two_instances_on_one_host_keep_their_own_sessions(
    page: Page, example: Served, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Cookies do not tell ports apart: logging in to the second must not log out the first."""
    other = start_server(tmp_path_factory.mktemp("other"), (ROOT / "lvs.cf.example").read_text())
    try:
        log_in(page, example)
        log_in(page, other)
        page.goto(example.url + "/virtual/")
        assert page.query_selector("#logout") is not None, page.url
        page.goto(other.url + "/virtual/")
        assert page.query_selector("#logout") is not None, page.url
    finally:
        stop_server(other)
    screenshot(page, "daily-two-instances")


def disabled(page: Page, selector: str) -> bool:
    """True when the (first) element is disabled and says why in its title."""
    element = page.query_selector(selector)
    assert element is not None, selector
    if not element.is_disabled():
        return False
    assert "role" in (element.get_attribute("title") or ""), selector
    return True


def test_a_viewer_sees_every_button_greyed_out_with_the_reason(
    page: Page, example: Served
) -> None:
    log_in(page, example, VERA)
    assert "viewer" in page.inner_text("#role-note")
    page.goto(example.url + "/virtual/")
    for button in ("#add", "#delete", "#toggle", "#activate-marked", "#deactivate-marked"):
        assert disabled(page, button), button
    assert not disabled(page, "#edit")
    page.check("#row-www input[name=selected]")
    page.click("#edit")
    page.wait_for_selector("#virtual-form")
    assert disabled(page, "#accept") and "viewer" in page.inner_text("#accept-note")
    assert page.get_attribute("#port", "readonly") is not None
    assert not disabled(page, "#cancel")
    page.goto(example.url + "/virtual/servers/edit?virtual=www&server=www1")
    assert disabled(page, "#accept")
    assert page.get_attribute("#weight", "readonly") is not None
    page.goto(example.url + "/virtual/monitoring/?virtual=www")
    assert disabled(page, "#test") and disabled(page, "#blank-send")
    page.goto(example.url + "/global/")
    assert disabled(page, "#accept") and disabled(page, "#network-direct")
    page.goto(example.url + "/redundancy/")
    assert disabled(page, "#accept") and disabled(page, "#sync-settings-accept")
    page.goto(example.url + "/keepalived/")
    assert disabled(page, "#engine-save") and page.is_disabled("#engine")
    page.goto(example.url + "/control/")
    assert disabled(page, "#sync-now")
    assert page.query_selector("#tab-users") is None
    screenshot(page, "daily-viewer-control")


def test_an_operator_may_change_the_weight_and_toggle_but_not_add(
    page: Page, example: Served
) -> None:
    log_in(page, example, OTTO)
    page.goto(example.url + "/virtual/")
    assert disabled(page, "#add") and disabled(page, "#delete")
    assert not disabled(page, "#toggle") and not disabled(page, "#activate-marked")
    page.goto(example.url + "/virtual/servers/?virtual=www")
    assert not disabled(page, "#check-now")
    page.goto(example.url + "/virtual/servers/edit?virtual=www&server=www1")
    assert page.get_attribute("#weight", "readonly") is None
    assert page.get_attribute("#address", "readonly") is not None
    assert page.get_attribute("#name", "readonly") is not None
    assert not disabled(page, "#accept")
    page.fill("#weight", "7")
    page.click("#accept")
    page.wait_for_selector("#outcome-message")
    assert "weight = 7" in example.config.read_text()
    page.goto(example.url + "/virtual/edit?virtual=www")
    assert disabled(page, "#accept")
    page.goto(example.url + "/control/")
    assert not disabled(page, "#sync-now")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(example.url + "/virtual/")
    screenshot(page, "daily-operator-390")


def test_an_admin_sees_every_button_enabled(page: Page, example: Served) -> None:
    log_in(page, example, ANN)
    assert page.query_selector("#role-note") is None
    page.goto(example.url + "/virtual/")
    for button in ("#add", "#delete", "#edit", "#toggle"):
        assert not disabled(page, button), button
    page.goto(example.url + "/virtual/servers/edit?virtual=www&server=www1")
    assert page.get_attribute("#address", "readonly") is None
    page.goto(example.url + "/virtual/servers/new?virtual=www")
    assert not page.is_disabled("#active") and not disabled(page, "#accept")


def history_summaries(page: Page, served: Served) -> list[str]:
    """The summary cell of each HISTORY row, newest first, blanks folded."""
    page.goto(served.url + "/history/")
    return [" ".join(cell.inner_text().split())
            for cell in page.query_selector_all("#history tbody tr .summary")]


def test_history_names_hand_edits_of_an_unknown_scheduler_and_renames(
    page: Page, example: Served
) -> None:
    log_in(page, example)
    history_summaries(page, example)  # the file is first seen
    text = example.config.read_text()
    example.config.write_text(text.replace("scheduler = wlc", "scheduler = sed", 1))
    assert history_summaries(page, example)[0] == (
        "virtual www: scheduler wlc -> sed (sed is not a scheduler pulse knows)")
    example.config.write_text(text.replace("server www2 {", "server www1 {"))
    summaries = history_summaries(page, example)
    assert "virtual www: scheduler sed -> wlc" in summaries[0]
    assert "server www2 of virtual www renamed to www1 (#2)" in summaries[0]
    screenshot(page, "daily-history-summaries")


def accept_port(page: Page, served: Served, port: str) -> None:
    page.goto(served.url + "/virtual/edit?virtual=www")
    page.fill("#port", port)
    page.click("#accept")
    page.wait_for_selector("#outcome-message")


def test_restore_shows_what_it_changes_relative_to_now_and_asks_first(
    page: Page, example: Served
) -> None:
    log_in(page, example, ANN)
    accept_port(page, example, "8080")
    page.goto(example.url + "/history/")
    oldest = page.query_selector_all("#history tbody tr")[-1].get_attribute("id")
    page.goto(example.url + f"/history/view?revision={oldest.removeprefix('rev-')}")
    before = example.config.read_text()
    page.click("#restore")
    assert page.inner_text("#restore-summary").strip() == "virtual www: port 8080 -> 80"
    assert "port = 8080" in page.inner_text("#restore-changes")
    assert example.config.read_text() == before  # nothing yet
    screenshot(page, "daily-restore-confirm")
    page.click("#restore-cancel")
    assert example.config.read_text() == before
    page.click("#restore")
    page.click("#restore-confirm")
    page.wait_for_selector("#outcome-message")
    assert "port = 80\n" in example.config.read_text()


def test_undo_after_another_users_save_takes_back_only_that_change(
    page: Page, example: Served, browser: Any
) -> None:
    log_in(page, example, ANN)
    accept_port(page, example, "8080")
    other = browser.new_context().new_page()
    try:
        log_in(other, example)
        other.goto(example.url + "/virtual/servers/edit?virtual=www&server=www1")
        other.fill("#weight", "6")
        other.click("#accept")
        other.wait_for_selector("#outcome-message")
    finally:
        other.context.close()
    page.click("#undo")
    page.wait_for_selector("#outcome-message")
    assert "was undone" in page.inner_text("#outcome-message")
    text = example.config.read_text()
    assert "port = 8080" not in text and "weight = 6" in text


def test_undo_after_the_same_line_changed_again_explains_and_changes_nothing(
    page: Page, example: Served, browser: Any
) -> None:
    log_in(page, example, ANN)
    accept_port(page, example, "8081")
    other = browser.new_context().new_page()
    try:
        log_in(other, example)
        accept_port(other, example, "8082")
    finally:
        other.context.close()
    before = example.config.read_text()
    page.click("#undo")
    assert "UNDO refused" in page.inner_text("#flashes")
    assert example.config.read_text() == before


def test_control_says_how_many_vips_are_up_first_and_lists_them_on_demand(
    page: Page, tmp_path: Path
) -> None:
    """200 virtual servers, none of whose VIPs is on this host: one sentence, not 200."""
    from bench.bench_core import generate

    served = start_server(tmp_path, generate(200, 1))
    try:
        log_in(page, served)
        page.goto(served.url + "/control/")
        summary = page.inner_text("#vips-summary")
        assert summary.startswith("0 of 200 VIPs up here.")
        assert summary.count("normal on the backup router") == 1
        assert not page.is_visible("#vips")  # details on demand
        page.click("#vips-details summary")
        assert page.is_visible("#vip-200")
        assert page.inner_text("#vip-1 td:nth-child(4)") == "not up here"
        screenshot(page, "daily-control-200-vips")
    finally:
        stop_server(served)


def test_test_says_how_many_real_servers_are_up_first_details_of_the_down_ones_open(
    page: Page, tmp_path: Path
) -> None:
    from tests.monitor import loopback

    with loopback.serving(loopback.banner_handler) as alive:
        dead = loopback.closed_port()
        servers = "".join(
            f"     server rs{n} {{\n         address = 127.0.0.1\n         active = 1\n"
            f"         port = {dead if n in (7, 21) else alive.port}\n     }}\n"
            for n in range(1, 33))
        config = ("primary = 127.0.0.1\nvirtual ftp {\n     active = 1\n"
                  "     address = 198.51.100.30 eth0:3\n     port = 21\n     timeout = 2\n"
                  f"{servers}}}\n")
        served = start_server(tmp_path, config)
        try:
            log_in(page, served)
            page.goto(served.url + "/virtual/monitoring/?virtual=ftp")
            page.fill("#send", "quit\\r\\n")
            page.fill("#expect", "220")
            page.click("#test")
            page.wait_for_selector("#probe-summary")
            assert page.inner_text("#probe-summary").startswith("30 of 32 up")
            rows = {page.inner_text(f"#probe-{i} td >> nth=0"): i for i in range(1, 33)}
            assert page.is_visible(f"#probe-{rows['rs7']} .probe-details .note")
            assert not page.is_visible(f"#probe-{rows['rs1']} .probe-details .note")
            assert page.is_visible(f"#probe-{rows['rs1']} .probe-reason")
            screenshot(page, "daily-test-32")
        finally:
            stop_server(served)


@pytest.fixture
def with_backup(tmp_path: Path, backup_router: Any) -> Iterator[tuple[Served, Path, Any]]:
    """piranha-web whose lvs.cf has an error (port 0), its backup router a real sshd in a
    namespace, host key confirmed beforehand on the command line."""
    import subprocess

    from tests.helpers.sshd import lvs_cf_text

    remote = backup_router.new_dir("daily") / "lvs.cf"
    config, state = tmp_path / "lvs.cf", tmp_path / "state"
    config.write_text(lvs_cf_text(backup_router.address).replace("port = 80", "port = 0", 1))
    sync = ["sync", "--config", str(config), "--state-dir", str(state)]
    cli(*sync, "--identity", str(backup_router.keys["client"]), "--remote-path", str(remote),
        "--save-settings")
    fingerprint = subprocess.run(
        ["ssh-keygen", "-lf", str(backup_router.keys["host"]) + ".pub"],
        capture_output=True, text=True, check=True).stdout.split()[1]
    cli(*sync, "--trust-host-key", fingerprint)
    server = start_server(tmp_path)
    yield server, remote, backup_router
    stop_server(server)


def header(page: Page) -> str:
    return " ".join(page.inner_text("#sync-indicator-text").split())


def test_the_header_says_exactly_what_the_backup_router_holds(
    page: Page, with_backup: tuple[Served, Path, Any]
) -> None:
    served, remote, router = with_backup
    log_in(page, served)
    page.goto(served.url + "/virtual/edit?virtual=www")
    page.fill("#timeout", "7")
    page.click("#accept")
    page.wait_for_selector("#sync-result")
    assert not remote.exists()
    assert header(page) == "Backup: has no lvs.cf from here"  # never "keeps its last good"

    page.goto(served.url + "/control/")
    page.click("#sync-now")
    page.click("#sync-confirm-copy")  # COPY ANYWAY a file pulse refuses
    page.wait_for_selector("#sync-state")
    assert remote.read_bytes() == served.config.read_bytes()
    assert header(page) == "Backup: holds this lvs.cf, with 1 error"
    assert "sync-failed" in (page.get_attribute("#sync-indicator", "class") or "")

    page.goto(served.url + "/virtual/edit?virtual=www")
    page.fill("#port", "80")
    page.click("#accept")
    page.wait_for_selector("#sync-result")
    assert header(page) == "Backup: in sync"
    good = served.config.read_bytes()

    router.restart_root_sshd("host", sftp=False)
    try:
        page.goto(served.url + "/control/")
        page.click("#sync-now")
        page.wait_for_selector("#sync-state")
        assert page.inner_text("#sync-state").startswith("IN SYNC")  # ssh sees the same file
        assert header(page) == "Backup: in sync"  # it holds this very file...
        page.click("#sync-indicator-text")
        assert "no sftp on the backup router" in page.inner_text("#sync-indicator-details")
        assert "unreachable" not in page.inner_text("#sync-indicator-details")
        page.goto(served.url + "/virtual/edit?virtual=www")
        page.fill("#timeout", "8")
        page.click("#accept")
        page.wait_for_selector("#sync-result")
        assert "no sftp on the backup router" in page.inner_text("#sync-result")
        assert header(page).startswith("Backup: holds the lvs.cf of ")
        assert remote.read_bytes() == good
        screenshot(page, "daily-backup-holds-older")
    finally:
        router.restart_root_sshd("host")


def marked_count(page: Page) -> str:
    return " ".join(page.inner_text("#marked-count").split())


def test_marks_are_kept_across_pages_and_every_match_can_be_marked(
    page: Page, tmp_path: Path
) -> None:
    """250 virtual servers (three pages): marks survive changing page and are counted; MARK ALL
    MATCHING marks every match of the search, on every page."""
    from bench.bench_core import generate

    served = start_server(tmp_path, generate(250, 1))
    try:
        log_in(page, served)
        page.goto(served.url + "/virtual/?sort=name")
        page.check("#row-vs1 input[name=marked]")
        page.check("#row-vs10 input[name=marked]")
        page.click("#page-next")
        page.wait_for_selector("#row-vs190")
        assert marked_count(page) == "2 marked (2 on other pages)."
        page.check("#row-vs190 input[name=marked]")
        page.click("#page-previous")
        page.wait_for_selector("#row-vs1")
        assert page.is_checked("#row-vs1 input[name=marked]")
        assert page.is_checked("#row-vs10 input[name=marked]")
        assert marked_count(page) == "3 marked (1 on other pages)."
        page.uncheck("#row-vs10 input[name=marked]")
        page.click("#deactivate-marked")
        page.wait_for_selector("#outcome-message")
        text = served.config.read_text()
        assert text.count("     active = 0") == 2
        assert "virtual vs10 {\n     active = 1" in text
        assert marked_count(page) == "0 marked."

        page.fill("#q", "eth0:1")  # vs0, vs9..vs18, vs99..vs198: 111 matches, two pages
        page.click("#search")
        page.click("#mark-all")
        page.wait_for_selector("#marked-count")
        assert marked_count(page) == "111 marked (11 on other pages)."
        page.click("#deactivate-marked")
        page.wait_for_selector("#outcome-message")
        assert served.config.read_text().count("     active = 0") == 112  # and vs1
        screenshot(page, "daily-marks")
    finally:
        stop_server(served)
