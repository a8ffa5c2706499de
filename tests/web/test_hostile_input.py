"""Markup and line-breaking values in every text field: refused, or quoted in the file and
escaped on the page; never a new line, key or brace in lvs.cf."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from piranha_web.lvscf import parse
from piranha_web.lvscf.syntax import Block
from tests.web.conftest import BASE, Web, build_web, form_of, no_errors

HOSTILE = ("<script>alert(1)</script>", 'a"\n}', "x\n     send_program = \"/bin/sh\"")
FORMS = {
    "/virtual/edit?virtual=web": ("name", "port", "address", "sorry_server", "fwmark", "device",
                                  "reentry", "timeout", "persistent"),
    "/virtual/new": ("name", "port", "address", "sorry_server", "fwmark", "device", "reentry",
                     "timeout", "persistent"),
    "/virtual/servers/edit?virtual=web&server=rs1": ("name", "address", "port", "weight"),
    "/virtual/servers/new?virtual=web": ("name", "address", "port", "weight"),
    "/virtual/monitoring/?virtual=web": ("send_program", "send", "expect"),
}
CASES = [(url, field, value) for url, fields in FORMS.items() for field in fields
         for value in HOSTILE]


def structure(text: str) -> list[tuple[str, list[str]]]:
    doc = parse(text)
    return [(b.name, [s.name for s in b.body if isinstance(s, Block)]) for b in doc.blocks()]


@pytest.mark.parametrize(("url", "field", "value"), CASES)
def test_hostile_value_is_refused_or_stays_one_quoted_value(
    web: Web, client: FlaskClient, url: str, field: str, value: str
) -> None:
    data = {**form_of(client, url), field: value, "action": "ACCEPT"}
    if url.endswith("/new") or "new?" in url:
        data.setdefault("name", "fresh")
        if field != "name":
            data["name"] = "fresh"
        if "servers" not in url and field not in ("address", "device"):
            data.update(address="192.0.2.99", device="eth0:9")
        if "servers" in url and field != "address":
            data["address"] = "10.0.0.99"
    response = client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    text = web.config.read_text()
    if response.status_code == 303:
        followed = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in followed
        assert no_errors(text)
        hostile_lines = [line for line in text.splitlines() if "alert(1)" in line]
        assert all('"<script>alert(1)</script>"' in line for line in hostile_lines), text
        assert "send_program" not in text or field == "send_program"
    else:
        assert response.status_code == 400, page
        assert text == BASE
    before = structure(BASE)
    after = structure(text)
    assert [name for name, _ in after[:2]] == [name for name, _ in before]


def test_hostile_names_in_the_url_are_shown_escaped(client: FlaskClient) -> None:
    response = client.get("/virtual/edit", query_string={"virtual": "<script>alert(1)</script>"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page


# one bad number must not break a page ----------------------------------------------------

HUGE = "9" * 4301
NUMERIC = {
    "/virtual/edit?virtual=web": ("port", "fwmark", "reentry", "timeout", "persistent"),
    "/virtual/servers/edit?virtual=web&server=rs1": ("port", "weight"),
    "/redundancy/": ("keepalive", "deadtime", "heartbeat_port", "syncd_id"),
    "/global/": ("tcp_timeout", "tcpfin_timeout", "udp_timeout"),
}


@pytest.mark.parametrize(("url", "field"), [(u, f) for u, fs in NUMERIC.items() for f in fs])
@pytest.mark.parametrize("value", [HUGE, "²", "٣"])
def test_a_huge_or_unicode_number_is_a_field_error_not_a_crash(
    web: Web, client: FlaskClient, url: str, field: str, value: str
) -> None:
    data = {**form_of(client, url), field: value, "action": "ACCEPT"}
    response = client.post(url, data=data)
    assert response.status_code == 400, response.get_data(as_text=True)[:2000]
    assert web.config.read_text() == BASE


@pytest.mark.parametrize("rate", ["²", "٣", HUGE, "-1"])
def test_control_monitoring_survives_any_rate(client: FlaskClient, rate: str) -> None:
    response = client.get(f"/control/?auto_update=1&rate={rate}")
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/control/", "/global/", "/redundancy/", "/virtual/",
                                 "/virtual/edit?virtual=web"])
def test_a_5000_digit_serial_number_in_the_file_is_a_finding_on_every_page(
    tmp_path: Path, url: str
) -> None:
    web = build_web(tmp_path, BASE.replace("serial_no = 7", "serial_no = " + "5" * 5000))
    response = web.client().get(url)
    assert response.status_code == 200
