"""The list pages' extra columns and bulk buttons (issue 10): findings marks, FWMARK, real
server counts, the live IPVS state read from a captured /proc/net/ip_vs, one save per bulk."""

from __future__ import annotations

import html
import re
from pathlib import Path

from flask.testing import FlaskClient

from piranha_web.netinfo import NetInfo
from tests.conftest import ROOT
from tests.web.conftest import BASE, Web, build_web, headings, revision_of, row_cells

#: /proc/net/ip_vs captured from the IPVS VM (tests/netinfo): TCP 192.0.2.10:80 wlc, Route,
#: 198.51.100.12 weight 0 and 198.51.100.11 weight 1
CAPTURED = ROOT / "tests" / "data" / "ipvs" / "scenario.proc.txt"
LIVE_BASE = BASE.replace("10.0.0.1", "198.51.100.11").replace("10.0.0.2", "198.51.100.12")


def cells_by_heading(page: str, name: str) -> dict[str, str]:
    return dict(zip(headings(page)[1:], row_cells(page, name), strict=True))


def test_virtual_servers_list_shows_fwmark_real_servers_and_findings(tmp_path: Path) -> None:
    text = BASE.replace("     port  =  25\n", "     port  =  25\n     fwmark = 25\n").replace(
        "     timeout = 6\n     reentry = 15\n}", "     timeout = 6\n     reentry = 15\n"
        "     server m1 {\n         address = 10.0.0.9\n         active = 0\n     }\n}")
    client = build_web(tmp_path, text).client()
    page = client.get("/virtual/").get_data(as_text=True)
    mail = cells_by_heading(page, "mail")
    assert (mail["PORT"], mail["FWMARK"], mail["REAL SERVERS"]) == ("fwmark", "25", "0/1")
    web = cells_by_heading(page, "web")
    assert (web["PORT"], web["FWMARK"], web["REAL SERVERS"]) == ("80", "", "2/2")
    assert "LIVE" not in headings(page), "no IPVS table: no live column"


def test_findings_are_marked_on_the_rows_they_name(tmp_path: Path) -> None:
    text = BASE.replace("         weight = 2\n", "         weight = 2\n         bogus = 1\n")
    client = build_web(tmp_path, text).client()
    virtuals = client.get("/virtual/").get_data(as_text=True)
    assert cells_by_heading(virtuals, "web")["FINDINGS"] == "1 error"
    assert cells_by_heading(virtuals, "mail")["FINDINGS"] == ""
    servers = client.get("/virtual/servers/?virtual=web").get_data(as_text=True)
    assert cells_by_heading(servers, "rs2")["FINDINGS"] == "1 error"
    assert cells_by_heading(servers, "rs1")["FINDINGS"] == ""
    assert re.search(r'title="lvs\.cf:\d+: error: [^"]*bogus', servers)


def test_live_state_from_the_ipvs_table_beside_the_configured_status(tmp_path: Path) -> None:
    web = build_web(tmp_path, LIVE_BASE)
    web.services.netinfo = NetInfo(proc_ip_vs=CAPTURED, use_netlink=False, hz=100)
    client = web.client()
    servers = client.get("/virtual/servers/?virtual=web").get_data(as_text=True)
    rs1, rs2 = cells_by_heading(servers, "rs1"), cells_by_heading(servers, "rs2")
    assert (rs1["STATUS"], rs1["IN IPVS"], rs1["CONNECTIONS"]) == ("up", "yes, weight 1", "0 / 0")
    assert (rs2["STATUS"], rs2["IN IPVS"]) == ("up", "yes, weight 0")
    assert "quiesced" in servers or "weight 0" in servers
    virtuals = client.get("/virtual/").get_data(as_text=True)
    assert cells_by_heading(virtuals, "web")["LIVE"] == "1 of 2 real servers up"
    assert cells_by_heading(virtuals, "mail")["LIVE"] == "inactive"


def test_live_state_says_why_it_is_missing(tmp_path: Path) -> None:
    web = build_web(tmp_path)
    web.services.netinfo = NetInfo(proc_ip_vs=tmp_path / "no-ip_vs", use_netlink=False)
    page = web.client().get("/virtual/servers/?virtual=web").get_data(as_text=True)
    assert "Live state: This router&#39;s kernel has no IPVS" in page
    assert "IN IPVS" not in headings(page)


