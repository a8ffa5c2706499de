"""Issue 24: on a 1,000 x 32 lvs.cf with 900 warnings, answers show what they are about.

The KEEPALIVED tab and an API write answer in a size that does not grow with the file's
warnings or its 12 MB keepalived.conf: the diff first and capped, a page of collapsed
sections, every whole file a download; a write lists the warnings of the lines it changed
and counts the rest.  Sizes, not times, are asserted (speed belongs in bench/).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bench.bench_core import generate
from piranha_web.keepalived.service import EngineSettings, save_settings
from piranha_web.lvscf.keepalived.sections import section_ends
from piranha_web.web.keepalived.views import DIFF_LINES, SECTIONS_PER_PAGE, WARNINGS_SHOWN
from tests.web.api.conftest import Api, build_api

PAGE_LIMIT = 2 * 1024 * 1024
ANSWER_LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Api:
    """The API and web app around issue 24's file (each alias device shared by ten)."""
    tmp = tmp_path_factory.mktemp("big")
    api = build_api(tmp, text=generate(1000, shared_aliases=True))
    save_settings(api.web.state_dir, EngineSettings(
        conf_path=str(tmp / "installed.conf"), check_command="/usr/bin/piranha-web"))
    return api


def test_the_file_has_the_900_warnings_of_the_issue(big: Api) -> None:
    findings = big.get("/findings").json
    assert findings is not None
    assert findings["errors"] == 0 and findings["warnings"] == 900


def test_the_keepalived_tab_is_small_with_the_diff_first(big: Api) -> None:
    response = big.web.client().get("/keepalived/")
    page = response.data.decode()
    assert response.status_code == 200
    assert len(response.data) <= PAGE_LIMIT, len(response.data)
    assert page.index('id="installed-diff"') < page.index('id="router-primary"')
    assert page.count("\n+") <= DIFF_LINES
    assert re.search(r'id="diff-more">The first 400 of \d+ lines', page)
    assert page.count("<details") == 2 * SECTIONS_PER_PAGE  # both routers, collapsed
    assert "<details open" not in page
    total, pages = sections_of(big)
    assert f"Sections 1 to 20 of {total} (page 1 of {pages})" in page
    warnings = page[page.index('id="warnings-primary"'):page.index('id="conf-primary"')]
    assert warnings.count("<li>") == WARNINGS_SHOWN
    assert "more: <a" in warnings


def test_the_last_page_of_sections_and_a_page_out_of_range(big: Api) -> None:
    client = big.web.client()
    total, pages = sections_of(big)
    first_shown = (pages - 1) * SECTIONS_PER_PAGE + 1
    last = client.get(f"/keepalived/?page={pages}").data.decode()
    assert f"Sections {first_shown} to {total} of {total} (page {pages} of {pages})" in last
    assert "<code>virtual_server 10.103.249.1 80</code>" in last  # the last virtual server
    assert 'rel="prev"' in last and 'rel="next"' not in last
    beyond = client.get(f"/keepalived/?page={pages + 9999}").data.decode()
    assert f"Sections {first_shown} to {total} of {total}" in beyond
    for bad in ("0", "-1", "x", "1e3"):
        assert f"Sections 1 to 20 of {total}" in client.get(
            f"/keepalived/?page={bad}").data.decode()


