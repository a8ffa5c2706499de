"""Running vs saved (pure): the table lvs.cf builds against another, in words and ipvsadm."""

from __future__ import annotations

from pathlib import Path

from piranha_web.lvscf import parse
from piranha_web.netinfo import NetInfo
from piranha_web.netinfo.ipvs_model import IpvsDest, IpvsService, IpvsTable
from piranha_web.netinfo.running import differences, of_table, planned
from tests.conftest import ROOT

EXAMPLE = (ROOT / "lvs.cf.example").read_text()


def _table(*dests: tuple[str, int, int], scheduler: str = "wlc") -> IpvsTable:
    """www of lvs.cf.example as the kernel holds it, with ``dests`` (address, port, weight)."""
    return IpvsTable.of("netlink", [IpvsService(
        "tcp", "198.51.100.10", 80, 0, scheduler, False, None, None, False,
        tuple(IpvsDest(a, p, "Route", w, 0, 0) for a, p, w in dests))])


def _www_only() -> str:
    return EXAMPLE.split("virtual shop-http {")[0]


def test_the_table_lvs_cf_builds_is_in_sync_with_itself_and_with_the_kernel() -> None:
    config = parse(_www_only()).model()
    assert differences(planned(config), planned(config)) == []
    table = _table(("10.0.0.11", 80, 1), ("10.0.0.12", 80, 1))
    assert differences(planned(config), of_table(table)) == []


def test_a_hand_weight_change_is_a_difference_with_the_command_undoing_it() -> None:
    config = parse(_www_only()).model()
    found = differences(planned(config), of_table(_table(("10.0.0.11", 80, 5),
                                                          ("10.0.0.12", 80, 1))))
    assert [(d.words, d.command) for d in found] == [(
        "real server 10.0.0.11:80 of service TCP 198.51.100.10:80 (virtual www): weight 5 "
        "running, 1 saved", "ipvsadm -e -t 198.51.100.10:80 -r 10.0.0.11:80 -g -w 1")]


def test_missing_extra_and_scheduler_differences() -> None:
    config = parse(_www_only()).model()
    found = differences(planned(config), of_table(_table(("10.0.0.11", 80, 1),
                                                          ("10.0.0.99", 80, 1),
                                                          scheduler="rr")))
    assert [d.command for d in found] == [
        "ipvsadm -E -t 198.51.100.10:80 -s wlc",
        "ipvsadm -a -t 198.51.100.10:80 -r 10.0.0.12:80 -g -w 1",
        "ipvsadm -d -t 198.51.100.10:80 -r 10.0.0.99:80",
    ]
    assert "wlc" in found[0].words and "rr running" in found[0].words
    assert found[1].words.endswith("is missing") and found[2].words.startswith("extra")
    empty = differences(planned(config), {})
    assert empty[0].command == "ipvsadm -A -t 198.51.100.10:80 -s wlc"
    assert differences({}, of_table(_table()))[0].command == "ipvsadm -D -t 198.51.100.10:80"


def test_nanny_runs_a_saved_weight_0_at_weight_1_so_lvs_cf_weight_0_is_no_drain() -> None:
    config = parse(_www_only().replace("weight = 1", "weight = 0", 1)).model()
    assert differences(planned(config), of_table(_table(("10.0.0.11", 80, 1),
                                                         ("10.0.0.12", 80, 1)))) == []
    quiesced = differences(planned(config), of_table(_table(("10.0.0.11", 80, 0),
                                                             ("10.0.0.12", 80, 1))))
    assert quiesced[0].words.endswith("weight 0 running, 1 saved")


def test_an_edit_previewed_as_ipvsadm_commands() -> None:
    old = parse(EXAMPLE).model()
    new = parse(EXAMPLE.replace("scheduler = wlc", "scheduler = rr", 1).replace(
        "weight = 1", "weight = 5", 1)).model()
    assert [d.command for d in differences(planned(new), planned(old))] == [
        "ipvsadm -E -t 198.51.100.10:80 -s rr",
        "ipvsadm -e -t 198.51.100.10:80 -r 10.0.0.11:80 -g -w 5",
    ]


def test_a_block_lvsd_cannot_add_and_inactive_servers_build_nothing() -> None:
    config = parse(EXAMPLE.replace("         active = 1\n         weight = 1\n     }\n}",
                                   "         active = 0\n         weight = 1\n     }\n}", 1)
                   ).model()
    table = planned(config)
    assert list(table) == ["TCP 198.51.100.10:80", "FWM 80"]  # shop-https: same mark, fails
    assert list(table["TCP 198.51.100.10:80"].dests) == [("10.0.0.11", 80)]
    assert table["FWM 80"].persistent == 300


def test_a_captured_kernel_table_reads_as_services_and_real_servers(tmp_path: Path) -> None:
    captured = ROOT / "tests" / "data" / "ipvs" / "scenario.proc.txt"
    table = NetInfo(proc_ip_vs=captured, use_netlink=False, hz=100).ipvs().table
    assert table is not None
    read = of_table(table)
    assert read["TCP 192.0.2.10:80"].dests[("198.51.100.12", 80)].weight == 0
    assert read["FWM 80"].persistent is not None
