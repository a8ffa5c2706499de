"""The IPVS readers against a real IPVS kernel (Debian's, booted under QEMU by scripts/ipvs_vm).

One VM run per module: scripts/ipvs_vm/scenario.sh builds the table with ipvsadm, then the
host's own venv (shared read-only into the VM) runs tests/netinfo/ipvs_guest.py, which reads
it through pyroute2's IPVS netlink family and through /proc/net/ip_vs, in the VM's root
namespace and in a namespace of its own.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from piranha_web.netinfo import NetInfo
from piranha_web.netinfo.ipvs_model import IpvsDest, IpvsService, IpvsStats, IpvsTable
from piranha_web.netinfo.proc_ip_vs import parse_proc_ip_vs
from tests.conftest import ROOT
from tests.helpers.ipvs_vm import SCRIPTS, parse_ipvsadm_ln, shared_job
from tests.helpers.router_ns import RouterNamespace

pytestmark = pytest.mark.vm

#: a directory under the host's /tmp that the VM must see (the VM's /host/tmp is a tmpfs)
UNDER_TMP = "{under_tmp}"
JOB = f"""\
set -e
cat /host{UNDER_TMP}/marker.txt > /job/marker.txt
sh /job/scenario.sh
cat /proc/net/ip_vs > /job/proc.txt
ipvsadm -Ln > /job/ipvsadm-Ln.txt
mount -t tmpfs run /host/run
chroot /host /bin/sh -c 'cd {ROOT} && PYTHONDONTWRITEBYTECODE=1 \\
  exec .venv/bin/python -m tests.netinfo.ipvs_guest /tmp/job/result.json'
"""


@pytest.fixture(scope="module")
def under_tmp() -> Iterator[Path]:
    """A directory directly under /tmp with a marker file, as a checkout under /tmp would be."""
    with tempfile.TemporaryDirectory(dir="/tmp", prefix="pw-vm-") as directory:  # noqa: S108
        path = Path(directory)
        (path / "marker.txt").write_text("seen from the VM\n")
        yield path


@pytest.fixture(scope="module")
def vm(tmp_path_factory: pytest.TempPathFactory, under_tmp: Path) -> Path:
    """The job directory of one VM run: proc.txt, ipvsadm-Ln.txt, result.json, marker.txt."""
    return shared_job(tmp_path_factory, "ipvs_vm_readers",
                      JOB.replace(UNDER_TMP, str(under_tmp.resolve())),
                      SCRIPTS / "scenario.sh", host_paths=(under_tmp,))


def test_paths_under_the_hosts_tmp_stay_visible_in_the_vm(vm: Path) -> None:
    """The VM mounts a tmpfs over /host/tmp; a checkout under /tmp must not disappear."""
    assert (vm / "marker.txt").read_text() == "seen from the VM\n"


@pytest.fixture(scope="module")
def result(vm: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((vm / "result.json").read_text())
    return found


def table(result: dict[str, Any], source: str) -> IpvsTable:
    """The table the guest wrote as JSON, as dataclasses again."""
    found = result[source]
    assert isinstance(found, dict), found  # a str is the guest's "no IPVS" message
    return IpvsTable(found["source"], tuple(
        IpvsService(**{**svc, "stats": _stats(svc["stats"]), "dests": tuple(
            IpvsDest(**{**d, "stats": _stats(d["stats"])}) for d in svc["dests"])})
        for svc in found["services"]), _stats(found["totals"]))


def _stats(found: dict[str, int] | None) -> IpvsStats | None:
    return IpvsStats(**found) if found is not None else None


def test_netlink_reads_the_table_ipvsadm_shows(vm: Path, result: dict[str, Any]) -> None:
    """Same services, schedulers, real servers, forwarding and weights as ipvsadm -Ln."""
    netlink = table(result, "netlink")
    ours = [(svc.label, svc.scheduler, [(d.label, d.forward, d.weight) for d in svc.dests])
            for svc in netlink.services]

    assert netlink.source == "netlink"
    assert ours == parse_ipvsadm_ln((vm / "ipvsadm-Ln.txt").read_text())


def test_netlink_gives_counters_for_every_service_and_real_server(
    result: dict[str, Any],
) -> None:
    """No traffic in this scenario: every counter is there, and zero (the VM traffic test,
    tests/web/test_traffic_ipvs.py, checks non-zero ones against ipvsadm --stats)."""
    netlink, proc = table(result, "netlink"), table(result, "proc")
    assert all(svc.stats == IpvsStats() for svc in netlink.services)
    assert all(d.stats == IpvsStats() for svc in netlink.services for d in svc.dests)
    assert all(svc.stats is None for svc in proc.services)  # /proc/net/ip_vs has none
    assert netlink.totals == proc.totals == IpvsStats()     # /proc/net/ip_vs_stats


def test_netlink_gives_persistence_in_seconds(result: dict[str, Any]) -> None:
    """ipvsadm -p 300 and -p 3600 -M 255.255.255.0 come back exactly."""
    by_label = {svc.label: svc for svc in table(result, "netlink").services}

    assert by_label["TCP 192.0.2.10:443"].persistence_timeout == 300
    assert by_label["FWM 80"].persistence_timeout == 3600
    assert by_label["FWM 80"].persistence_mask == "255.255.255.0"
    assert by_label["UDP 192.0.2.50:514"].one_packet


def test_netlink_and_proc_ip_vs_agree(result: dict[str, Any]) -> None:
    """Both sources give the same table (the file has no seconds without the kernel's HZ)."""
    proc, netlink = table(result, "proc"), table(result, "netlink")

    assert proc.source == "/proc/net/ip_vs"
    assert [replace(svc, persistence_timeout=None) for svc in proc.services] == [
        replace(svc, persistence_timeout=None) for svc in netlink.services]


def test_the_committed_capture_is_what_the_scenario_produces(vm: Path) -> None:
    """tests/data/ipvs/scenario.proc.txt is reproducible with scripts/ipvs_vm."""
    committed = (ROOT / "tests/data/ipvs/scenario.proc.txt").read_text()

    assert parse_proc_ip_vs((vm / "proc.txt").read_text()) == parse_proc_ip_vs(committed)


def test_a_namespace_has_its_own_table(result: dict[str, Any]) -> None:
    """NetInfo(netns) sees only the service added inside that namespace, by either source."""
    for source in ("netns_netlink", "netns_proc"):
        assert [svc.label for svc in table(result, source).services] == ["TCP 192.0.2.77:8080"]


def test_a_kernel_without_ipvs_says_so_instead_of_failing(tmp_path: Path) -> None:
    """This machine's own kernel: with IPVS, a namespace's table is empty; without (the
    case on these machines), the reading explains that the router cannot do LVS."""
    ns = RouterNamespace.create()
    try:
        reading = NetInfo(ns.name).ipvs()
    finally:
        ns.delete()

    if reading.table is not None:
        assert reading.table.services == ()
    else:
        assert "no IPVS" in reading.message