def sections_of(api: Api) -> tuple[int, int]:
    """How many sections this router's generated keepalived.conf has, and on how many pages
    (the checker's track_file blocks come before the 1,000 virtual servers)."""
    text = api.web.client().get("/keepalived/file/primary").data.decode()
    total = len(section_ends(text))
    assert total > 1000
    return total, -(-total // SECTIONS_PER_PAGE)


def test_each_whole_file_is_a_download(big: Api) -> None:
    client = big.web.client()
    whole = client.get("/keepalived/file/backup")
    assert whole.status_code == 200 and whole.mimetype == "text/plain"
    assert 'filename="keepalived-backup.conf"' in whole.headers["Content-Disposition"]
    text = whole.data.decode()
    assert text.startswith("# keepalived.conf for the backup router")
    assert text.count("\nvirtual_server ") == 1000
    warnings = client.get("/keepalived/warnings/primary").data.decode().splitlines()
    assert len(warnings) > WARNINGS_SHOWN and all(w.strip() for w in warnings)
    diff = client.get("/keepalived/diff").data.decode()
    assert diff.count("\n+") > DIFF_LINES  # nothing installed yet: the whole file is added
    assert client.get("/keepalived/file/other").status_code == 404
    assert big.web.client(login=False).get("/keepalived/file/primary").status_code in (302, 303)


def test_a_one_field_api_write_answers_with_its_change_not_the_files_warnings(
    big: Api
) -> None:
    response = big.write("PATCH", "/virtual-servers/vs5", {"timeout": "7"})
    assert response.status_code == 200, response.json
    assert len(response.data) <= ANSWER_LIMIT, len(response.data)
    answer = response.json
    assert answer is not None
    assert answer["warnings"] == [] and answer["warnings_total"] == 900
    assert [c["text"].strip() for c in answer["changes"] if c["sign"] == "+"][-1] == "timeout = 7"


def test_a_write_that_adds_a_warning_lists_it(big: Api) -> None:
    # vs150 takes the device of vs50 (and of vs0, vs100, ...): its address line is warned
    response = big.write("PATCH", "/virtual-servers/vs150",
                         {"address": "10.100.150.1 eth0:0"})
    assert response.status_code == 200, response.json
    answer = response.json
    assert answer is not None
    assert answer["warnings_total"] == 900  # vs150 left eth0:50 and joined eth0:0
    assert len(answer["warnings"]) == 1
    assert "eth0:0 already carries 10.100.0.1" in answer["warnings"][0]["message"]
    assert len(response.data) <= ANSWER_LIMIT


def findings_of(api: Api) -> list[dict[str, Any]]:
    """The findings GET /findings answers."""
    body = api.get("/findings").json
    assert body is not None
    found: list[dict[str, Any]] = body["findings"]
    return found


def test_warnings_keep_their_lines_after_an_edit_above_them(big: Api, tmp_path: Path) -> None:
    before = {f["message"]: f["line"] for f in findings_of(big)}
    document = big.web.services.store.load().document
    document.set("persistent", "30", virtual="vs1")  # one line more above vs100 ... vs999
    big.web.services.store.save(document, big.web.services.store.revision())
    after = {f["message"]: f["line"] for f in findings_of(big)}
    moved = [m for m in before if "virtual vs5" not in m]
    assert moved and all(after[m] == before[m] + 1 for m in moved if m in after)
    text = big.web.config.read_text().splitlines()
    for finding in findings_of(big)[:50]:
        assert text[finding["line"] - 1].strip().startswith(finding.get("key") or "address")


def test_a_revision_page_shows_its_change_first_and_a_page_of_text(big: Api) -> None:
    """Issue 24: the HISTORY revision page printed the whole file (911,000 characters at 200
    virtual servers); now the change of its save, then TEXT_LINES lines a page."""
    response = big.write("PATCH", "/virtual-servers/vs900", {"timeout": "9"})
    assert response.status_code == 200
    newest = big.web.services.history.revisions()[0]
    client = big.web.client()
    page = client.get(f"/history/view?revision={newest.revision}").data.decode()
    assert len(page) <= 256 * 1024, len(page)
    assert page.index('id="changes"') < page.index('id="text"')
    changes = page[page.index('id="changes"'):page.index('id="text"')]
    assert "virtual vs900" in changes and "timeout = 9" in changes
    total = len(big.web.config.read_text().splitlines())
    assert f"Lines 1 to 500 of {total} (page 1 of" in page and 'rel="next"' in page
    last = (total + 499) // 500
    tail = client.get(f"/history/view?revision={newest.revision}&page={last + 5}").data.decode()
    assert f"Lines {(last - 1) * 500 + 1} to {total} of {total}" in tail
    assert 'rel="next"' not in tail and 'rel="prev"' in tail
    whole = client.get(f"/history/text?revision={newest.revision}")
    assert whole.mimetype == "text/plain" and whole.data == big.web.config.read_bytes()
    assert client.get("/history/text?revision=0123456789ab").status_code == 404
