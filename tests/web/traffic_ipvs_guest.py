"""Run inside the IPVS VM (tests/web/test_traffic_ipvs.py): real traffic through a real IPVS.

The job has built virtual web (192.0.2.10:80, rr, NAT) with rs1 127.0.0.1:8081 and rs2
127.0.0.2:8082, both weight 1.  Here two TCP servers answer on those addresses, the app
samples the kernel's counters (TrafficHistory over NetInfo(), netlink) around three phases:
20 connections (round robin: 10 each), then the job sets rs2's weight to 0 with ipvsadm (what
lvsd does after a DRAIN or weight change), then 10 more connections (all to rs1).  Written to
argv[1]: result.json (series, what each client got, the totals as netlink and
/proc/net/ip_vs_stats give them), metrics.txt (GET /metrics with a token), control.html and
servers.html (the pages with their charts, for the Chromium test) and their CSP header.
"""

from __future__ import annotations

import json
import socket
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

from piranha_web.netinfo import NetInfo
from piranha_web.tokens import TokenStore
from piranha_web.traffic import TrafficHistory
from tests.web.conftest import build_web

LVS_CF = """\
serial_no = 3
primary = 192.0.2.1
service = lvs
network = nat
nat_router = 10.0.0.254 eth1:0
virtual web {
     active = 1
     address = 192.0.2.10 lo:1
     port = 80
     send = "GET / HTTP/1.0\\r\\n\\r\\n"
     expect = "HTTP"
     scheduler = rr
     protocol = tcp
     timeout = 6
     reentry = 15
     server rs1 {
         address = 127.0.0.1
         port = 8081
         active = 1
         weight = 1
     }
     server rs2 {
         address = 127.0.0.2
         port = 8082
         active = 1
         weight = 1
     }
}
"""
#: the kernel copies its per-CPU counters into what netlink reports every 2 s (estimator)
SETTLE = 2.5
REQUEST = b"x" * 1000


def answer(address: str, port: int) -> None:
    """A TCP server that reads a request and answers with its own name, 4 kB long."""
    listener = socket.create_server((address, port), backlog=64)
    while True:
        conn, _ = listener.accept()
        with conn:
            conn.recv(len(REQUEST))
            conn.sendall(f"{address}:{port}\n".encode().ljust(4000, b"."))


def connect(times: int) -> list[str]:
    """``times`` connections to the virtual server; who answered each."""
    answered = []
    for _ in range(times):
        with socket.create_connection(("192.0.2.10", 80), timeout=5) as conn:
            conn.sendall(REQUEST)
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
            answered.append(data.split(b"\n", 1)[0].decode())
    return answered


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.1)


def main(out: Path) -> None:
    for address, port in (("127.0.0.1", 8081), ("127.0.0.2", 8082)):
        threading.Thread(target=answer, args=(address, port), daemon=True).start()
    web = build_web(Path(tempfile.mkdtemp()), LVS_CF)
    netinfo = NetInfo()
    web.services.netinfo = netinfo
    history = TrafficHistory(lambda: netinfo.ipvs().table)
    web.services.traffic = history
    time.sleep(0.5)  # the servers listen
    history.sample()
    first = connect(20)
    time.sleep(SETTLE)
    history.sample()
    (out / "drain").write_text("")
    wait_for(out / "drained")  # the job set rs2's weight to 0
    second = connect(10)
    time.sleep(SETTLE)
    history.sample()
    token = TokenStore(web.state_dir).create("piranha", "prometheus")[1]
    client = web.app.test_client()
    metrics = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    (out / "metrics.txt").write_bytes(metrics.data)
    browser = web.client()
    pages = {"control": browser.get("/control/"),
             "servers": browser.get("/virtual/servers/?virtual=web")}
    for name, page in pages.items():
        (out / f"{name}.html").write_bytes(page.data)
    table = netinfo.ipvs().table
    proc = NetInfo(use_netlink=False).ipvs().table
    result = {
        "first": first, "second": second, "metrics_status": metrics.status_code,
        "csp": pages["control"].headers["Content-Security-Policy"],
        "series": {key: asdict(found) for key in history.names()
                   if (found := history.series(key)) is not None},
        "totals": asdict(table.totals) if table and table.totals else None,
        "proc_totals": asdict(proc.totals) if proc and proc.totals else None,
    }
    (out / "result.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
