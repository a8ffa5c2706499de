"""Doing one thing inside a named network namespace (``ip netns add NAME``), without forking.

A network namespace is a per-thread attribute: :func:`in_netns` runs a function in a
short-lived thread that first joins the namespace (setns(2)), so the server's own threads
never change namespace.  A netlink socket created there stays bound to that namespace for
its whole life, and ``/proc/thread-self/net/...`` shows that namespace's files.  (pyroute2's
own ``netns=`` support forks a helper process per socket and leaks its sockets.)
"""

from __future__ import annotations

import ctypes
import os
import socket
import threading
from collections.abc import Callable
from typing import TypeVar

from piranha_web.errors import NetInfoError

T = TypeVar("T")
NETNS_DIR = "/run/netns"
_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def in_netns(netns: str | None, action: Callable[[], T]) -> T:
    """``action()`` run inside namespace ``netns`` (in this thread when ``netns`` is None)."""
    if netns is None:
        return action()
    if "/" in netns or netns in ("", ".", ".."):
        raise NetInfoError("netns", f"{netns!r} is not a network namespace name")
    try:
        fd = os.open(os.path.join(NETNS_DIR, netns), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise NetInfoError("netns", f"there is no network namespace {netns!r}") from None
    except OSError as err:
        raise NetInfoError("netns", f"cannot open network namespace {netns!r}: {err}") from None
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            if _libc.setns(fd, _CLONE_NEWNET) != 0:
                code = ctypes.get_errno()
                raise NetInfoError("netns", f"cannot enter {netns!r}: {os.strerror(code)}")
            outcome.append(action())
        except BaseException as err:  # handed to the calling thread below
            failure.append(err)

    try:
        worker = threading.Thread(target=run, name=f"netns-{netns}")
        worker.start()
        worker.join()
    finally:
        os.close(fd)
    if failure:
        raise failure[0]
    return outcome[0]


def netlink_socket(netns: str | None, protocol: int) -> socket.socket:
    """A netlink socket of ``protocol`` (NETLINK_ROUTE 0, NETLINK_GENERIC 16) in ``netns``."""
    return in_netns(netns, lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, protocol))
