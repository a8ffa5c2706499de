"""Setting real-server weights in this router's running IPVS table (netlink, pyroute2).

What ``ipvsadm -e ... -w N`` does, for MAINTENANCE's live quiesce: weight 0 stops new
connections to a real server while the established ones finish (the kernel keeps them; a
removed real server's connections would be dropped with the default ``expire_nodest_conn =
0``).  Only the weight changes: forwarding method and thresholds are sent back as the kernel
reported them.

    changes = quiesce("10.0.0.2", netns=None)   # every service's 10.0.0.2 to weight 0
    restore(changes, netns=None)                # each one back to the weight it had (if it
                                                # is still there at the weight we set)

Needs CAP_NET_ADMIN; failures are :class:`~piranha_web.errors.NetInfoError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pyroute2 import IPVS, IPVSDest, IPVSService
from pyroute2.netlink.exceptions import NetlinkError

from piranha_web.errors import NetInfoError
from piranha_web.netinfo.ipvs_netlink import NETLINK_GENERIC, _address, _service
from piranha_web.netinfo.netns import netlink_socket

SOURCE = "netlink"


@dataclass(frozen=True)
class WeightChange:
    """One real server of one kernel service whose weight was set: ``old`` -> ``new``."""

    service: str  # "TCP 192.0.2.10:80", "FWM 80": the kernel's identity of the service
    address: str
    port: int
    old: int
    new: int


#: (service label, real server address, port, weight now) -> the weight to set, or None
Decide = Callable[[str, str, int, int], int | None]


def quiesce(address: str, netns: str | None = None) -> list[WeightChange]:
    """Weight 0 for real server ``address`` in every service of the running table (those at
    0 already are left alone); what was changed, to undo it with :func:`restore`."""
    return _set(netns, lambda _svc, dest, _port, weight:
                0 if dest == address and weight != 0 else None)


def restore(changes: Iterable[WeightChange], netns: str | None = None) -> list[WeightChange]:
    """Give each real server of ``changes`` its old weight again, if the kernel still has it
    at the weight that was set (a daemon that changed it since is not overruled)."""
    wanted = {(c.service, c.address, c.port): c for c in changes}

    def decide(svc: str, dest: str, port: int, weight: int) -> int | None:
        found = wanted.get((svc, dest, port))
        return found.old if found is not None and weight == found.new else None

    return _set(netns, decide)


def _set(netns: str | None, decide: Decide) -> list[WeightChange]:
    try:
        sock = IPVS(use_socket=netlink_socket(netns, NETLINK_GENERIC))
    except NetlinkError as err:
        raise NetInfoError(SOURCE, f"cannot open the IPVS netlink family: {err}") from None
    try:
        return [change for msg in sock.service("dump") for change in _service_changes(
            sock, msg, decide)]
    except NetlinkError as err:
        raise NetInfoError(SOURCE, f"cannot set an IPVS weight: {err}") from None
    finally:
        sock.close()


def _service_changes(sock: Any, msg: Any, decide: Decide) -> list[WeightChange]:
    label = _service(sock, msg).label
    key = IPVSService.from_message(msg)
    changes = []
    for found in sock.dest("dump", service=key):
        attrs = found.get("IPVS_CMD_ATTR_DEST")
        address = _address(attrs.get("IPVS_DEST_ATTR_ADDR")) or ""
        port = attrs.get("IPVS_DEST_ATTR_PORT") or 0
        weight = attrs.get("IPVS_DEST_ATTR_WEIGHT") or 0
        new = decide(label, address, port, weight)
        if new is None or new == weight:
            continue
        sock.dest("set", service=key, dest=IPVSDest(
            addr=address, port=port, weight=new,
            fwd_method=attrs.get("IPVS_DEST_ATTR_FWD_METHOD") or 0,
            u_thresh=attrs.get("IPVS_DEST_ATTR_U_THRESH") or 0,
            l_thresh=attrs.get("IPVS_DEST_ATTR_L_THRESH") or 0,
        ))
        changes.append(WeightChange(label, address, port, weight, new))
    return changes
