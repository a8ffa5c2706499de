"""/proc/net/ip_vs read from text captured on a real IPVS kernel (scripts/ipvs_vm/capture.sh)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from piranha_web.errors import NetInfoError
from piranha_web.netinfo import NetInfo
from piranha_web.netinfo.ipvs_model import IpvsDest, IpvsService, IpvsStats, IpvsTable
from piranha_web.netinfo.proc_ip_vs import (
    kernel_hz,
    parse_proc_ip_vs,
    parse_proc_ip_vs_stats,
    read_proc_ip_vs,
)
from tests.conftest import ROOT
from tests.helpers.ipvs_vm import parse_ipvsadm_ln

DATA = ROOT / "tests" / "data" / "ipvs"
DEBIAN_HZ = 250  # CONFIG_HZ of Debian's amd64 kernel, the one the capture ran on


def captured(name: str) -> str:
    return (DATA / name).read_text()


def test_the_empty_table_has_no_services() -> None:
    """IPVS loaded, nothing configured: headers only."""
    assert parse_proc_ip_vs(captured("empty.proc.txt")).services == ()


def test_every_service_and_real_server_matches_ipvsadm() -> None:
    """Addresses, ports, schedulers, forwarding and weights agree with ipvsadm -Ln."""
    table = parse_proc_ip_vs(captured("scenario.proc.txt"), DEBIAN_HZ)
    ours = [(svc.label, svc.scheduler, [(d.label, d.forward, d.weight) for d in svc.dests])
            for svc in table.services]

    expected = parse_ipvsadm_ln(captured("scenario.ipvsadm-Ln.txt"))

    assert sorted(ours) == sorted(expected)
    assert len(ours) == 12


def test_services_are_in_ipvsadm_order() -> None:
    """The kernel lists services in hash order; we list them like ipvsadm -Ln does."""
    table = parse_proc_ip_vs(captured("scenario.proc.txt"))
    expected = [service for service, _, _ in parse_ipvsadm_ln(captured("scenario.ipvsadm-Ln.txt"))]

    assert [svc.label for svc in table.services] == expected


def test_hex_addresses_ports_and_flags_are_decoded() -> None:
    """C000020A:0050 is 192.0.2.10:80; persistence, its mask and the real servers are read."""
    table = parse_proc_ip_vs(captured("scenario.proc.txt"), DEBIAN_HZ)
    by_label = {svc.label: svc for svc in table.services}

    assert by_label["TCP 192.0.2.10:443"] == IpvsService(
        "tcp", "192.0.2.10", 443, 0, "rr", persistent=True, persistence_timeout=300,
        persistence_mask="255.255.255.255",
        dests=(IpvsDest("198.51.100.11", 443, "Route", 5, 0, 0),))
    assert by_label["FWM 80"] == IpvsService(
        "fwm", None, None, 80, "sh", persistent=True, persistence_timeout=3600,
        persistence_mask="255.255.255.0",
        dests=(IpvsDest("198.51.100.31", 0, "Tunnel", 2), IpvsDest("198.51.100.32", 8080,
                                                                  "Tunnel", 1)))
    assert by_label["UDP 192.0.2.20:53"].dests == (
        IpvsDest("198.51.100.21", 5353, "Masq", 3), IpvsDest("198.51.100.22", 5353, "Masq", 1))
    assert by_label["UDP 192.0.2.50:514"].one_packet
    assert not by_label["TCP 192.0.2.10:80"].persistent
    assert [d.weight for d in by_label["TCP 192.0.2.10:80"].dests] == [1, 0]
    assert by_label["TCP [2001:db8::10]:80"].dests[0].address == "2001:db8::11"


def test_persistence_length_is_unknown_without_the_kernels_hz() -> None:
    """The file counts persistence in kernel ticks: no HZ, no seconds (but still persistent)."""
    table = parse_proc_ip_vs(captured("scenario.proc.txt"))
    https = next(svc for svc in table.services if svc.label == "TCP 192.0.2.10:443")

    assert https.persistent and https.persistence_timeout is None


def test_connection_counters_are_read() -> None:
    """ActiveConn and InActConn columns become the real server's counters."""
    text = captured("scenario.proc.txt").replace(
        "  -> C633640B:0050      Route   1      0          0",
        "  -> C633640B:0050      Route   1      17         42")
    web = next(svc for svc in parse_proc_ip_vs(text).services if svc.label == "TCP 192.0.2.10:80")

    assert (web.dests[0].active_conns, web.dests[0].inactive_conns) == (17, 42)