def test_bulk_deactivate_is_one_revision_checked_save(web: Web, client: FlaskClient) -> None:
    page = client.get("/virtual/servers/?virtual=web").get_data(as_text=True)
    revision = revision_of(page)
    response = client.post("/virtual/servers/?virtual=web&q=rs", data={
        "revision": revision, "action": "DEACTIVATE MARKED", "marked": ["rs1", "rs2"],
        "selected": "rs2"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/virtual/servers/?virtual=web&q=rs&selected=rs2"
    text = web.config.read_text()
    assert "serial_no = 8" in text and "active = 1\n         weight" not in text
    assert text.count("         active = 0") == 2
    # the same form again: the revision is stale, nothing is written
    again = client.post("/virtual/servers/?virtual=web", data={
        "revision": revision, "action": "ACTIVATE MARKED", "marked": ["rs1"]})
    assert again.status_code == 409 and web.config.read_text() == text


def test_bulk_without_marks_explains_the_boxes(web: Web, client: FlaskClient) -> None:
    before = web.config.read_bytes()
    revision = revision_of(client.get("/virtual/").get_data(as_text=True))
    response = client.post("/virtual/", data={"revision": revision,
                                              "action": "ACTIVATE MARKED"})
    assert response.status_code == 400
    assert "Mark the virtual servers" in response.get_data(as_text=True)
    assert web.config.read_bytes() == before


def test_bulk_activate_of_virtual_servers_leaves_active_ones_untouched(
    web: Web, client: FlaskClient
) -> None:
    revision = revision_of(client.get("/virtual/").get_data(as_text=True))
    response = client.post("/virtual/", data={
        "revision": revision, "action": "ACTIVATE MARKED", "marked": ["web", "mail"]})
    assert response.status_code == 303
    text = web.config.read_text()
    assert text == BASE.replace("serial_no = 7", "serial_no = 8").replace(
        "virtual mail {\n     active = 0", "virtual mail {\n     active = 1")


def test_the_list_keeps_its_search_after_edit_and_cancel(client: FlaskClient) -> None:
    page = client.get("/virtual/?q=mail").get_data(as_text=True)
    assert 'id="row-mail"' in page and 'id="row-web"' not in page
    response = client.post("/virtual/edit?virtual=mail", data={"action": "CANCEL"})
    assert response.headers["Location"] == "/virtual/?selected=mail"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="row-web"' not in page and 'value="mail"' in page
    assert re.search(r'value="mail" id="select-1"[^>]*checked', page)
    page = client.get("/virtual/?q=").get_data(as_text=True)
    assert 'id="row-web"' in page


def marked_boxes(page: str) -> list[str]:
    return re.findall(r'name="marked" value="([^"]+)"[^>]*checked', page)


def test_marks_are_kept_per_list_and_mark_all_matching_keeps_the_search(
    web: Web, client: FlaskClient
) -> None:
    """Issue 27: marks survive any POST of the list form; MARK ALL MATCHING keeps the search,
    a box unticked afterwards is left out; another virtual server's list has its own marks."""
    url = "/virtual/servers/?virtual=web"
    revision = revision_of(client.get(url).get_data(as_text=True))
    client.post(url, data={"revision": revision, "action": "PAGE", "marked": ["rs2"],
                           "shown": ["rs1", "rs2"]})
    page = client.get(url).get_data(as_text=True)
    assert marked_boxes(page) == ["rs2"] and "1 marked." in page
    client.post(url + "&q=rs", data={"revision": revision, "action": "MARK ALL MATCHING"})
    assert marked_boxes(client.get(url).get_data(as_text=True)) == ["rs1", "rs2"]
    client.post(url, data={"revision": revision, "action": "PAGE", "marked": ["rs1"],
                           "shown": ["rs1", "rs2"]})
    assert marked_boxes(client.get(url).get_data(as_text=True)) == ["rs1"]
    assert marked_boxes(client.get("/virtual/servers/?virtual=mail").get_data(
        as_text=True)) == []
    client.post(url, data={"revision": revision, "action": "CLEAR MARKS"})
    assert "0 marked." in client.get(url).get_data(as_text=True)


def test_a_viewer_may_change_pages_but_not_mark_all(web: Web) -> None:
    from piranha_web.accounts import Role

    web.services.accounts.add("vera", "vera password", Role.VIEWER)
    viewer = web.app.test_client()
    viewer.post("/login", data={"username": "vera", "password": "vera password"})
    revision = revision_of(viewer.get("/virtual/").get_data(as_text=True))
    assert viewer.post("/virtual/", data={"revision": revision, "action": "PAGE"}
                       ).status_code == 303
    assert viewer.post("/virtual/", data={"revision": revision, "action": "MARK ALL MATCHING"}
                       ).status_code == 403


def button_of(page: str, element_id: str) -> tuple[str, str, str]:
    """(form, value, formaction) of the submit button ``element_id`` (HTML unescaped)."""
    tag = re.search(rf'<button[^>]*id="{element_id}"[^>]*>', page)
    assert tag, element_id
    attrs = dict(re.findall(r'([a-z-]+)="([^"]*)"', tag.group(0)))
    return attrs["form"], attrs["value"], html.unescape(attrs["formaction"])


def test_sort_headings_and_show_all_are_list_form_buttons_that_keep_the_marks(
    web: Web, client: FlaskClient
) -> None:
    """Issue 27 item 3: the sort headings and "Show all" were links (GET): the boxes ticked
    on the page were lost.  They now submit the list form (SORT / SEARCH): marks kept, then
    the new view from its first page."""
    url = "/virtual/servers/?virtual=web"
    page = client.get(url + "&q=rs").get_data(as_text=True)
    assert button_of(page, "sort-name") == (
        "server-list", "SORT", "/virtual/servers/?virtual=web&q=rs&sort=name")
    assert button_of(page, "search-clear")[:2] == ("server-list", "SEARCH")
    assert 'href="/virtual/servers/?virtual=web&amp;q=rs&amp;sort=name' not in page
    revision = revision_of(page)
    _, _, sort_url = button_of(page, "sort-name")
    sorted_answer = client.post(sort_url, data={
        "revision": revision, "action": "SORT", "marked": ["rs2"], "shown": ["rs1", "rs2"],
        "selected": "rs2"})
    assert sorted_answer.status_code == 303
    assert sorted_answer.headers["Location"] == "/virtual/servers/?virtual=web&q=rs&sort=name"
    page = client.get(sorted_answer.headers["Location"]).get_data(as_text=True)
    assert marked_boxes(page) == ["rs2"]
    assert button_of(page, "sort-name")[2].endswith("sort=name&order=desc")  # the other way
    _, _, clear_url = button_of(page, "search-clear")
    cleared = client.post(clear_url, data={
        "revision": revision, "action": "SEARCH", "marked": ["rs1", "rs2"],
        "shown": ["rs1", "rs2"]})
    assert cleared.headers["Location"] == "/virtual/servers/?virtual=web&q=&sort=name"
    page = client.get(cleared.headers["Location"]).get_data(as_text=True)
    assert marked_boxes(page) == ["rs1", "rs2"] and 'id="search-clear"' not in page
    assert client.get(url).get_data(as_text=True).count('value="" maxlength') == 1  # q forgotten


def test_search_through_the_list_form_keeps_the_marks_and_the_sort(
    web: Web, client: FlaskClient
) -> None:
    """What forms.js sends for SEARCH: the list form to the search form's data-action plus q."""
    page = client.get("/virtual/?sort=name&order=desc").get_data(as_text=True)
    search = re.search(r'<form[^>]*id="list-search"[^>]*>', page)
    assert search
    attrs = dict(re.findall(r'([a-z-]+)="([^"]*)"', search.group(0)))
    assert attrs["data-list-form"] == "virtual-list"
    action = html.unescape(attrs["data-action"])
    assert action == "/virtual/?sort=name&order=desc"
    answer = client.post(action + "&q=mail", data={
        "revision": revision_of(page), "action": "SEARCH", "marked": ["web"],
        "shown": ["web", "mail"], "selected": "mail"})
    assert answer.headers["Location"] == "/virtual/?q=mail&sort=name&order=desc"
    assert marked_boxes(client.get("/virtual/").get_data(as_text=True)) == ["web"]


def test_a_viewer_may_sort_and_search_through_the_list_form(web: Web) -> None:
    from piranha_web.accounts import Role

    web.services.accounts.add("vera", "vera password", Role.VIEWER)
    viewer = web.app.test_client()
    viewer.post("/login", data={"username": "vera", "password": "vera password"})
    revision = revision_of(viewer.get("/virtual/").get_data(as_text=True))
    for button in ("SORT", "SEARCH"):
        assert viewer.post("/virtual/?sort=name", data={"revision": revision, "action": button}
                           ).status_code == 303
