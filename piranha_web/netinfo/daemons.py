"""Which LVS daemons run on this router: pulse, lvsd and the nannies, or keepalived (the engine
piranha-web can run the cluster with instead), with their arguments.

Read straight from /proc (``comm`` for the name, ``cmdline`` for the arguments; no ``ps``
pipeline).  Only processes in the router's network namespace count: with ``netns`` set,
those whose /proc/PID/ns/net is that namespace; without it, those in this process's own
namespace (a process whose namespace cannot be read is counted then, since it most likely
is the host's).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from piranha_web.errors import NetInfoError

#: the daemons of a Piranha router, in the order they start each other, then keepalived
DAEMONS = ("pulse", "lvsd", "nanny", "keepalived")


@dataclass(frozen=True)
class DaemonProcess:
    """One running daemon process."""

    pid: int
    name: str
    argv: tuple[str, ...]
    started: float | None = None  # seconds since the epoch (/proc/PID/stat and btime)

    @property
    def command_line(self) -> str:
        """The arguments quoted as a shell would need them (nanny's send strings have blanks)."""
        return shlex.join(self.argv)


@dataclass(frozen=True)
class DaemonStatus:
    """One daemon and its running processes (none: stopped)."""

    name: str
    processes: tuple[DaemonProcess, ...]

    @property
    def running(self) -> bool:
        return bool(self.processes)


def find_daemons(netns: str | None = None, proc: Path = Path("/proc")) -> list[DaemonProcess]:
    """pulse/lvsd/nanny/keepalived processes of the router (see the module docstring), by pid."""
    wanted = _namespace_id(Path(f"/run/netns/{netns}") if netns else proc / "self/ns/net")
    if wanted is None and netns is not None:
        raise NetInfoError("netns", f"there is no network namespace {netns!r}")
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name = (entry / "comm").read_text().strip()
            if name not in DAEMONS:
                continue
            raw = (entry / "cmdline").read_bytes()
        except OSError:  # the process ended meanwhile, or is not ours to read
            continue
        if not raw:  # a zombie or kernel thread
            continue
        here = _namespace_id(entry / "ns/net")
        if here != wanted and not (here is None and netns is None):
            continue
        argv = tuple(arg.decode(errors="replace") for arg in raw.rstrip(b"\0").split(b"\0"))
        found.append(DaemonProcess(int(entry.name), name, argv, _started(entry, proc)))
    return sorted(found, key=lambda p: p.pid)


def daemon_status(processes: Iterable[DaemonProcess]) -> list[DaemonStatus]:
    """One entry per daemon of :data:`DAEMONS`, running or not."""
    listed = list(processes)
    return [DaemonStatus(name, tuple(p for p in listed if p.name == name)) for name in DAEMONS]


def _started(entry: Path, proc: Path) -> float | None:
    """When process ``entry`` started: its start in clock ticks after boot (field 22 of its
    stat, after the parenthesised name) plus the boot time (``btime`` of /proc/stat)."""
    try:
        fields = (entry / "stat").read_text().rpartition(")")[2].split()
        ticks = int(fields[19])
        boot = next(int(line.split()[1]) for line in (proc / "stat").read_text().splitlines()
                    if line.startswith("btime "))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def _namespace_id(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)
