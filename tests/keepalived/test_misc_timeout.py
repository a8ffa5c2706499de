"""MISC_CHECK (``export keepalived --misc-check``) waits as long as nanny would.

nanny gives each of connect, send and read the service timeout, so a check it passes may take
almost three timeouts; keepalived kills a MISC_CHECK script after ``misc_timeout`` and calls
the server down.  The real server here is slow twice, each time below the timeout: its accept
queue is full when the check connects (the SYN is dropped and resent one and three seconds
later: the connect takes about 3 s of the 5), then it answers 4.5 s after the request.  nanny
passes it (every step under 5 s) although the whole check takes about 8 s, more than the
``timeout + 2`` keepalived was given before; the exported command line, run by the real
``check-server`` under the exported ``misc_timeout`` as keepalived would, must exit 0.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time

import pytest

from piranha_web.errors import KeepalivedValueError
from piranha_web.lvscf import parse
from piranha_web.lvscf.keepalived import export_keepalived
from tests.conftest import ROOT

TIMEOUT = 5
RELEASE = 2.0  # when the accept queue frees (after the first SYN, before the second resend)
ANSWER = 4.5  # seconds between the request and the reply (under TIMEOUT)


def lvs_cf(port: int) -> str:
    return f"""serial_no = 1
primary = 192.0.2.1
network = direct
virtual slow {{
    active = 1
    address = 127.0.0.1 lo:1
    port = {port}
    send = "GET / HTTP/1.0\\r\\n\\r\\n"
    expect = "HTTP"
    timeout = {TIMEOUT}
    server far {{
        address = 127.0.0.1
        active = 1
    }}
}}
"""


def exported_check(port: int) -> tuple[list[str], int]:
    """The MISC_CHECK command line (run by this checkout) and its misc_timeout."""
    text = export_keepalived(parse(lvs_cf(port)), check_dir=None).text
    path = re.search(r'misc_path "([^"]*)"', text)
    limit = re.search(r"misc_timeout (\d+)", text)
    assert path and limit, text
    argv = path.group(1).split()
    assert argv[:2] == ["/usr/bin/piranha-web", "check-server"]
    return [sys.executable, "-m", "piranha_web.cli", *argv[1:]], int(limit.group(1))


def slow_server(listener: socket.socket, blocker: socket.socket, started: threading.Event
                ) -> None:
    """Free the accept queue at RELEASE, then answer the check ANSWER s after its request."""
    started.wait(30)
    time.sleep(RELEASE)
    first, _ = listener.accept()  # the blocker: its place in the queue goes to the check
    first.close()
    blocker.close()
    listener.settimeout(30)
    conn, _ = listener.accept()
    with conn:
        conn.recv(4096)
        time.sleep(ANSWER)
        conn.sendall(b"HTTP/1.0 200 OK\r\n\r\n")
        time.sleep(0.5)


def test_misc_timeout_covers_connect_send_and_read() -> None:
    assert exported_check(80)[1] == 3 * TIMEOUT + 2


def test_a_check_nanny_passes_slowly_is_not_killed_by_keepalived() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        blocker = socket.create_connection(("127.0.0.1", port))  # fills the accept queue
        argv, limit = exported_check(port)
        started = threading.Event()
        server = threading.Thread(target=slow_server, args=(listener, blocker, started))
        server.start()
        began = time.monotonic()
        process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        started.set()
        try:
            out, err = process.communicate(timeout=limit)  # keepalived's kill
        finally:
            process.kill()
            process.wait()
            server.join(30)
        took = time.monotonic() - began
    assert process.returncode == 0, (out, err)
    # the scenario is the one described: longer than the old limit, timeout + 2
    assert took > TIMEOUT + 2, took


@pytest.mark.parametrize("bad", ["relative/checks", "/var/lib/with space", '/x"y', "/a$b"])
def test_check_dir_must_be_an_absolute_plain_path(bad: str) -> None:
    with pytest.raises(KeepalivedValueError):
        export_keepalived(parse(lvs_cf(80)), check_dir=bad)


def test_the_longest_timeout_lvs_cf_takes_still_gets_its_misc_check() -> None:
    text = export_keepalived(parse(lvs_cf(80).replace(f"timeout = {TIMEOUT}",
                                                      "timeout = 86400")), check_dir=None).text
    assert f"misc_timeout {3 * 86400 + 2}" in text and "virtual slow not translated" not in text
