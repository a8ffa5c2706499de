"""The per-address connection limit (piranha_web.connections) and its use by the TLS listener."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import pytest

from piranha_web.connections import AddressLimit, host_of
from piranha_web.tls import TLSListener, server_context
from tests.commands.test_serve import make_certificate


def test_each_address_gets_its_own_count_up_to_the_limit() -> None:
    limit = AddressLimit(2)
    assert limit.acquire("192.0.2.1") and limit.acquire("192.0.2.1")
    assert not limit.acquire("192.0.2.1")
    assert limit.acquire("192.0.2.2")
    limit.release("192.0.2.1")
    assert limit.held("192.0.2.1") == 1
    assert limit.acquire("192.0.2.1")
    for _ in range(5):  # more releases than acquires never go below nothing
        limit.release("192.0.2.2")
    assert limit.held("192.0.2.2") == 0 and limit.acquire("192.0.2.2")


@pytest.mark.parametrize(("addr", "host"), [
    (("127.0.0.2", 4000), "127.0.0.2"),
    (("::ffff:192.0.2.7", 4000, 0, 0), "192.0.2.7"),
    (("2001:db8::1", 4000, 0, 0), "2001:db8::1"),
    ("/run/sock", "/run/sock"),
])
def test_host_of_names_the_client_address(addr: object, host: str) -> None:
    assert host_of(addr) == host


def test_the_tls_listener_closes_handshakes_beyond_the_limit_of_one_address(
    tmp_path: Path,
) -> None:
    cert, key = make_certificate(tmp_path)
    raw = socket.create_server(("127.0.0.1", 0))
    listener = TLSListener(raw, server_context(cert, key), per_address=3)
    listener.listen(5)
    port = raw.getsockname()[1]
    silent = []
    try:
        for _ in range(6):
            conn = socket.socket()
            conn.bind(("127.0.0.2", 0))
            conn.settimeout(10)
            conn.connect(("127.0.0.1", port))
            silent.append(conn)
        closed = 0
        for conn in silent[3:]:
            closed += conn.recv(1) == b""  # closed by the listener, not left waiting
        assert closed == 3
        context = ssl.create_default_context(cafile=str(cert))
        with socket.create_connection(("127.0.0.1", port), timeout=10) as plain, \
                context.wrap_socket(plain, server_hostname="127.0.0.1") as tls:
            assert tls.version() is not None  # another address still completes its handshake
    finally:
        for conn in silent:
            conn.close()
        listener.close()
