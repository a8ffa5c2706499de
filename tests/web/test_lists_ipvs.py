"""The lists' live columns against a real IPVS kernel (Debian's, booted under QEMU).

scripts/ipvs_vm/scenario.sh builds the table lvsd and nanny would (virtual web at
192.0.2.10:80: 198.51.100.11 weight 1, 198.51.100.12 quiesced to weight 0); the host's venv
renders the REAL SERVER and VIRTUAL SERVERS lists in the VM reading it through netlink.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.helpers.ipvs_vm import SCRIPTS, shared_job

pytestmark = pytest.mark.vm

JOB = f"""\
set -e
sh /job/scenario.sh
mount -t tmpfs run /host/run
chroot /host /bin/sh -c 'cd {ROOT} && PYTHONDONTWRITEBYTECODE=1 \\
  exec .venv/bin/python -m tests.web.lists_ipvs_guest /tmp/job/result.json'
"""


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    job = shared_job(tmp_path_factory, "ipvs_vm_lists", JOB, SCRIPTS / "scenario.sh")
    found: dict[str, Any] = json.loads(Path(job / "result.json").read_text())
    return found


def test_real_server_list_shows_the_kernels_ipvs_state(result: dict[str, Any]) -> None:
    rs1, rs2 = result["servers"]["rs1"], result["servers"]["rs2"]
    assert (rs1["STATUS"], rs1["IN IPVS"], rs1["CONNECTIONS"]) == ("up", "yes, weight 1", "0 / 0")
    assert (rs2["STATUS"], rs2["IN IPVS"]) == ("up", "yes, weight 0")


def test_virtual_servers_list_counts_real_servers_up(result: dict[str, Any]) -> None:
    assert result["virtuals"]["web"]["LIVE"] == "1 of 2 real servers up"
    assert result["virtuals"]["mail"]["LIVE"] == "inactive"
