"""MONITORING SCRIPTS subsection: fields, the three blank buttons, how nanny reads the strings."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.web.conftest import Web, file_diff, form_of

URL = "/virtual/monitoring/?virtual=web"


def press(client: FlaskClient, button: str, **changes: str) -> TestResponse:
    return client.post(URL, data={**form_of(client, URL), **changes, "action": button})


def test_page_shows_fields_buttons_and_how_nanny_reads_send(client: FlaskClient) -> None:
    page = client.get(URL).get_data(as_text=True)
    for label in ("Sending Program", "Send", "Expect",
                  "Treat expect string as a regular expression"):
        assert f">{label}</label>" in page
    for button in ("NO SEND PROGRAM", "BLANK SEND", "BLANK EXPECT", "ACCEPT", "CANCEL"):
        assert f">{button}</button>" in page
    assert 'value="GET / HTTP/1.0\\r\\n\\r\\n"' in page
    send = re.search(r'id="nanny-send">(.*?)</p>', page, re.S)
    assert send
    assert ('GET / HTTP/1.0<span class="ctl">CR</span><span class="ctl">LF</span>'
            '<span class="ctl">CR</span><span class="ctl">LF</span>') in send.group(1)
    assert "replaced with the ip address of the server" in page


def test_accept_writes_changed_send_and_expect_only(web: Web, client: FlaskClient) -> None:
    before = web.config.read_text()
    response = press(client, "ACCEPT", send="quit\\r\\n", expect="220")
    assert response.status_code == 303 and response.headers["Location"] == URL
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 7", '     send = "GET / HTTP/1.0\\r\\n\\r\\n"', '     expect = "HTTP"'],
        ["serial_no = 8", '     send = "quit\\r\\n"', '     expect = "220"'],
    )
    assert "Monitoring scripts of web saved." in client.get(URL).get_data(as_text=True)


def test_blank_send_removes_only_the_send_line(web: Web, client: FlaskClient) -> None:
    before = web.config.read_text()
    response = press(client, "BLANK SEND")
    assert response.status_code == 303
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 7", '     send = "GET / HTTP/1.0\\r\\n\\r\\n"'], ["serial_no = 8"]
    )
    assert "BLANK SEND: send removed from web." in client.get(URL).get_data(as_text=True)


def test_blank_send_keeps_what_was_typed_in_the_other_fields(
    web: Web, client: FlaskClient
) -> None:
    """Issue 27: a blank button is part of the same edit, never a save that drops input."""
    before = web.config.read_text()
    response = press(client, "BLANK SEND", expect="220", send="typed, then blanked")
    assert response.status_code == 303
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 7", '     send = "GET / HTTP/1.0\\r\\n\\r\\n"', '     expect = "HTTP"'],
        ["serial_no = 8", '     expect = "220"'],
    )
    page = client.get(URL).get_data(as_text=True)
    assert "BLANK SEND: send removed from web; your changes to expect saved with it." in page


def test_no_send_program_and_blank_expect_keep_typed_edits_too(
    web: Web, client: FlaskClient
) -> None:
    press(client, "NO SEND PROGRAM", send="quit\\r\\n", use_regex="y")
    text = web.config.read_text()
    assert '     send = "quit\\r\\n"' in text and "     use_regex = 1" in text
    press(client, "BLANK EXPECT", send_program="/bin/true %h")
    web_block = web.config.read_text().split("\nvirtual web {")[1].split("\n}")[0]
    assert '     send_program = "/bin/true %h"' in web_block and "expect =" not in web_block


def test_blank_expect_removes_the_expect_line(web: Web, client: FlaskClient) -> None:
    before = web.config.read_text()
    press(client, "BLANK EXPECT")
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 7", '     expect = "HTTP"'], ["serial_no = 8"]
    )


def test_sending_program_is_quoted_and_shown_per_real_server(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_text()
    press(client, "ACCEPT", send_program="/usr/local/bin/check %h")
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 7"], ["serial_no = 8", '     send_program = "/usr/local/bin/check %h"']
    )
    page = client.get(URL).get_data(as_text=True)
    assert "rs1: <code>/usr/local/bin/check 10.0.0.1</code>" in page
    assert "rs2: <code>/usr/local/bin/check 10.0.0.2</code>" in page
    assert "send is ignored because a sending program is set" in page
    before = web.config.read_text()
    press(client, "NO SEND PROGRAM")
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 8", '     send_program = "/usr/local/bin/check %h"'], ["serial_no = 9"]
    )


def test_regex_checkbox_sets_use_regex(web: Web, client: FlaskClient) -> None:
    before = web.config.read_text()
    press(client, "ACCEPT", use_regex="y")
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 7", "     use_regex = 0"], ["serial_no = 8", "     use_regex = 1"]
    )
    data = {k: v for k, v in form_of(client, URL).items() if k != "use_regex"}
    client.post(URL, data={**data, "action": "ACCEPT"})
    assert "     use_regex = 0" in web.config.read_text()


def test_clearing_a_field_and_accepting_removes_its_key(web: Web, client: FlaskClient) -> None:
    before = web.config.read_text()
    press(client, "ACCEPT", expect="")
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 7", '     expect = "HTTP"'], ["serial_no = 8"]
    )


def test_a_double_quote_cannot_be_written_and_is_reported_at_the_field(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_bytes()
    response = press(client, "ACCEPT", send='say "hi"')
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'id="send-error">a double quote cannot be written', page)
    assert 'value="say &#34;hi&#34;"' in page
    assert web.config.read_bytes() == before


def test_an_escape_nanny_would_hang_on_is_refused(web: Web, client: FlaskClient) -> None:
    before = web.config.read_bytes()
    response = press(client, "ACCEPT", expect="HTTP/1\\.1")
    assert response.status_code == 400
    assert re.search(r'id="expect-error">expect uses the escape \\\.', response.get_data(
        as_text=True))
    assert web.config.read_bytes() == before


def test_cancel_goes_back_to_the_virtual_server_without_writing(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_bytes()
    response = press(client, "CANCEL", send="changed")
    assert response.headers["Location"] == "/virtual/edit?virtual=web"
    assert web.config.read_bytes() == before
