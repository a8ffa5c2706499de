"""TEST on MONITORING SCRIPTS and CHECK NOW on REAL SERVER, against real loopback servers."""

from __future__ import annotations

import html
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.monitor import loopback
from tests.web.conftest import Web, build_web, form_of, form_values

MONITORING = "/virtual/monitoring/?virtual=web"
TEST = "/virtual/probe/test?virtual=web"
SERVERS = "/virtual/servers/?virtual=web"
CHECK = "/virtual/probe/check?virtual=web"


def hostile_handler(conn: socket.socket) -> None:
    """A real server whose banner is markup."""
    conn.sendall(b"<script>alert(1)</script>\r\n")
    loopback.read_request(conn)


@pytest.fixture(scope="module")
def hostile_server() -> Iterator[loopback.TcpServer]:
    with loopback.serving(hostile_handler) as server:
        yield server


def config(http: int, banner: int, expect: str = '"HTTP"') -> str:
    return f"""serial_no = 1
virtual web {{
     active = 1
     address = 127.0.0.1 lo:1
     port = 80
     send = "GET / HTTP/1.0\\r\\n\\r\\n"
     expect = {expect}
     timeout = 1
     server www {{
         address = 127.0.0.1
         active = 1
         port = {http}
     }}
     server ftp {{
         address = 127.0.0.1
         active = 1
         port = {banner}
     }}
}}
"""


@pytest.fixture
def web(tmp_path: Path, http_server: loopback.TcpServer,
        banner_server: loopback.TcpServer) -> Web:
    return build_web(tmp_path, config(http_server.port, banner_server.port))


