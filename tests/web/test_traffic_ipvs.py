"""Metrics and traffic charts against a real IPVS kernel with real traffic (Debian's, in QEMU).

tests/web/traffic_ipvs_guest.py (run in the VM by the job below) sends connections through
virtual web (192.0.2.10:80, round robin, NAT to two local servers), the job drains rs2 with
ipvsadm between two rounds, then records ``ipvsadm -Ln --stats --exact`` and
/proc/net/ip_vs_stats: /metrics must say exactly what ipvsadm says, and the charts must show
rs2 taking no more connections after the drain.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from piranha_web.netinfo.proc_ip_vs import parse_proc_ip_vs_stats
from tests.conftest import ROOT
from tests.helpers.ipvs_vm import shared_job

pytestmark = pytest.mark.vm

JOB = f"""\
set -e
ip addr add 192.0.2.10/32 dev lo
ipvsadm -A -t 192.0.2.10:80 -s rr
ipvsadm -a -t 192.0.2.10:80 -r 127.0.0.1:8081 -m -w 1
ipvsadm -a -t 192.0.2.10:80 -r 127.0.0.2:8082 -m -w 1
mount -t tmpfs run /host/run
chroot /host /bin/sh -c 'cd {ROOT} && PYTHONDONTWRITEBYTECODE=1 \\
  exec .venv/bin/python -m tests.web.traffic_ipvs_guest /tmp/job' &
guest=$!
while [ ! -f /job/drain ] && kill -0 $guest 2>/dev/null; do sleep 1; done
[ -f /job/drain ]
ipvsadm -e -t 192.0.2.10:80 -r 127.0.0.2:8082 -m -w 0
touch /job/drained
wait $guest
ipvsadm -Ln --stats --exact > /job/ipvsadm-stats.txt
cat /proc/net/ip_vs_stats > /job/ip_vs_stats.txt
"""
SERVICE = "TCP 192.0.2.10:80"


@pytest.fixture(scope="module")
def vm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_job(tmp_path_factory, "ipvs_vm_traffic", JOB)


@pytest.fixture(scope="module")
def result(vm: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((vm / "result.json").read_text())
    return found


def ipvsadm_stats(text: str) -> dict[str, tuple[int, ...]]:
    """``ipvsadm -Ln --stats --exact``: service or real server -> (conns, inpkts, outpkts,
    inbytes, outbytes)."""
    found = {}
    for line in text.splitlines()[3:]:
        words = line.split()
        name = words[1] if words[0] == "->" else f"{words[0]} {words[1]}"
        found[name] = tuple(int(w) for w in words[2:7])
    return found


def metrics(vm: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = (vm / "metrics.txt").read_text()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_round_robin_then_drain_sent_the_traffic_where_expected(result: dict[str, Any]) -> None:
    assert sorted(set(result["first"])) == ["127.0.0.1:8081", "127.0.0.2:8082"]
    assert result["first"].count("127.0.0.2:8082") == 10
    assert result["second"] == ["127.0.0.1:8081"] * 10  # weight 0: no new connections


def test_metrics_equal_ipvsadm_for_every_real_server_and_the_service(vm: Path,
                                                                     result: dict[str, Any]
                                                                     ) -> None:
    assert result["metrics_status"] == 200
    kernel = ipvsadm_stats((vm / "ipvsadm-stats.txt").read_text())
    scraped = metrics(vm)
    names = ("connections_total", "in_packets_total", "out_packets_total", "in_bytes_total",
             "out_bytes_total")
    for server, address in (("rs1", "127.0.0.1:8081"), ("rs2", "127.0.0.2:8082")):
        labels = tuple(sorted({"virtual": "web", "server": server, "service": SERVICE,
                               "real_server": address}.items()))
        ours = tuple(scraped[(f"piranha_web_ipvs_real_server_{n}", labels)] for n in names)
        assert ours == kernel[address], server
    service = tuple(sorted({"virtual": "web", "service": SERVICE}.items()))
    assert tuple(scraped[(f"piranha_web_ipvs_virtual_{n}", service)] for n in names) == \
        kernel[SERVICE]
    assert kernel["127.0.0.1:8081"][0] == 20 and kernel["127.0.0.2:8082"][0] == 10
    assert kernel["127.0.0.1:8081"][3] >= 20 * 1000  # the requests' bytes came through
    rs2 = tuple(sorted({"virtual": "web", "server": "rs2", "service": SERVICE,
                        "real_server": "127.0.0.2:8082"}.items()))
    assert scraped[("piranha_web_ipvs_real_server_weight", rs2)] == 0
    assert scraped[("piranha_web_config_serial", ())] == 3


def test_totals_equal_proc_net_ip_vs_stats(vm: Path, result: dict[str, Any]) -> None:
    proc = parse_proc_ip_vs_stats((vm / "ip_vs_stats.txt").read_text())
    scraped = metrics(vm)
    assert scraped[("piranha_web_ipvs_connections_total", ())] == proc.conns == 30
    assert scraped[("piranha_web_ipvs_in_bytes_total", ())] == proc.in_bytes
    assert result["totals"] == result["proc_totals"]  # netlink or not: the same file


def test_the_charts_data_shows_what_the_drain_did(result: dict[str, Any]) -> None:
    rs1 = result["series"][f"{SERVICE} -> 127.0.0.1:8081"]
    rs2 = result["series"][f"{SERVICE} -> 127.0.0.2:8082"]
    service = result["series"][SERVICE]
    assert math.isnan(rs1["conns"][0])  # the first reading has nothing to compare with
    assert rs1["conns"][1] > 0 and rs2["conns"][1] > 0  # round robin: both
    assert rs1["conns"][2] > 0 and rs2["conns"][2] == 0  # drained: rs1 only
    assert service["conns"][2] == pytest.approx(rs1["conns"][2])
    assert rs1["bytes"][2] > 0 and rs2["bytes"][2] == 0


def test_the_pages_draw_the_charts_without_script_or_style_attributes(vm: Path) -> None:
    control = (vm / "control.html").read_text()
    servers = (vm / "servers.html").read_text()
    assert 'id="traffic"' in control and control.count('class="spark-line"') >= 3
    assert 'id="server-traffic"' in servers
    for name in ("rs1", "rs2"):
        row = re.search(rf'<tr id="traffic-{name}">.*?</tr>', servers, re.S)
        assert row is not None and 'class="spark-line"' in row.group(0), name
    for page in (control, servers):
        assert not re.search(r"<[^>]+\sstyle=", page) and "<script>" not in page
