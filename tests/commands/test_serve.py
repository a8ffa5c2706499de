"""`piranha-web serve` as a real process: config from the example, printed login, waitress, TLS."""

from __future__ import annotations

import contextlib
import fcntl
import html
import http.cookiejar
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from piranha_web.commands.serve import exposure_warning
from tests.conftest import ROOT
from tests.helpers.served import ServeProcess as Server
from tests.helpers.served import start_serve as start


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def log_in(url: str, password: str, context: ssl.SSLContext | None = None) -> str:
    """Log in like a browser (CSRF token from the form) and return the VIRTUAL SERVERS page."""
    jar = http.cookiejar.CookieJar()
    handlers: list[urllib.request.BaseHandler] = [urllib.request.HTTPCookieProcessor(jar)]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    with opener.open(url + "login", timeout=10) as response:
        login_page = response.read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page)
    assert token, login_page
    form = urllib.parse.urlencode({"csrf_token": token.group(1), "username": "piranha",
                                   "password": password}).encode()
    with opener.open(url + "login", data=form, timeout=10) as response:
        return str(response.read().decode())


def test_first_start_creates_the_config_prints_the_password_once_and_serves(
    tmp_path: Path, servers: list[Server]
) -> None:
    config = tmp_path / "ha" / "lvs.cf"
    server = start("--config", str(config), "--state-dir", str(tmp_path / "state"))
    servers.append(server)
    assert server.lines[0] == f"Created {config} from the example configuration."
    assert config.read_text() == (ROOT / "lvs.cf.example").read_text()
    match = re.fullmatch(r"Log in at (http://127\.0\.0\.1:\d+/) as user piranha with password "
                         r"(\S+)", server.lines[1])
    assert match, server.lines
    url, password = match.groups()
    page = log_in(url, password)
    assert "VIRTUAL SERVERS" in page and 'name="selected" value="www"' in page
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url + "virtual/edit?virtual=www", data=b"x=1", timeout=10)
    assert refused.value.code == 401
    refused.value.close()
    server.process.terminate()
    server.process.wait(timeout=10)

    again = start("--config", str(config), "--state-dir", str(tmp_path / "state"))
    servers.append(again)
    assert re.fullmatch(r"Log in at http://127\.0\.0\.1:\d+/ as user piranha", again.lines[0])
    assert config.read_text() == (ROOT / "lvs.cf.example").read_text()


def test_paths_default_to_the_environment(tmp_path: Path, servers: list[Server]) -> None:
    env = {"PIRANHA_CONFIG": str(tmp_path / "lvs.cf"),
           "PIRANHA_STATE_DIR": str(tmp_path / "state")}
    servers.append(start(env=env))
    assert (tmp_path / "lvs.cf").exists()
    assert (tmp_path / "state" / "passwords").exists()
    assert (tmp_path / "state" / "secret_key").stat().st_mode & 0o777 == 0o600


def openssl() -> str:
    found = shutil.which("openssl")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("openssl is not installed")
        pytest.skip("openssl is not installed")
    return found


