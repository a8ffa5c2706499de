"""REAL SERVER subsection: list, ADD, EDIT REAL SERVER, DELETE, (DE)ACTIVATE, errors, conflict."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.web.conftest import Web, file_diff, form_of, form_values, headings, row_cells

LIST = "/virtual/servers/?virtual=web"
EDIT = "/virtual/servers/edit?virtual=web&server=rs2"


def accept(client: FlaskClient, url: str, **changes: str) -> TestResponse:
    data = {**form_of(client, url), **changes, "action": "ACCEPT"}
    return client.post(url, data=data)


def press(client: FlaskClient, button: str, selected: str | None = None) -> TestResponse:
    data = {**form_of(client, LIST), "action": button}
    if selected is not None:
        data["selected"] = selected
    return client.post(LIST, data=data)


def test_list_shows_status_name_address_port_and_weight(client: FlaskClient) -> None:
    page = client.get(LIST).get_data(as_text=True)
    shown = headings(page)
    assert [h for h in shown if h in ("STATUS", "NAME", "ADDRESS", "PORT", "WEIGHT")] == [
        "STATUS", "NAME", "ADDRESS", "PORT", "WEIGHT"]
    cells = dict(zip(shown[1:], row_cells(page, "rs2"), strict=True))
    assert [cells[h] for h in ("STATUS", "NAME", "ADDRESS", "PORT", "WEIGHT")] == [
        "up", "rs2", "10.0.0.2", "80 (virtual server's port)", "2"]
    for button in ("ADD", "DELETE", "EDIT", "(DE)ACTIVATE"):
        assert f">{button}</button>" in page


def test_edit_button_opens_edit_real_server(client: FlaskClient) -> None:
    response = press(client, "EDIT", "rs2")
    assert response.status_code == 303
    assert response.headers["Location"] == EDIT
    page = client.get(EDIT).get_data(as_text=True)
    for label in ("Name", "Address", "Port", "Weight"):
        assert f">{label}</label>" in page
    assert "Leave blank to default to the Virtual Server" in page


def test_weight_and_port_are_written_into_the_server_block(web: Web, client: FlaskClient) -> None:
    before = web.config.read_text()
    response = accept(client, EDIT, weight="5", port="8080")
    assert response.status_code == 303
    assert response.headers["Location"] == EDIT
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 7", "         weight = 2"],
        ["serial_no = 8", "         port = 8080", "         weight = 5"],
    )
    assert "Real server rs2 saved." in client.get(EDIT).get_data(as_text=True)


def test_blank_port_removes_the_key_so_the_virtual_port_applies(
    web: Web, client: FlaskClient
) -> None:
    accept(client, EDIT, port="8080")
    before = web.config.read_text()
    response = accept(client, EDIT, port="")
    assert response.status_code == 303
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 8", "         port = 8080"], ["serial_no = 9"]
    )


def test_rename_keeps_the_block_and_follows_the_new_name(web: Web, client: FlaskClient) -> None:
    before = web.config.read_text()
    response = accept(client, EDIT, name="rs-two")
    assert response.headers["Location"] == (
        "/virtual/servers/edit?virtual=web&server=rs-two"
    )
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 7", "     server rs2 {"], ["serial_no = 8", "     server rs-two {"]
    )


def test_invalid_weight_is_refused_next_to_the_field(web: Web, client: FlaskClient) -> None:
    before = web.config.read_bytes()
    response = accept(client, EDIT, weight="heavy")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="weight-error">' in page and 'value="heavy"' in page
    assert web.config.read_bytes() == before


def test_a_second_server_on_the_same_address_and_port_is_saved_with_lvsds_warning(
    web: Web, client: FlaskClient
) -> None:
    """lvsd starts one nanny per address and port: a duplicate is not refused, but the admin
    is told that only the first one's weight counts."""
    before = web.config.read_bytes()
    response = accept(client, EDIT, address="10.0.0.1")
    assert response.status_code == 303
    assert web.config.read_bytes() != before
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r"10\.0\.0\.1:80 is already real server .*lvsd starts one nanny", shown)


