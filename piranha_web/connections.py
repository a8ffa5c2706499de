"""A per-address connection limit for waitress: one client cannot take every connection.

waitress stops accepting once ``connection_limit`` connections are open: about 2,000
half-open connections from one address left an administrator's requests waiting in the
listen backlog (issue 20).  :class:`LimitedServer` counts open connections per client
address (:class:`AddressLimit`) and closes a new one at once when its address already holds
``per_address``; every other address is still accepted and served.  The TLS listener
(:mod:`piranha_web.tls`) applies the same count to pending handshakes.

The count is taken when waitress accepts and given back when its channel is closed, whoever
closes it (the client, a timeout, the end of a response); IPv4-mapped IPv6 addresses count as
their IPv4 address.
"""

from __future__ import annotations

import threading
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer

#: open connections one client address may hold (8 browsers behind one NAT use about 48)
PER_ADDRESS_LIMIT = 64


def host_of(addr: Any) -> str:
    """The client address of a socket address (``(host, port, ...)``), IPv4-mapped unwrapped."""
    host = str(addr[0]) if isinstance(addr, tuple) and addr else str(addr)
    return host.removeprefix("::ffff:") if "." in host else host


class AddressLimit:
    """Open connections per address, at most ``limit`` each (thread-safe)."""

    def __init__(self, limit: int = PER_ADDRESS_LIMIT) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def acquire(self, host: str) -> bool:
        """Count one more connection of ``host``; False (nothing counted) when it has enough."""
        with self._lock:
            held = self._open.get(host, 0)
            if held >= self.limit:
                return False
            self._open[host] = held + 1
            return True

    def release(self, host: str) -> None:
        """One connection of ``host`` ended."""
        with self._lock:
            held = self._open.get(host, 0) - 1
            if held > 0:
                self._open[host] = held
            else:
                self._open.pop(host, None)

    def held(self, host: str) -> int:
        """Connections ``host`` holds now."""
        with self._lock:
            return self._open.get(host, 0)


class AddressChannel(HTTPChannel):  # type: ignore[misc]
    """waitress's channel, giving its address's count back when it is closed (once)."""

    limit: AddressLimit | None = None
    host = ""

    def del_channel(self, map: Any = None) -> None:  # noqa: A002 (waitress's name)
        super().del_channel(map)
        limit, self.limit = self.limit, None
        if limit is not None:
            limit.release(self.host)


class LimitedServer(TcpWSGIServer):  # type: ignore[misc]
    """waitress's TCP server with a per-address connection limit (``per_address``)."""

    channel_class = AddressChannel

    def __init__(self, *args: Any, per_address: AddressLimit, **kwargs: Any) -> None:
        self.per_address = per_address
        super().__init__(*args, **kwargs)

    def handle_accept(self) -> None:
        """Accept one connection; close it at once when its address holds its limit."""
        try:
            pair = self.accept()
            if pair is None:
                return
            conn, addr = pair
        except OSError:
            return  # the client left before we got to it
        host = host_of(addr)
        if not self.per_address.acquire(host):
            conn.close()
            return
        try:
            self.set_socket_options(conn)
            channel = self.channel_class(self, conn, self.fix_addr(addr), self.adj,
                                         map=self._map)
        except OSError:
            self.per_address.release(host)
            conn.close()
            return
        channel.host, channel.limit = host, self.per_address
