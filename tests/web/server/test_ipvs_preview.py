"""PREVIEW IPVS on EDIT REAL SERVER: the ipvsadm commands ACCEPT would mean, nothing written."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.web.conftest import Web, form_of

URL = "/virtual/servers/edit?virtual=web&server=rs1"


def _preview(client: FlaskClient, **changes: str) -> tuple[int, str]:
    data = {**form_of(client, URL), **changes, "action": "PREVIEW IPVS"}
    response = client.post(URL, data=data)
    return response.status_code, response.get_data(as_text=True)


def test_a_weight_change_previews_as_ipvsadm_e_and_writes_nothing(web: Web,
                                                                  client: FlaskClient) -> None:
    before = web.config.read_bytes()
    status, page = _preview(client, weight="5")
    assert status == 200
    assert ("real server 10.0.0.1:80 of service TCP 192.0.2.10:80 (virtual web): weight 1 "
            "running, 5 saved: <code>ipvsadm -e -t 192.0.2.10:80 -r 10.0.0.1:80 -g -w 5</code>"
            ) in page
    assert 'value="5"' in page  # the typed value stays in the form
    assert web.config.read_bytes() == before


def test_an_address_change_is_a_removal_and_an_addition(client: FlaskClient) -> None:
    _, page = _preview(client, address="10.0.0.9")
    assert "ipvsadm -a -t 192.0.2.10:80 -r 10.0.0.9:80 -g -w 1" in page
    assert "ipvsadm -d -t 192.0.2.10:80 -r 10.0.0.1:80" in page


def test_no_change_and_a_change_that_cannot_be_written(client: FlaskClient) -> None:
    _, page = _preview(client)
    assert 'id="ipvs-preview-none"' in page
    _, page = _preview(client, weight="2")  # nanny's weight 1 -> 2
    assert "-w 2" in page
    _, page = _preview(client, name="rs2")  # a duplicate name
    assert "The change cannot be written as it is" in page


def test_virtual_server_edit_previews_a_scheduler_change(web: Web,
                                                         client: FlaskClient) -> None:
    url = "/virtual/edit?virtual=web"
    before = web.config.read_bytes()
    data = {**form_of(client, url), "scheduler": "rr", "action": "PREVIEW IPVS"}
    page = client.post(url, data=data).get_data(as_text=True)
    assert "<code>ipvsadm -E -t 192.0.2.10:80 -s rr</code>" in page
    assert web.config.read_bytes() == before
