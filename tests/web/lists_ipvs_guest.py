"""Run inside the IPVS VM (tests/web/test_lists_ipvs.py): render both lists against the VM's
real IPVS table (built by scripts/ipvs_vm/scenario.sh) read through netlink; write the cells
of the live columns as JSON to argv[1]."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from piranha_web.netinfo import NetInfo
from tests.web.conftest import build_web, headings, row_cells
from tests.web.test_lists import LIVE_BASE


def cells(page: str, name: str) -> dict[str, str]:
    return dict(zip(headings(page)[1:], row_cells(page, name), strict=True))


def main(out: str) -> None:
    web = build_web(Path(tempfile.mkdtemp()), LIVE_BASE)
    web.services.netinfo = NetInfo()
    client = web.client()
    servers = client.get("/virtual/servers/?virtual=web").get_data(as_text=True)
    virtuals = client.get("/virtual/").get_data(as_text=True)
    result = {
        "servers": {name: cells(servers, name) for name in ("rs1", "rs2")},
        "virtuals": {name: cells(virtuals, name) for name in ("web", "mail")},
    }
    with open(out, "w") as fh:
        json.dump(result, fh)


if __name__ == "__main__":
    main(sys.argv[1])
