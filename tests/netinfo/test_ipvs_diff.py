"""Marking what lvs.cf says against the IPVS table captured from a real kernel."""

from __future__ import annotations

from piranha_web.lvscf import parse
from piranha_web.netinfo.ipvs_diff import Comparison, ServiceCheck, compare
from piranha_web.netinfo.ipvs_model import IpvsTable
from piranha_web.netinfo.proc_ip_vs import parse_proc_ip_vs
from tests.conftest import ROOT

TABLE = parse_proc_ip_vs((ROOT / "tests/data/ipvs/scenario.proc.txt").read_text(), hz=250)

WEB = """\
virtual web {
     active = 1
     address = 192.0.2.10 eth0:1
     port = 80
     scheduler = wlc
     quiesce_server = 1
     server rs1 {
         address = 198.51.100.11
         active = 1
     }
     server rs2 {
         address = 198.51.100.12
         active = 1
     }
     server rs3 {
         address = 198.51.100.13
         active = 1
     }
}
"""
HTTPS = """\
virtual https {
     active = 1
     address = 192.0.2.10 eth0:1
     port = 443
     scheduler = rr
     persistent = 300
     server rs1 {
         address = 198.51.100.11
         active = 1
         weight = 5
     }
}
"""


def checked(text: str, table: IpvsTable = TABLE) -> Comparison:
    return compare(table, parse(text).model())


def service(result: Comparison, name: str) -> ServiceCheck:
    return next(s for s in result.services if s.virtual == name)


def test_real_servers_up_quiesced_and_taken_out_by_nanny() -> None:
    """rs1 is in the pool, rs2 has weight 0 (quiesced), rs3 is missing (failed its check)."""
    web = service(checked("network = direct\n" + WEB), "web")

    assert web.state == "ok"
    assert [(s.server, s.state) for s in web.servers] == [
        ("rs1", "ok"), ("rs2", "quiesced"), ("rs3", "missing")]
    assert "nanny quiesced it" in web.servers[1].notes[0]
    assert web.servers[2].dest is None


def test_a_service_that_matches_lvs_cf_carries_no_marks() -> None:
    """Scheduler, persistence (300 s, default mask), real server and weight all agree."""
    https = service(checked("network = direct\n" + HTTPS), "https")

    assert (https.state, https.notes, https.problems) == ("ok", (), 0)
    assert https.servers[0].notes == ()


def test_scheduler_and_persistence_changes_not_applied_are_marked() -> None:
    """lvsd applies them only on restart: the kernel still has rr / 300 s."""
    text = HTTPS.replace("scheduler = rr", "scheduler = wlc").replace("= 300", "= 600")

    https = service(checked("network = direct\n" + text), "https")

    assert https.state == "differs"
    assert [n.split(" (")[0] for n in https.notes] == [
        "scheduler rr in the kernel, wlc in lvs.cf",
        "persistence 300 s in the kernel, 600 s in lvs.cf"]


def test_persistence_switched_off_in_lvs_cf_is_marked() -> None:
    https = service(checked("network = direct\n" + HTTPS.replace("persistent = 300", "")),
                    "https")

    assert https.notes[0].startswith("persistent in the kernel, not persistent in lvs.cf")


def test_a_virtual_server_lvsd_has_not_created_is_missing() -> None:
    """An active virtual server with no kernel service at all."""
    text = WEB.replace("virtual web", "virtual mail").replace("port = 80", "port = 25")

    mail = service(checked("network = direct\n" + text), "mail")

    assert (mail.state, mail.label, mail.service) == ("missing", "TCP 192.0.2.10:25", None)


def test_kernel_services_not_in_lvs_cf_are_extra_and_inactive_ones_say_so() -> None:
    """Every other kernel service is marked extra; one of an inactive virtual server says so."""
    text = "network = direct\n" + WEB + HTTPS.replace("active = 1\n     address", "active = 0\n"
                                                       "     address", 1)
    result = checked(text)
    extra = {s.label: s for s in result.services if s.virtual is None}

    assert len(extra) == len(TABLE.services) - 1
    assert extra["TCP 192.0.2.10:443"].notes == ("virtual server https is inactive in lvs.cf",)
    assert extra["FWM 80"].state == "extra"
    assert [s.state for s in extra["FWM 80"].servers] == ["extra", "extra"]
    assert not result.in_sync


def test_forwarding_other_than_lvs_cf_network_is_marked() -> None:
    """network = nat means Masq; the kernel has the web servers as Route (direct routing)."""
    web = service(checked("network = nat\n" + WEB), "web")

    assert web.servers[0].state == "differs"
    assert web.servers[0].notes[0] == "forwarding Route in the kernel, Masq by lvs.cf's network"


def test_nat_real_servers_match_on_their_own_port_and_the_sorry_server_is_recognised() -> None:
    """UDP 53 -> 5353 under NAT; .21 is the sorry server lvsd added; .22's weight differs."""
    text = """\
network = nat
virtual dns {
     active = 1
     address = 192.0.2.20 eth0:1
     protocol = udp
     port = 53
     scheduler = wrr
     sorry_server = 198.51.100.21
     server d2 {
         address = 198.51.100.22
         port = 5353
         active = 1
         weight = 4
     }
}
"""
    dns = service(checked(text), "dns")

    assert [(s.server, s.address, s.port, s.state) for s in dns.servers] == [
        ("d2", "198.51.100.22", 5353, "ok"), (None, "198.51.100.21", 5353, "sorry-server")]
    assert dns.servers[0].notes[0].startswith("weight 1 in the kernel, 4 in lvs.cf")


def test_firewall_mark_services_match_by_mark_and_servers_by_address() -> None:
    """FWM 80 with its /24 persistence mask; real servers' ports do not matter for a mark."""
    text = """\
network = tunnel
virtual bundle {
     active = 1
     address = 192.0.2.30 eth0:2
     fwmark = 80
     scheduler = sh
     persistent = 3600
     pmask = 255.255.255.0
     server t1 {
         address = 198.51.100.31
         active = 1
         weight = 2
     }
     server t2 {
         address = 198.51.100.32
         active = 1
     }
}
"""
    bundle = service(checked(text), "bundle")

    assert (bundle.label, bundle.state, bundle.problems) == ("FWM 80", "ok", 0)
    assert [s.state for s in bundle.servers] == ["ok", "ok"]
    changed = service(checked(text.replace("255.255.255.0", "255.255.0.0")), "bundle")
    assert changed.notes[0].startswith("persistence mask 255.255.255.0 in the kernel, "
                                       "255.255.0.0 in lvs.cf")


def test_inactive_real_servers_in_the_kernel_are_extra_with_a_note() -> None:
    """rs2 switched off in lvs.cf but still in the kernel (lvsd not reloaded)."""
    text = WEB.replace("198.51.100.12\n         active = 1", "198.51.100.12\n         active = 0")

    web = service(checked("network = direct\n" + text), "web")

    assert [(s.server, s.state) for s in web.servers] == [
        ("rs1", "ok"), ("rs3", "missing"), (None, "extra")]
    assert web.servers[2].notes == ("real server rs2 is inactive in lvs.cf",)


def test_an_empty_kernel_table_marks_every_active_virtual_server_missing() -> None:
    empty = IpvsTable("netlink", ())

    result = checked("network = direct\n" + WEB + HTTPS, empty)

    assert [(s.virtual, s.state) for s in result.services] == [
        ("web", "missing"), ("https", "missing")]
