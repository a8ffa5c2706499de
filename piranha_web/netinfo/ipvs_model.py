"""The live IPVS table as plain data, whichever way it was read (netlink or /proc/net/ip_vs).

Pure: no I/O.  Addresses are text (dotted quad, or compressed IPv6), ports/weights ints.  A
firewall-mark service has ``protocol == "fwm"``, a ``fwmark`` and no address or port.  Services
and their real servers are kept in a stable order (the kernel lists them in hash order), the
order ``ipvsadm -Ln`` uses: firewall marks last, IPv4 before IPv6, then by protocol, address
and port.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

#: ipvsadm's words for the forwarding methods, by IP_VS_CONN_F_* number
FORWARD_NAMES = {0: "Masq", 1: "Local", 2: "Tunnel", 3: "Route", 4: "Bypass"}
#: lvs.cf ``network`` -> the forwarding method lvsd/nanny give every real server
NETWORK_FORWARDING = {"nat": "Masq", "direct": "Route", "tunnel": "Tunnel"}
_PROTOCOL_ORDER = {"tcp": 0, "udp": 1, "sctp": 2, "fwm": 3}


@dataclass(frozen=True)
class IpvsStats:
    """The kernel's counters of a service, a real server or the whole table, since it was
    added (or the counters zeroed): connections scheduled, packets and bytes each way."""

    conns: int = 0
    in_packets: int = 0
    out_packets: int = 0
    in_bytes: int = 0
    out_bytes: int = 0


@dataclass(frozen=True)
class IpvsDest:
    """One real server of a service as the kernel has it."""

    address: str
    port: int
    forward: str  # Masq, Route, Tunnel, Local (ipvsadm's words)
    weight: int
    active_conns: int = 0
    inactive_conns: int = 0
    #: counters (netlink only; /proc/net/ip_vs has none): not part of what the entry *is*
    stats: IpvsStats | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        """``ADDR:PORT`` as ipvsadm -Ln shows it."""
        return f"{_bracketed(self.address)}:{self.port}"


@dataclass(frozen=True)
class IpvsService:
    """One virtual service as the kernel has it.

    ``persistence_timeout`` is in seconds; None when the service is not persistent, or when it
    is but the length could not be told (/proc/net/ip_vs counts it in kernel ticks).
    ``persistence_mask`` is dotted for IPv4 services and None when not persistent.
    """

    protocol: str  # tcp, udp, sctp, fwm
    address: str | None
    port: int | None
    fwmark: int
    scheduler: str
    persistent: bool = False
    persistence_timeout: int | None = None
    persistence_mask: str | None = None
    one_packet: bool = False
    dests: tuple[IpvsDest, ...] = ()
    #: counters (netlink only): not part of what the service *is*
    stats: IpvsStats | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        """``TCP 192.0.2.10:80`` or ``FWM 80``, as ipvsadm -Ln shows it."""
        if self.protocol == "fwm":
            return f"FWM {self.fwmark}"
        return f"{self.protocol.upper()} {_bracketed(self.address or '')}:{self.port}"


@dataclass(frozen=True)
class IpvsTable:
    """The whole table; ``source`` says how it was read (``netlink`` or ``/proc/net/ip_vs``).

    ``totals``: the counters of every service together (/proc/net/ip_vs_stats), when read.
    """

    source: str
    services: tuple[IpvsService, ...]
    totals: IpvsStats | None = field(default=None, compare=False)

    @classmethod
    def of(cls, source: str, services: Iterable[IpvsService]) -> IpvsTable:
        """A table with services and real servers in ipvsadm's order."""
        ordered = []
        for svc in services:
            dests = tuple(sorted(svc.dests, key=lambda d: (_address_key(d.address), d.port)))
            ordered.append(replace(svc, dests=dests))
        ordered.sort(key=_service_key)
        return cls(source, tuple(ordered))


def _service_key(svc: IpvsService) -> tuple[int, int, int, int, int]:
    version, address = _address_key(svc.address or "")
    return (svc.fwmark, version, _PROTOCOL_ORDER.get(svc.protocol, 9), address, svc.port or 0)


def _address_key(address: str) -> tuple[int, int]:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return (9, 0)
    return (ip.version, int(ip))


def _bracketed(address: str) -> str:
    return f"[{address}]" if ":" in address else address
