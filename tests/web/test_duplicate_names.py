"""Two blocks with the same name (a hand edit): both listed, neither edited through the name."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from tests.web.conftest import BASE, build_web, form_of

TWICE = BASE + BASE[BASE.index("virtual web {"):BASE.index("virtual mail {")].replace(
    "192.0.2.10 eth0:1", "192.0.2.11 eth0:3")
SERVER_TWICE = BASE.replace("     server rs2 {", "     server rs1 {")


def test_both_virtual_servers_stay_listed(tmp_path: Path) -> None:
    page = build_web(tmp_path, TWICE).client().get("/virtual/").get_data(as_text=True)
    assert "192.0.2.10" in page and "192.0.2.11" in page


@pytest.mark.parametrize("url", ["/virtual/edit?virtual=web", "/virtual/servers/?virtual=web",
                                 "/virtual/monitoring/?virtual=web"])
def test_an_ambiguous_virtual_server_is_refused_with_how_to_fix_it(
    tmp_path: Path, url: str
) -> None:
    web = build_web(tmp_path, TWICE)
    response = web.client().get(url)
    assert response.status_code == 409
    page = html.unescape(response.get_data(as_text=True))
    assert "2 blocks for the virtual server 'web'" in page
    assert "cannot tell which one" in page and "Rename or remove one of them" in page


def test_an_edit_of_an_ambiguous_name_changes_nothing(tmp_path: Path) -> None:
    web = build_web(tmp_path)
    client = web.client()
    data = {**form_of(client, "/virtual/edit?virtual=web"), "port": "8080",
            "action": "ACCEPT"}
    web.config.write_text(TWICE)  # the hand edit happens while the form is open
    response = client.post("/virtual/edit?virtual=web", data=data)
    assert response.status_code == 409
    assert web.config.read_text() == TWICE


def test_an_ambiguous_real_server_is_refused(tmp_path: Path) -> None:
    web = build_web(tmp_path, SERVER_TWICE)
    client = web.client()
    listing = client.get("/virtual/servers/?virtual=web")
    assert listing.status_code == 200
    assert "10.0.0.1" in listing.get_data(as_text=True)
    assert "10.0.0.2" in listing.get_data(as_text=True)
    response = client.get("/virtual/servers/edit?virtual=web&server=rs1")
    assert response.status_code == 409
    page = html.unescape(response.get_data(as_text=True))
    assert "the real server 'rs1' of virtual server 'web'" in page
