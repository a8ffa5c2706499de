"""A real LVS router's network for tests: a network namespace with LVS-style labelled aliases.

:meth:`RouterNamespace.create` builds, with iproute2 (not pyroute2, the library under test),
a namespace ``pwni<pid>n<k>`` holding

* ``pwni0``/``pwni1``: a veth pair, both up; ``pwni0`` has 192.0.2.1/24, the aliases
  192.0.2.10/24 labelled ``pwni0:1`` and 192.0.2.11/32 labelled ``pwni0:2`` (as pulse raises
  VIPs) and 2001:db8::1/64; ``pwni1`` has 198.51.100.1/24;
* ``pwni2``/``pwni3``: a second veth pair left down, without addresses;
* ``lo``, down, as in every new namespace.

Addresses come from documentation ranges and live only inside the namespace; nothing is sent
anywhere.  :meth:`RouterNamespace.start_daemon` runs a stand-in process named like a Piranha
daemon (a shell script called ``pulse``, ``lvsd`` or ``nanny``) inside it.  Namespaces left
behind by a killed test process are removed by the next :meth:`create`.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PREFIX = "pwni"
_NAMESPACE = re.compile(rf"^{PREFIX}(\d+)n\d+$")
_COUNTER = itertools.count()
#: (device, address/prefix, label) of the aliases and addresses inside the namespace
ADDRESSES = (
    ("pwni0", "192.0.2.1/24", "pwni0"),
    ("pwni0", "192.0.2.10/24", "pwni0:1"),
    ("pwni0", "192.0.2.11/32", "pwni0:2"),
    ("pwni1", "198.51.100.1/24", "pwni1"),
)
IPV6 = ("pwni0", "2001:db8::1/64")


def require_root() -> None:
    """Skip (developer machine) or fail (CI=true) unless root with iproute2."""
    problem = None
    if os.geteuid() != 0:
        problem = "network namespaces need root"
    elif subprocess.run(["ip", "-V"], capture_output=True).returncode != 0:
        problem = "iproute2 (ip) is not installed"
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"router namespace tests: {problem}")
    pytest.skip(f"router namespace tests: {problem}")


def ip(*argv: str) -> None:
    """Run ``ip ARGV``; a failure fails the test with ip's message."""
    done = subprocess.run(["ip", *argv], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(argv)}: {done.stderr.strip()}")


def remove_stale_namespaces() -> None:
    """Delete pwni namespaces whose creating process no longer exists."""
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    for line in listed.splitlines():
        name = line.split()[0] if line.split() else ""
        found = _NAMESPACE.match(name)
        if found and not Path(f"/proc/{found[1]}").exists():
            subprocess.run(["ip", "netns", "del", name], capture_output=True)


@dataclass
class RouterNamespace:
    """One namespace as described in the module docstring."""

    name: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @classmethod
    def create(cls) -> RouterNamespace:
        require_root()
        remove_stale_namespaces()
        ns = cls(f"{PREFIX}{os.getpid()}n{next(_COUNTER)}")
        ip("netns", "add", ns.name)
        try:
            ip("-n", ns.name, "link", "add", "pwni0", "type", "veth", "peer", "name", "pwni1")
            ip("-n", ns.name, "link", "add", "pwni2", "type", "veth", "peer", "name", "pwni3")
            for device, address, label in ADDRESSES:
                ip("-n", ns.name, "addr", "add", address, "dev", device, "label", label)
            ip("-n", ns.name, "addr", "add", IPV6[1], "dev", IPV6[0], "nodad")
            ip("-n", ns.name, "link", "set", "pwni0", "up")
            ip("-n", ns.name, "link", "set", "pwni1", "up")
        except BaseException:
            ns.delete()
            raise
        return ns

    def add_address(self, device: str, cidr: str, label: str) -> None:
        """Raise one more labelled address, as pulse would."""
        ip("-n", self.name, "addr", "add", cidr, "dev", device, "label", label)

    def start_daemon(self, directory: Path, name: str, *args: str) -> subprocess.Popen[bytes]:
        """Run a process called ``name`` (pulse, lvsd, nanny) with ``args`` in the namespace.

        It is a shell script of that name, so the kernel lists it under that name with these
        arguments, the way it lists Piranha's daemons.
        """
        script = directory / name
        fifo = directory / f"{name}.idle"
        if not fifo.exists():
            os.mkfifo(fifo)
        # waits on a FIFO nobody writes to: no child process that would briefly carry its name
        script.write_text(
            f"#!/bin/bash\nexec 3<>'{fifo}'\nwhile :; do read -r -t 60 -u 3 _; done\n"
        )
        script.chmod(0o755)
        proc = subprocess.Popen(["ip", "netns", "exec", self.name, str(script), *args],
                                start_new_session=True)
        self.processes.append(proc)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # until ip has exec'd the script
            if Path(f"/proc/{proc.pid}/comm").read_text().strip() == name:
                return proc
            time.sleep(0.01)
        raise RuntimeError(f"{name} did not start in {self.name}")

    def stop_daemon(self, proc: subprocess.Popen[bytes]) -> None:
        """End one stand-in daemon and wait for it."""
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
        self.processes.remove(proc)

    def delete(self) -> None:
        """Stop the stand-in daemons and remove the namespace with its devices."""
        for proc in list(self.processes):
            self.stop_daemon(proc)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)
