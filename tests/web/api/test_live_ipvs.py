"""GET /virtual-servers/NAME/live against a real IPVS kernel (Debian's, booted under QEMU).

scripts/ipvs_vm/scenario.sh builds the table lvsd and nanny would (virtual web at
192.0.2.10:80: 198.51.100.11 weight 1, 198.51.100.12 quiesced to weight 0).
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
  exec .venv/bin/python -m tests.web.api.live_ipvs_guest /tmp/job/result.json'
"""


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    job = shared_job(tmp_path_factory, "ipvs_vm_api_live", JOB, SCRIPTS / "scenario.sh")
    found: dict[str, Any] = json.loads(Path(job / "result.json").read_text())
    return found


def test_the_live_state_is_the_kernels(result: dict[str, Any]) -> None:
    web = result["web"]
    assert web["readable"] is True and web["problem"] is None
    assert (web["up"], web["watched"]) == (1, 2)
    servers = {s["name"]: s for s in web["real_servers"]}
    assert (servers["rs1"]["in_ipvs"], servers["rs1"]["weight"]) == (True, 1)
    assert (servers["rs2"]["in_ipvs"], servers["rs2"]["weight"]) == (True, 0)
    assert servers["rs1"]["active_connections"] == 0


def test_an_inactive_virtual_server_is_not_in_the_kernel(result: dict[str, Any]) -> None:
    mail = result["mail"]
    assert mail["readable"] is True and mail["up"] is None and mail["watched"] is None
    assert mail["real_servers"] == []  # lvs.cf's mail has none
