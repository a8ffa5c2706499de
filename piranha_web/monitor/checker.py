"""One long-running process that checks every real server the way its nanny would.

keepalived's MISC_CHECK starts a ``piranha-web check-server`` process per real server every
``timeout`` seconds, about 150 ms of CPU each: thousands of real servers would need hundreds of
cores (BENCHMARKS.md "Checks at scale").  :func:`run_checker` instead runs every check of an
lvs.cf in one asyncio process, with the same nanny-exact engine as ``check-server``
(:func:`~.probe.probe_server` with the strings as lvsd passes them), on nanny's schedule: one
check, then ``timeout`` seconds of sleep, for every active real server of every active
virtual server (the ones lvsd starts a nanny for).

Each verdict is kept in ``DIRECTORY/`` :func:`~piranha_web.lvscf.check_files.check_file_name`
as ``0`` (up) or ``1`` (down), written atomically and only when it changes, so a watcher
(keepalived's ``track_file``) sees one event per state change.  A file starts at ``1``: as with
nanny, a real server enters the pool after its first successful check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from piranha_web.atomic import replace_file
from piranha_web.lvscf.check_files import DOWN, UP, check_file_name
from piranha_web.lvscf.document import Document
from piranha_web.lvscf.model import MonitorScript, RealServer, VirtualServer
from piranha_web.monitor.probe import ProbeResult, concurrency, probe_server, selected_pairs

#: called with each result whose verdict changed (for a log line)
OnChange = Callable[[ProbeResult], None]


def checked_servers(
    document: Document,
) -> list[tuple[VirtualServer, RealServer, MonitorScript | None]]:
    """Every (virtual, real server, strings) lvsd would start a nanny for."""
    return [(vs, rs, monitor) for vs, monitor in selected_pairs(document, None) if vs.active
            for rs in vs.servers if rs.active]


def write_verdict(path: Path, up: bool) -> None:
    """Replace the verdict file at ``path`` (atomically; readable by the keepalived user)."""
    replace_file(path, (UP if up else DOWN).encode() + b"\n", mode=0o644)


class _Server:
    """The check loop of one real server."""

    def __init__(self, directory: Path, vs: VirtualServer, rs: RealServer,
                 monitor: MonitorScript | None) -> None:
        self.vs, self.rs, self.monitor = vs, rs, monitor
        self.path = directory / check_file_name(vs.name, rs.name)
        self.up: bool | None = None

    async def once(self, gate: asyncio.Semaphore, on_change: OnChange) -> None:
        async with gate:
            result = await probe_server(self.vs, self.rs, self.monitor)
        if result.nanny.up != self.up:
            self.up = result.nanny.up
            await asyncio.to_thread(write_verdict, self.path, self.up)
            on_change(result)

    async def forever(self, gate: asyncio.Semaphore, on_change: OnChange) -> None:
        while True:
            await self.once(gate, on_change)
            await asyncio.sleep(max(1, self.vs.timeout))


async def run_checker(document: Document, directory: Path, on_change: OnChange,
                      rounds: int | None = None) -> None:
    """Check every real server of ``document`` on nanny's schedule, keeping the verdict files
    in ``directory`` (created if missing); ``rounds``: stop after that many checks of each
    (None: run until cancelled)."""
    directory.mkdir(parents=True, exist_ok=True)
    gate = asyncio.Semaphore(concurrency())
    servers = [_Server(directory, vs, rs, monitor)
               for vs, rs, monitor in checked_servers(document)]
    for server in servers:
        if not server.path.exists():
            write_verdict(server.path, False)
    if rounds is None:
        await asyncio.gather(*(server.forever(gate, on_change) for server in servers))
        return
    for _ in range(rounds):
        await asyncio.gather(*(server.once(gate, on_change) for server in servers))
