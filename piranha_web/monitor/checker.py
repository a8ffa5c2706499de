"""One long-running process that checks every real server the way its nanny would.

keepalived's MISC_CHECK starts a ``piranha-web check-server`` process per real server every
``timeout`` seconds, about 150 ms of CPU each: thousands of real servers would need hundreds of
cores (BENCHMARKS.md "Checks at scale").  :class:`Checker` instead runs every check of an
lvs.cf in one asyncio process, with the same nanny-exact engine as ``check-server``
(:func:`~.probe.probe_server` with the strings as lvsd passes them), on nanny's schedule: one
check, then ``timeout`` seconds of sleep, for every real server lvsd starts a nanny for
(:func:`~piranha_web.lvscf.lvsd.lvsd_plan`: active real servers of active virtual servers
whose ``ipvsadm -A`` succeeds, without a second nanny for the same destination).

Each verdict is kept in ``DIRECTORY/`` :func:`~piranha_web.lvscf.check_files.check_file_name`
as ``0`` (up) or ``1`` (down), written atomically and only when it changes, so a watcher
(keepalived's ``track_file``, which the export's FILE_CHECKs read) sees one event per state
change.  A new file starts at ``1``: as with nanny, a real server enters the pool after its
first successful check; a file left by an earlier run keeps its verdict until the next check.

:func:`run_checker` follows lvs.cf: each ``poll`` seconds it compares the file's stamp (its
``stat``) and, when it changed, loads it again; a server that left the plan loses its loop and
its file, a new one gets both, an unchanged one keeps running.  A file that cannot be loaded
(unreadable, unparsable, or with errors pulse refuses) leaves the last plan running and is
reported once per stamp.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path

from piranha_web.atomic import replace_file
from piranha_web.errors import MonitorScriptError
from piranha_web.lvscf.check_files import DOWN, UP, check_file_name
from piranha_web.lvscf.document import Document
from piranha_web.lvscf.lvsd import lvsd_plan
from piranha_web.lvscf.model import MonitorScript, RealServer, VirtualServer
from piranha_web.lvscf.nanny import lvsd_monitor
from piranha_web.monitor.probe import (
    ProbeResult,
    concurrency,
    judge,
    prepare,
    probe_server,
    result_of,
)
from piranha_web.monitor.spec import CheckSpec
from piranha_web.monitor.verdict import Judgement

#: called with each result whose verdict changed (for a log line)
OnChange = Callable[[ProbeResult], None]
#: called with a sentence about the plan (reloaded, or kept because the file is unusable)
OnNote = Callable[[str], None]
#: loads lvs.cf; raises :class:`PlanError` when it cannot be used
Load = Callable[[], Document]
#: a value that changes when lvs.cf does (its stat)
Stamp = Callable[[], Hashable]


class PlanError(Exception):
    """lvs.cf cannot give a plan (unreadable, unparsable, or refused by pulse)."""


@dataclass(frozen=True)
class Check:
    """One real server lvsd monitors, with the strings lvsd passes to its nanny."""

    virtual: VirtualServer
    server: RealServer
    monitor: MonitorScript | None

    @property
    def file_name(self) -> str:
        return check_file_name(self.virtual.name, self.server.name)


def checked_servers(document: Document) -> list[Check]:
    """Every real server lvsd would start a nanny for (one per verdict file, first wins)."""
    blocks = document.blocks()
    checks: dict[str, Check] = {}
    for plan in lvsd_plan(document.model()):
        if plan.fails is not None:
            continue
        monitor = lvsd_monitor(blocks[plan.index], plan.virtual)
        for _, rs in plan.monitors:
            check = Check(plan.virtual, rs, monitor)
            checks.setdefault(check.file_name, check)
    return list(checks.values())


def write_verdict(path: Path, up: bool) -> None:
    """Replace the verdict file at ``path`` (atomically; readable by the keepalived user)."""
    replace_file(path, (UP if up else DOWN).encode() + b"\n", mode=0o644)


def read_verdict(path: Path) -> bool | None:
    """The verdict a file holds (None: no file, or not one the checker writes)."""
    try:
        text = path.read_bytes()[:8].strip().decode("ascii", "replace")
    except OSError:
        return None
    return {UP: True, DOWN: False}.get(text)


class _Loop:
    """The check loop of one real server: ``up`` is its last verdict (None before the first
    check: the first is always reported), ``kept`` the one its file holds."""

    def __init__(self, directory: Path, check: Check) -> None:
        self.check = check
        self.path = directory / check.file_name
        self.up: bool | None = None
        self.spec: CheckSpec | None = None
        kept = read_verdict(self.path)
        if kept is None:
            write_verdict(self.path, False)
        self.kept = bool(kept)

    async def _run(self) -> Judgement | ProbeResult:
        """This check once.  Its spec is built at the first (as nanny resolves and compiles
        once, at start); a check that cannot be built is tried whole each time (down, with
        the reason in its :class:`ProbeResult`)."""
        if self.spec is None:
            try:
                self.spec = await prepare(self.check.virtual, self.check.server,
                                          self.check.monitor)
            except MonitorScriptError:
                return await probe_server(self.check.virtual, self.check.server,
                                          self.check.monitor)
        return await judge(self.spec)

    async def once(self, gate: asyncio.Semaphore, on_change: OnChange) -> None:
        """One check: the file follows a changed verdict, ``on_change`` hears the first and
        every change (the ProbeResult is made only then)."""
        async with gate:
            started = time.monotonic()
            outcome = await self._run()
        up = outcome.nanny.up
        if up != self.kept:
            await asyncio.to_thread(write_verdict, self.path, up)
            self.kept = up
        if up != self.up:
            self.up = up
            if isinstance(outcome, Judgement):
                outcome = result_of(self.check.virtual, self.check.server, self.spec, outcome,
                                    time.monotonic() - started)
            on_change(outcome)

    async def forever(self, gate: asyncio.Semaphore, on_change: OnChange) -> None:
        while True:
            await self.once(gate, on_change)
            await asyncio.sleep(max(1, self.check.virtual.timeout))


class Checker:
    """The loops of the current plan, kept in step with it by :meth:`follow`."""

    def __init__(self, directory: Path, on_change: OnChange) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.on_change = on_change
        self.gate = asyncio.Semaphore(concurrency())
        self.loops: dict[str, _Loop] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}

    def follow(self, document: Document) -> None:
        """Make the loops those of ``document``'s plan: stop (and delete the file of) each
        server that left it or whose check changed, start each new one."""
        wanted = {check.file_name: check for check in checked_servers(document)}
        for name in [name for name, loop in self.loops.items()
                     if wanted.get(name) != loop.check]:
            task = self.tasks.pop(name, None)
            if task is not None:
                task.cancel()
            del self.loops[name]
            if name not in wanted:
                (self.directory / name).unlink(missing_ok=True)
        for name, check in wanted.items():
            if name not in self.loops:
                self.loops[name] = _Loop(self.directory, check)

    def start(self) -> None:
        """Run every loop that is not running yet."""
        for name, loop in self.loops.items():
            if name not in self.tasks:
                self.tasks[name] = asyncio.create_task(loop.forever(self.gate, self.on_change))

    async def round(self) -> None:
        """One check of every server now (``--once``)."""
        await asyncio.gather(*(loop.once(self.gate, self.on_change)
                               for loop in self.loops.values()))

    def stop(self) -> None:
        for task in self.tasks.values():
            task.cancel()
        self.tasks.clear()


async def run_checker(load: Load, stamp: Stamp, directory: Path, on_change: OnChange,
                      on_note: OnNote, *, rounds: int | None = None, poll: float = 1.0) -> None:
    """Check every real server of lvs.cf on nanny's schedule, keeping the verdict files in
    ``directory`` (created if missing) and following lvs.cf (see the module docstring).

    ``rounds``: that many checks of each server now, then return (no following); None: run
    until cancelled.  The first :func:`load` must succeed (its :class:`PlanError` is raised).
    """
    seen = stamp()
    document = load()
    checker = Checker(directory, on_change)
    checker.follow(document)
    if rounds is not None:
        for _ in range(rounds):
            await checker.round()
        return
    try:
        checker.start()
        while True:
            await asyncio.sleep(poll)
            now = stamp()
            if now == seen:
                continue
            seen = now
            try:
                document = load()
            except PlanError as err:
                on_note(f"lvs.cf changed but cannot be used, the last plan keeps running: {err}")
                continue
            checker.follow(document)
            checker.start()
            on_note(f"lvs.cf changed: {len(checker.loops)} real servers checked")
    finally:
        checker.stop()
