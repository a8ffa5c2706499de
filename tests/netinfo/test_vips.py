"""Whether each virtual server's VIP is up on the router, read from a real namespace."""

from __future__ import annotations

from piranha_web.lvscf import parse
from piranha_web.netinfo import NetInfo
from piranha_web.netinfo.vips import place_addresses
from tests.helpers.router_ns import RouterNamespace

CONFIG = """\
network = nat
nat_router = 198.51.100.1 pwni1
virtual web {
     active = 1
     address = 192.0.2.10 pwni0:1
}
virtual moved {
     active = 1
     address = 192.0.2.11 pwni0:1
}
virtual down {
     active = 1
     address = 192.0.2.99 pwni0:3
}
virtual spare {
     active = 0
     address = 192.0.2.98 pwni0:4
}
virtual blank {
     active = 1
}
"""


def test_each_vip_is_placed_on_the_device_and_label_carrying_it(router: RouterNamespace) -> None:
    """Up where lvs.cf says, up elsewhere, not up (active / inactive), no address, NAT router."""
    placements = place_addresses(parse(CONFIG).model(), NetInfo(router.name).interfaces())

    assert [(p.name, p.state, p.found.label if p.found else None) for p in placements] == [
        ("virtual web", "up", "pwni0:1"),
        ("virtual moved", "elsewhere", "pwni0:2"),
        ("virtual down", "down", None),
        ("virtual spare", "down", None),
        ("virtual blank", "unset", None),
        ("NAT router", "up", "pwni1"),
    ]
    messages = [p.message for p in placements]
    assert messages[0] == "up here on pwni0:1"
    assert messages[1] == "up here on pwni0:2, but lvs.cf says pwni0:1"
    assert messages[2].startswith("not up here: normal on the backup router")
    assert messages[3] == "not up here (inactive in lvs.cf)"


def test_a_vip_raised_after_reading_the_config_is_seen_on_the_next_read(
        router: RouterNamespace) -> None:
    """Raising 192.0.2.99 as pwni0:3 (what pulse does on takeover) turns 'down' into 'up'."""
    config = parse(CONFIG).model()
    router.add_address("pwni0", "192.0.2.99/24", "pwni0:3")

    placements = place_addresses(config, NetInfo(router.name).interfaces())

    assert placements[2].state == "up"
    assert placements[2].found is not None and placements[2].found.cidr == "192.0.2.99/24"
