"""What lvsd (and its nannies) would run for a configuration: ipvsadm commands (pure).

reference/piranha.md §3.2: lvsd sets the IPVS timeouts, clears the table and adds one service
per active virtual server; each real server is added by its nanny once a check succeeds,
removed (or, with ``quiesce_server``, set to weight 0) when a check fails, and the sorry
server is added while no real server of its virtual server is up (§3.6, §3.8).

:func:`lvsd_commands` gives that sequence for a *steady state*: every active real server up
at its configured weight (nanny's slow-start ramp finished) except those named in ``down``,
which are absent, or present with weight 0 when their virtual server quiesces (as after they
had been up once).  Used to preview a change and, in the tests, to build the table lvsd would
build and compare it with keepalived's.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from piranha_web.lvscf.model import Config, VirtualServer

FORWARDING = {"nat": "-m", "direct": "-g", "tunnel": "-i"}


@dataclass(frozen=True)
class Command:
    """One ipvsadm invocation; ``fails`` says why ipvsadm would refuse it (else None)."""

    argv: tuple[str, ...]
    why: str
    fails: str | None = None

    def __str__(self) -> str:
        return " ".join(self.argv)


def service_args(vs: VirtualServer) -> tuple[str, ...]:
    """``-f MARK`` or ``-t|-u VIP:PORT``, as lvsd names the service of ``vs``."""
    if vs.fwmark:
        return ("-f", str(vs.fwmark))
    return ("-u" if vs.protocol == "udp" else "-t", f"{vs.address}:{vs.port}")


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
    services: dict[tuple[str, ...], str] = {}
    forward = FORWARDING[g.network]
    for vs in config.virtuals:
        if vs.kind != "virtual" or not vs.active:
            continue
        service = service_args(vs)
        argv = [ipvsadm, "-A", *service, "-s", vs.scheduler]
        if vs.persistent > 0:
            argv += ["-p", str(vs.persistent)]
            if vs.pmask and vs.pmask != "0.0.0.0":
                argv += ["-M", vs.pmask]
        first = services.setdefault(service, vs.name)
        fails = None if first == vs.name else f"Service already exists (virtual {first})"
        out.append(Command(tuple(argv), f"lvsd: virtual {vs.name}", fails))
        up = 0
        for rs in vs.servers:
            if not rs.active:
                continue
            target = (ipvsadm, "-a", *service, "-r", f"{rs.address}:{rs.effective_port}",
                      forward)
            if (vs.name, rs.name) not in down:
                up += 1
                out.append(Command((*target, "-w", str(rs.weight)),
                                   f"nanny: {rs.name} up (weight after the ramp)"))
            elif vs.quiesce_server:
                out.append(Command((*target, "-w", "0"), f"nanny: {rs.name} down, quiesced"))
        if vs.sorry_server and not up:
            port = "" if vs.fwmark else f":{vs.port}"
            out.append(Command((ipvsadm, "-a", *service, "-r", f"{vs.sorry_server}{port}",
                                forward, "-w", "1"),
                               f"lvsd: no real server of {vs.name} is up: sorry server"))
    return out
