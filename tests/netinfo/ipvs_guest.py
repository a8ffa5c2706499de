"""Run inside the IPVS VM (tests/netinfo/test_ipvs_netlink.py): read the table every way.

Writes JSON to argv[1]: the host namespace's table through netlink and through
/proc/net/ip_vs, then the same for a network namespace ``pwnivm`` created here that holds one
service added through pyroute2 in that namespace only.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from typing import Any

from pyroute2 import IPVS, IPVSService

from piranha_web.netinfo import NetInfo
from piranha_web.netinfo.ipvs_netlink import NETLINK_GENERIC
from piranha_web.netinfo.netns import netlink_socket


def reading(info: NetInfo) -> dict[str, Any] | str:
    found = info.ipvs()
    return asdict(found.table) if found.table is not None else found.message


def main(out: str) -> None:
    results = {"netlink": reading(NetInfo()), "proc": reading(NetInfo(use_netlink=False))}
    subprocess.run(["ip", "netns", "add", "pwnivm"], check=True)
    ipvs = IPVS(use_socket=netlink_socket("pwnivm", NETLINK_GENERIC))
    try:
        ipvs.service("add", service=IPVSService(addr="192.0.2.77", port=8080, protocol=6,
                                                sched_name="rr"))
    finally:
        ipvs.close()
    results["netns_netlink"] = reading(NetInfo("pwnivm"))
    results["netns_proc"] = reading(NetInfo("pwnivm", use_netlink=False))
    with open(out, "w") as fh:
        json.dump(results, fh)


if __name__ == "__main__":
    main(sys.argv[1])
