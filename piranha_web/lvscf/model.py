"""Typed, read-only snapshot of a document, with the daemons' defaults filled in.

Values are read the way lvsconfig.c reads them (see :mod:`.values`); a value the C parser would
reject falls back to the default here and is reported by :mod:`.validate`.  Servers and virtual
servers are looked up by name.  Where lvsconfig.c derives a value from others, the model holds
what the daemons use, not what the line says:

* ``primary_private``/``backup_private``: when ``primary`` is set and ``primary_private`` is
  not, the C parser sets ``primary_private = primary`` and ``backup_private = backup``,
  overwriting any ``backup_private`` line (lvsconfig.c after parsing the globals);
* ``pmask``: a value ``inet_aton`` cannot read is skipped (an earlier valid line stays), and
  ``255.255.255.255`` (like ``0.0.0.0``) means no persistence mask: ``None``;
* ``syncd_id``: only its low byte (``& 0xff``).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from piranha_web.errors import AmbiguousNameError, NotFoundError
from piranha_web.lvscf import schema
from piranha_web.lvscf.syntax import Block, Statement, assignment_of
from piranha_web.lvscf.values import c_bool, c_int, c_port, dotted, inet_aton

if TYPE_CHECKING:
    from piranha_web.lvscf.document import Document


@dataclass(frozen=True)
class MonitorScript:
    """The MONITORING SCRIPTS subsection: strings as written in lvs.cf (escapes not decoded)."""

    send: str | None = None
    expect: str | None = None
    send_program: str | None = None
    use_regex: bool = False


@dataclass(frozen=True, slots=True)  # 33,000 of them in a 1,000 x 32 file: no __dict__ each
class RealServer:
    name: str
    address: str = "0.0.0.0"
    active: bool = False
    weight: int = 1
    port: int | None = None  # as written; None = the virtual's port as set above this server
    effective_port: int = 80


@dataclass(frozen=True)
class VirtualServer:
    name: str
    kind: str = "virtual"
    active: bool = False
    address: str | None = None  # the VIP
    device: str | None = None
    vip_nmask: str | None = None
    sorry_server: str | None = None
    fwmark: int = 0
    port: int = 80
    protocol: str = "tcp"
    scheduler: str = "wlc"
    persistent: int = 0
    pmask: str | None = None  # dotted; None: no persistence mask (absent, 0 or all ones)
    timeout: int = 10
    reentry: int = 180
    quiesce_server: bool = False
    load_monitor: str = "none"
    monitor: MonitorScript = field(default_factory=MonitorScript)
    servers: tuple[RealServer, ...] = ()

    @functools.cached_property
    def active_servers(self) -> int:
        """How many of its real servers are active (counted once: the model is immutable and
        an unedited block's model is shared by later revisions)."""
        return sum(rs.active for rs in self.servers)

    def server(self, name: str) -> RealServer:
        """The real server called ``name``; AmbiguousNameError when several share it."""
        found = [rs for rs in self.servers if rs.name == name]
        if len(found) > 1:
            raise AmbiguousNameError(
                f"the real server {name!r} of virtual server {self.name!r}", len(found))
        if found:
            return found[0]
        raise NotFoundError(f"virtual server {self.name!r} has no real server called {name!r}")


@dataclass(frozen=True)
class Globals:
    serial_no: int = 0
    primary: str | None = None
    primary_private: str | None = None  # as pulse uses it: ``primary`` when not set
    service: str = "lvs"
    backup_active: bool = False
    backup: str | None = None
    backup_private: str | None = None  # as pulse uses it: ``backup`` without primary_private
    heartbeat: bool = False
    heartbeat_port: int = 539
    keepalive: int = 2
    deadtime: int = 5
    network: str = "nat"
    nat_router: str | None = None
    nat_router_device: str | None = None
    nat_nmask: str | None = None
    debug_level: str = "NONE"
    monitor_links: int = 0
    syncdaemon: bool = False
    syncd_iface: str = "eth0"
    syncd_id: int = 0
    tcp_timeout: int = 0
    tcpfin_timeout: int = 0
    udp_timeout: int = 0
    hard_shutdown: bool = True
    rsh_command: str = "rsh"


@dataclass(frozen=True)
class Config:
    globals: Globals
    virtuals: tuple[VirtualServer, ...]

    def virtual(self, name: str, kind: str = "virtual") -> VirtualServer:
        """The ``virtual`` (or ``failover``) block called ``name``; AmbiguousNameError when
        several share it."""
        found = [vs for vs in self.virtuals if vs.name == name and vs.kind == kind]
        if len(found) > 1:
            raise AmbiguousNameError(f"the {kind} server {name!r}", len(found))
        if found:
            return found[0]
        raise NotFoundError(f"there is no {kind} server called {name!r}")


#: what a value reader converts to
T = TypeVar("T")


class _Reader:
    """Last-wins values of one scope, converted with the C parser's rules and defaults."""

    def __init__(self, scope: str, body: Sequence[object]) -> None:
        self.scope = scope
        self.values = _assignments(body)

    def default(self, key: str) -> str | None:
        keyspec = schema.spec(self.scope, key)
        return keyspec.default if keyspec else None

    def text(self, key: str) -> str | None:
        value = self.values.get(key)
        return value if value is not None else self.default(key)

    def word(self, key: str, fallback: str) -> str:
        value = self.text(key)
        return value if value is not None else fallback

    def _read(self, key: str, convert: Callable[[str], T | None]) -> T | None:
        return _converted(self.values.get(key), self.default(key), convert)

    def integer(self, key: str, fallback: int = 0) -> int:
        value = self._read(key, c_int)
        return fallback if value is None else value

    def boolean(self, key: str) -> bool:
        return bool(self._read(key, c_bool))

    def port(self, key: str, fallback: int) -> int:
        value = self._read(key, c_port)
        return fallback if value is None else value

    def choice(self, key: str) -> str:
        keyspec = schema.spec(self.scope, key)
        if keyspec is None or keyspec.default is None:
            raise KeyError(f"{key} is not a choice key with a default in {self.scope}")
        value = self.values.get(key)
        return value if value in keyspec.choices else keyspec.default


def _assignments(body: Sequence[object]) -> dict[str, str]:
    """The ``key = value`` lines of one scope, the last one of a key winning."""
    values: dict[str, str] = {}
    for item in body:
        if isinstance(item, Statement) and (pair := assignment_of(item.raw)) is not None:
            values[pair[0]] = pair[1]
    return values


def _converted(raw: str | None, default: str | None,
               convert: Callable[[str], T | None]) -> T | None:
    """``raw`` as ``convert`` reads it, else the default's (None: neither reads)."""
    if raw is not None and (value := convert(raw)) is not None:
        return value
    return convert(default) if default is not None else None


def _server_default(key: str) -> str | None:
    keyspec = schema.spec("server", key)
    return keyspec.default if keyspec else None


#: the defaults of the real server keys the model reads, looked up once (a large file has
#: tens of thousands of real servers)
_SERVER_ADDRESS, _SERVER_ACTIVE, _SERVER_WEIGHT = (
    _server_default("address"), _server_default("active"), _server_default("weight"))


def _read_server(block: Block, inherited: int) -> RealServer:
    """One real server, read as :class:`_Reader` would (word, boolean, integer)."""
    values = _assignments(block.body)
    port = values.get("port")
    explicit = c_int(port) if port is not None else None
    address = values.get("address", _SERVER_ADDRESS)
    weight = _converted(values.get("weight"), _SERVER_WEIGHT, c_int)
    return RealServer(
        name=block.name,
        address=address if address is not None else "0.0.0.0",
        active=bool(_converted(values.get("active"), _SERVER_ACTIVE, c_bool)),
        weight=1 if weight is None else weight,
        port=explicit,
        effective_port=explicit if explicit is not None else inherited,
    )


def _pmask(body: Sequence[object]) -> str | None:
    """The persistence mask lvsconfig.c keeps: the last line inet_aton reads, all ones = none."""
    mask: int | None = None
    for item in body:
        pair = item.assignment() if isinstance(item, Statement) else None
        if pair is not None and pair[0] == "pmask" and (value := inet_aton(pair[1])) is not None:
            mask = value
    return dotted(mask) if mask not in (None, 0, 0xFFFFFFFF) else None


def _pair(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    words = value.split(" ")
    return words[0], (words[1] if len(words) > 1 else None)


#: the model of a block by its lines, while some document's model uses it: a file read again
#: (after a hand edit) reuses its unchanged blocks' models, and no old version outlives them
_MEMO: weakref.WeakValueDictionary[tuple[str, tuple[str, ...]], VirtualServer] = (
    weakref.WeakValueDictionary())


def _virtual(block: Block) -> VirtualServer:
    """The typed view of one block, memoized on its lines (which fully determine it)."""
    key = (block.kind, tuple(block.lines()))
    found = _MEMO.get(key)
    if found is None:
        found = _MEMO[key] = _read_virtual(block)
    return found


def _read_virtual(block: Block) -> VirtualServer:
    r = _Reader(block.kind, block.body)
    vip, device = _pair(r.values.get("address"))
    port = r.port("port", 80)
    servers = []
    inherited = 80  # lvsconfig.c copies the virtual's port *as read so far* into each server
    for item in block.body:
        if isinstance(item, Statement):
            pair = item.assignment()
            if pair is not None and pair[0] == "port":
                inherited = c_port(pair[1]) or inherited
        elif isinstance(item, Block):
            servers.append(_read_server(item, inherited))
    return VirtualServer(
        name=block.name,
        kind=block.kind,
        active=r.boolean("active"),
        address=vip,
        device=device,
        vip_nmask=r.values.get("vip_nmask"),
        sorry_server=r.values.get("sorry_server"),
        fwmark=r.integer("fwmark"),
        port=port,
        protocol=r.choice("protocol"),
        scheduler=r.choice("scheduler"),
        persistent=r.integer("persistent"),
        pmask=_pmask(block.body),
        timeout=r.integer("timeout", 10),
        reentry=r.integer("reentry", 180),
        quiesce_server=r.boolean("quiesce_server"),
        load_monitor=r.word("load_monitor", "none"),
        monitor=MonitorScript(
            send=r.values.get("send"),
            expect=r.values.get("expect"),
            send_program=r.values.get("send_program"),
            use_regex=r.boolean("use_regex"),
        ),
        servers=tuple(servers),
    )


def build_config(doc: Document) -> Config:
    """Snapshot ``doc`` as typed values."""
    g = _Reader("global", doc.items)
    nat_ip, nat_dev = _pair(g.values.get("nat_router"))
    primary = g.values.get("primary")
    primary_private = g.values.get("primary_private")
    backup_private = g.values.get("backup_private")
    if primary is not None and primary_private is None:
        primary_private, backup_private = primary, g.values.get("backup")
    globals_ = Globals(
        serial_no=g.integer("serial_no"),
        primary=primary,
        primary_private=primary_private,
        service=g.choice("service"),
        backup_active=g.boolean("backup_active"),
        backup=g.values.get("backup"),
        backup_private=backup_private,
        heartbeat=g.boolean("heartbeat"),
        heartbeat_port=g.port("heartbeat_port", 539),
        keepalive=g.integer("keepalive", 2),
        deadtime=g.integer("deadtime", 5),
        network=g.choice("network"),
        nat_router=nat_ip,
        nat_router_device=nat_dev,
        nat_nmask=g.values.get("nat_nmask"),
        debug_level=g.word("debug_level", "NONE"),
        monitor_links=g.integer("monitor_links"),
        syncdaemon=g.boolean("syncdaemon"),
        syncd_iface=g.word("syncd_iface", "eth0"),
        syncd_id=g.integer("syncd_id") & 0xFF,
        tcp_timeout=g.integer("tcp_timeout"),
        tcpfin_timeout=g.integer("tcpfin_timeout"),
        udp_timeout=g.integer("udp_timeout"),
        hard_shutdown=g.boolean("hard_shutdown"),
        rsh_command=g.word("rsh_command", "rsh"),
    )
    # unchanged blocks keep their VirtualServer (kept with the document until an edit)
    return Config(globals_, tuple(virtual_of(doc, b) for b in doc.blocks()))


def virtual_of(doc: Document, block: Block) -> VirtualServer:
    """The model of one top-level block of ``doc`` (kept with it until an edit touches it)."""
    return doc.memoized(block, "virtual", _virtual)


def with_models(doc: Document, kind: str | None = None) -> list[tuple[Block, VirtualServer]]:
    """Each top-level block of ``doc`` (of ``kind``) with its model, paired by identity: the
    model is the block's own (:func:`virtual_of`), never whatever stands at the same position
    in another list, so blocks of the same name each get theirs."""
    return [(block, virtual_of(doc, block)) for block in doc.blocks(kind)]

