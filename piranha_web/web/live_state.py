"""Live state beside the configured one in the VIRTUAL SERVERS and REAL SERVER lists.

From this router's IPVS table (``Services.netinfo``, read afresh on each view, as on
CONTROL/MONITORING) each real server is in the kernel or not, with its weight and
connections; each virtual server has "n of m real servers up" (m: the active real servers
nanny watches, n: those in the kernel with a weight above 0).  The last CHECK NOW verdict of
each real server comes from ``Services.recent_checks`` (:mod:`.recent_checks`), kept in
memory: viewing a list never runs a check.
"""

from __future__ import annotations

from dataclasses import dataclass

from piranha_web.errors import NetInfoError
from piranha_web.lvscf.model import Config
from piranha_web.netinfo.ipvs_diff import Comparison, ServerCheck, compare
from piranha_web.web.services import services


@dataclass(frozen=True)
class Live:
    """The IPVS table compared with lvs.cf, or None with ``problem`` saying why."""

    comparison: Comparison | None
    problem: str = ""

    def servers_of(self, virtual: str) -> dict[str, ServerCheck]:
        """Real servers of an active virtual server as the kernel has them, by name."""
        if self.comparison is None:
            return {}
        for service in self.comparison.services:
            if service.virtual == virtual:
                return {s.server: s for s in service.servers if s.server is not None}
        return {}

    def up_counts(self) -> dict[str, tuple[int, int]]:
        """Virtual server -> (real servers up in the kernel, active real servers in lvs.cf)."""
        if self.comparison is None:
            return {}
        counts = {}
        for service in self.comparison.services:
            if service.virtual is None:
                continue
            mine = [s for s in service.servers if s.server is not None]
            up = sum(1 for s in mine if s.dest is not None and s.dest.weight > 0)
            counts[service.virtual] = (up, len(mine))
        return counts


def read_live(config: Config) -> Live:
    """The live IPVS table of this router compared with ``config``."""
    netinfo = services().netinfo
    if netinfo is None:
        return Live(None, "")
    try:
        reading = netinfo.ipvs()
    except NetInfoError as err:
        return Live(None, f"Cannot read the IPVS table: {err.detail}")
    if reading.table is None:
        return Live(None, reading.message)
    return Live(compare(reading.table, config))
