"""A block renamed by another admin while a form is open: the input stays, nothing is written."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.web.conftest import Web, form_of


@pytest.mark.parametrize(("url", "field", "value", "rename"), [
    ("/virtual/edit?virtual=web", "port", "8080", ("virtual web {", "virtual web2 {")),
    ("/virtual/monitoring/?virtual=web", "expect", "OK", ("virtual web {", "virtual web2 {")),
    ("/virtual/servers/edit?virtual=web&server=rs2", "weight", "7",
     ("server rs2 {", "server rs9 {")),
])
def test_renamed_meanwhile_keeps_the_input_on_a_conflict_page(
    web: Web, client: FlaskClient, url: str, field: str, value: str,
    rename: tuple[str, str]
) -> None:
    data = {**form_of(client, url), field: value, "action": "ACCEPT"}
    renamed = web.config.read_text().replace(*rename, 1)
    web.config.write_text(renamed)
    response = client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'id="conflict-message"' in page and "renamed or deleted" in page
    assert f'value="{value}"' in page
    assert web.config.read_text() == renamed


ADD_URL = "/virtual/servers/new?virtual=web"


def typed_server(client: FlaskClient) -> dict[str, str]:
    return {**form_of(client, ADD_URL), "name": "rs7", "address": "10.0.0.7",
            "weight": "3", "action": "ACCEPT"}


def test_add_real_server_to_a_renamed_virtual_server_offers_the_new_name(
    web: Web, client: FlaskClient
) -> None:
    """Issue 27: not a bare "Not found": the typed server is kept, the form now adds to the
    new name, and nothing is written until ACCEPT is pressed again."""
    data = typed_server(client)
    renamed = web.config.read_text().replace("virtual web {", "virtual shop {", 1)
    web.config.write_text(renamed)
    response = client.post(ADD_URL, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "It is now called shop" in page and "renamed or deleted" in page
    assert 'value="rs7"' in page and 'value="10.0.0.7"' in page and 'value="3"' in page
    assert 'action="/virtual/servers/new?virtual=shop"' in page
    assert web.config.read_text() == renamed
    again = {**form_of(client, "/virtual/servers/new?virtual=shop"), **{
        k: v for k, v in data.items() if k in ("name", "address", "weight", "action")}}
    revision = page.split('name="revision" type="hidden" value="')[1].split('"')[0]
    again["revision"] = revision
    assert client.post("/virtual/servers/new?virtual=shop", data=again).status_code == 303
    assert "server rs7 {" in web.config.read_text().split("virtual shop {")[1]


def test_add_real_server_to_a_deleted_virtual_server_keeps_the_input(
    web: Web, client: FlaskClient
) -> None:
    data = typed_server(client)
    text = web.config.read_text()
    start = text.index("virtual web {")
    end = text.index("\n}\n", start) + 3
    web.config.write_text(text[:start] + text[end:])
    response = client.post(ADD_URL, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "no longer in lvs.cf" in page and "It is now called" not in page
    assert 'value="rs7"' in page and 'value="10.0.0.7"' in page
