"""Whether each virtual server's VIP (and the NAT router address) is up on this router (pure).

pulse on the active router raises every active virtual server's ``address = VIP DEVICE`` as
an alias (``ifconfig eth0:1 VIP up``) and ``nat_router = IP DEVICE`` likewise; the backup
router has none of them until it takes over.  :func:`place_addresses` tells, per address,
where it is up here, and how that compares with the device lvs.cf names.

States: ``up`` (on the device/label lvs.cf names), ``elsewhere`` (up here, but on another
device or label), ``down`` (not an address of this router), ``unset`` (no address in lvs.cf).
"""

from __future__ import annotations

from dataclasses import dataclass

from piranha_web.lvscf.model import Config
from piranha_web.lvscf.values import dotted, inet_aton
from piranha_web.netinfo.interfaces import Address, Interfaces


@dataclass(frozen=True)
class Placement:
    """One address lvs.cf wants raised: ``name`` is ``virtual web`` or ``NAT router``."""

    name: str
    active: bool
    address: str | None
    device: str | None
    state: str
    found: Address | None = None

    @property
    def message(self) -> str:
        """The state in plain words."""
        if self.state == "unset":
            return "no address in lvs.cf"
        if self.state == "up":
            return f"up here on {self.device}"
        if self.state == "elsewhere" and self.found is not None:
            return f"up here on {self.found.label}, but lvs.cf says {self.device}"
        if not self.active:
            return "not up here (inactive in lvs.cf)"
        return ("not up here: normal on the backup router and while pulse is stopped; on the "
                "active router pulse should have raised it")


def place_addresses(config: Config, interfaces: Interfaces) -> list[Placement]:
    """One entry per virtual server (lvs.cf order), then the NAT router when configured."""
    wanted = [(f"{vs.kind} {vs.name}", vs.active, vs.address, vs.device)
              for vs in config.virtuals]
    g = config.globals
    if g.nat_router:
        wanted.append(("NAT router", g.network == "nat", g.nat_router, g.nat_router_device))
    return [_place(name, active, address, device, interfaces)
            for name, active, address, device in wanted]


def _place(name: str, active: bool, address: str | None, device: str | None,
           interfaces: Interfaces) -> Placement:
    value = inet_aton(address) if address else None
    if value is None or address is None or value == 0:
        return Placement(name, active, address, device, "unset")
    found = interfaces.where_is(dotted(value))
    if found is None:
        return Placement(name, active, address, device, "down")
    state = "up" if device in (found.label, None) else "elsewhere"
    return Placement(name, active, address, device, state, found)