def test_add_writes_nothing_until_accept_then_appends_piranhas_server(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_text()
    response = press(client, "ADD")
    assert response.headers["Location"] == "/virtual/servers/new?virtual=web"
    assert form_of(client, "/virtual/servers/new?virtual=web")["weight"] == "1"
    assert web.config.read_text() == before
    response = accept(client, "/virtual/servers/new?virtual=web", name="rs3",
                      address="10.0.0.3")
    assert response.status_code == 303
    assert response.headers["Location"] == (
        "/virtual/servers/edit?virtual=web&server=rs3"
    )
    removed, added = file_diff(before, web.config.read_text())
    assert removed == ["serial_no = 7"]
    assert added == ["serial_no = 8", "     server rs3 {", "         address = 10.0.0.3",
                     "         active = 0", "         weight = 1", "     }"]
    lines = web.config.read_text().splitlines()
    assert lines.index("     server rs3 {") == lines.index("         weight = 2") + 2
    page = client.get("/virtual/servers/edit?virtual=web&server=rs3").get_data(as_text=True)
    assert "Real server rs3 added to web." in page


def test_a_new_server_needs_an_address(web: Web, client: FlaskClient) -> None:
    before = web.config.read_bytes()
    response = accept(client, "/virtual/servers/new?virtual=web", name="rs3")
    assert response.status_code == 400
    assert 'id="address-error">Enter the real server' in response.get_data(as_text=True)
    assert web.config.read_bytes() == before


def test_add_to_a_virtual_server_without_servers_indents_like_piranha(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_text()
    accept(client, "/virtual/servers/new?virtual=mail", name="mx1", address="10.0.1.1")
    _, added = file_diff(before, web.config.read_text())
    assert added[1:] == ["     server mx1 {", "         address = 10.0.1.1",
                         "         active = 0", "         weight = 1", "     }"]


def test_delete_confirms_then_removes_the_server_with_its_comment(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_text()
    response = press(client, "DELETE", "rs1")
    url = "/virtual/servers/delete?virtual=web&server=rs1"
    assert response.headers["Location"] == url
    assert "Delete real server <strong>rs1</strong>" in client.get(url).get_data(as_text=True)
    assert web.config.read_text() == before
    response = client.post(url, data={**form_of(client, url), "action": "DELETE"})
    assert response.headers["Location"] == LIST
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 7", "     # the two web servers", "     server rs1 {",
         "         address = 10.0.0.1", "         active = 1", "         weight = 1", "     }"],
        ["serial_no = 8"],
    )
    assert "Real server rs1 deleted from web." in client.get(LIST).get_data(as_text=True)


def test_deactivate_and_activate_a_real_server(web: Web, client: FlaskClient) -> None:
    before = web.config.read_text()
    response = press(client, "(DE)ACTIVATE", "rs1")
    assert response.status_code == 303
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 7", "         active = 1"], ["serial_no = 8", "         active = 0"]
    )
    page = client.get(LIST).get_data(as_text=True)
    assert "Real server rs1 deactivated." in page
    assert row_cells(page, "rs1")[0] == "down"


def test_stale_edit_is_refused_and_reapplies_only_the_users_change(
    web: Web, client: FlaskClient
) -> None:
    data = {**form_of(client, EDIT), "weight": "4", "action": "ACCEPT"}
    by_hand = web.config.read_text().replace("address = 10.0.0.2", "address = 10.0.0.22")
    by_hand = by_hand.replace("weight = 2", "weight = 3")  # the same key the user changes
    web.config.write_text(by_hand)
    response = client.post(EDIT, data=data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "nothing was written" in page
    assert 'value="10.0.0.22"' in page and 'value="4"' in page
    assert web.config.read_text() == by_hand
    client.post(EDIT, data={**form_values(page), "action": "ACCEPT"})
    assert file_diff(by_hand, web.config.read_text()) == (
        ["serial_no = 7", "         weight = 3"], ["serial_no = 8", "         weight = 4"]
    )


def test_a_stale_edit_of_another_key_is_applied_on_top_of_the_change_made_meanwhile(
    web: Web, client: FlaskClient
) -> None:
    data = {**form_of(client, EDIT), "weight": "4", "action": "ACCEPT"}
    by_hand = web.config.read_text().replace("address = 10.0.0.2", "address = 10.0.0.22")
    web.config.write_text(by_hand)
    assert client.post(EDIT, data=data).status_code == 303
    assert file_diff(by_hand, web.config.read_text()) == (
        ["serial_no = 7", "         weight = 2"], ["serial_no = 8", "         weight = 4"]
    )


def test_unknown_real_server_is_a_404(client: FlaskClient) -> None:
    assert client.get("/virtual/servers/edit?virtual=web&server=nope").status_code == 404
    assert client.get("/virtual/servers/?virtual=nope").status_code == 404
    assert client.get("/virtual/servers/edit?virtual=web").status_code == 400
