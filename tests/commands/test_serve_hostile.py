"""`piranha-web serve` against anonymous abuse (issue 20): what a client without a login can
make the server write and keep is bounded, and one address cannot take every connection."""

from __future__ import annotations

import contextlib
import http.cookiejar
import re
import resource
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from piranha_web.audit import MAX_NAME, AuditLog
from tests.commands.test_serve import log_in, make_certificate, password_of
from tests.helpers.served import ServeProcess as Server
from tests.helpers.served import start_serve as start


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Server]:
    server = start("--config", str(tmp_path / "lvs.cf"), "--state-dir", str(tmp_path / "st"))
    yield server
    server.stop()


def anonymous(url: str) -> tuple[urllib.request.OpenerDirector, str]:
    """A browser without a login and the CSRF token of its login form."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(url + "login", timeout=10) as response:
        page = response.read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, page
    return opener, token.group(1)


def fail_login(opener: urllib.request.OpenerDirector, url: str, token: str, user: str) -> int:
    form = urllib.parse.urlencode({"csrf_token": token, "username": user,
                                   "password": "not the password"}).encode()
    try:
        with opener.open(url + "login", data=form, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        err.close()
        return err.code


def rss_kib(server: Server) -> int:
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert found, status
    return int(found.group(1))


def test_anonymous_logins_with_huge_names_cannot_erase_the_audit_trail(
    tmp_path: Path, served: Server
) -> None:
    """The issue's attack: 7 failed logins with 900 KB user names used to rotate every
    earlier record out of audit.log (1 MiB x 5 files)."""
    log_in(served.url, password_of(served))
    opener, token = anonymous(served.url)
    for number in range(7):
        assert fail_login(opener, served.url, token, f"{number}" + "x" * 900_000) == 401
    trail = AuditLog(tmp_path / "st")
    assert [(e.kind, e.user) for e in trail.entries(kind="login")] == [("login", "piranha")]
    failed = trail.entries(kind="login-failed")
    assert len(failed) == 7
    assert all(len(e.user or "") == MAX_NAME and e.details["user_length"] == 900_001
               for e in failed)
    total = sum(path.stat().st_size for path in (tmp_path / "st").glob("audit*"))
    assert total < 10_000


def test_failed_logins_with_huge_names_do_not_grow_the_server(served: Server) -> None:
    """60 failed logins with 900 KB names (54 MB typed) leave the server's memory alone:
    the login throttle keeps a digest of such names, the audit trail a cut."""
    opener, token = anonymous(served.url)
    fail_login(opener, served.url, token, "warm-up")
    before = rss_kib(served)
    for number in range(60):
        fail_login(opener, served.url, token, f"{number:03d}" + "m" * 900_000)
    grown = rss_kib(served) - before
    assert grown < 40_000, f"grew by {grown} KiB"


def half_open_flood(port: int, count: int, source: str) -> list[socket.socket]:
    """``count`` connections from ``source``, each with half a request line and no more."""
    flood = []
    for _ in range(count):
        conn = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        conn.bind((source, 0))
        conn.settimeout(10)
        conn.connect(("127.0.0.1", port))
        with contextlib.suppress(OSError):  # closed at once by the limit
            conn.send(b"GET /login HTTP/1.1\r\nHost: x\r\n")
        flood.append(conn)
    return flood


@pytest.fixture
def many_descriptors() -> Iterator[None]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_flood_of_half_open_connections_from_one_address_does_not_stall_others(
    served: Server, many_descriptors: None
) -> None:
    """Issue 20 #9: about 2,000 half-open connections from 127.0.0.2 used to fill waitress's
    connection limit, and 5 of 10 admin requests timed out."""
    port = int(served.url.rsplit(":", 1)[1].strip("/"))
    flood = half_open_flood(port, 2100, "127.0.0.2")
    try:
        pages = [log_in(served.url, password_of(served)) for _ in range(10)]
    finally:
        for conn in flood:
            conn.close()
    assert all('name="selected" value="www"' in page for page in pages)


def test_under_tls_a_flood_of_silent_and_handshaken_connections_from_one_address_is_capped(
    tmp_path: Path, many_descriptors: None
) -> None:
    """The TLS listener counts pending handshakes per address like waitress counts
    connections: 1,500 silent connections and 100 handshaken idle ones from 127.0.0.2 leave
    an admin on 127.0.0.1 served."""
    cert, key = make_certificate(tmp_path)
    server = start("--config", str(tmp_path / "lvs.cf"), "--state-dir", str(tmp_path / "st"),
                   "--certfile", str(cert), "--keyfile", str(key))
    context = ssl.create_default_context(cafile=str(cert))
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    held: list[socket.socket] = []
    try:
        held += half_open_flood(port, 1500, "127.0.0.2")  # no ClientHello: plain text
        for _ in range(100):
            conn = socket.create_connection(("127.0.0.1", port), timeout=10,
                                            source_address=("127.0.0.2", 0))
            with contextlib.suppress(OSError):  # beyond the limit: closed by the server
                held.append(context.wrap_socket(conn, server_hostname="127.0.0.1"))
                continue
            held.append(conn)
        pages = [log_in(server.url, password_of(server), context) for _ in range(5)]
    finally:
        for conn in held:
            conn.close()
        server.stop()
    assert all('name="selected" value="www"' in page for page in pages)