def text_of(cell: str) -> str:
    """What a browser shows for an HTML fragment (tags dropped, blanks folded)."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell))).strip()


def rows(page: str) -> list[list[str]]:
    """The TEST result rows of the page: the text of each cell."""
    return [[text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r'<tr id="probe-\d+">(.*?)</tr>', page, re.S)]


def check_cells(page: str) -> list[str]:
    """The CHECKED NOW cells of the real server list."""
    return [text_of(c) for c in re.findall(r'<td class="probe-check">(.*?)</td>', page, re.S)]


def test_monitoring_page_has_a_test_button_posting_its_form_to_the_probe(
    client: FlaskClient,
) -> None:
    page = client.get(MONITORING).get_data(as_text=True)
    start = page.index('id="monitoring-form"')
    form = page[start:page.index("</form>", start)]
    assert 'formaction="/virtual/probe/test?virtual=web"' in form
    assert ">TEST</button>" in form


def test_test_checks_the_form_values_against_every_real_server_and_saves_nothing(
    web: Web, client: FlaskClient, http_server: loopback.TcpServer,
    banner_server: loopback.TcpServer,
) -> None:
    before = web.config.read_bytes()
    data = {**form_of(client, MONITORING), "send": "", "expect": "220", "action": "TEST"}
    response = client.post(TEST, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    www, ftp = rows(page)
    assert www[:4] == ["www", f"127.0.0.1:{http_server.port}", "down", "down"]
    assert "no reply within 1 s" in www[4]
    assert ftp[:4] == ["ftp", f"127.0.0.1:{banner_server.port}", "up", "up"]
    assert 'got "220" as expected' in ftp[4]
    assert re.fullmatch(r"\d+\.\d\d s", ftp[5])
    assert web.config.read_bytes() == before


def test_tested_values_stay_in_the_form_and_accept_then_saves_them(
    web: Web, client: FlaskClient,
) -> None:
    data = {**form_of(client, MONITORING), "send": "quit\\r\\n", "expect": "220",
            "action": "TEST"}
    page = client.post(TEST, data=data).get_data(as_text=True)
    kept = form_values(page)
    assert (kept["send"], kept["expect"]) == ("quit\\r\\n", "220")
    response = client.post(MONITORING, data={**kept, "action": "ACCEPT"})
    assert response.status_code == 303
    text = web.config.read_text()
    assert '     send = "quit\\r\\n"' in text and '     expect = "220"' in text


def test_sending_program_in_the_form_runs_per_real_server(
    client: FlaskClient, tmp_path: Path, http_server: loopback.TcpServer,
) -> None:
    script = tmp_path / "check.sh"
    script.write_text('#!/bin/sh\necho "$1"\n')
    script.chmod(0o755)
    data = {**form_of(client, MONITORING), "send_program": f"{script} %p",
            "expect": str(http_server.port), "action": "TEST"}
    www, ftp = rows(client.post(TEST, data=data).get_data(as_text=True))
    assert www[2:4] == ["up", "up"]
    assert ftp[2:4] == ["down", "down"]


def test_received_bytes_are_shown_escaped(tmp_path: Path, http_server: loopback.TcpServer,
                                          hostile_server: loopback.TcpServer) -> None:
    client = build_web(tmp_path, config(http_server.port, hostile_server.port)).client()
    data = {**form_of(client, MONITORING), "expect": "220", "action": "TEST"}
    page = client.post(TEST, data=data).get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\\r\\n" in page


def test_form_fields_cannot_redirect_a_check_to_another_address(
    client: FlaskClient, http_server: loopback.TcpServer, banner_server: loopback.TcpServer,
) -> None:
    with loopback.serving(loopback.banner_handler) as elsewhere:
        data = {**form_of(client, MONITORING), "expect": "220", "action": "TEST",
                "address": "127.0.0.1", "port": str(elsewhere.port), "server": "x"}
        results = rows(client.post(TEST, data=data).get_data(as_text=True))
        assert [r[1] for r in results] == [
            f"127.0.0.1:{http_server.port}", f"127.0.0.1:{banner_server.port}",
        ]
        assert elsewhere.accepted == 0


def test_real_server_list_has_a_check_now_button(client: FlaskClient) -> None:
    page = client.get(SERVERS).get_data(as_text=True)
    assert 'formaction="/virtual/probe/check?virtual=web"' in page
    assert ">CHECK NOW</button>" in page


def test_check_now_shows_the_list_with_a_result_per_real_server(
    web: Web, client: FlaskClient,
) -> None:
    before = web.config.read_bytes()
    response = client.post(CHECK, data=form_of(client, SERVERS))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "CHECKED NOW (nanny / strict)" in page
    www, ftp = check_cells(page)
    assert www.startswith("up / up")
    assert ftp.startswith("down / down")
    assert 'got "220 ", expected "HTTP"' in ftp
    assert ">ADD</button>" in page and 'id="row-www"' in page
    assert web.config.read_bytes() == before


def test_check_now_uses_the_strings_exactly_as_lvsd_passes_them(
    tmp_path: Path, http_server: loopback.TcpServer, banner_server: loopback.TcpServer,
) -> None:
    client = build_web(tmp_path, config(http_server.port, banner_server.port,
                                        expect="'HTTP'")).client()
    page = client.post(CHECK, data=form_of(client, SERVERS)).get_data(as_text=True)
    www, _ = check_cells(page)
    assert 'got "HTTP/1", expected "\'HTTP\'"' in www


def test_unknown_virtual_server_is_not_found(client: FlaskClient) -> None:
    assert client.post("/virtual/probe/check?virtual=nope", data={}).status_code == 404


def test_without_the_csrf_token_nothing_is_checked(
    tmp_path: Path, http_server: loopback.TcpServer,
) -> None:
    with loopback.serving(loopback.banner_handler) as banner:
        web = build_web(tmp_path, config(http_server.port, banner.port), csrf=True)
        client = web.app.test_client()
        login = form_of(client, "/login")
        client.post("/login", data={**login, "username": "piranha",
                                    "password": "correct horse"})
        data = {k: v for k, v in form_of(client, MONITORING).items() if k != "csrf_token"}
        response = client.post(TEST, data={**data, "action": "TEST"})
        assert response.status_code == 400
        assert banner.accepted == 0
        with_token = client.post(TEST, data={**form_of(client, MONITORING), "expect": "220",
                                             "action": "TEST"})
        assert with_token.status_code == 200
        assert banner.accepted == 1


def test_the_real_server_list_keeps_the_last_check_verdict_with_its_age(
    web: Web, client: FlaskClient,
) -> None:
    """CHECK NOW fills LAST CHECK; viewing the list later shows it, older, and checks nothing."""
    from piranha_web.web.recent_checks import RecentChecks

    web.services.recent_checks = RecentChecks(clock=web.clock)
    page = client.get(SERVERS).get_data(as_text=True)
    assert [text_of(c) for c in re.findall(r'<td class="check">(.*?)</td>', page, re.S)] == [
        "not checked", "not checked"]
    client.post(CHECK, data=form_of(client, SERVERS))
    web.clock.advance(125)
    page = client.get(SERVERS).get_data(as_text=True)
    assert [text_of(c) for c in re.findall(r'<td class="check">(.*?)</td>', page, re.S)] == [
        "up 2 min ago", "down 2 min ago"]
    assert "CHECKED NOW" not in page
    web.config.write_text(web.config.read_text().replace("port = " + re.findall(
        r"port = (\d+)", web.config.read_text())[1], "port = 1"))
    page = client.get(SERVERS).get_data(as_text=True)
    cells = [text_of(c) for c in re.findall(r'<td class="check">(.*?)</td>', page, re.S)]
    assert cells == ["not checked", "down 2 min ago"], (
        "www's port changed: its verdict is not shown for the new port")


def test_check_now_shows_an_operator_the_buttons_an_operator_may_use(web: Web) -> None:
    """The CHECK NOW page is the REAL SERVER list: its buttons follow that list's policy."""
    from piranha_web.accounts import Role

    web.services.accounts.add("otto", "otto password", Role.OPERATOR)
    operator = web.app.test_client()
    operator.post("/login", data={"username": "otto", "password": "otto password"})
    page = operator.post(CHECK, data=form_of(operator, SERVERS)).get_data(as_text=True)
    assert re.search(r'id="toggle"\s*>', page), "(DE)ACTIVATE is an operator's"
    assert re.search(r'id="add" disabled title="needs the admin role \(you are operator\)"',
                     page)


def test_check_now_keeps_the_marks_of_the_list(web: Web, client: FlaskClient) -> None:
    data = {**form_of(client, SERVERS), "marked": ["ftp"], "shown": ["www", "ftp"]}
    page = client.post(CHECK, data=data).get_data(as_text=True)
    assert re.search(r'name="marked" value="ftp"[^>]*checked', page)
    assert "1 marked." in client.get(SERVERS).get_data(as_text=True)
