"""This router's network interfaces and addresses, read from the kernel with pyroute2.

pulse raises each virtual server's VIP as an alias with an LVS-style label (``ifconfig eth0:1
VIP``, seen by the kernel as an address of eth0 whose IFA_LABEL is ``eth0:1``), so an
address is reported with its label.  :func:`read_interfaces` does the I/O once and returns an
:class:`Interfaces` snapshot; its lookups are pure.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from piranha_web.errors import NetInfoError
from piranha_web.netinfo.netns import netlink_socket

NETLINK_ROUTE = 0
_IFF_UP = 0x1
_IFF_LOOPBACK = 0x8


@dataclass(frozen=True)
class Address:
    """One address of an interface.  ``label`` is the IFA_LABEL (``eth0:1``) for IPv4; IPv6
    addresses have no labels and carry the device name."""

    address: str
    prefixlen: int
    device: str
    label: str
    version: int

    @property
    def cidr(self) -> str:
        """``192.0.2.10/24``."""
        return f"{self.address}/{self.prefixlen}"

    @property
    def is_alias(self) -> bool:
        """Raised under a label of its own (``eth0:1``), the way pulse raises VIPs."""
        return self.label != self.device


@dataclass(frozen=True)
class Interface:
    """One network device: ``state`` is the kernel's operational state in lower case (up,
    down, unknown, lowerlayerdown, ...); ``admin_up`` whether it was set up."""

    index: int
    name: str
    state: str
    admin_up: bool
    loopback: bool
    mac: str | None
    addresses: tuple[Address, ...]


@dataclass(frozen=True)
class Interfaces:
    """Snapshot of every interface of one network namespace, with lookups."""

    interfaces: tuple[Interface, ...]

    def names(self) -> list[str]:
        """The interface names, in kernel (index) order."""
        return [i.name for i in self.interfaces]

    def labels(self) -> list[str]:
        """The alias labels in use (``eth0:1``), sorted."""
        return sorted({a.label for i in self.interfaces for a in i.addresses if a.is_alias})

    def device_suggestions(self) -> list[str]:
        """What a Device field may offer: non-loopback interfaces, then the alias labels in
        use, each sorted by name."""
        return sorted(i.name for i in self.interfaces if not i.loopback) + self.labels()

    def has_device(self, device: str) -> bool:
        """Whether ``device`` (``eth0`` or ``eth0:1``) sits on an interface of this router."""
        return device.partition(":")[0] in self.names()

    def where_is(self, ip: str) -> Address | None:
        """The address entry carrying ``ip`` (with its device and label), or None."""
        try:
            wanted = ipaddress.ip_address(ip.strip())
        except ValueError:
            return None
        for interface in self.interfaces:
            for address in interface.addresses:
                if ipaddress.ip_address(address.address) == wanted:
                    return address
        return None

    def is_local_address(self, ip: str) -> bool:
        """Whether ``ip`` is an address of this router (pulse's test for "am I the primary")."""
        return self.where_is(ip) is not None


def read_interfaces(netns: str | None = None) -> Interfaces:
    """Every interface and address of this router (or of network namespace ``netns``)."""
    try:
        with IPRoute(use_socket=netlink_socket(netns, NETLINK_ROUTE)) as ipr:
            links = list(ipr.get_links())
            addrs = list(ipr.get_addr())
    except (NetlinkError, OSError) as err:
        raise NetInfoError("netlink", f"cannot list interfaces: {err}") from None
    names = {link["index"]: link.get("IFLA_IFNAME") for link in links}
    by_index: dict[int, list[Address]] = {}
    for msg in addrs:
        address = _address(msg, names.get(msg["index"], "?"))
        if address is not None:
            by_index.setdefault(msg["index"], []).append(address)
    return Interfaces(tuple(
        Interface(
            index=link["index"],
            name=link.get("IFLA_IFNAME"),
            state=str(link.get("IFLA_OPERSTATE") or "unknown").lower(),
            admin_up=bool(link["flags"] & _IFF_UP),
            loopback=bool(link["flags"] & _IFF_LOOPBACK),
            mac=link.get("IFLA_ADDRESS"),
            addresses=tuple(by_index.get(link["index"], ())),
        )
        for link in sorted(links, key=lambda link: link["index"])
    ))


def _address(msg: Any, device: str) -> Address | None:
    family = msg["family"]
    if family not in (socket.AF_INET, socket.AF_INET6):
        return None
    # IFA_LOCAL is this host's own address (differs from IFA_ADDRESS on point-to-point links)
    value = msg.get("IFA_LOCAL") or msg.get("IFA_ADDRESS")
    if not value:
        return None
    label = msg.get("IFA_LABEL") if family == socket.AF_INET else None
    return Address(str(value), int(msg["prefixlen"]), device, label or device,
                   4 if family == socket.AF_INET else 6)
