"""lvs.cf → keepalived.conf: what is mapped, what becomes a warning, hostile values."""

from __future__ import annotations

import re

import pytest

from piranha_web.errors import KeepalivedValueError
from piranha_web.lvscf import parse
from piranha_web.lvscf.keepalived import export_keepalived
from tests.conftest import ROOT

CHECK = "/usr/bin/piranha-web"
EXAMPLE = (ROOT / "lvs.cf.example").read_text()

NAT = """\
primary = 192.0.2.1
primary_private = 10.9.0.1
backup_active = 1
backup = 192.0.2.2
backup_private = 10.9.0.2
keepalive = 2
deadtime = 7
network = nat
nat_router = 10.1.0.254 eth1:1
nat_nmask = 255.255.255.0
syncdaemon = 1
syncd_iface = eth1
syncd_id = 300
tcp_timeout = 900
udp_timeout = 60
virtual dns {
    active = 1
    address = 192.0.2.53 eth0:1
    vip_nmask = 255.255.255.255
    port = 53
    protocol = udp
    scheduler = sh
    quiesce_server = 1
    sorry_server = 10.1.0.99
    load_monitor = ruptime
    server ns1 {
        address = 10.1.0.1
        active = 1
        weight = 5
    }
    server ns2 {
        address = 10.1.0.2
        active = 0
    }
}
virtual ssh {
    active = 1
    address = 192.0.2.22 eth0:2
    vip_nmask = 255.255.255.0
    port = 22
    timeout = 4
    server s1 {
        address = 10.1.0.1
        port = 2222
        active = 1
    }
}
"""


def text_of(doc: str, router: str = "primary") -> str:
    return export_keepalived(parse(doc), router, check_command=CHECK, check_dir=None).text


