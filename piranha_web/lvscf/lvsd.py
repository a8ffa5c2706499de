"""What lvsd (and its nannies) would run for a configuration: ipvsadm commands (pure).

docs/reference/piranha.md §3.2 and §8 (Piranha 0.8.6's lvsd.c and nanny.c, read and run in the IPVS
VM): lvsd sets the IPVS timeouts, clears the table and runs ``ipvsadm -A`` for each active
virtual server; when that fails (the service already exists: the same firewall mark, or the
same protocol, VIP and port) it starts no monitor for the block, so its real servers never
enter the table.  Otherwise it starts one nanny per active real server, except when a nanny
already runs for the same (VIP, real IP, virtual port, real port, protocol): the firewall mark
is not part of that key.  Each nanny adds its server once a check succeeds, at weight
``max(1, weight >> 5)``, and doubles it up to the configured weight, so a weight below 1 stays
at 1 (it lowers a weight only with a load monitor); it removes the server (or, with
``quiesce_server``, sets weight 0) when a check fails.  The sorry server is added while no real
server of a running virtual server is up (§3.8); a virtual server without an active real server
never counts as running, so it gets no sorry server.

:func:`lvsd_plan` says which monitors run; :func:`lvsd_commands` gives the ipvsadm sequence
for a *steady state*: every monitored real server up at the weight nanny reaches except those
named in ``down``, which are absent, or present with weight 0 when their virtual server
quiesces (as after they had been up once).  The keepalived export follows the same plan, and
the VM test compares the table keepalived builds with the one these commands build.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from piranha_web.lvscf.model import Config, RealServer, VirtualServer
from piranha_web.lvscf.values import inet_aton

FORWARDING = {"nat": "-m", "direct": "-g", "tunnel": "-i"}


@dataclass(frozen=True)
class Command:
    """One ipvsadm invocation; ``fails`` says why ipvsadm would refuse it (else None)."""

    argv: tuple[str, ...]
    why: str
    fails: str | None = None

    def __str__(self) -> str:
        return " ".join(self.argv)


@dataclass(frozen=True)
class Skipped:
    """An active real server of a running virtual server that gets no nanny, and why."""

    index: int  # in ``VirtualServer.servers``
    server: RealServer
    why: str


@dataclass(frozen=True)
class ServicePlan:
    """What lvsd does for one active virtual server.

    ``fails`` names the earlier virtual server whose service ``ipvsadm -A`` finds (then
    nothing else of this block runs); ``monitors`` holds ``(index, server)`` of the real
    servers that get a nanny, in file order.
    """

    index: int  # in ``Config.virtuals``
    virtual: VirtualServer
    service: tuple[str, ...]
    fails: str | None
    monitors: tuple[tuple[int, RealServer], ...]
    skipped: tuple[Skipped, ...]

    @property
    def sorry(self) -> bool:
        """Whether lvsd would add the sorry server when no real server is up."""
        return bool(self.virtual.sorry_server) and self.fails is None and any(
            rs.active for rs in self.virtual.servers)


def nanny_weight(weight: int) -> int:
    """The weight nanny's slow start settles on: it starts at ``max(1, weight >> 5)`` and
    doubles while below ``weight`` (nanny.c ``bringUpDev``/``adjustWeight``)."""
    return max(1, weight)


def service_args(vs: VirtualServer) -> tuple[str, ...]:
    """``-f MARK`` or ``-t|-u VIP:PORT``, as lvsd names the service of ``vs``."""
    if vs.fwmark:
        return ("-f", str(vs.fwmark))
    return ("-u" if vs.protocol == "udp" else "-t", f"{vs.address}:{vs.port}")


def _service_key(vs: VirtualServer) -> tuple[object, ...]:
    """What makes two ``ipvsadm -A`` name the same kernel service."""
    if vs.fwmark:
        return ("fwmark", vs.fwmark & 0xFFFFFFFF)
    return (vs.protocol, inet_aton(vs.address or "") if vs.address else None, vs.port)


def _address(text: str | None) -> object:
    """An address as lvsd compares it (inet_aton's value; the text when it does not read)."""
    value = inet_aton(text or "")
    return value if value is not None else text


def lvsd_plan(config: Config) -> list[ServicePlan]:
    """Per active virtual server, in file order: does its ``-A`` fail, which nannies start."""
    plans: list[ServicePlan] = []
    services: dict[tuple[object, ...], str] = {}
    clients: dict[tuple[object, ...], tuple[int, int, str]] = {}
    for index, vs in enumerate(config.virtuals):
        if vs.kind != "virtual" or not vs.active:
            continue
        first = services.setdefault(_service_key(vs), vs.name)
        if first != vs.name:
            plans.append(ServicePlan(index, vs, service_args(vs), first, (), ()))
            continue
        monitors: list[tuple[int, RealServer]] = []
        skipped: list[Skipped] = []
        for number, rs in enumerate(vs.servers):
            if not rs.active:
                continue
            client = (_address(vs.address), _address(rs.address), vs.port, rs.effective_port,
                      vs.protocol)
            owner = clients.setdefault(client, (index, number, f"{rs.name} of {vs.name}"))
            if owner[:2] != (index, number):
                skipped.append(Skipped(number, rs, f"a nanny already runs for {rs.address}:"
                                       f"{rs.effective_port} (server {owner[2]}): lvsd starts "
                                       "one per VIP, real server, ports and protocol, whatever "
                                       "the firewall mark"))
                continue
            monitors.append((number, rs))
        plans.append(ServicePlan(index, vs, service_args(vs), None, tuple(monitors),
                                 tuple(skipped)))
    return plans


def lvsd_commands(
    config: Config, down: Collection[tuple[str, str]] = (), ipvsadm: str = "ipvsadm"
) -> list[Command]:
    """The ipvsadm commands lvsd and its nannies run to reach the steady state.

    ``down`` holds ``(virtual name, server name)`` pairs whose checks fail.
    """
    g = config.globals
    out = [
        Command((ipvsadm, "--set", str(g.tcp_timeout), str(g.tcpfin_timeout),
                 str(g.udp_timeout)), "lvsd: IPVS timeouts (0 leaves one unchanged)"),
        Command((ipvsadm, "-C"), "lvsd: clear the table"),
    ]
    forward = FORWARDING[g.network]
    for plan in lvsd_plan(config):
        vs = plan.virtual
        argv = [ipvsadm, "-A", *plan.service, "-s", vs.scheduler]
        if vs.persistent > 0:
            argv += ["-p", str(vs.persistent)]
            if vs.pmask and vs.pmask != "0.0.0.0":
                argv += ["-M", vs.pmask]
        fails = f"Service already exists (virtual {plan.fails})" if plan.fails else None
        why = f"lvsd: virtual {vs.name}" + (": no monitor starts" if fails else "")
        out.append(Command(tuple(argv), why, fails))
        up = 0
        for _, rs in plan.monitors:
            target = (ipvsadm, "-a", *plan.service, "-r", f"{rs.address}:{rs.effective_port}",
                      forward)
            if (vs.name, rs.name) not in down:
                up += 1
                out.append(Command((*target, "-w", str(nanny_weight(rs.weight))),
                                   f"nanny: {rs.name} up (weight after the ramp)"))
            elif vs.quiesce_server:
                out.append(Command((*target, "-w", "0"), f"nanny: {rs.name} down, quiesced"))
        if plan.sorry and not up:
            out.append(Command((ipvsadm, "-a", *plan.service, "-r",
                                f"{vs.sorry_server}:{vs.port}", forward, "-w", "1"),
                               f"lvsd: no real server of {vs.name} is up: sorry server"))
    return out