def test_tls_serves_https_only_with_the_given_certificate(
    tmp_path: Path, servers: list[Server]
) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl(), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    server = start("--config", str(tmp_path / "lvs.cf"), "--state-dir", str(tmp_path / "st"),
                   "--certfile", str(cert), "--keyfile", str(key))
    servers.append(server)
    assert server.url.startswith("https://127.0.0.1:")
    password = re.search(r"with password (\S+)", "\n".join(server.lines))
    assert password
    context = ssl.create_default_context(cafile=str(cert))
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    with socket.create_connection(("127.0.0.1", port), timeout=30):  # silent: no handshake
        page = log_in(server.url, password.group(1), context)  # others are still served
    assert 'name="selected" value="www"' in page
    stalled = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30),
                                  server_hostname="127.0.0.1")
    with stalled:
        os.write(stalled.fileno(), b"\x17\x03")  # half a TLS record header, then silence
        # the server waits 30 s for the rest of that record; everyone else is served meanwhile
        page = log_in(server.url, password.group(1), context)
    assert 'name="selected" value="www"' in page
    # ten full TLS records and a last one larger than waitress reads at once (8 KiB)
    big = urllib.request.Request(server.url + "login", data=b"x=" + b"y" * (16384 * 10 + 13000))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(big, context=context, timeout=10)
    assert refused.value.code == 400  # read completely, then refused for its missing token
    refused.value.close()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as plain:
        plain.sendall(b"GET /login HTTP/1.0\r\n\r\n")
        try:
            answer = plain.recv(4096)
        except ConnectionResetError:
            answer = b""
        assert b"HTTP/1" not in answer  # no plain-text HTTP on the TLS port
    untrusting = ssl.create_default_context()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw, \
            pytest.raises(ssl.SSLCertVerificationError):
        untrusting.wrap_socket(raw, server_hostname="127.0.0.1")


@pytest.mark.parametrize(("host", "tls", "warned"), [
    ("127.0.0.1", False, False), ("::1", False, False), ("localhost", False, False),
    ("0.0.0.0", False, True), ("192.0.2.1", False, True), ("0.0.0.0", True, False),
])
def test_clear_text_outside_loopback_is_warned_about(host: str, tls: bool, warned: bool) -> None:
    warning = exposure_warning(host, tls)
    assert (warning is not None) is warned
    if warning:
        assert "without TLS" in warning


def test_certfile_without_keyfile_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "piranha_web.cli", "serve", "--certfile", "x.pem",
         "--config", str(tmp_path / "lvs.cf"), "--state-dir", str(tmp_path / "st")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert "--certfile and --keyfile go together" in result.stderr


def make_certificate(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl(), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def port_of(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1].strip("/"))


def password_of(server: Server) -> str:
    found = re.search(r"with password (\S+)", "\n".join(server.lines))
    assert found, server.lines
    return found.group(1)


@pytest.mark.parametrize("request_line", [
    "POST /login HTTP/1.1", "PUT /virtual/ HTTP/1.1", "GET /static/style.css HTTP/1.1",
    "DELETE /no/such/page HTTP/1.1", "POST /virtual/edit?virtual=www HTTP/1.1",
])
def test_a_body_over_the_limit_is_refused_before_it_is_sent(
    tmp_path: Path, servers: list[Server], request_line: str
) -> None:
    server = start("--config", str(tmp_path / "lvs.cf"), "--state-dir", str(tmp_path / "st"))
    servers.append(server)
    with socket.create_connection(("127.0.0.1", port_of(server)), timeout=10) as conn:
        # 900 MiB announced, not one byte of it sent: the answer must come anyway
        conn.sendall(f"{request_line}\r\nHost: x\r\nContent-Length: {900 << 20}\r\n\r\n"
                     .encode())
        answer = conn.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer


def test_a_chunked_body_is_cut_off_at_the_limit(tmp_path: Path, servers: list[Server]) -> None:
    server = start("--config", str(tmp_path / "lvs.cf"), "--state-dir", str(tmp_path / "st"))
    servers.append(server)
    with socket.create_connection(("127.0.0.1", port_of(server)), timeout=10) as conn:
        conn.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
        answer = b""
        with contextlib.suppress(OSError):
            for _ in range(64):  # 4 MiB offered, the server stops at 1 MiB
                conn.sendall(chunk)
        answer = conn.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer


def open_idle(port: int, count: int) -> list[socket.socket]:
    """``count`` idle connections, 25 per loopback source address from 127.0.0.2 on (one
    address may hold 64: piranha_web.connections)."""
    return [socket.create_connection(("127.0.0.1", port), timeout=10,
                                     source_address=(f"127.0.0.{2 + n // 25}", 0))
            for n in range(count)]


