"""What lvsd and its nannies would run (docs/reference/piranha.md §3.2, §3.6, §3.8)."""

from __future__ import annotations

from piranha_web.lvscf import parse
from piranha_web.lvscf.lvsd import lvsd_commands

DOC = """\
network = tunnel
tcp_timeout = 900
virtual web {
    active = 1
    address = 192.0.2.10 eth0:1
    port = 80
    scheduler = rr
    persistent = 60
    pmask = 255.255.255.0
    quiesce_server = 1
    sorry_server = 192.0.2.99
    server a {
        address = 10.0.0.1
        active = 1
        weight = 3
    }
    server b {
        address = 10.0.0.2
        active = 1
        port = 8080
    }
    server off {
        address = 10.0.0.3
        active = 0
    }
}
virtual mark {
    active = 1
    address = 192.0.2.11 eth0:2
    fwmark = 7
    protocol = udp
    server c {
        address = 10.0.0.4
        active = 1
    }
}
virtual again {
    active = 1
    address = 192.0.2.11 eth0:2
    fwmark = 7
}
virtual sleeping {
    active = 0
    address = 192.0.2.12 eth0:3
}
"""


def test_lvsd_sets_timeouts_clears_and_adds_each_active_service_with_its_servers() -> None:
    commands = [str(c) for c in lvsd_commands(parse(DOC).model()) if c.fails is None]
    assert commands == [
        "ipvsadm --set 900 0 0",
        "ipvsadm -C",
        "ipvsadm -A -t 192.0.2.10:80 -s rr -p 60 -M 255.255.255.0",
        "ipvsadm -a -t 192.0.2.10:80 -r 10.0.0.1:80 -i -w 3",
        "ipvsadm -a -t 192.0.2.10:80 -r 10.0.0.2:8080 -i -w 1",
        "ipvsadm -A -f 7 -s wlc",
        "ipvsadm -a -f 7 -r 10.0.0.4:80 -i -w 1",
    ]


def test_a_second_virtual_server_on_the_same_service_is_a_command_that_fails() -> None:
    failing = [c for c in lvsd_commands(parse(DOC).model()) if c.fails]
    assert [str(c) for c in failing] == ["ipvsadm -A -f 7 -s wlc"]
    assert "virtual mark" in (failing[0].fails or "")


def test_down_servers_are_absent_or_quiesced_and_the_sorry_server_replaces_them() -> None:
    config = parse(DOC).model()
    commands = [str(c) for c in lvsd_commands(config, down={("web", "a"), ("web", "b"),
                                                            ("mark", "c")})]
    assert "ipvsadm -a -t 192.0.2.10:80 -r 10.0.0.1:80 -i -w 0" in commands
    assert "ipvsadm -a -t 192.0.2.10:80 -r 192.0.2.99:80 -i -w 1" in commands
    assert not any("10.0.0.4" in c for c in commands)  # not quiesced: removed
    assert not any("10.0.0.3" in c for c in commands)  # inactive: no nanny
