"""Checks for interactive use (TEST, CHECK NOW): in a killable process, bounded, capped.

A Service Timeout may be anything up to 2^31-1 seconds, a sending program may hang, and a
regular expression may take longer to match than anyone waits: run in the web server, any of
these would hold its threads (a regex match even holds the interpreter, so every page would
stop).  :class:`CheckRunner` therefore

* runs each request's checks in a process of its own (:mod:`.worker`, working directory ``/``)
  and waits for it with a deadline: the capped timeout plus :data:`GRACE`; at the deadline
  the process and everything it started is killed, and every check that had not finished
  (a regex that would not end, a server slow at every stage) is reported down with that
  reason.  The deadline counts from the moment the process is ready (it prints
  :data:`READY` once its imports are done): on a loaded machine starting Python can take
  seconds, and that time must not eat the checks' own timeouts (a check killed before it
  ever connected); starting is bounded apart, by :data:`STARTUP`;
* lets at most ``slots`` requests have checks running at once and refuses a further one at once
  with :class:`~piranha_web.errors.ChecksBusyError` (503) instead of queueing it on a request
  thread, so the other request threads keep serving pages;
* caps each check's time at ``max_timeout`` seconds whatever the Service Timeout, with a note
  in the result saying so.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import selectors
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence

from piranha_web.errors import ChecksBusyError
from piranha_web.lvscf.model import MonitorScript, RealServer, VirtualServer
from piranha_web.monitor.probe import ProbeResult
from piranha_web.monitor.verdict import down

#: requests whose checks may run at once (fewer than the web server's request threads)
SLOTS = 2
#: the longest an interactive check may take, seconds
MAX_TIMEOUT = 10
#: seconds a check process gets beyond its checks' own deadlines (start-up, killing programs)
GRACE = 4.0
WORKER = [sys.executable, "-m", "piranha_web.monitor.worker"]
#: the line a check process prints when its imports are done and it waits for its batch
READY = b"ready\n"
#: the longest a check process may take to become ready, seconds (a very loaded machine)
STARTUP = 60.0


def unfinished(vs: VirtualServer, rs: RealServer, deadline: float,
               reason: str | None = None) -> ProbeResult:
    """The result of a check whose process was killed at the deadline (or never started)."""
    verdict = down(reason or f"the check did not finish within {deadline:g} s and was stopped "
                   "(a sending program or the expect regex did not finish)")
    return ProbeResult(
        virtual=vs.name, server=rs.name, address=rs.address, port=rs.effective_port,
        protocol=vs.protocol, active=rs.active, check="stopped at the deadline",
        nanny=verdict, strict=verdict, received="", elapsed=deadline, warnings=(),
    )


def run_in_process(
    pairs: list[tuple[VirtualServer, MonitorScript | None]], max_timeout: int
) -> list[ProbeResult]:
    """Check every real server of every pair in a check process; results in config order."""
    jobs = [(vs, rs) for vs, _ in pairs for rs in vs.servers]
    longest = max((min(vs.timeout, max_timeout) for vs, _ in jobs), default=0)
    deadline = max(longest, 1) + GRACE
    process = subprocess.Popen(
        WORKER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        cwd="/", start_new_session=True,
    )
    if not became_ready(process, STARTUP):
        kill(process)
        process.communicate()
        reason = f"the check process did not start within {STARTUP:g} s; nothing was checked"
        return [unfinished(vs, rs, deadline, reason) for vs, rs in jobs]
    try:
        output, _ = process.communicate(pickle.dumps((pairs, max_timeout)), timeout=deadline)
    except subprocess.TimeoutExpired:
        kill(process)
        output, _ = process.communicate()
    found: dict[int, ProbeResult] = {}
    for line in output.splitlines():
        with contextlib.suppress(ValueError, KeyError, TypeError):
            record = json.loads(line)
            found[int(record["index"])] = ProbeResult.from_dict(record["result"])
    return [found.get(i) or unfinished(vs, rs, deadline) for i, (vs, rs) in enumerate(jobs)]


def became_ready(process: subprocess.Popen[bytes], seconds: float) -> bool:
    """Whether ``process`` printed :data:`READY` within ``seconds`` (nothing else comes
    before it gets its batch, so the buffered line read leaves nothing behind)."""
    if process.stdout is None:  # pragma: no cover - always a pipe here
        return False
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(seconds):
            return False
    return process.stdout.readline() == READY


def kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the check process and everything it started (its own session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


class CheckRunner:
    """Runs TEST / CHECK NOW checks in check processes (see the module docstring)."""

    def __init__(self, *, slots: int = SLOTS, max_timeout: int = MAX_TIMEOUT) -> None:
        self.max_timeout = max_timeout
        self._slots = threading.BoundedSemaphore(slots)

    def probe_virtual(
        self, vs: VirtualServer, overrides: MonitorScript | None = None
    ) -> Sequence[ProbeResult]:
        """Check every real server of ``vs`` now; ChecksBusyError when no slot is free."""
        if not self._slots.acquire(blocking=False):
            raise ChecksBusyError(
                "Other checks are running right now (TEST or CHECK NOW of other users); "
                "nothing was checked. Try again in a few seconds."
            )
        try:
            return run_in_process([(vs, overrides)], self.max_timeout)
        finally:
            self._slots.release()
