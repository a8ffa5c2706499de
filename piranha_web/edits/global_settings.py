"""GLOBAL SETTINGS: how its fields map onto the global keys of lvs.cf (panel, REST API).

Labels are Piranha's (docs/reference/piranha.md §2.3).  Fields show raw values, or the value the
daemons assume when a key is absent; ACCEPT writes only what the user changed.  NAT Router IP
and device together are the two-word ``nat_router`` key.  The network type buttons (NAT,
Direct Routing, Tunneling) submit the same form: they apply the changed fields too and set
``network``; leaving NAT removes ``nat_router``, as Piranha did, and ``nat_nmask`` with it.
Unlike Piranha, viewing the panel writes nothing (Piranha wrote ``network = direct`` and
``primary`` on view).
"""

from __future__ import annotations

from collections.abc import Mapping

from piranha_web.edits import checks
from piranha_web.edits.common import Edit, shown_value
from piranha_web.errors import EditError
from piranha_web.lvscf import Document
from piranha_web.lvscf import schema as s

#: network type buttons: (value of ``network``, button text)
NETWORKS = (("nat", "NAT"), ("direct", "Direct Routing"), ("tunnel", "Tunneling"))
TIMEOUTS = ("tcp_timeout", "tcpfin_timeout", "udp_timeout")
PLAIN_KEYS = ("primary", "primary_private", *TIMEOUTS, "nat_nmask")
FIELDS = ("primary", "primary_private", *TIMEOUTS, "nat_router_ip", "nat_nmask",
          "nat_router_device")
#: lvs.cf keys this panel edits (its findings are shown here)
KEYS = frozenset({*PLAIN_KEYS, "nat_router", "network", "service", "debug_level"})
MASKS = [("", "Unused"), *((m, m) for m in s.NETMASKS)]

HELP: dict[str, str] = {
    "primary": "The publicly routable real IP address of the primary LVS router. pulse "
    "compares it with this host's addresses: a router that does not have it acts as the "
    "backup.",
    "primary_private": "The real IP address of an alternative network interface on the "
    "primary router, for a second heartbeat channel. Leave it blank if there is none "
    "(that also clears the redundant server's private IP).",
    "tcp_timeout": "IPVS timeout for established TCP connections (ipvsadm --set); 0 leaves "
    "the kernel's value unchanged.",
    "tcpfin_timeout": "IPVS timeout for TCP connections after a FIN; 0 leaves the kernel's "
    "value unchanged.",
    "udp_timeout": "IPVS timeout for UDP packets; 0 leaves the kernel's value unchanged.",
    "nat_router_ip": "The floating IP address the real servers use as their default gateway. "
    "It moves to the backup router on failover.",
    "nat_nmask": "The netmask of the NAT router's floating IP address.",
    "nat_router_device": "The device on the private network the NAT router address is "
    "raised on, as an alias, e.g. eth1:1.",
}


def initial_values(doc: Document) -> dict[str, str]:
    """What the form shows for lvs.cf as it is."""
    def raw(key: str, default: str = "") -> str:
        value = shown_value(doc, key)
        return value if value is not None else default

    words = raw("nat_router").split(" ")
    values = {key: raw(key) for key in ("primary", "primary_private", "nat_nmask")}
    values.update({key: raw(key, "0") for key in TIMEOUTS})
    values["nat_router_ip"] = words[0]
    values["nat_router_device"] = words[1] if len(words) > 1 else ""
    return values


def check(todo: Mapping[str, str]) -> dict[str, str]:
    """Errors (field -> message) in the values the user changed."""
    errors: dict[str, str] = {}
    for field in ("primary", "primary_private", "nat_router_ip"):
        if todo.get(field):
            problem = checks.ipv4(todo[field])
            if problem:
                errors[field] = problem
    if "primary" in todo and not todo["primary"]:
        errors["primary"] = "Enter the primary router's public IP address."
    for field in TIMEOUTS:
        if todo.get(field):
            problem = checks.integer(todo[field], 0)
            if problem:
                errors[field] = problem
    if todo.get("nat_router_device"):
        problem = checks.device(todo["nat_router_device"])
        if problem:
            errors["nat_router_device"] = problem
    return errors


def apply(todo: Mapping[str, str], network: str | None) -> Edit:
    """The edit ACCEPT (or a network type button, ``network``) applies: the changed fields."""

    def edit(doc: Document) -> None:
        for key in PLAIN_KEYS:
            if key in todo:
                doc.set(key, todo[key] or None)
        if "primary_private" in todo and not todo["primary_private"]:
            doc.set("backup_private", None)
        if "nat_router_ip" in todo or "nat_router_device" in todo:
            words = (doc.get("nat_router") or "").split(" ")
            ip = todo.get("nat_router_ip", words[0])
            device = todo.get("nat_router_device", words[1] if len(words) > 1 else "")
            doc.set("nat_router", _nat_router(ip, device))
        if network is not None:
            doc.set("network", network)
            if network != "nat":  # the NAT router's address and its netmask go together
                doc.set("nat_router", None)
                doc.set("nat_nmask", None)

    return edit


def _nat_router(ip: str, device: str) -> list[str] | None:
    if not ip and not device:
        return None
    if not ip:
        raise EditError("nat_router_ip", "Enter the NAT router IP (or clear the device too).")
    if not device:
        raise EditError("nat_router_device",
                        "Enter the device the NAT router IP is raised on, e.g. eth1:1.")
    return [ip, device]
