"""This router as the kernel sees it: interfaces and addresses, LVS daemons, the IPVS table.

:class:`NetInfo` is the one object the web layer holds (``Services.netinfo``).  It reads the
host's network namespace, or the named one (``NetInfo(netns="...")``, env PIRANHA_NETNS for
the served app), so tests can point it at a namespace they built.  Every call reads the
kernel afresh; the pure helpers (:mod:`.ipvs_diff`, :mod:`.vips`) work on what it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from piranha_web.netinfo.daemons import DaemonStatus, daemon_status, find_daemons
from piranha_web.netinfo.interfaces import Address, Interfaces, read_interfaces
from piranha_web.netinfo.ipvs_model import IpvsTable
from piranha_web.netinfo.ipvs_netlink import read_ipvs_netlink
from piranha_web.netinfo.ipvs_weights import WeightChange, quiesce, restore
from piranha_web.netinfo.netns import in_netns
from piranha_web.netinfo.proc_ip_vs import (
    THREAD_PATH,
    THREAD_STATS_PATH,
    kernel_hz,
    read_proc_ip_vs,
    read_proc_ip_vs_stats,
)

__all__ = ["IpvsReading", "NetInfo"]

NO_IPVS = ("This router's kernel has no IPVS (no IPVS netlink family, no /proc/net/ip_vs): "
           "it cannot act as an LVS router until the ip_vs module is available.")


@dataclass(frozen=True)
class IpvsReading:
    """The live IPVS table, or None with ``message`` saying why there is none."""

    table: IpvsTable | None
    message: str = ""


class NetInfo:
    """Reads this router's state (see the module docstring).

    The IPVS table comes from netlink, or from /proc/net/ip_vs when netlink is refused (a
    server not running as root) or missing.  ``proc_ip_vs`` replaces that file (by default
    the namespace's own); ``use_netlink=False`` reads only the file.  ``hz`` converts its
    persistence ticks to seconds (default: the kernel's CONFIG_HZ when its config is found).
    The table's ``totals`` come from ``proc_ip_vs_stats`` (by default the namespace's
    /proc/net/ip_vs_stats), the one source of them readable without privileges.
    """

    def __init__(self, netns: str | None = None, *, proc_ip_vs: Path = THREAD_PATH,
                 use_netlink: bool = True, hz: int | None = None,
                 proc_ip_vs_stats: Path = THREAD_STATS_PATH) -> None:
        self.netns = netns
        self._proc_ip_vs = proc_ip_vs
        self._proc_ip_vs_stats = proc_ip_vs_stats
        self._use_netlink = use_netlink
        self._hz = hz
        self._hz_read = hz is not None

    def interfaces(self) -> Interfaces:
        """Every interface with its addresses and labels."""
        return read_interfaces(self.netns)

    def interface_names(self) -> list[str]:
        """The interface names (eth0, ...), in kernel order."""
        return self.interfaces().names()

    def device_suggestions(self) -> list[str]:
        """Names for a Device field: non-loopback interfaces and alias labels in use."""
        return self.interfaces().device_suggestions()

    def where_is(self, ip: str) -> Address | None:
        """The address entry (device, label) carrying ``ip`` here, or None."""
        return self.interfaces().where_is(ip)

    def is_local_address(self, ip: str) -> bool:
        """Whether ``ip`` is an address of this router."""
        return self.interfaces().is_local_address(ip)

    def daemons(self) -> list[DaemonStatus]:
        """pulse, lvsd and nanny: running or not, with their processes' arguments."""
        return daemon_status(find_daemons(self.netns))

    def ipvs(self) -> IpvsReading:
        """The IPVS table: via netlink, else /proc/net/ip_vs, else why there is none.

        Raises :class:`~piranha_web.errors.NetInfoError` when a source exists but cannot be read.
        """
        table = read_ipvs_netlink(self.netns) if self._use_netlink else None
        if table is None:
            if not self._hz_read:  # the running kernel's config: read once, not per page
                self._hz, self._hz_read = kernel_hz(), True
            hz = self._hz
            table = in_netns(self.netns, lambda: read_proc_ip_vs(self._proc_ip_vs, hz))
        if table is None:
            return IpvsReading(None, NO_IPVS)
        totals = in_netns(self.netns, lambda: read_proc_ip_vs_stats(self._proc_ip_vs_stats))
        return IpvsReading(replace(table, totals=totals))

    def quiesce(self, address: str) -> list[WeightChange]:
        """Weight 0 for real server ``address`` in every service of the running IPVS table
        (netlink; NetInfoError when it cannot be set); what changed."""
        return quiesce(address, self.netns)

    def restore_weights(self, changes: Sequence[WeightChange]) -> list[WeightChange]:
        """Undo :meth:`quiesce` where the kernel still has the weight it set."""
        return restore(changes, self.netns)
