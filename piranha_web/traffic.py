"""Traffic of the last hour: connection and byte rates of every IPVS service and real server.

A :class:`TrafficHistory` reads the kernel's counters (:class:`~piranha_web.netinfo.ipvs_model.
IpvsStats`, through ``read()``, normally ``NetInfo().ipvs``) every :data:`INTERVAL` seconds on
a thread of its own and keeps, per service and per real server, the rates between two readings
in a ring of :data:`SLOTS` slots (one hour).  Memory is bounded whatever lvs.cf holds: at most
``max_series`` series (:data:`MAX_SERIES`) of two ``array('f')`` rings each (2 x 4 bytes a
slot); the services and real servers beyond that are not sampled (``dropped`` counts them),
and a series the kernel no longer has is forgotten once its whole hour is empty.

Series are named by the kernel's identity, not lvs.cf's names (a rename keeps its history, a
changed address starts a new one): a service by its label (``TCP 192.0.2.10:80``, ``FWM 80``),
a real server by ``SERVICE -> ADDRESS:PORT`` (:func:`service_key`, :func:`dest_key`).  A rate
is the change of a counter between two consecutive readings divided by the time between them;
where a series was absent, a counter went backwards (the service was deleted and added again)
or the kernel gave no counters (/proc/net/ip_vs only), the slot holds NaN: a gap in the chart.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from piranha_web.errors import NetInfoError
from piranha_web.netinfo.ipvs_model import IpvsDest, IpvsService, IpvsStats, IpvsTable

#: seconds between two readings of the kernel's counters
INTERVAL = 10.0
#: slots of each ring: one hour of readings
SLOTS = 360
#: series kept at most (services and real servers together): 2,048 x 2.9 KB = 5.9 MB
MAX_SERIES = 2048
NAN = math.nan
log = logging.getLogger(__name__)


def service_key(svc: IpvsService) -> str:
    """The series name of a service: its ipvsadm label."""
    return svc.label


def dest_key(svc: IpvsService, dest: IpvsDest) -> str:
    """The series name of a real server of ``svc``."""
    return f"{svc.label} -> {dest.label}"


@dataclass(frozen=True)
class Series:
    """One series, oldest first: ``times`` (seconds since the epoch) and the rates then
    (``conns``: new connections per second, ``bytes``: bytes in + out per second; NaN where
    nothing is known)."""

    times: tuple[float, ...]
    conns: tuple[float, ...]
    bytes: tuple[float, ...]


class _Ring:
    """Rates of one series at the history's sample numbers (slot = number % slots)."""

    __slots__ = ("bytes", "conns", "last", "seen")

    def __init__(self, slots: int) -> None:
        self.conns = array("f", [NAN]) * slots
        self.bytes = array("f", [NAN]) * slots
        self.last: tuple[int, IpvsStats] | None = None  # sample number and counters read
        self.seen = 0  # the last sample number the kernel had this series


class TrafficHistory:
    """Rates of the last hour per service and real server (see the module docstring)."""

    def __init__(self, read: Callable[[], IpvsTable | None], *, interval: float = INTERVAL,
                 slots: int = SLOTS, max_series: int = MAX_SERIES,
                 clock: Callable[[], float] = time.time) -> None:
        self._read = read
        self.interval = interval
        self.slots = slots
        self.max_series = max_series
        self._clock = clock
        self._lock = threading.Lock()
        self._rings: dict[str, _Ring] = {}
        self._times = array("d", [NAN]) * slots
        self._number = 0  # samples taken
        self.dropped = 0  # series not kept at the last sample (over max_series)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> None:
        """Read the kernel's counters once and record the rates since the last reading.

        A table that cannot be read (NetInfoError) or that has no counters records a gap.
        """
        try:
            table = self._read()
        except NetInfoError as err:
            log.warning("traffic sample skipped: %s", err)
            table = None
        now = self._clock()
        with self._lock:
            number = self._number
            slot = number % self.slots
            self._times[slot] = now
            counters = dict(_counters(table)) if table is not None else {}
            self.dropped = 0
            for key, stats in counters.items():
                ring = self._rings.get(key)
                if ring is None:
                    if len(self._rings) >= self.max_series:
                        self.dropped += 1
                        continue
                    ring = self._rings[key] = _Ring(self.slots)
                self._record(ring, number, now, stats)
            for key, ring in list(self._rings.items()):
                if key not in counters:
                    ring.conns[slot] = ring.bytes[slot] = NAN
                    ring.last = None
                    if number - ring.seen >= self.slots:
                        del self._rings[key]  # a whole hour without it
            self._number = number + 1

    def _record(self, ring: _Ring, number: int, now: float, stats: IpvsStats | None) -> None:
        slot = number % self.slots
        ring.seen = number
        conns = in_out = NAN
        last = ring.last
        if stats is not None and last is not None and last[0] == number - 1:
            before, elapsed = last[1], now - self._times[(number - 1) % self.slots]
            moved = (stats.conns - before.conns,
                     stats.in_bytes + stats.out_bytes - before.in_bytes - before.out_bytes)
            if elapsed > 0 and min(moved) >= 0:
                conns, in_out = moved[0] / elapsed, moved[1] / elapsed
        ring.conns[slot], ring.bytes[slot] = conns, in_out
        ring.last = (number, stats) if stats is not None else None

    def series(self, key: str) -> Series | None:
        """The hour of ``key``, oldest first; None when it is not sampled."""
        with self._lock:
            ring = self._rings.get(key)
            if ring is None:
                return None
            first = max(0, self._number - self.slots)
            slots = [n % self.slots for n in range(first, self._number)]
            return Series(tuple(self._times[s] for s in slots),
                          tuple(ring.conns[s] for s in slots),
                          tuple(ring.bytes[s] for s in slots))

    def names(self) -> list[str]:
        """The series kept, in no particular order."""
        with self._lock:
            return list(self._rings)

    def start(self) -> None:
        """Sample every ``interval`` seconds on a daemon thread until :meth:`stop`."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="traffic", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)

    def _run(self) -> None:
        while True:
            try:
                self.sample()
            except Exception:  # keep sampling whatever one reading did
                log.exception("traffic sample failed")
            if self._stop.wait(self.interval):
                return


def _counters(table: IpvsTable) -> Iterator[tuple[str, IpvsStats | None]]:
    for svc in table.services:
        yield service_key(svc), svc.stats
        for dest in svc.dests:
            yield dest_key(svc, dest), dest.stats
