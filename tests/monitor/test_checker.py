"""``piranha-web checker``: every check in one long-running process, verdicts kept in files.

Real loopback servers; the verdicts must be check-server's (nanny's) for the same server.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from piranha_web.lvscf.check_files import check_file_name
from tests.monitor import loopback


def config(http: int, closed: int, timeout: int = 1) -> str:
    return f"""serial_no = 1
virtual web {{
     active = 1
     address = 127.0.0.1 lo:1
     port = 80
     send = "GET / HTTP/1.0\\r\\n\\r\\n"
     expect = "HTTP"
     timeout = {timeout}
     server alive {{
         address = 127.0.0.1
         active = 1
         port = {http}
     }}
     server dead {{
         address = 127.0.0.1
         active = 1
         port = {closed}
     }}
     server resting {{
         address = 127.0.0.1
         active = 0
         port = {http}
     }}
}}
virtual off {{
     active = 0
     address = 127.0.0.2 lo:2
     port = 80
     server other {{
         address = 127.0.0.1
         active = 1
         port = {http}
     }}
}}
"""


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "piranha_web.cli", *args]


@pytest.fixture
def http() -> Iterator[loopback.TcpServer]:
    with loopback.serving(loopback.http_handler) as server:
        yield server


def test_one_round_writes_nannys_verdict_per_checked_server(
    tmp_path: Path, http: loopback.TcpServer
) -> None:
    closed = loopback.closed_port()
    lvs = tmp_path / "lvs.cf"
    lvs.write_text(config(http.port, closed))
    verdicts = tmp_path / "verdicts"
    done = subprocess.run(cli("checker", "--config", str(lvs), "--dir", str(verdicts), "--once"),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stderr
    assert f"web alive 127.0.0.1:{http.port} up" in done.stdout
    assert f"web dead 127.0.0.1:{closed} down connection refused" in done.stdout
    assert (verdicts / check_file_name("web", "alive")).read_text() == "0\n"
    assert (verdicts / check_file_name("web", "dead")).read_text() == "1\n"
    # lvsd starts no nanny for an inactive real server or virtual server
    assert sorted(p.name for p in verdicts.iterdir()) == sorted(
        [check_file_name("web", "alive"), check_file_name("web", "dead")])
    for port, expected in ((http.port, 0), (closed, 1)):
        single = subprocess.run(
            cli("check-server", "--address", "127.0.0.1", "--port", str(port), "--timeout", "1",
                "--virtual-port", "80", "--send-hex", b"GET / HTTP/1.0\\r\\n\\r\\n".hex(),
                "--expect-hex", b"HTTP".hex()), capture_output=True, timeout=60, check=False)
        assert single.returncode == expected


def test_an_unreadable_config_is_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(cli("checker", "--config", str(tmp_path / "missing"), "--dir",
                              str(tmp_path / "v"), "--once"), capture_output=True, timeout=60,
                          check=False)
    assert done.returncode == 2


def wait_for(path: Path, text: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text() == text:
            return True
        time.sleep(0.1)
    return False


def test_the_long_running_checker_follows_a_server_going_down_writing_only_changes(
    tmp_path: Path,
) -> None:
    server = loopback.TcpServer(loopback.http_handler)
    lvs = tmp_path / "lvs.cf"
    lvs.write_text(config(server.port, loopback.closed_port()))
    verdicts = tmp_path / "verdicts"
    process = subprocess.Popen(cli("checker", "--config", str(lvs), "--dir", str(verdicts)),
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        alive = verdicts / check_file_name("web", "alive")
        assert wait_for(alive, "0\n")
        written = alive.stat().st_mtime_ns, alive.stat().st_ino
        time.sleep(2.5)  # two more checks (timeout = 1) with the same verdict
        assert (alive.stat().st_mtime_ns, alive.stat().st_ino) == written
        server.close()
        assert wait_for(alive, "1\n")
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout:
            process.stdout.close()
