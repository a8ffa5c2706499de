"""MAINTENANCE against a real IPVS kernel with real connections (Debian's, in QEMU).

tests/web/maintenance_ipvs_guest.py (run in the VM by the job below) keeps connections open
through virtual web (192.0.2.10:80, round robin, NAT to two local echo servers), presses QUIESCE
NOW for rs2 (weight 0 through netlink), DRAIN and RETURN, and removes a destination by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.helpers.ipvs_vm import shared_job

pytestmark = pytest.mark.vm

JOB = f"""\
set -e
ip addr add 192.0.2.10/32 dev lo
ipvsadm -A -t 192.0.2.10:80 -s rr
ipvsadm -a -t 192.0.2.10:80 -r 127.0.0.1:8081 -m -w 1
ipvsadm -a -t 192.0.2.10:80 -r 127.0.0.2:8082 -m -w 1
cat /proc/sys/net/ipv4/vs/expire_nodest_conn > /job/expire_nodest_conn
mount -t tmpfs run /host/run
chroot /host /bin/sh -c 'cd {ROOT} && PYTHONDONTWRITEBYTECODE=1 \\
  exec .venv/bin/python -m tests.web.maintenance_ipvs_guest /tmp/job'
ipvsadm -Ln > /job/ipvsadm.txt
"""
RS1, RS2 = "127.0.0.1:8081", "127.0.0.2:8082"


@pytest.fixture(scope="module")
def vm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_job(tmp_path_factory, "ipvs_vm_maintenance", JOB)


@pytest.fixture(scope="module")
def result(vm: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((vm / "result.json").read_text())
    return found


def test_the_page_shows_the_kernels_weight_and_connections(result: dict[str, Any]) -> None:
    assert sorted(result["first"]) == [RS1, RS1, RS2, RS2]
    assert result["before"]["live-weight"] == "1"
    assert result["before"]["active-conns"] == "2"


def test_quiesce_sets_weight_0_live_and_established_connections_go_on(
        result: dict[str, Any]) -> None:
    assert result["quiesce_status"] == 303
    assert result["weight_after_quiesce"] == 0
    assert result["during"]["live-weight"] == "0"
    assert result["during"]["active-conns"] == "2"
    assert result["established_rs2"] == [RS2, RS2]  # they still answer


def test_no_new_connection_reaches_a_quiesced_server(result: dict[str, Any]) -> None:
    assert result["new"] == [RS1] * 6


def test_connections_fall_to_zero_once_closed(result: dict[str, Any]) -> None:
    assert result["after_close"]["active-conns"] == "0"


def test_drain_and_return_save_and_return_gives_the_live_weight_back(
        result: dict[str, Any]) -> None:
    assert (result["drain_status"], result["rs2_active_after_drain"]) == (303, False)
    assert (result["return_status"], result["rs2_active_after_return"]) == (303, True)
    assert result["weight_after_return"] == 1
    assert result["file_back"] is True


def test_removing_a_destination_drops_its_established_connections(
        vm: Path, result: dict[str, Any]) -> None:
    assert (vm / "expire_nodest_conn").read_text().strip() == "0"
    assert result["removed_answer"] is None
    assert "127.0.0.2:8082" not in (vm / "ipvsadm.txt").read_text()
