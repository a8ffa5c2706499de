"""What lvs.cf says against what the kernel's IPVS table has (pure).

lvsd creates one IPVS service per *active* virtual server (``ipvsadm -A``, with its scheduler
and persistence); each nanny adds its real server when the server answers and takes it out
(or sets weight 0 with quiesce_server) when it stops answering; the sorry server is added
when no real server is left.  So a difference is either a fact about the real servers' health
or a sign that the daemons do not run the current lvs.cf (lvsd applies scheduler and
persistence changes only when restarted).  :func:`compare` marks each service and real
server with one state:

* services: ``ok``, ``differs`` (scheduler or persistence), ``missing`` (in lvs.cf, not in
  the kernel), ``extra`` (in the kernel, not an active virtual server of lvs.cf);
* real servers: ``ok``, ``quiesced`` (weight 0), ``differs`` (forwarding method),
  ``missing``, ``extra``, ``sorry-server``.

``notes`` say why in plain words.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from piranha_web.lvscf.model import Config, RealServer, VirtualServer
from piranha_web.lvscf.values import dotted, inet_aton
from piranha_web.netinfo.ipvs_model import NETWORK_FORWARDING, IpvsDest, IpvsService, IpvsTable

ServiceKey = tuple[str, str | None, int | None, int]
_DEFAULT_PMASK = "255.255.255.255"


@dataclass(frozen=True)
class ServerCheck:
    """One real server: in lvs.cf (``server`` names it), in the kernel (``dest``), or both."""

    server: str | None
    address: str
    port: int
    state: str
    dest: IpvsDest | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceCheck:
    """One service: an active virtual server of lvs.cf (``virtual``), a kernel service, or both."""

    virtual: str | None
    label: str
    state: str
    service: IpvsService | None = None
    notes: tuple[str, ...] = ()
    servers: tuple[ServerCheck, ...] = ()

    @property
    def problems(self) -> int:
        """How many marks this service and its real servers carry."""
        return (self.state != "ok") + sum(s.state != "ok" for s in self.servers)


@dataclass(frozen=True)
class Comparison:
    """Every service, lvs.cf order first, then the kernel's extra services."""

    services: tuple[ServiceCheck, ...]

    @property
    def in_sync(self) -> bool:
        """Whether the kernel has exactly what lvs.cf describes."""
        return all(s.problems == 0 for s in self.services)


def compare(table: IpvsTable, config: Config) -> Comparison:
    """Mark the differences between ``table`` and the active virtual servers of ``config``."""
    live = {_live_key(svc): svc for svc in table.services}
    forward = NETWORK_FORWARDING.get(config.globals.network, "Masq")
    checks: list[ServiceCheck] = []
    for vs in config.virtuals:
        if vs.kind != "virtual" or not vs.active:
            continue
        svc = live.pop(_config_key(vs), None)
        checks.append(_check_virtual(vs, svc, forward))
    inactive = {_config_key(vs): vs.name for vs in config.virtuals if not vs.active}
    for key, svc in live.items():
        note = ("not an active virtual server of lvs.cf"
                if key not in inactive else f"virtual server {inactive[key]} is inactive in lvs.cf")
        servers = tuple(ServerCheck(None, d.address, d.port, "extra", d) for d in svc.dests)
        checks.append(ServiceCheck(None, svc.label, "extra", svc, (note,), servers))
    return Comparison(tuple(checks))


def _check_virtual(vs: VirtualServer, svc: IpvsService | None, forward: str) -> ServiceCheck:
    label = f"FWM {vs.fwmark}" if vs.fwmark else f"{vs.protocol.upper()} {vs.address}:{vs.port}"
    if svc is None:
        return ServiceCheck(vs.name, label, "missing", None, (
            "not in the kernel: lvsd is not running this lvs.cf here (pulse stopped, this "
            "router is the backup, or lvsd failed to add it)",))
    notes = _service_notes(vs, svc)
    servers = _check_servers(vs, svc, forward)
    return ServiceCheck(vs.name, svc.label, "differs" if notes else "ok", svc, tuple(notes),
                        servers)


