"""Real servers on 127.0.0.1 for health-check tests: each behaves like one kind of real server.

Every server listens on a random free port and serves from a daemon thread until stopped.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator

LOOPBACK = "127.0.0.1"
Handler = Callable[[socket.socket], None]


class TcpServer:
    """Accepts connections and runs ``handler(conn)`` for each in its own thread."""

    def __init__(self, handler: Handler | None, backlog: int = 128) -> None:
        self.handler = handler
        self.listener = socket.create_server((LOOPBACK, 0), backlog=backlog)
        self.port: int = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.open_now = 0
        self.most_open = 0
        self.accepted = 0
        if handler is not None:
            threading.Thread(target=self._accept_loop, daemon=True).start()

    def _accept_loop(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with self.lock:
            self.accepted += 1
            self.open_now += 1
            self.most_open = max(self.most_open, self.open_now)
        try:
            with conn, contextlib.suppress(OSError):
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                assert self.handler is not None
                self.handler(conn)
        finally:
            with self.lock:
                self.open_now -= 1

    def close(self) -> None:
        self.listener.close()


def read_request(conn: socket.socket) -> bytes:
    """What the client sent before pausing (one recv, as a simple server would)."""
    conn.settimeout(2)
    try:
        return conn.recv(4096)
    except TimeoutError:
        return b""


def http_handler(conn: socket.socket) -> None:
    """A web server: answers any request with a complete HTTP/1.0 response, then closes."""
    read_request(conn)
    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello\n")


def banner_handler(conn: socket.socket) -> None:
    """An FTP-like server: greets with 220 at once, then waits for the client to go away."""
    conn.sendall(b"220 ftp.example.test ready\r\n")
    read_request(conn)


def segmented_handler(gap: float) -> Handler:
    """A server whose HTTP answer comes in small segments ``gap`` seconds apart."""

    def handler(conn: socket.socket) -> None:
        read_request(conn)
        for piece in (b"HT", b"TP/1.0 200", b" OK\r\n\r\n"):
            conn.sendall(piece)
            time.sleep(gap)

    return handler


def late_banner_handler(conn: socket.socket) -> None:
    """A server whose reply starts with a preamble: the expect string comes later."""
    read_request(conn)
    conn.sendall(b"* hello from the preamble\r\nOK ready\r\n")


def silent_handler(conn: socket.socket) -> None:
    """Accepts and never answers; holds the connection until the client closes it."""
    conn.settimeout(10)
    with contextlib.suppress(OSError):
        while conn.recv(4096):
            pass


def closed_port(kind: int = socket.SOCK_STREAM) -> int:
    """A loopback port nothing listens on (TCP: connect is refused; UDP: port unreachable)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
    return port


class UdpEcho:
    """Sends every datagram back to where it came from."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, 0))
        self.port: int = self.sock.getsockname()[1]
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while True:
            try:
                data, peer = self.sock.recvfrom(65536)
                self.sock.sendto(data, peer)
            except OSError:
                return

    def close(self) -> None:
        self.sock.close()


@contextlib.contextmanager
def serving(handler: Handler | None, backlog: int = 128) -> Iterator[TcpServer]:
    """A :class:`TcpServer` for the duration of a ``with`` block."""
    server = TcpServer(handler, backlog)
    try:
        yield server
    finally:
        server.close()
