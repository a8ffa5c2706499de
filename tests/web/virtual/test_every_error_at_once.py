"""Issue 27: ADD VIRTUAL SERVER and EDIT VIRTUAL SERVER show every field's error at once.

A taken name, a bad device or a value outside a select's list used to hide the other fields'
errors (the admin fixed them in rounds).  Nothing is written while any field is refused.
"""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.web.conftest import Web, form_of

NEW = "/virtual/new"
EDIT = "/virtual/edit?virtual=web"


def errors(client: FlaskClient, url: str, **typed: str) -> dict[str, str]:
    """field -> its first error, as the page shows them beside the fields (status 400)."""
    response = client.post(url, data={**form_of(client, url), **typed, "action": "ACCEPT"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    found = re.findall(r'<p class="error field-error" id="([a-z_]+)-error"[^>]*>([^<]*)', page)
    return dict(found)


@pytest.mark.parametrize(("typed", "fields"), [
    ({"name": "web", "address": "300.1.1.1", "device": "eth0:9"}, {"name", "address"}),
    ({"name": "new1", "address": "300.1.1.1", "device": "eth 0"}, {"address", "device"}),
    ({"name": "new1", "address": "300.1.1.1", "device": ""}, {"address", "device"}),
    ({"name": "web", "address": "192.0.2.99", "device": "bad!dev", "port": "abc"},
     {"name", "device", "port"}),
    ({"name": "new1", "address": "300.1.1.1", "device": "eth0:9", "scheduler": "bogus",
      "port": "abc"}, {"scheduler", "address", "port"}),
    ({"name": "web", "address": "300.1.1.1", "device": "eth0:9", "protocol": "sctp"},
     {"name", "protocol", "address"}),
])
def test_add_shows_every_fields_error_at_once(
    web: Web, client: FlaskClient, typed: dict[str, str], fields: set[str]
) -> None:
    before = web.config.read_text()
    assert set(errors(client, NEW, **typed)) == fields
    assert web.config.read_text() == before


def test_a_host_name_with_a_bad_device_is_not_called_a_bad_address(
    client: FlaskClient
) -> None:
    found = errors(client, NEW, name="new1", address="www.example.com", device="bad!dev")
    assert set(found) == {"device"}


def test_edit_with_a_value_outside_a_list_shows_the_other_errors_too(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_text()
    found = errors(client, EDIT, scheduler="bogus", port="abc", pmask="1.2.3.4.5")
    assert {"scheduler", "port", "pmask"} <= set(found)
    assert found["scheduler"] == "&#39;bogus&#39; is not one of the choices of this list: pick one."
    assert web.config.read_text() == before


def test_a_value_outside_a_list_alone_is_refused_and_writes_nothing(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_text()
    assert set(errors(client, EDIT, protocol="sctp")) == {"protocol"}
    assert web.config.read_text() == before
