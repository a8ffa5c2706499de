"""TLS for waitress, which has none: a listening socket whose connections arrive handshaken.

waitress runs one non-blocking event loop and cannot cope with the ``SSLWantRead`` errors of a
non-blocking TLS socket.  :class:`TLSListener` therefore

* accepts TCP connections in a thread of its own and drives every TLS handshake there,
  non-blocking, in one selector (a client that never sends its ClientHello costs a file
  descriptor, no thread, and is dropped after ``handshake_timeout``; when ``max_handshakes``
  are pending the oldest is dropped, and one client address may have at most
  ``per_address`` pending: its further connections are closed at once, so a flood from one
  address cannot push everybody else's handshakes out), so a slow or silent client never
  stalls anyone;
* hands waitress, for each connection whose handshake succeeded, one end of a plain socket pair
  (through a queue and a wake-up socket pair whose readable end is what waitress polls);
* keeps the handshake thread as that connection's :func:`relay`, which copies bytes between the
  TLS socket and the other end of the pair without ever blocking waitress: a client that stops
  in the middle of a TLS record, or stops reading, holds only its own relay thread.
"""

from __future__ import annotations

import contextlib
import queue
import select
import selectors
import socket
import ssl
import threading
import time
from pathlib import Path
from typing import Any

from piranha_web.connections import PER_ADDRESS_LIMIT, AddressLimit, host_of


def server_context(certfile: Path, keyfile: Path) -> ssl.SSLContext:
    """A server-side context with the certificate chain and key, TLS 1.2 or newer."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile, keyfile)
    return context


#: bytes buffered per direction before the relay stops reading that side
_BUFFER = 256 * 1024


def relay(tls: ssl.SSLSocket, plain: socket.socket, idle_timeout: float) -> None:
    """Copy bytes both ways between a TLS connection and waitress's plain end of a socket pair.

    One thread per connection, non-blocking on both sides: a client that stalls mid-record
    only ever holds its own relay, never waitress.  Ends when waitress closes its end (the
    response is complete), on a TLS or socket error, or after ``idle_timeout`` seconds without
    traffic.
    """
    tls.setblocking(False)
    plain.setblocking(False)
    pipe = _Pipe(tls, plain)
    try:
        while True:
            pipe.client_to_app()
            if pipe.app_to_client():
                return
            if tls.pending():
                continue  # decrypted bytes that poll cannot see
            if not _wait(pipe.interest(), idle_timeout):
                return  # idle for too long
    except OSError:
        return  # a TLS error or a reset: the connection is over
    finally:
        for sock in (tls, plain):
            with contextlib.suppress(OSError):
                sock.close()


class _Pipe:
    """The two buffers of one relayed connection and what each side has said so far."""

    def __init__(self, tls: ssl.SSLSocket, plain: socket.socket) -> None:
        self.tls, self.plain = tls, plain
        self.up = bytearray()  # client -> waitress
        self.down = bytearray()  # waitress -> client
        self.client_done = self.plain_shut = False
        self.tls_wants_write = False

    def client_to_app(self) -> None:
        """Read what the client sent (up to :data:`_BUFFER`), pass on what waitress takes, and
        half-close waitress's side once the client closed and everything was passed on."""
        self.tls_wants_write = False
        if not self.client_done and len(self.up) < _BUFFER:
            self.client_done, self.tls_wants_write = _fill_from_tls(self.tls, self.up)
        if self.up:
            with contextlib.suppress(BlockingIOError):
                del self.up[: self.plain.send(self.up)]
        if self.client_done and not self.up and not self.plain_shut:
            self.plain.shutdown(socket.SHUT_WR)
            self.plain_shut = True

    def app_to_client(self) -> bool:
        """Read what waitress answered and send what TLS takes; True once waitress closed its
        end and every byte of the response reached the client's TLS socket."""
        app_done = False
        if len(self.down) < _BUFFER:
            try:
                chunk = self.plain.recv(65536)
                if chunk:
                    self.down += chunk
                else:
                    app_done = True
            except BlockingIOError:
                pass
        if self.down:
            try:
                del self.down[: self.tls.send(self.down)]
            except ssl.SSLWantWriteError:
                self.tls_wants_write = True
            except ssl.SSLWantReadError:
                pass
        return app_done and not self.down

    def interest(self) -> tuple[tuple[socket.socket, bool, bool], ...]:
        """What to wait for on each side: ``(socket, read?, write?)`` for :func:`_wait`."""
        return (
            (self.tls, not self.client_done and len(self.up) < _BUFFER,
             bool(self.down) or self.tls_wants_write),
            (self.plain, len(self.down) < _BUFFER, bool(self.up)),
        )


def _fill_from_tls(tls: ssl.SSLSocket, up: bytearray) -> tuple[bool, bool]:
    """Read decrypted bytes into ``up`` until it holds :data:`_BUFFER` or none are ready:
    ``(the client closed, TLS needs to write first)``."""
    try:
        while len(up) < _BUFFER:
            chunk = tls.recv(65536)
            if not chunk:
                return True, False
            up += chunk
    except ssl.SSLWantReadError:
        pass
    except ssl.SSLWantWriteError:
        return False, True
    return False, False


