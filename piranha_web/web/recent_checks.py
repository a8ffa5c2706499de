"""The last CHECK NOW verdict of each real server, kept in memory for the REAL SERVER list.

CHECK NOW records its results here; the list shows each real server's last verdict and its
age; after a save, :meth:`RecentChecks.retain` drops those of real servers the file no longer
has (``piranha_web.after_save``).  Nothing here runs a check, and nothing is written to
disk: a restart forgets them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from piranha_web.lvscf.model import Config, RealServer, VirtualServer
from piranha_web.monitor import ProbeResult
from piranha_web.monitor.verdict import Verdict

#: how many real servers' last verdicts are kept (the oldest are dropped first)
MAX_KEPT = 50_000
#: verdicts older than this are forgotten (seconds)
MAX_AGE = 24 * 3600


@dataclass(frozen=True)
class Recent:
    """The last CHECK NOW verdict of one real server and when it was reached."""

    verdict: Verdict
    checked_at: float


def age_text(seconds: float) -> str:
    """``12 s``, ``3 min``, ``2 h`` (rounded down)."""
    if seconds < 60:
        return f"{max(0, int(seconds))} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    return f"{int(seconds // 3600)} h"


class RecentChecks:
    """The last CHECK NOW verdict of each real server, in memory (thread-safe, bounded).

    A verdict is kept under the virtual server, real server, address and port it was reached
    for, so a real server whose address or port changed shows no stale verdict.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[str, str, str, int], Recent] = OrderedDict()

    def record(self, vs: VirtualServer, results: Iterable[ProbeResult]) -> None:
        """Keep the nanny verdict of each result of checking ``vs``'s real servers."""
        now = self._clock()
        servers = {rs.name: rs for rs in vs.servers}
        with self._lock:
            for r in results:
                rs = servers.get(r.server)
                if rs is None:
                    continue
                key = (vs.name, rs.name, rs.address, rs.effective_port)
                self._kept.pop(key, None)
                self._kept[key] = Recent(r.nanny, now)
            while len(self._kept) > MAX_KEPT:
                self._kept.popitem(last=False)

    def retain(self, config: Config) -> None:
        """Forget the verdicts of real servers ``config`` (a saved lvs.cf) no longer has
        under the same virtual server, name, address and port (the after-save step)."""
        if not self._kept:  # nothing checked yet: a save of a large file walks nothing
            return
        wanted = {(vs.name, rs.name, rs.address, rs.effective_port)
                  for vs in config.virtuals for rs in vs.servers}
        with self._lock:
            for key in [key for key in self._kept if key not in wanted]:
                del self._kept[key]

    def last(self, vs: VirtualServer, rs: RealServer) -> Recent | None:
        """The kept verdict of a real server, or None (never checked, changed, too old)."""
        with self._lock:
            found = self._kept.get((vs.name, rs.name, rs.address, rs.effective_port))
        if found is None or self._clock() - found.checked_at > MAX_AGE:
            return None
        return found

    def age(self, recent: Recent) -> str:
        """How long ago ``recent`` was reached, in words."""
        return age_text(self._clock() - recent.checked_at)