def _service_notes(vs: VirtualServer, svc: IpvsService) -> list[str]:
    notes = []
    restart = " (lvsd applies this only when it is restarted)"
    if svc.scheduler != vs.scheduler:
        notes.append(f"scheduler {svc.scheduler} in the kernel, {vs.scheduler} in lvs.cf{restart}")
    wanted = vs.persistent > 0
    if svc.persistent != wanted:
        said = f"persistent {vs.persistent}" if wanted else "not persistent"
        have = "persistent" if svc.persistent else "not persistent"
        notes.append(f"{have} in the kernel, {said} in lvs.cf{restart}")
    elif wanted:
        if svc.persistence_timeout is not None and svc.persistence_timeout != vs.persistent:
            notes.append(f"persistence {svc.persistence_timeout} s in the kernel, "
                         f"{vs.persistent} s in lvs.cf{restart}")
        mask = inet_aton(vs.pmask or "")
        pmask = dotted(mask) if mask else _DEFAULT_PMASK  # unset or 0.0.0.0: lvsd passes no -M
        if svc.persistence_mask is not None and svc.persistence_mask != pmask:
            notes.append(f"persistence mask {svc.persistence_mask} in the kernel, {pmask} in "
                         f"lvs.cf{restart}")
    return notes


def _check_servers(vs: VirtualServer, svc: IpvsService, forward: str) -> tuple[ServerCheck, ...]:
    dests = {_dest_key(svc, d.address, d.port): d for d in svc.dests}
    checks = []
    for rs in vs.servers:
        if not rs.active:
            continue
        port = _expected_port(svc, rs, forward)
        dest = dests.pop(_dest_key(svc, rs.address, port), None)
        checks.append(_check_server(rs, port, dest, forward, vs.quiesce_server))
    inactive = {_dest_key(svc, rs.address, _expected_port(svc, rs, forward)): rs.name
                for rs in vs.servers if not rs.active}
    for key, dest in dests.items():
        if vs.sorry_server and _same_ip(dest.address, vs.sorry_server):
            checks.append(ServerCheck(None, dest.address, dest.port, "sorry-server", dest, (
                "the sorry server: lvsd added it because no real server is up",)))
            continue
        note = (f"real server {inactive[key]} is inactive in lvs.cf" if key in inactive
                else "not a real server of this virtual server in lvs.cf")
        checks.append(ServerCheck(None, dest.address, dest.port, "extra", dest, (note,)))
    return tuple(checks)


def _check_server(rs: RealServer, port: int, dest: IpvsDest | None, forward: str,
                  quiesce: bool) -> ServerCheck:
    if dest is None:
        return ServerCheck(rs.name, rs.address, port, "missing", None, (
            "not in the kernel: nanny took it out after a failed check (it comes back after "
            "reentry seconds of good checks), or no nanny runs for it",))
    notes = []
    state = "ok"
    if dest.forward != forward:
        state = "differs"
        notes.append(f"forwarding {dest.forward} in the kernel, {forward} by lvs.cf's network")
    if dest.weight == 0 and rs.weight != 0:
        state = "quiesced" if state == "ok" else state
        why = "nanny quiesced it after a failed check" if quiesce else "weight set to 0"
        notes.append(f"weight 0: {why}; it gets no new connections")
    elif dest.weight != rs.weight:
        notes.append(f"weight {dest.weight} in the kernel, {rs.weight} in lvs.cf (nanny ramps "
                     "weights up after adding a server; load monitoring raises them)")
    return ServerCheck(rs.name, rs.address, port, state, dest, tuple(notes))


def _expected_port(svc: IpvsService, rs: RealServer, forward: str) -> int:
    """ipvsadm gives direct-routing and tunnelled servers the service's port."""
    if svc.port is not None and forward in ("Route", "Tunnel"):
        return svc.port
    return rs.effective_port


def _dest_key(svc: IpvsService, address: str, port: int) -> tuple[str, int]:
    # a firewall-mark service forwards every port: real servers are told apart by address
    return (_normal_ip(address) or address, 0 if svc.protocol == "fwm" else port)


def _config_key(vs: VirtualServer) -> ServiceKey:
    if vs.fwmark:
        return ("fwm", None, None, vs.fwmark)
    return (vs.protocol, _normal_ip(vs.address or ""), vs.port, 0)


def _live_key(svc: IpvsService) -> ServiceKey:
    if svc.protocol == "fwm":
        return ("fwm", None, None, svc.fwmark)
    return (svc.protocol, svc.address, svc.port, 0)


def _normal_ip(text: str) -> str | None:
    """An address the way the kernel shows it (lvs.cf may use any inet_aton form)."""
    value = inet_aton(text.strip())
    if value is not None:
        return dotted(value)
    try:
        return ipaddress.ip_address(text.strip()).compressed
    except ValueError:
        return None


def _same_ip(a: str, b: str) -> bool:
    return _normal_ip(a) is not None and _normal_ip(a) == _normal_ip(b)