def block(text: str, opener: str) -> str:
    """The lines of the first block opened by a line starting with ``opener``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(opener))
    depth, out = 0, []
    for line in lines[start:]:
        out.append(line)
        depth += line.count("{") - line.count("}")
        if depth == 0:
            break
    return "\n".join(out)


def test_the_primary_is_vrrp_master_with_unicast_to_the_backup_and_the_vips_with_labels() -> None:
    vrrp = block(text_of(EXAMPLE), "vrrp_instance")
    assert "state MASTER" in vrrp and "priority 150" in vrrp
    assert "advert_int 6" in vrrp and "down_timer_adverts 3" in vrrp  # deadtime 18 / keepalive 6
    assert "unicast_src_ip 192.0.2.1" in vrrp and re.search(r"unicast_peer {\s+192.0.2.2", vrrp)
    assert "198.51.100.10/24 dev eth0 label eth0:1" in vrrp
    assert "198.51.100.20/24 dev eth0 label eth0:2" in vrrp


def test_the_backup_is_vrrp_backup_with_the_addresses_swapped() -> None:
    vrrp = block(text_of(EXAMPLE, "backup"), "vrrp_instance")
    assert "state BACKUP" in vrrp and "priority 100" in vrrp
    assert "unicast_src_ip 192.0.2.2" in vrrp and re.search(r"unicast_peer {\s+192.0.2.1", vrrp)
    assert "router_id piranha_backup" in text_of(EXAMPLE, "backup")


def test_virtual_servers_carry_scheduler_method_persistence_and_nanny_checks() -> None:
    text = text_of(EXAMPLE)
    www = block(text, "virtual_server 198.51.100.10 80")
    assert "lb_algo wlc" in www and "lb_kind DR" in www and "protocol TCP" in www
    assert "delay_loop 6" in www and "alpha" in www
    assert "check-server --address 10.0.0.11 --port 80 --virtual-port 80" in www
    assert "--send-hex=" + rb"GET / HTTP/1.0\r\n\r\n".hex() in www  # as lvsd passes it
    fwm = block(text, "virtual_server fwmark 80")
    assert "persistence_timeout 300" in fwm and "\n    protocol" not in fwm
    assert "real_server 10.0.0.21 {" in fwm  # keepalived keeps no port for a fwmark service
    assert fwm.count("real_server 10.0.0.21") == 1


def test_settings_without_equivalent_are_comments_and_warnings_with_their_line() -> None:
    export = export_keepalived(parse(EXAMPLE), check_command=CHECK)
    lines = {(w.line, w.message.split(":")[0]) for w in export.warnings}
    assert (7, "heartbeat_port = 539 not translated") in lines
    assert (23, "virtual www") in lines  # reentry = 15
    assert "# lvs.cf line 23: virtual www: reentry = 15 not translated" in export.text
    assert [w.line for w in export.warnings] == sorted(w.line or 0 for w in export.warnings)


def test_nat_router_sync_daemon_timeouts_private_heartbeat_and_quiesce() -> None:
    export = export_keepalived(parse(NAT), check_command=CHECK, check_dir=None)
    text = export.text
    assert "lvs_timeouts tcp 900 udp 60" in text
    assert "lvs_sync_daemon eth1 VI_1 id 44" in text  # 300 & 0xff, as pulse passes it
    assert "10.1.0.254/24 dev eth1 label eth1:1" in text
    assert "unicast_src_ip 10.9.0.1" in text and "vrrp_sync_group PIRANHA" in text
    dns = block(text, "virtual_server 192.0.2.53 53")
    assert "lb_kind NAT" in dns and "protocol UDP" in dns and "inhibit_on_failure" in dns
    assert "sorry_server 10.1.0.99 53" in dns and "weight 5" in dns
    assert "--protocol udp" in dns  # UDP is checked the nanny way, not with TCP_CHECK
    assert "10.1.0.2" not in dns
    ssh = block(text, "virtual_server 192.0.2.22 22")
    assert "real_server 10.1.0.1 2222" in ssh and "TCP_CHECK" in ssh
    assert "connect_timeout 4" in ssh and "retry 0" in ssh
    messages = " ".join(str(w) for w in export.warnings)
    assert "load_monitor = ruptime" in messages and "ns2 of virtual dns is inactive" in messages
    assert "deadtime = 7 is not a multiple" in messages and "private addresses" in messages


HOSTILE = """\
primary = 192.0.2.1
network = direct
virtual w$x#{}!@ {
    active = 1
    address = 192.0.2.10 eth0:1}
    port = 80
    send = "GET /$HOME #x! {\\r\\n"
    expect = "}\\"'"
    server "a b\\" {
        address = 10.0.0.1
        active = 1
    }
    server e {
        address = 10.0.0.2;reboot
        active = 1
    }
}
virtual bad-dev {
    active = 1
    address = 192.0.2.11 eth0;x
    port = 81
    server f {
        address = 10.0.0.3
        active = 1
    }
}
virtual bad-vip {
    active = 1
    address = 192.0.2.300 eth0:4
    port = 82
}
"""


def test_hostile_values_never_reach_keepalived_unquoted() -> None:
    export = export_keepalived(parse(HOSTILE), check_command=CHECK)
    for line in export.text.splitlines():
        if line.strip().startswith("#"):
            assert not re.search(r"[$!@{}\"]", line.split("#", 1)[1]), line
        else:
            assert "$" not in line and "#" not in line and "!" not in line and "reboot" not in line
    config = "\n".join(x for x in export.text.splitlines() if not x.strip().startswith("#"))
    assert "eth0:1}" not in config and "eth0;x" not in config
    assert "w\\x24x\\x23\\x7b\\x7d\\x21\\x40" in export.text  # the name, escaped, in a comment
    messages = " ".join(str(w) for w in export.warnings)
    assert "server e of virtual" in messages and "bad-vip has no usable address" in messages


def test_an_unusable_check_command_or_router_is_refused() -> None:
    with pytest.raises(KeepalivedValueError):
        export_keepalived(parse(EXAMPLE), check_command="/opt/my tools/piranha-web")
    with pytest.raises(KeepalivedValueError):
        export_keepalived(parse(EXAMPLE), "tertiary", check_command=CHECK)
