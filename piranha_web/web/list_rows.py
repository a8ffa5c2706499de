"""Rows of the VIRTUAL SERVERS and REAL SERVER lists: configured values, findings, live state.

Each row joins one block of lvs.cf with the validation findings that name it (the store's
findings of the current revision, never a new validation), and, when the IPVS table could be
read, the kernel's view of it.  ``*_SEARCH`` and ``*_SORTS`` tell :mod:`.listing` what the
search box looks at (name, address, port, device) and how each column sorts.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from piranha_web.lvscf.model import Config, RealServer, VirtualServer
from piranha_web.lvscf.validate import Finding
from piranha_web.netinfo.ipvs_diff import ServerCheck
from piranha_web.web.listing import natural_key
from piranha_web.web.live_state import Live
from piranha_web.web.recent_checks import Recent, RecentChecks

#: findings spelled out in a row's tooltip (the rest are counted)
MAX_MESSAGES = 10


@dataclass(frozen=True)
class Marks:
    """The findings of one row: counts and the messages (for a tooltip)."""

    errors: int = 0
    warnings: int = 0
    messages: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return "\n".join(self.messages)

    @property
    def weight(self) -> tuple[int, int]:
        return (self.errors, self.warnings)


def marks_by_block(findings: Iterable[Finding], names: Sequence[str], depth: int
                   ) -> dict[str, Marks]:
    """Findings counted per block ``where`` (``depth`` 1: per virtual server, real servers
    included; 2: per ``virtual V / server S``)."""
    wanted = set(names)
    counts: dict[str, list[Any]] = {}
    for f in findings:
        parts = f.where.split(" / ")
        if len(parts) < depth:
            continue
        where = " / ".join(parts[:depth])
        if where not in wanted:
            continue
        entry = counts.setdefault(where, [0, 0, []])
        entry[0 if f.is_error else 1] += 1
        if len(entry[2]) < MAX_MESSAGES:
            entry[2].append(f"lvs.cf:{f.line}: {f.severity}: {f.message}")
    return {where: Marks(e, w, tuple(m)) for where, (e, w, m) in counts.items()}


#: the marks of a row without findings (shared: rows of a large file are built per page view)
NO_MARKS = Marks()


@dataclass(frozen=True)
class VirtualRow:
    """One virtual server of the VIRTUAL SERVERS list."""

    vs: VirtualServer
    active_servers: int
    marks: Marks
    up: tuple[int, int] | None  # (real servers up in IPVS, active real servers); None: unknown

    @property
    def name(self) -> str:
        return self.vs.name


def virtual_rows(config: Config, findings: Iterable[Finding], live: Live) -> list[VirtualRow]:
    """Every virtual server (not failover blocks), in file order."""
    virtuals = [vs for vs in config.virtuals if vs.kind == "virtual"]
    marks = marks_by_block(findings, [f"virtual {vs.name}" for vs in virtuals], 1)
    known = live.comparison is not None
    up = live.up_counts()
    return [VirtualRow(vs, vs.active_servers, marks.get(f"virtual {vs.name}", NO_MARKS),
                       up.get(vs.name) if known else None)
            for vs in virtuals]


def _ip_key(text: str | None) -> tuple[int, int, str]:
    try:
        ip = ipaddress.ip_address((text or "").strip())
    except ValueError:
        return (9, 0, text or "")
    return (ip.version, int(ip), "")


def vs_texts(vs: VirtualServer) -> list[str]:
    """What the search box looks at in a virtual server."""
    return [vs.name, vs.address or "", str(vs.port), vs.device or ""]


def _vs_row_texts(row: VirtualRow) -> list[str]:
    """The search texts of a list row (those of its virtual server)."""
    return vs_texts(row.vs)


VIRTUAL_SEARCH: Callable[[VirtualRow], Iterable[str]] = _vs_row_texts
VIRTUAL_SORTS: dict[str, Callable[[VirtualRow], Any]] = {
    "status": lambda r: not r.vs.active,
    "name": lambda r: natural_key(r.vs.name),
    "vip": lambda r: _ip_key(r.vs.address),
    "port": lambda r: (r.vs.fwmark > 0, r.vs.port),
    "protocol": lambda r: r.vs.protocol,
    "device": lambda r: natural_key(r.vs.device or ""),
    "fwmark": lambda r: r.vs.fwmark,
    "servers": lambda r: (len(r.vs.servers), r.active_servers),
    "live": lambda r: r.up or (-1, -1),
    "findings": lambda r: r.marks.weight,
}


@dataclass(frozen=True)
class ServerRow:
    """One real server of the REAL SERVER list, with its live state and last check."""

    rs: RealServer
    marks: Marks
    live: ServerCheck | None  # None: the kernel was not read, or the server is inactive
    recent: Recent | None
    age: str = ""

    @property
    def name(self) -> str:
        return self.rs.name

    @property
    def in_ipvs(self) -> bool:
        return self.live is not None and self.live.dest is not None


def server_rows(vs: VirtualServer, findings: Iterable[Finding], live: Live,
                recent: RecentChecks) -> list[ServerRow]:
    """Every real server of ``vs``, in file order."""
    where = f"virtual {vs.name} / server "
    marks = marks_by_block(findings, [where + rs.name for rs in vs.servers], 2)
    kernel = live.servers_of(vs.name)
    rows = []
    for rs in vs.servers:
        last = recent.last(vs, rs)
        rows.append(ServerRow(rs, marks.get(where + rs.name, NO_MARKS), kernel.get(rs.name),
                              last, recent.age(last) if last else ""))
    return rows


def rs_texts(rs: RealServer) -> list[str]:
    """What the search box looks at in a real server."""
    return [rs.name, rs.address, str(rs.effective_port)]


def _rs_row_texts(row: ServerRow) -> list[str]:
    """The search texts of a list row (those of its real server)."""
    return rs_texts(row.rs)


SERVER_SEARCH: Callable[[ServerRow], Iterable[str]] = _rs_row_texts
SERVER_SORTS: dict[str, Callable[[ServerRow], Any]] = {
    "status": lambda r: not r.rs.active,
    "name": lambda r: natural_key(r.rs.name),
    "address": lambda r: _ip_key(r.rs.address),
    "port": lambda r: r.rs.effective_port,
    "weight": lambda r: r.rs.weight,
    "ipvs": lambda r: (r.in_ipvs, r.live.dest.weight if r.live and r.live.dest else -1),
    "conns": lambda r: r.live.dest.active_conns if r.live and r.live.dest else -1,
    "check": lambda r: (r.recent.verdict.state if r.recent else "", ),
    "findings": lambda r: r.marks.weight,
}
