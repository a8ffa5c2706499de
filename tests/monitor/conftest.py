"""Loopback real servers and sending-program scripts shared by the monitor tests (module scope)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from piranha_web.lvscf.model import MonitorScript, RealServer, VirtualServer
from tests.monitor import loopback

#: seconds between the segments of the segmented server: long enough that one read gets only
#: the first segment, short enough to keep the tests quick
SEGMENT_GAP = 0.4

HOST_PID = "read pid rest < /proc/self/stat; echo $pid"
SCRIPTS = {
    "ok.sh": "echo OK\n",
    "fail.sh": "echo FAIL\n",
    "exits.sh": "echo OK\nexit 3\n",
    "args.sh": 'echo "$1:$2"\n',
    "no_newline.sh": "printf OK\n",
    "pieces.sh": f"printf O\nsleep {SEGMENT_GAP}\necho K\n",
    # the child's pid is written next to the script so a test can see it was killed; the pid
    # as the host sees it (the program runs in a PID namespace of its own): /proc/self is the
    # host's procfs, and "read" is a builtin, so it is the shell's own pid
    "hang.sh": f'sh -c \'{HOST_PID} > "$0.child"; exec sleep 30\' "$0" &\nwait\n',
    # a child in a session of its own, whose parent exits at once: out of the program's group
    "escape.sh": f'setsid sh -c \'{HOST_PID} > "$0.child"; exec sleep 300\' "$0" &\n'
                 'while [ ! -s "$0.child" ]; do sleep 0.01; done\necho OK\n',
    "escape_hang.sh": f'setsid sh -c \'{HOST_PID} > "$0.child"; exec sleep 300\' "$0" &\n'
                      'sleep 300\n',
    # issue 20 item 13: a program that kills its parent (nanny's child, here the PID 1 of its
    # namespace) after starting a child in a session of its own
    "kill_parent.sh": f'setsid sh -c \'{HOST_PID} > "$0.child"; exec sleep 300\' "$0" &\n'
                      'while [ ! -s "$0.child" ]; do sleep 0.01; done\n'
                      'kill -9 $PPID\necho OK\n',
    "where.sh": "pwd\ngrep -E '^Cap(Eff|Bnd)' /proc/self/status\n",
    "env.sh": "env\n",
}


def virtual(
    *targets: tuple[str, int],
    port: int = 80,
    protocol: str = "tcp",
    timeout: int = 1,
    send: str | None = None,
    expect: str | None = None,
    send_program: str | None = None,
    use_regex: bool = False,
    name: str = "web",
) -> VirtualServer:
    """A virtual server with one active real server ``rsN`` per ``(address, port)``."""
    servers = tuple(
        RealServer(name=f"rs{i}", address=address, active=True, port=rport, effective_port=rport)
        for i, (address, rport) in enumerate(targets, start=1)
    )
    return VirtualServer(
        name=name,
        active=True,
        address="127.0.0.1",
        port=port,
        protocol=protocol,
        timeout=timeout,
        monitor=MonitorScript(send, expect, send_program, use_regex),
        servers=servers,
    )


@pytest.fixture(scope="module")
def segmented_server() -> Iterator[loopback.TcpServer]:
    with loopback.serving(loopback.segmented_handler(SEGMENT_GAP)) as server:
        yield server


@pytest.fixture(scope="module")
def preamble_server() -> Iterator[loopback.TcpServer]:
    with loopback.serving(loopback.late_banner_handler) as server:
        yield server


@pytest.fixture(scope="module")
def silent_server() -> Iterator[loopback.TcpServer]:
    with loopback.serving(loopback.silent_handler) as server:
        yield server


@pytest.fixture(scope="module")
def closed_port() -> int:
    return loopback.closed_port()


@pytest.fixture(scope="module")
def udp_echo() -> Iterator[loopback.UdpEcho]:
    server = loopback.UdpEcho()
    yield server
    server.close()


@pytest.fixture(scope="module")
def closed_udp_port() -> int:
    return loopback.closed_port(socket.SOCK_DGRAM)


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Executable sending programs by name (see :data:`SCRIPTS`)."""
    folder = tmp_path_factory.mktemp("programs")
    paths = {}
    for name, body in SCRIPTS.items():
        path = folder / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(0o755)
        paths[name] = path
    return paths