def test_300_idle_connections_do_not_stop_an_admin_from_being_served(
    tmp_path: Path, servers: list[Server]
) -> None:
    server = start("--config", str(tmp_path / "lvs.cf"), "--state-dir", str(tmp_path / "st"))
    servers.append(server)
    idle = open_idle(port_of(server), 300)
    try:
        page = log_in(server.url, password_of(server))
    finally:
        for conn in idle:
            conn.close()
    assert 'name="selected" value="www"' in page


def test_300_idle_tls_connections_silent_or_handshaken_do_not_stop_an_admin(
    tmp_path: Path, servers: list[Server]
) -> None:
    cert, key = make_certificate(tmp_path)
    server = start("--config", str(tmp_path / "lvs.cf"), "--state-dir", str(tmp_path / "st"),
                   "--certfile", str(cert), "--keyfile", str(key))
    servers.append(server)
    context = ssl.create_default_context(cafile=str(cert))
    port = port_of(server)
    silent = open_idle(port, 150)  # never send a ClientHello
    sessions = [context.wrap_socket(conn, server_hostname="127.0.0.1")
                for conn in open_idle(port, 150)]  # handshaken, then idle
    try:
        page = log_in(server.url, password_of(server), context)
        with urllib.request.urlopen(server.url + "login", context=context, timeout=10) as answer:
            hsts = answer.headers.get("Strict-Transport-Security")
    finally:
        for conn in silent + sessions:
            conn.close()
    assert 'name="selected" value="www"' in page
    assert hsts == "max-age=31536000"


SLOW_CONFIG = """serial_no = 1
primary = 192.0.2.1
service = lvs
virtual slow {{
     active = 1
     address = 192.0.2.10 eth0:1
     port = 80
     send_program = "{program}"
     expect = "OK"
     timeout = 100
     server one {{
         address = 127.0.0.1
         active = 1
     }}
}}
"""