@pytest.mark.parametrize(("line", "problem"), [
    ("XYZ  C000020A:0050 wlc", "unknown protocol"),
    ("TCP  192.0.2.10:80 wlc", "is not an address:port"),
    ("TCP  C000020A:0050 wlc persistent", "unknown service flags"),
    ("  -> C633640B:0050      Teleport 1      0          0", "not a real server line"),
])
def test_text_not_in_the_kernels_format_is_reported_with_its_line(line: str, problem: str) -> None:
    """A changed kernel format must not be read as a wrong table."""
    text = captured("scenario.proc.txt") + line + "\n"
    lines = len(text.splitlines())

    with pytest.raises(NetInfoError, match=rf"line {lines}: .*{re.escape(problem)}"):
        parse_proc_ip_vs(text)


def test_a_real_server_before_any_service_is_an_error() -> None:
    header = captured("empty.proc.txt")
    with pytest.raises(NetInfoError, match="before any service"):
        parse_proc_ip_vs(header + "  -> C633640B:0050      Route   1      0          0\n")


def test_a_missing_file_means_no_ipvs(tmp_path: Path) -> None:
    """No /proc/net/ip_vs: the kernel has no IPVS, which is not an error."""
    assert read_proc_ip_vs(tmp_path / "ip_vs") is None


def test_netinfo_reads_a_given_file_when_netlink_is_not_used() -> None:
    """The fallback path: the table comes from the file, tagged with its source."""
    reading = NetInfo(proc_ip_vs=DATA / "scenario.proc.txt", use_netlink=False,
                      hz=DEBIAN_HZ).ipvs()

    assert isinstance(reading.table, IpvsTable)
    assert reading.table.source == "/proc/net/ip_vs"
    assert len(reading.table.services) == 12


def test_kernel_hz_comes_from_the_boot_config(tmp_path: Path) -> None:
    """CONFIG_HZ is read from /boot/config-<release>, else from /proc/config.gz."""
    (tmp_path / "config-6.1.0-test").write_text("CONFIG_HZ_250=y\nCONFIG_HZ=250\n")
    gz = tmp_path / "config.gz"
    gz.write_bytes(gzip.compress(b"# CONFIG_HZ_250 is not set\nCONFIG_HZ=1000\n"))

    assert kernel_hz("6.1.0-test", boot=tmp_path, proc_config=gz) == 250
    assert kernel_hz("other", boot=tmp_path, proc_config=gz) == 1000
    assert kernel_hz("other", boot=tmp_path, proc_config=tmp_path / "none.gz") is None


#: /proc/net/ip_vs_stats of the IPVS VM (kernel 6.1) before any traffic
STATS_IDLE = """\
   Total Incoming Outgoing         Incoming         Outgoing
   Conns  Packets  Packets            Bytes            Bytes
       0        0        0                0                0

 Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s
       0        0        0                0                0
"""


def test_ip_vs_stats_totals_are_hexadecimal() -> None:
    """The kernel prints the counters with %8LX / %16LX; the rates below are not used."""
    busy = STATS_IDLE.replace(
        "       0        0        0                0                0\n\n",
        "      1E      12C       C8             AFC8            DBBA0\n\n", 1)
    assert parse_proc_ip_vs_stats(STATS_IDLE) == IpvsStats()
    assert parse_proc_ip_vs_stats(busy) == IpvsStats(30, 300, 200, 45000, 900000)


@pytest.mark.parametrize("text", [
    "", "garbage\n", STATS_IDLE.replace("Conns  Packets", "Foo"),
    STATS_IDLE.replace("       0        0        0                0                0\n\n",
                       "       0        0        0\n\n", 1),
    STATS_IDLE.replace("       0        0        0                0                0\n\n",
                       "       0        0        0                0               0x\n\n", 1),
])
def test_ip_vs_stats_in_another_format_is_an_error(text: str) -> None:
    with pytest.raises(NetInfoError, match="not the kernel's format"):
        parse_proc_ip_vs_stats(text)


def test_netinfo_adds_the_totals_to_the_table(tmp_path: Path) -> None:
    stats = tmp_path / "ip_vs_stats"
    stats.write_text(STATS_IDLE.replace("       0        0        0                0 ",
                                        "       5        0        0                0 ", 1))
    info = NetInfo(proc_ip_vs=DATA / "scenario.proc.txt", use_netlink=False, hz=100,
                   proc_ip_vs_stats=stats)
    table = info.ipvs().table
    assert table is not None and table.totals == IpvsStats(5, 0, 0, 0, 0)
    assert table.services[0].stats is None  # /proc/net/ip_vs has no per-service counters
    missing = NetInfo(proc_ip_vs=DATA / "scenario.proc.txt", use_netlink=False, hz=100,
                      proc_ip_vs_stats=tmp_path / "none").ipvs().table
    assert missing is not None and missing.totals is None
    stats.write_text("junk\n")
    with pytest.raises(NetInfoError):
        info.ipvs()
