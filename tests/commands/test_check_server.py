"""Issue 21: ``piranha-web check-server`` (keepalived's MISC_CHECK) gives nanny's verdicts.

Each case runs the command as keepalived does (a process, exit 0 up / 1 down) against real
loopback TCP servers or real programs, and compares with nanny.c 0.8.6 (the unmodified copy in
PiranhaLastVerBackupSourceFiles: ``pinger`` and ``external_check``).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.monitor import loopback


def hexed(text: str) -> str:
    return text.encode().hex()


def check_server(*args: str) -> tuple[int, str]:
    """Run ``piranha-web check-server ARGS`` as a process: its exit status and output line."""
    done = subprocess.run([sys.executable, "-m", "piranha_web.cli", "check-server", *args],
                          capture_output=True, text=True, timeout=60, check=False, cwd="/")
    return done.returncode, done.stdout.strip()


def closing_handler(conn: socket.socket) -> None:
    """Accept, send nothing, close."""


def talking_handler(conn: socket.socket) -> None:
    conn.sendall(b"220 ready\r\n")
    loopback.read_request(conn)


@pytest.fixture(scope="module")
def closing_server() -> Iterator[loopback.TcpServer]:
    with loopback.serving(closing_handler) as server:
        yield server


@pytest.fixture(scope="module")
def talking_server() -> Iterator[loopback.TcpServer]:
    with loopback.serving(talking_handler) as server:
        yield server


def target(server: loopback.TcpServer) -> list[str]:
    return ["--address", "127.0.0.1", "--port", str(server.port), "--timeout", "1"]


@pytest.fixture
def scripts(tmp_path: Path) -> dict[str, str]:
    made = {}
    for name, body in {"fails": "echo OK\nexit 3\n", "hangs": "sleep 30\n"}.items():
        path = tmp_path / name
        path.write_text(f"#!/bin/sh\n{body}")
        path.chmod(0o755)
        made[name] = str(path)
    made["missing"] = str(tmp_path / "missing")
    return made


@pytest.mark.parametrize("program", ["fails", "hangs", "missing"])
def test_a_failing_program_without_expect_is_down(scripts: dict[str, str], program: str) -> None:
    """external_check(): result NULL and expect NULL -> 1 (down)."""
    code, line = check_server("--address", "127.0.0.1", "--port", "1", "--timeout", "1",
                              "--program-hex", hexed(scripts[program] + " %h"))
    assert code == 1, line
    assert line.startswith("down ") and "no expect string" in line


def test_a_failing_program_with_expect_stays_up_as_nanny_has_it(scripts: dict[str, str]) -> None:
    code, line = check_server("--address", "127.0.0.1", "--port", "1", "--timeout", "1",
                              "--program-hex", hexed(scripts["fails"]), "--expect-hex",
                              hexed("OK"))
    assert code == 0, line


def test_a_program_given_by_name_is_run_from_the_fixed_path() -> None:
    """nanny's execvp() searches PATH: ``echo FAIL`` is run and its output compared."""
    base = ["--address", "127.0.0.1", "--port", "1", "--timeout", "2"]
    assert check_server(*base, "--program-hex", hexed("echo OK %h"),
                        "--expect-hex", hexed("OK 127.0.0.1"))[0] == 0
    code, line = check_server(*base, "--program-hex", hexed("echo FAIL"),
                              "--expect-hex", hexed("OK"))
    assert (code, line) == (1, 'down the program printed "FAIL", expected "OK"')


def test_expect_star_as_a_regex_is_always_down(talking_server: loopback.TcpServer) -> None:
    """glibc's regcomp() refuses "*": nanny logs it and every check of the service fails."""
    code, line = check_server(*target(talking_server), "--expect-hex", hexed("*"), "--regex")
    assert code == 1, line
    assert "does not compile" in line
    assert check_server(*target(talking_server), "--expect-hex", hexed("*"))[0] == 0


def test_expect_star_passes_a_server_that_closes_without_a_byte(
    closing_server: loopback.TcpServer,
) -> None:
    """pinger(): for expect "*" the read buffer becomes "*" whatever read() returned."""
    code, line = check_server(*target(closing_server), "--expect-hex", hexed("*"))
    assert code == 0, line
    assert check_server(*target(closing_server), "--expect-hex", hexed("2"))[0] == 1


def test_expect_star_still_needs_the_server_to_answer_or_close() -> None:
    with loopback.serving(loopback.silent_handler) as silent:
        code, line = check_server(*target(silent), "--expect-hex", hexed("*"))
    assert code == 1 and "no reply within 1 s" in line