def browser(url: str, password: str) -> urllib.request.OpenerDirector:
    """A logged-in cookie session."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(url + "login", timeout=10) as response:
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          response.read().decode())
    assert token
    form = urllib.parse.urlencode({"csrf_token": token.group(1), "username": "piranha",
                                   "password": password}).encode()
    opener.open(url + "login", data=form, timeout=10).close()
    return opener


def press_test(opener: urllib.request.OpenerDirector, url: str) -> tuple[int, float]:
    """TEST on MONITORING SCRIPTS of ``slow``: (status, seconds)."""
    with opener.open(url + "virtual/monitoring/?virtual=slow", timeout=10) as response:
        page = response.read().decode()
    fields = dict(re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', page))
    fields = {name: html.unescape(value) for name, value in fields.items()}
    fields["action"] = "TEST"
    started = time.monotonic()
    try:
        with opener.open(url + "virtual/probe/test?virtual=slow",
                         data=urllib.parse.urlencode(fields).encode(), timeout=120) as answer:
            status = answer.status
    except urllib.error.HTTPError as refused:
        status = refused.code
        refused.close()
    return status, time.monotonic() - started


def running(program: Path) -> bool:
    """Whether a process runs ``program`` now."""
    return bool(subprocess.run(["pgrep", "-f", str(program)], capture_output=True, text=True,
                               check=False).stdout.strip())


def test_four_slow_tests_do_not_stop_other_users_pages(
    tmp_path: Path, servers: list[Server]
) -> None:
    program = tmp_path / "hang.sh"
    program.write_text("#!/bin/sh\nsleep 300\n")
    program.chmod(0o755)
    config = tmp_path / "lvs.cf"
    config.write_text(SLOW_CONFIG.format(program=program))
    server = start("--config", str(config), "--state-dir", str(tmp_path / "st"))
    servers.append(server)
    password = password_of(server)
    testers = [browser(server.url, password) for _ in range(4)]
    other = browser(server.url, password)
    with ThreadPoolExecutor(4) as pool:
        tests = [pool.submit(press_test, opener, server.url) for opener in testers]
        deadline = time.monotonic() + 60  # wait until the TESTs run their program (no sleep)
        while not running(program):
            assert time.monotonic() < deadline, "no TEST started its program"
            time.sleep(0.05)
        started = time.monotonic()
        with other.open(server.url + "virtual/", timeout=30) as response:
            assert "slow" in response.read().decode()
        page_time = time.monotonic() - started
        outcomes = [test.result() for test in tests]
    # a page that waited for the checks would take their 10 s cap; below it on a loaded box
    assert page_time < 9, page_time
    assert all(status in (200, 503) for status, _ in outcomes), outcomes
    assert any(status == 200 for status, _ in outcomes), outcomes
    assert all(seconds < 30 for _, seconds in outcomes), outcomes  # capped, not 100 s
    leftovers = subprocess.run(["pgrep", "-f", str(program)], capture_output=True, text=True,
                               check=False)
    assert leftovers.stdout == ""  # every TEST's program was killed


def _list_fields(opener: urllib.request.OpenerDirector, url: str) -> dict[str, str]:
    """The hidden fields (CSRF token, revision) of the VIRTUAL SERVERS form."""
    with opener.open(url + "virtual/", timeout=10) as response:
        page = response.read().decode()
    hidden = re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?type="hidden"[^>]*?value="([^"]*)"'
                        r'|<input[^>]*?type="hidden"[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"',
                        page)
    return {(a or c): html.unescape(b or d) for a, b, c, d in hidden}


def _toggle(opener: urllib.request.OpenerDirector, url: str, fields: dict[str, str],
            name: str) -> int:
    data = urllib.parse.urlencode({**fields, "selected": name, "action": "(DE)ACTIVATE"})
    with opener.open(url + "virtual/", data=data.encode(), timeout=60) as response:
        return int(response.status)


def _waits_for_flock(path: Path) -> bool:
    """Whether some process waits for a flock on ``path`` (a ``->`` line of ``/proc/locks``)."""
    inode = path.stat().st_ino
    for line in Path("/proc/locks").read_text().splitlines():
        words = line.split()
        if len(words) > 6 and words[1] == "->" and words[2] == "FLOCK" and \
                words[6].endswith(f":{inode}"):
            return True
    return False


def test_page_views_are_served_while_saves_wait_for_the_lock_one_at_a_time(
    tmp_path: Path, servers: list[Server]
) -> None:
    """Another process holds lvs.cf's save lock (a long save by the command line, say): the
    first ACCEPT waits for it, the second waits for the first, and another user's VIRTUAL
    SERVERS page is served meanwhile."""
    config = tmp_path / "lvs.cf"
    server = start("--config", str(config), "--state-dir", str(tmp_path / "st"))
    servers.append(server)
    password = password_of(server)
    first, second, viewer = (browser(server.url, password) for _ in range(3))
    forms = [_list_fields(opener, server.url) for opener in (first, second)]
    before = config.read_text()
    lock = config.parent / ".lvs.cf.lock"
    holder = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with ThreadPoolExecutor(2) as pool:
            one = pool.submit(_toggle, first, server.url, forms[0], "www")
            deadline = time.monotonic() + 60
            while not _waits_for_flock(lock):
                assert time.monotonic() < deadline and not one.done(), "no save waits"
                time.sleep(0.05)
            two = pool.submit(_toggle, second, server.url, forms[1], "shop-http")
            time.sleep(0.5)
            with viewer.open(server.url + "virtual/", timeout=30) as response:
                assert "shop-https" in response.read().decode()
            assert not one.done() and not two.done()
            assert config.read_text() == before
            fcntl.flock(holder, fcntl.LOCK_UN)
            assert one.result(timeout=30) == 200 and two.result(timeout=30) == 200
    finally:
        os.close(holder)
    after = config.read_text()
    assert after.count("active = 0") == before.count("active = 0") + 2  # both toggles landed
