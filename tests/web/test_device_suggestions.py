"""Device fields offer this router's devices (read with pyroute2 from a real namespace)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from piranha_web.netinfo import NetInfo
from tests.helpers.router_ns import RouterNamespace
from tests.web.conftest import Web, form_of

EDIT = "/virtual/edit?virtual=web"


def suggestions(page: str) -> list[str]:
    found = re.search(r'<datalist id="device-suggestions">(.*?)</datalist>', page, re.S)
    assert found is not None, "no device datalist"
    return re.findall(r'<option value="([^"]+)">', found.group(1))


def test_virtual_server_device_suggests_interfaces_and_alias_labels(
        web: Web, client: FlaskClient) -> None:
    ns = RouterNamespace.create()
    try:
        web.services.netinfo = NetInfo(ns.name)
        page = client.get(EDIT).get_data(as_text=True)
        ns.add_address("pwni1", "198.51.100.9/24", "pwni1:4")
        later = client.get(EDIT).get_data(as_text=True)
    finally:
        ns.delete()

    assert suggestions(page) == ["pwni0", "pwni1", "pwni2", "pwni3", "pwni0:1", "pwni0:2"]
    assert 'name="device"' in page and 'list="device-suggestions"' in page
    assert "pwni1:4" in suggestions(later)


def test_a_device_this_router_lacks_is_accepted_with_a_warning(
        web: Web, client: FlaskClient) -> None:
    """web's device is eth0:1; the router namespace has pwni0..3 only (the backup may differ)."""
    ns = RouterNamespace.create()
    try:
        web.services.netinfo = NetInfo(ns.name)
        page = client.get(EDIT).get_data(as_text=True)
        response = client.post(EDIT, data={**form_of(client, EDIT), "device": "pwni0:1",
                                           "action": "ACCEPT"})
        after_page = client.get(EDIT).get_data(as_text=True)
    finally:
        ns.delete()

    assert re.search(r'id="device-warning">This router has no device eth0 \(it has: ', page)
    assert response.status_code == 303
    assert "address = 192.0.2.10 pwni0:1" in web.config.read_text()
    assert 'id="device-warning"' not in after_page


def test_without_readable_router_state_there_are_no_suggestions(
        web: Web, client: FlaskClient) -> None:
    """A namespace that does not exist costs the page its suggestions, nothing else."""
    web.services.netinfo = NetInfo("pwninonexistent")

    response = client.get(EDIT)

    assert response.status_code == 200
    assert suggestions(response.get_data(as_text=True)) == []
    assert 'id="device-warning"' not in response.get_data(as_text=True)

