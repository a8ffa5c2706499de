"""Issue 20 item 3: a backtracking expect regex must not freeze the served tool.

A real loopback backend answers sixty ``a`` and a ``!``; the expect regex is ``(a|aa)+$``
(``use_regex = 1``), which Python's backtracking ``re`` needs hours for.  TEST is pressed in a
served ``piranha-web serve`` process; meanwhile the anonymous login page must keep answering
within a couple of seconds, and TEST must end with nanny's verdict (glibc's regexec finds no
match: down) well within the interactive cap.
"""

from __future__ import annotations

import http.cookiejar
import re
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Served, start_server, stop_server
from tests.monitor import loopback
from tests.web.conftest import form_values

REPLY = b"a" * 60 + b"!"
#: lvs.cf timeout of the virtual server; TEST must end well within the 10 s cap
TIMEOUT = 2


def evil_handler(conn: socket.socket) -> None:
    """A backend whose whole answer is the string that makes (a|aa)+$ backtrack."""
    conn.sendall(REPLY)
    loopback.read_request(conn)


@pytest.fixture
def evil_backend() -> Iterator[loopback.TcpServer]:
    with loopback.serving(evil_handler) as server:
        yield server


@pytest.fixture
def served(tmp_path: Path, evil_backend: loopback.TcpServer) -> Iterator[Served]:
    config = f"""serial_no = 1
primary = 127.0.0.1
virtual web {{
     active = 1
     address = 127.0.0.1 lo:1
     port = 80
     send = "GET / HTTP/1.0\\r\\n\\r\\n"
     expect = "HTTP"
     timeout = {TIMEOUT}
     server evil {{
         address = 127.0.0.1
         active = 1
         port = {evil_backend.port}
     }}
}}
"""
    server = start_server(tmp_path, config)
    yield server
    stop_server(server)


def logged_in(served: Served) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"{served.url}/login", timeout=10).read().decode()
    values = form_values(page)
    values.update(username="piranha", password=served.password, action="LOGIN")
    opener.open(f"{served.url}/login", urllib.parse.urlencode(values).encode(), timeout=10)
    return opener


def test_a_backtracking_regex_neither_freezes_the_server_nor_outlives_the_cap(
    served: Served,
) -> None:
    opener = logged_in(served)
    page = opener.open(f"{served.url}/virtual/monitoring/?virtual=web", timeout=10).read()
    values = form_values(page.decode())
    assert "csrf_token" in values and "revision" in values
    values.update(expect="(a|aa)+$", use_regex="y", action="TEST")
    values.pop("send_program", None)
    answer: dict[str, object] = {}

    def press_test() -> None:
        started = time.monotonic()
        with opener.open(f"{served.url}/virtual/probe/test?virtual=web",
                         urllib.parse.urlencode(values).encode(), timeout=60) as response:
            answer["page"] = response.read().decode()
            answer["status"] = response.status
        answer["took"] = time.monotonic() - started

    tester = threading.Thread(target=press_test)
    tester.start()
    login_times: list[float] = []
    while tester.is_alive() and len(login_times) < 40:
        started = time.monotonic()
        with urllib.request.urlopen(f"{served.url}/login", timeout=30) as response:
            assert response.status == 200
        login_times.append(time.monotonic() - started)
        time.sleep(0.1)
    tester.join(60)

    assert not tester.is_alive()
    assert login_times, "TEST ended before /login could be asked once"
    assert max(login_times) < 2.0, login_times
    assert answer["status"] == 200
    assert float(str(answer["took"])) < 10
    row = re.search(r'<tr id="probe-1">(.*?)</tr>', str(answer["page"]), re.S)
    assert row, answer["page"]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row[1]))
    assert " down " in f" {text} "
    assert "not found in the first read" in text
