"""Reading the IPVS table through the kernel's "IPVS" generic netlink family (pyroute2).

This is what ``ipvsadm -Ln`` uses: exact persistence timeouts in seconds, and it works inside
a network namespace.  It needs CAP_NET_ADMIN; :func:`read_ipvs_netlink` returns None when the
kernel has no IPVS family or refuses a non-root reader, so the caller can fall back to
/proc/net/ip_vs.
"""

from __future__ import annotations

import errno
import ipaddress
import time
from typing import Any

from pyroute2 import IPVS, IPVSService
from pyroute2.netlink.exceptions import NetlinkError
from pyroute2.netlink.generic import GenericNetlinkSocket
from pyroute2.netlink.generic.ipvs import GENL_NAME, ipvsmsg

from piranha_web.errors import NetInfoError
from piranha_web.netinfo.ipvs_model import (
    FORWARD_NAMES,
    IpvsDest,
    IpvsService,
    IpvsStats,
    IpvsTable,
)
from piranha_web.netinfo.netns import netlink_socket

SOURCE = "netlink"
NETLINK_GENERIC = 16
_PROTOCOLS = {6: "tcp", 17: "udp", 132: "sctp"}
_F_PERSISTENT = 0x0001
_F_ONEPACKET = 0x0004
_FWD_MASK = 0x0007
#: the netlink names of IpvsStats' fields, in order
_COUNTERS = ("CONNS", "INPKTS", "OUTPKTS", "INBYTES", "OUTBYTES")
#: errors that mean "no IPVS netlink here for us": family missing, not permitted
_UNAVAILABLE = {errno.ENOENT, errno.EPERM, errno.EACCES, errno.EOPNOTSUPP}
#: per network namespace (None: this one): whether the kernel knew the IPVS family, and when
#: it was asked (a page view must not cost a netlink round trip for what rarely changes)
_FAMILY: dict[str | None, tuple[bool, float]] = {}
#: a missing family is asked for again after this many seconds (lvsd loads ip_vs on start)
ASK_AGAIN = 5.0


def read_ipvs_netlink(netns: str | None = None) -> IpvsTable | None:
    """The table of this kernel (or of network namespace ``netns``); None if unavailable."""
    if not _family_known(netns):
        return None
    try:
        sock = IPVS(use_socket=netlink_socket(netns, NETLINK_GENERIC))
    except NetlinkError as err:
        if err.code in _UNAVAILABLE:  # the module was unloaded since it was asked
            _FAMILY.pop(netns, None)
            return None
        raise NetInfoError(SOURCE, f"cannot open the IPVS netlink family: {err}") from None
    try:
        services = [_service(sock, msg) for msg in sock.service("dump")]
    except NetlinkError as err:
        if err.code in _UNAVAILABLE:
            _FAMILY.pop(netns, None)
            return None
        raise NetInfoError(SOURCE, f"cannot list IPVS services: {err}") from None
    finally:
        sock.close()
    return IpvsTable.of(SOURCE, services)


def _family_known(netns: str | None) -> bool:
    """Whether the kernel knows the IPVS family: once known it is not asked again (until a
    request fails); an answer "no" is kept for :data:`ASK_AGAIN` seconds."""
    kept = _FAMILY.get(netns)
    now = time.monotonic()
    if kept is not None and (kept[0] or now - kept[1] < ASK_AGAIN):
        return kept[0]
    found = _has_ipvs_family(netns)
    _FAMILY[netns] = (found, now)
    return found


def _has_ipvs_family(netns: str | None) -> bool:
    """Whether the kernel knows the IPVS family (asked first: a failing IPVS() leaks)."""
    probe = GenericNetlinkSocket(use_socket=netlink_socket(netns, NETLINK_GENERIC))
    try:
        probe.bind(GENL_NAME, ipvsmsg)
    except NetlinkError as err:
        if err.code in _UNAVAILABLE:
            return False
        raise NetInfoError(SOURCE, f"cannot look up the IPVS netlink family: {err}") from None
    finally:
        probe.close()
    return True


def _service(sock: Any, msg: Any) -> IpvsService:
    attrs = msg.get("IPVS_CMD_ATTR_SERVICE")
    flags = attrs.get("IPVS_SVC_ATTR_FLAGS") or {}
    persistent = bool(flags.get("flags", 0) & _F_PERSISTENT)
    fwmark = attrs.get("IPVS_SVC_ATTR_FWMARK") or 0
    address = attrs.get("IPVS_SVC_ATTR_ADDR")
    mask = attrs.get("IPVS_SVC_ATTR_NETMASK") if persistent else None
    dests = tuple(_dest(d) for d in sock.dest("dump", service=IPVSService.from_message(msg)))
    if fwmark:
        protocol, address, port = "fwm", None, None
    else:
        protocol = _PROTOCOLS.get(attrs.get("IPVS_SVC_ATTR_PROTOCOL"), "other")
        address = _address(address)
        port = attrs.get("IPVS_SVC_ATTR_PORT")
        if address and ":" in address:
            mask = None  # an IPv6 prefix length, not a mask
    return IpvsService(
        protocol, address, port, fwmark, attrs.get("IPVS_SVC_ATTR_SCHED_NAME") or "",
        persistent, attrs.get("IPVS_SVC_ATTR_TIMEOUT") if persistent else None, mask,
        bool(flags.get("flags", 0) & _F_ONEPACKET), dests, _stats(attrs, "IPVS_SVC_ATTR_"),
    )


def _dest(msg: Any) -> IpvsDest:
    attrs = msg.get("IPVS_CMD_ATTR_DEST")
    method = (attrs.get("IPVS_DEST_ATTR_FWD_METHOD") or 0) & _FWD_MASK
    return IpvsDest(
        _address(attrs.get("IPVS_DEST_ATTR_ADDR")) or "",
        attrs.get("IPVS_DEST_ATTR_PORT") or 0,
        FORWARD_NAMES.get(method, str(method)),
        attrs.get("IPVS_DEST_ATTR_WEIGHT") or 0,
        attrs.get("IPVS_DEST_ATTR_ACTIVE_CONNS") or 0,
        attrs.get("IPVS_DEST_ATTR_INACT_CONNS") or 0,
        _stats(attrs, "IPVS_DEST_ATTR_"),
    )


def _stats(attrs: Any, prefix: str) -> IpvsStats | None:
    """The 64-bit counters (kernels since 4.1), else the 32-bit ones; None without either."""
    stats = attrs.get(prefix + "STATS64") or attrs.get(prefix + "STATS")
    if stats is None:
        return None
    return IpvsStats(*(stats.get(f"IPVS_STATS_ATTR_{name}") or 0 for name in _COUNTERS))


def _address(value: object) -> str | None:
    if not value:
        return None
    return ipaddress.ip_address(str(value)).compressed
