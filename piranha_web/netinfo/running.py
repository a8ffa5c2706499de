"""Running vs saved (pure): the IPVS table lvs.cf builds, and how another table differs from it.

``planned(config)`` is the steady-state table the daemons build from lvs.cf (every checked
real server up): the services lvsd adds and the real servers its nannies add, at nanny's
weight (``max(1, weight)``), from :func:`piranha_web.lvscf.lvsd.lvsd_plan`, the one account of
what lvsd and nanny run; the keepalived export follows the same plan, so both engines are
compared with it.  ``of_table(table)`` reads the kernel's table the same way, and
``differences(want, have)`` says in words what differs, each with the ``ipvsadm`` command that
would make ``have`` what ``want`` is:

    differences(planned(saved), of_table(kernel))    # CONTROL: running vs saved
    differences(planned(new), planned(old))          # what an edit changes in the table
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from piranha_web.lvscf.lvsd import lvsd_plan, nanny_weight
from piranha_web.lvscf.model import Config
from piranha_web.lvscf.values import dotted, inet_aton
from piranha_web.netinfo.ipvs_model import NETWORK_FORWARDING, IpvsTable

#: forwarding method name (the kernel's words) -> ipvsadm's option
FORWARD_OPTION = {"Route": "-g", "Masq": "-m", "Tunnel": "-i"}
_SERVICE_OPTION = {"TCP": "-t", "UDP": "-u", "SCTP": "--sctp-service", "FWM": "-f"}


@dataclass(frozen=True)
class Dest:
    """One real server of a service: forwarding method and weight."""

    forward: str
    weight: int


@dataclass(frozen=True)
class Service:
    """One IPVS service as ``ipvsadm -Ln`` lists it; ``virtual`` names its lvs.cf block."""

    label: str  # "TCP 192.0.2.10:80", "FWM 80"
    scheduler: str
    persistent: int | None  # seconds; None: not persistent
    dests: Mapping[tuple[str, int], Dest] = field(default_factory=dict)
    virtual: str = ""


@dataclass(frozen=True)
class Difference:
    """One difference in words, and the ipvsadm command that removes it."""

    words: str
    argv: tuple[str, ...]

    @property
    def command(self) -> str:
        return " ".join(self.argv)


def planned(config: Config) -> dict[str, Service]:
    """The table lvsd and its nannies build from ``config`` once every check passes."""
    forward = NETWORK_FORWARDING.get(config.globals.network, "Masq")
    found: dict[str, Service] = {}
    for plan in lvsd_plan(config):
        if plan.fails:
            continue
        vs = plan.virtual
        label = (f"FWM {vs.fwmark}" if vs.fwmark else
                 f"{vs.protocol.upper()} {_ip(vs.address or '')}:{vs.port}")
        dests = {}
        for _, rs in plan.monitors:
            port = _port(label, forward, rs.effective_port, vs.port)
            dests[(_ip(rs.address), port)] = Dest(forward, nanny_weight(rs.weight))
        found[label] = Service(label, vs.scheduler, vs.persistent or None, dests, vs.name)
    return found


def of_table(table: IpvsTable) -> dict[str, Service]:
    """The kernel's table in the same terms as :func:`planned`."""
    found: dict[str, Service] = {}
    for svc in table.services:
        dests = {(d.address, _port(svc.label, d.forward, d.port, svc.port or 0)):
                 Dest(d.forward, d.weight) for d in svc.dests}
        timeout = svc.persistence_timeout if svc.persistence_timeout is not None else 0
        found[svc.label] = Service(svc.label, svc.scheduler,
                                   timeout if svc.persistent else None, dests)
    return found


def differences(want: Mapping[str, Service], have: Mapping[str, Service]) -> list[Difference]:
    """What ``have`` lacks or has more or otherwise than ``want``, in ``want``'s order."""
    out: list[Difference] = []
    for label, svc in want.items():
        named = f"service {label}" + (f" (virtual {svc.virtual})" if svc.virtual else "")
        found = have.get(label)
        if found is None:
            out.append(Difference(f"{named} is missing", _add_service(svc)))
            out += [Difference(f"real server {_addr(k)} of {named} is missing",
                               _dest("-a", label, k, d)) for k, d in svc.dests.items()]
            continue
        if (found.scheduler, found.persistent) != (svc.scheduler, svc.persistent):
            out.append(Difference(
                f"{named}: {_sched(found)} running, {_sched(svc)} saved",
                ("ipvsadm", "-E", *_service_args(label), *_sched_args(svc))))
        out += _dest_differences(named, label, svc, found)
    out += [Difference(f"extra service {label} (not built from lvs.cf)",
                       ("ipvsadm", "-D", *_service_args(label)))
            for label in have if label not in want]
    return out


def _dest_differences(named: str, label: str, want: Service, have: Service) -> list[Difference]:
    out = []
    for key, dest in want.dests.items():
        found = have.dests.get(key)
        where = f"real server {_addr(key)} of {named}"
        if found is None:
            out.append(Difference(f"{where} is missing", _dest("-a", label, key, dest)))
        elif found != dest:
            said = []
            if found.weight != dest.weight:
                said.append(f"weight {found.weight} running, {dest.weight} saved")
            if found.forward != dest.forward:
                said.append(f"forwarding {found.forward} running, {dest.forward} saved")
            out.append(Difference(f"{where}: {'; '.join(said)}", _dest("-e", label, key, dest)))
    for key in have.dests:
        if key not in want.dests:
            out.append(Difference(f"extra real server {_addr(key)} in {named}",
                                  ("ipvsadm", "-d", *_service_args(label), "-r", _addr(key))))
    return out


def _ip(text: str) -> str:
    value = inet_aton(text.strip())
    return dotted(value) if value is not None else text.strip()


def _port(label: str, forward: str, port: int, service_port: int) -> int:
    """The port compared: none in a firewall-mark service (real servers are told apart by
    address there, as in ``ipvs_diff``), the service's own for direct routing and tunnelling
    (ipvsadm gives them that), else the real server's."""
    if label.startswith("FWM"):
        return 0
    return service_port if forward in ("Route", "Tunnel") else port


def _addr(key: tuple[str, int]) -> str:
    return f"{key[0]}:{key[1]}" if key[1] else key[0]


def _service_args(label: str) -> tuple[str, ...]:
    kind, _, where = label.partition(" ")
    return (_SERVICE_OPTION.get(kind, "-t"), where)


def _sched(svc: Service) -> str:
    return svc.scheduler + (f" persistent {svc.persistent}" if svc.persistent else "")


def _sched_args(svc: Service) -> tuple[str, ...]:
    return ("-s", svc.scheduler, *(("-p", str(svc.persistent)) if svc.persistent else ()))


def _add_service(svc: Service) -> tuple[str, ...]:
    return ("ipvsadm", "-A", *_service_args(svc.label), *_sched_args(svc))


def _dest(option: str, label: str, key: tuple[str, int], dest: Dest) -> tuple[str, ...]:
    return ("ipvsadm", option, *_service_args(label), "-r", _addr(key),
            FORWARD_OPTION.get(dest.forward, "-m"), "-w", str(dest.weight))
