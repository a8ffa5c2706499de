"""``piranha-web checker``: every check in one long-running process, verdicts kept in files.

Real loopback servers; the verdicts must be check-server's (nanny's) for the same server.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from piranha_web.lvscf import parse
from piranha_web.lvscf.check_files import check_file_name, track_name
from piranha_web.lvscf.keepalived import export_keepalived
from piranha_web.monitor.checker import (
    Checker,
    checked_servers,
    read_verdict,
    run_checker,
    write_verdict,
)
from piranha_web.monitor.probe import ProbeResult
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


# ------------------------------------------------------------------ which servers get a file

PLAN = """serial_no = 1
primary = 192.0.2.1
network = direct
virtual web {
    active = 1
    address = 192.0.2.10 eth0:1
    port = 80
    expect = "HTTP"
    sorry_server = 10.0.0.99
    server a {
        address = 10.0.0.1
        active = 1
    }
    server twin {
        address = 10.0.0.1
        active = 1
    }
    server off {
        address = 10.0.0.2
        active = 0
    }
}
virtual again {
    active = 1
    address = 192.0.2.10 eth0:1
    port = 80
    server lost {
        address = 10.0.0.3
        active = 1
    }
}
virtual marked {
    active = 1
    address = 192.0.2.11 eth0:2
    fwmark = 7
    port = 443
    expect = "OK"
    server m {
        address = 10.0.0.4
        active = 1
    }
}
virtual resting {
    active = 0
    address = 192.0.2.12 eth0:3
    port = 25
    server r {
        address = 10.0.0.5
        active = 1
    }
}
virtual plain {
    active = 1
    address = 192.0.2.13 eth0:4
    port = 22
    server p {
        address = 10.0.0.6
        active = 1
    }
}
"""


def checked(text: str) -> set[tuple[str, str]]:
    return {(c.virtual.name, c.server.name) for c in checked_servers(parse(text))}


def test_the_checker_checks_exactly_the_servers_lvsd_starts_a_nanny_for() -> None:
    # no file for: the second nanny of one destination (twin), an inactive real server, the
    # servers of a virtual whose ipvsadm -A fails (again) or that is inactive, a sorry server
    assert checked(PLAN) == {("web", "a"), ("marked", "m"), ("plain", "p")}


def test_the_export_reads_the_files_the_checker_writes() -> None:
    text = export_keepalived(parse(PLAN), check_dir="/var/lib/piranha-web/checks").text
    read = set(re.findall(r'file "/var/lib/piranha-web/checks/([^"]+)"', text))
    # plain (a bare connect on port 22) is keepalived's own TCP_CHECK, exactly nanny's check
    assert read == {check_file_name("web", "a"), check_file_name("marked", "m")}
    assert "TCP_CHECK" in block_of(text, "virtual_server 192.0.2.13 22")
    assert "10.0.0.99" not in text.split("virtual_server 192.0.2.10 80")[0]


def block_of(text: str, head: str) -> str:
    start = text.index(head)
    return text[start:text.index("\n}\n", start)]


def test_track_names_are_keepalived_names_and_differ_per_server() -> None:
    names = {track_name(v, s) for v in ("web", "w\u00e9b", "a b", "x" * 300)
             for s in ("a", "b", "{}", "")}
    assert len(names) == 16
    assert all(re.fullmatch(r"pw_[0-9a-f]{24}", name) for name in names)


# ------------------------------------------------------------------ verdict files


def run_once(text: str, directory: Path) -> list[ProbeResult]:
    seen: list[ProbeResult] = []
    asyncio.run(run_checker(lambda: parse(text), lambda: 0, directory, seen.append,
                            lambda note: None, rounds=1))
    return seen


def test_a_verdict_kept_from_an_earlier_run_is_not_rewritten(
    tmp_path: Path, http: loopback.TcpServer
) -> None:
    closed = loopback.closed_port()
    alive = tmp_path / check_file_name("web", "alive")
    dead = tmp_path / check_file_name("web", "dead")
    alive.write_text("0\n")
    dead.write_text("1\n")
    before = [(p.stat().st_ino, p.stat().st_mtime_ns) for p in (alive, dead)]
    seen = run_once(config(http.port, closed), tmp_path)
    assert [(p.stat().st_ino, p.stat().st_mtime_ns) for p in (alive, dead)] == before
    # every first verdict is still reported (the log line, and --once's exit status)
    assert sorted((r.server, r.nanny.up) for r in seen) == [("alive", True), ("dead", False)]


def test_a_file_the_checker_did_not_write_is_replaced_by_the_verdict(
    tmp_path: Path, http: loopback.TcpServer
) -> None:
    alive = tmp_path / check_file_name("web", "alive")
    alive.write_text("garbage")
    run_once(config(http.port, loopback.closed_port()), tmp_path)
    assert alive.read_text() == "0\n"
    assert oct(alive.stat().st_mode & 0o777) == oct(0o644)


def test_a_new_server_starts_down_until_checked(tmp_path: Path) -> None:
    checker_dir = tmp_path / "v"

    async def first_plan_only() -> None:
        checker = Checker(checker_dir, lambda result: None)
        checker.follow(parse(config(loopback.closed_port(), loopback.closed_port())))

    asyncio.run(first_plan_only())
    assert (checker_dir / check_file_name("web", "alive")).read_text() == "1\n"
    assert (checker_dir / check_file_name("web", "dead")).read_text() == "1\n"


def test_following_a_new_plan_deletes_only_the_files_of_servers_that_left(
    tmp_path: Path,
) -> None:
    stranger = tmp_path / "keep-me"
    stranger.write_text("x")

    async def two_plans() -> list[str]:
        checker = Checker(tmp_path, lambda result: None)
        checker.follow(parse(PLAN))
        checker.follow(parse(PLAN.replace("virtual marked", "virtual renamed")))
        return sorted(checker.loops)

    loops = asyncio.run(two_plans())
    expected = sorted(check_file_name(v, s) for v, s in
                      (("web", "a"), ("renamed", "m"), ("plain", "p")))
    assert loops == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*expected, "keep-me"])


def test_a_changed_check_restarts_its_loop_and_keeps_its_verdict(tmp_path: Path) -> None:
    async def edit() -> tuple[bool, bool]:
        checker = Checker(tmp_path, lambda result: None)
        checker.follow(parse(PLAN))
        name = check_file_name("web", "a")
        write_verdict(tmp_path / name, True)
        old = checker.loops[name]
        unchanged = checker.loops[check_file_name("plain", "p")]
        checker.follow(parse(PLAN.replace('expect = "HTTP"', 'expect = "200"')))
        return (checker.loops[name] is not old and checker.loops[name].kept,
                checker.loops[check_file_name("plain", "p")] is unchanged)

    assert asyncio.run(edit()) == (True, True)
    assert read_verdict(tmp_path / check_file_name("web", "a")) is True


# ------------------------------------------------------------------ following lvs.cf


def wait_until(condition: Callable[[], bool], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def save(path: Path, text: str) -> None:
    """Replace lvs.cf the way the store does (a new file renamed over the old)."""
    new = path.with_suffix(".new")
    new.write_text(text)
    os.replace(new, path)


def test_the_running_checker_follows_saves_and_survives_an_unusable_file(
    tmp_path: Path, http: loopback.TcpServer
) -> None:
    lvs = tmp_path / "lvs.cf"
    closed = loopback.closed_port()
    lvs.write_text(config(http.port, closed))
    verdicts = tmp_path / "verdicts"
    alive = verdicts / check_file_name("web", "alive")
    dead = verdicts / check_file_name("web", "dead")
    resting = verdicts / check_file_name("web", "resting")
    other = loopback.TcpServer(loopback.http_handler)  # resting's own, once it is active
    process = subprocess.Popen(cli("checker", "--config", str(lvs), "--dir", str(verdicts)),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(alive, "0\n") and wait_for(dead, "1\n")
        # dead removed, resting activated: dead's file goes, resting's comes, no restart
        edited = config(http.port, closed).replace(
            "     server dead {", "     server gone {").replace(
            f"         active = 0\n         port = {http.port}",
            f"         active = 1\n         port = {other.port}")
        edited = re.sub(r"     server gone \{.*?\n     \}\n", "", edited, flags=re.S)
        save(lvs, edited)
        assert wait_until(lambda: not dead.exists()), "the removed server's file stayed"
        assert wait_for(resting, "0\n")
        # an unparsable file: the last plan keeps running (alive still goes down)
        save(lvs, edited + "virtual {\n")
        time.sleep(2.5)
        assert alive.exists() and resting.exists()
        http.close()
        assert wait_for(alive, "1\n")
        # errors pulse refuses (a port out of range) are kept out the same way
        save(lvs, edited.replace("port = 80\n", "port = 99999\n"))
        time.sleep(2.5)
        assert alive.exists() and resting.exists()
    finally:
        other.close()
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert err.count("cannot be used, the last plan keeps running") == 2, err
    assert "lvs.cf changed: 2 real servers checked" in err


def test_a_file_with_errors_at_start_is_exit_2_and_writes_nothing(
    tmp_path: Path, http: loopback.TcpServer
) -> None:
    lvs = tmp_path / "lvs.cf"
    lvs.write_text(config(http.port, 1).replace("port = 80\n", "port = 99999\n"))
    done = subprocess.run(cli("checker", "--config", str(lvs), "--dir", str(tmp_path / "v"),
                              "--once"), capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "pulse refuses" in done.stderr
    assert not (tmp_path / "v").exists()


def test_a_verdict_file_is_never_seen_half_written(tmp_path: Path) -> None:
    path = tmp_path / check_file_name("web", "alive")
    write_verdict(path, False)
    seen: set[bytes] = set()
    done = threading.Event()

    def flip() -> None:
        for index in range(300):
            write_verdict(path, index % 2 == 0)
        done.set()

    writer = threading.Thread(target=flip)
    writer.start()
    while not done.is_set():
        seen.add(path.read_bytes())
    writer.join()
    assert seen <= {b"0\n", b"1\n"} and len(seen) == 2


PROGRAM = """serial_no = 1
virtual prog {
     active = 1
     address = 127.0.0.1 lo:1
     port = 80
     send_program = "/bin/echo %h"
     expect = "127.0.0.1"
     timeout = 2
     server same {
         address = 127.0.0.1
         active = 1
     }
     server other {
         address = 127.0.0.2
         active = 1
     }
}
"""


def test_program_checks_run_in_the_checker_as_nanny_runs_them(tmp_path: Path) -> None:
    # %h is the real server's address: only the first one's output holds the expect string
    results = {r.server: r.nanny.up for r in run_once(PROGRAM, tmp_path)}
    assert results == {"same": True, "other": False}
    assert (tmp_path / check_file_name("prog", "same")).read_text() == "0\n"
    assert (tmp_path / check_file_name("prog", "other")).read_text() == "1\n"
