"""Issue 27: a refused form is announced: the title counts its problems, a summary (role=alert,
focused on load without script) links every field error; a page without problems has neither.
A skip link opens every page."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.web.conftest import form_of


def post(client: FlaskClient, url: str, **typed: str) -> str:
    response = client.post(url, data={**form_of(client, url), **typed, "action": "ACCEPT"})
    assert response.status_code == 400
    return response.get_data(as_text=True)


def summary_links(page: str) -> list[tuple[str, str]]:
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    return re.findall(r'<a href="#([a-z_-]+)">([^<]*)</a>', summary)


def test_refused_add_has_title_summary_alert_and_focus(client: FlaskClient) -> None:
    page = post(client, "/virtual/new", name="web", address="300.1.1.1", device="eth 0")
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title and title.group(1).startswith("Error (3 problems): ")
    assert re.search(r'<div class="error-summary" id="error-summary" role="alert" '
                     r'tabindex="-1" autofocus', page)
    links = summary_links(page)
    assert [target for target, _ in links] == ["name", "address", "device"]
    assert links[0][1].startswith("Name: a virtual server called")


def test_one_problem_is_singular(client: FlaskClient) -> None:
    page = post(client, "/virtual/edit?virtual=web", port="http-ish")
    assert "<title>Error (1 problem): " in page and ">1 problem to correct<" in page


def test_a_page_without_problems_has_no_summary_but_a_skip_link(client: FlaskClient) -> None:
    page = client.get("/virtual/new").get_data(as_text=True)
    assert "error-summary" not in page and "<title>Error" not in page
    assert '<a class="skip-link" href="#content">Skip to content</a>' in page
    assert '<main id="content" tabindex="-1">' in page


def test_the_real_server_form_has_the_summary_too(client: FlaskClient) -> None:
    page = post(client, "/virtual/servers/new?virtual=web", name="rs9", address="300.1.1.1",
                weight="x")
    assert [target for target, _ in summary_links(page)] == ["address", "weight"]