def _wait(wanted: tuple[tuple[socket.socket, bool, bool], ...], timeout: float) -> bool:
    """Wait until one of ``(socket, read?, write?)`` is ready; False after ``timeout`` s.

    poll, not select: with hundreds of connections descriptors pass FD_SETSIZE (1024).
    """
    poller = select.poll()
    for sock, read, write in wanted:
        mask = (select.POLLIN if read else 0) | (select.POLLOUT if write else 0)
        if mask:
            poller.register(sock, mask)
    return bool(poller.poll(timeout * 1000))


class TLSListener:
    """A listening socket for waitress whose connections are plain ends of TLS relays."""

    def __init__(
        self,
        listener: socket.socket,
        context: ssl.SSLContext,
        *,
        handshake_timeout: float = 10.0,
        io_timeout: float = 30.0,
        max_handshakes: int = 1024,
        max_connections: int = 1024,
        per_address: int = PER_ADDRESS_LIMIT,
    ) -> None:
        self._listener = listener
        self._context = context
        self._handshake_timeout = handshake_timeout
        self._io_timeout = io_timeout
        self._max_handshakes = max_handshakes
        self._pending = AddressLimit(per_address)  # handshakes pending per client address
        self._connections = threading.BoundedSemaphore(max_connections)
        self._ready: queue.SimpleQueue[tuple[socket.socket, Any]] = queue.SimpleQueue()
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

    def accept(self) -> tuple[socket.socket, Any]:
        """A handshaken connection; BlockingIOError when none is ready (waitress retries)."""
        self._wake_read.recv(1)
        return self._ready.get_nowait()

    def close(self) -> None:
        for sock in (self._listener, self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                sock.close()

    # the threads --------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        """Accept connections and drive their handshakes, all non-blocking in one selector."""
        selector = selectors.DefaultSelector()
        self._listener.setblocking(False)
        selector.register(self._listener, selectors.EVENT_READ)
        pending: dict[ssl.SSLSocket, tuple[Any, float]] = {}  # insertion order: oldest first
        while True:
            now = time.monotonic()
            for conn in [c for c, (_, deadline) in pending.items() if deadline <= now]:
                self._drop(selector, pending, conn)
            wait = min((d for _, d in pending.values()), default=now + 60) - now
            try:
                events = selector.select(max(0.0, wait))
            except OSError:
                return
            for key, _ in events:
                if key.data is None:  # the listener
                    if not self._accept(selector, pending):
                        return  # the listener was closed
                else:
                    self._step(selector, pending, key.data)

    def _accept(self, selector: selectors.BaseSelector,
                pending: dict[ssl.SSLSocket, tuple[Any, float]]) -> bool:
        """Take every waiting connection into the handshake set; False when the listener died."""
        while True:
            try:
                raw, addr = self._listener.accept()
            except BlockingIOError:
                return True
            except OSError:
                if self._listener.fileno() < 0:
                    return False  # closed
                time.sleep(0.05)  # out of descriptors: let connections end, do not spin
                return True
            if not self._pending.acquire(host_of(addr)):
                raw.close()  # this address has enough handshakes pending
                continue
            try:
                raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                raw.setblocking(False)
                conn = self._context.wrap_socket(raw, server_side=True,
                                                  do_handshake_on_connect=False)
            except (OSError, ValueError):
                self._pending.release(host_of(addr))
                raw.close()
                continue
            if len(pending) >= self._max_handshakes:
                self._drop(selector, pending, next(iter(pending)))  # the oldest gives way
            pending[conn] = (addr, time.monotonic() + self._handshake_timeout)
            selector.register(conn, selectors.EVENT_READ, conn)

    def _step(self, selector: selectors.BaseSelector,
              pending: dict[ssl.SSLSocket, tuple[Any, float]], conn: ssl.SSLSocket) -> None:
        """Advance one handshake; when it completes, start the connection's relay."""
        try:
            conn.do_handshake()
        except ssl.SSLWantReadError:
            selector.modify(conn, selectors.EVENT_READ, conn)
            return
        except ssl.SSLWantWriteError:
            selector.modify(conn, selectors.EVENT_WRITE, conn)
            return
        except (OSError, ValueError):
            self._drop(selector, pending, conn)
            return
        addr, _ = pending.pop(conn)
        self._pending.release(host_of(addr))
        selector.unregister(conn)
        if not self._connections.acquire(blocking=False):
            conn.close()  # too many open connections
            return
        threading.Thread(target=self._serve, args=(conn, addr), name="tls-relay",
                         daemon=True).start()

    def _drop(self, selector: selectors.BaseSelector,
              pending: dict[ssl.SSLSocket, tuple[Any, float]], conn: ssl.SSLSocket) -> None:
        found = pending.pop(conn, None)
        if found is not None:
            self._pending.release(host_of(found[0]))
        with contextlib.suppress(KeyError, ValueError):
            selector.unregister(conn)
        conn.close()

    def _serve(self, wrapped: ssl.SSLSocket, addr: Any) -> None:
        """Hand waitress the plain end of a socket pair and relay the other to ``wrapped``."""
        app_end, relay_end = socket.socketpair()
        self._ready.put((app_end, addr))
        with contextlib.suppress(OSError):
            self._wake_write.send(b"\0")
        try:
            relay(wrapped, relay_end, self._io_timeout)
        finally:
            self._connections.release()
