"""TLS for waitress, which has none: a listening socket whose connections arrive handshaken.

waitress runs one non-blocking event loop and cannot cope with the ``SSLWantRead`` errors of a
non-blocking TLS socket.  :class:`TLSListener` therefore

* accepts TCP connections in a thread of its own and does each TLS handshake in a short-lived
  thread (bounded in number and time), so a slow or silent client never stalls waitress;
* hands waitress only connections whose handshake succeeded, through a queue and a wake-up
  socket pair whose readable end is what waitress polls;
* wraps each connection in :class:`TLSConnection`, which stays blocking with a timeout (waitress
  reads only after poll said readable, so a read waits at most for the rest of one TLS record)
  and drains what OpenSSL has already decrypted, which poll cannot see.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import ssl
import threading
from pathlib import Path
from typing import Any


def server_context(certfile: Path, keyfile: Path) -> ssl.SSLContext:
    """A server-side context with the certificate chain and key, TLS 1.2 or newer."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile, keyfile)
    return context


class TLSConnection:
    """One handshaken TLS connection, shaped like the socket waitress expects."""

    def __init__(self, sock: ssl.SSLSocket, io_timeout: float) -> None:
        self._sock = sock
        sock.settimeout(io_timeout)

    def setblocking(self, flag: bool) -> None:
        """Ignored: the connection stays blocking with a timeout (see the module docstring)."""

    def fileno(self) -> int:
        return self._sock.fileno()

    def recv(self, size: int) -> bytes:
        data = self._sock.recv(size)
        while data and self._sock.pending():
            data += self._sock.recv(self._sock.pending())
        return data

    def send(self, data: bytes) -> int:
        return self._sock.send(data)

    def close(self) -> None:
        self._sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class TLSListener:
    """A listening socket for waitress that yields :class:`TLSConnection` objects."""

    def __init__(
        self,
        listener: socket.socket,
        context: ssl.SSLContext,
        *,
        handshake_timeout: float = 10.0,
        io_timeout: float = 30.0,
        max_handshakes: int = 32,
    ) -> None:
        self._listener = listener
        self._context = context
        self._handshake_timeout = handshake_timeout
        self._io_timeout = io_timeout
        self._slots = threading.BoundedSemaphore(max_handshakes)
        self._ready: queue.SimpleQueue[tuple[TLSConnection, Any]] = queue.SimpleQueue()
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._started = False
        self.family = listener.family
        self.type = listener.type
        self.proto = listener.proto

    # what waitress calls on a listening socket -----------------------------------------

    def fileno(self) -> int:
        return self._wake_read.fileno()

    def setblocking(self, flag: bool) -> None:
        """Ignored: waitress polls the wake-up socket, which is always non-blocking."""

    def getsockname(self) -> Any:
        return self._listener.getsockname()

    def setsockopt(self, *args: Any) -> None:
        self._listener.setsockopt(*args)

    def getsockopt(self, *args: Any) -> Any:
        return self._listener.getsockopt(*args)

    def listen(self, backlog: int) -> None:
        """Start accepting (the real socket already listens)."""
        if not self._started:
            self._started = True
            threading.Thread(target=self._accept_loop, name="tls-accept", daemon=True).start()

    def accept(self) -> tuple[TLSConnection, Any]:
        """A handshaken connection; BlockingIOError when none is ready (waitress retries)."""
        self._wake_read.recv(1)
        return self._ready.get_nowait()

    def close(self) -> None:
        for sock in (self._listener, self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                sock.close()

    # the threads --------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while True:
            try:
                conn, addr = self._listener.accept()
            except OSError:
                return  # the listener was closed
            if not self._slots.acquire(blocking=False):
                conn.close()  # too many handshakes in progress
                continue
            threading.Thread(
                target=self._handshake, args=(conn, addr), name="tls-handshake", daemon=True
            ).start()

    def _handshake(self, conn: socket.socket, addr: Any) -> None:
        try:
            conn.settimeout(self._handshake_timeout)
            wrapped = self._context.wrap_socket(conn, server_side=True)
        except (OSError, ValueError):
            conn.close()
            return
        finally:
            self._slots.release()
        self._ready.put((TLSConnection(wrapped, self._io_timeout), addr))
        with contextlib.suppress(OSError):
            self._wake_write.send(b"\0")
