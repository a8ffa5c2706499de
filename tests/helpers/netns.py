"""Network namespaces for tests: a peer with its own address, joined to ours by a veth pair.

Names start with ``pwsy`` (this project's test prefix) and carry the creating process id, so
that namespaces left behind by a killed test run are found and removed by the next one.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PREFIX = "pwsy"
_NAMESPACE = re.compile(rf"^{PREFIX}(\d+)n\d+$")
_COUNTER = itertools.count()


def run(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a set-up command (text output; CalledProcessError when ``check`` and it fails)."""
    return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=30)


@dataclass
class Namespace:
    """A network namespace joined to ours by a veth pair with a /30 of link-local addresses."""

    name: str
    ours: str  # address on our side of the veth
    address: str  # the namespace's address

    @property
    def outer(self) -> str:
        return f"{self.name}a"

    @property
    def inner(self) -> str:
        return f"{self.name}b"

    def exec_prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.name]

    @classmethod
    def create(cls) -> Namespace:
        remove_stale_namespaces()
        existing = {line.split()[0] for line in run("ip", "netns", "list").stdout.splitlines()
                    if line.strip()}
        name = f"{PREFIX}{os.getpid()}n{next(_COUNTER)}"
        while name in existing:
            name = f"{PREFIX}{os.getpid()}n{next(_COUNTER)}"
        ours, theirs = free_link_local_pair()
        namespace = cls(name, ours, theirs)
        try:
            run("ip", "netns", "add", name)
            run("ip", "link", "add", namespace.outer, "type", "veth", "peer", "name",
                namespace.inner)
            run("ip", "link", "set", namespace.inner, "netns", name)
            run("ip", "addr", "add", f"{ours}/30", "dev", namespace.outer)
            run("ip", "link", "set", namespace.outer, "up")
            run("ip", "-n", name, "link", "set", "lo", "up")
            run("ip", "-n", name, "addr", "add", f"{theirs}/30", "dev", namespace.inner)
            run("ip", "-n", name, "link", "set", namespace.inner, "up")
        except BaseException:
            namespace.delete()
            raise
        return namespace

    def set_link(self, up: bool) -> None:
        """Bring the backup's side of the veth up or down."""
        run("ip", "-n", self.name, "link", "set", self.inner, "up" if up else "down")

    @contextlib.contextmanager
    def link_down(self) -> Iterator[None]:
        """The backup's network link is down inside the block, up again afterwards."""
        self.set_link(False)
        try:
            yield
        finally:
            self.set_link(True)
            wait_for_port(self.address, 22)

    def delete(self) -> None:
        run("ip", "netns", "del", self.name, check=False)
        run("ip", "link", "del", self.outer, check=False)


def remove_stale_namespaces() -> None:
    """Delete ``pwsy<pid>n<k>`` namespaces whose creating process is gone (a killed run),
    with whatever still runs inside them."""
    for line in run("ip", "netns", "list").stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        match = _NAMESPACE.match(name)
        if match and not Path(f"/proc/{match.group(1)}").exists():
            for pid in run("ip", "netns", "pids", name, check=False).stdout.split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            run("ip", "netns", "del", name, check=False)
            run("ip", "link", "del", f"{name}a", check=False)


def die_with_parent() -> None:
    """In a child before exec: get SIGTERM when the test process dies, even by SIGKILL."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_link_local_pair() -> tuple[str, str]:
    """Two addresses of a /30 in 169.254.192.0/18 that no interface of ours uses yet."""
    used = run("ip", "-4", "-o", "addr", "show").stdout
    start = os.getpid() % 4096
    for offset in range(4096):
        n = (start + offset) % 4096
        net = f"169.254.{192 + n // 64}.{(n % 64) * 4}"
        base = net.rsplit(".", 1)[0]
        last = int(net.rsplit(".", 1)[1])
        ours, theirs = f"{base}.{last + 1}", f"{base}.{last + 2}"
        if f" {ours}/" not in used and f" {theirs}/" not in used:
            return ours, theirs
    raise RuntimeError("no free 169.254.192.0/18 subnet")


def wait_for_port(address: str, port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((address, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)
