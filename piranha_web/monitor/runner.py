"""Checks for interactive use (TEST, CHECK NOW): off the request threads, bounded, capped.

A Service Timeout may be anything up to 2^31-1 seconds, and a sending program may hang: run in
the web server's request threads, four slow TESTs would stop every page.  :class:`CheckRunner`
therefore

* runs every check on one asyncio event loop in a thread of its own (the requests only wait
  for their results);
* lets at most ``slots`` requests have checks running at once and refuses a further one at once
  with :class:`~piranha_web.errors.ChecksBusyError` (503) instead of queueing it on a request
  thread, so the other request threads keep serving pages;
* caps each check's time at ``max_timeout`` seconds whatever the Service Timeout, with a note
  in the result saying so.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from piranha_web.errors import ChecksBusyError
from piranha_web.lvscf.model import MonitorScript, VirtualServer
from piranha_web.monitor.probe import ProbeResult, probe_all

#: requests whose checks may run at once (fewer than the web server's request threads)
SLOTS = 2
#: the longest an interactive check may take, seconds
MAX_TIMEOUT = 10


class CheckRunner:
    """Runs TEST / CHECK NOW checks on its own event loop thread (see the module docstring)."""

    def __init__(self, *, slots: int = SLOTS, max_timeout: int = MAX_TIMEOUT) -> None:
        self.max_timeout = max_timeout
        self._slots = threading.BoundedSemaphore(slots)
        self._start = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

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
            job = probe_all([(vs, overrides)], max_timeout=self.max_timeout)
            return asyncio.run_coroutine_threadsafe(job, self._running_loop()).result()
        finally:
            self._slots.release()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._start:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="checks", daemon=True).start()
                self._loop = loop
            return self._loop
