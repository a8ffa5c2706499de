"""Run inside the IPVS VM (tests/web/test_maintenance_ipvs.py): MAINTENANCE with real traffic.

The job has built virtual web (192.0.2.10:80, rr, NAT) with rs1 127.0.0.1:8081 and rs2
127.0.0.2:8082, both weight 1.  Two echo servers answer there.  Four connections are opened
and kept (round robin: two to each); then the app's QUIESCE NOW sets rs2's weight to 0 through
netlink: the established connections to rs2 still answer, six new connections all go to rs1,
and the page shows rs2's active connections falling to 0 once they are closed.  DRAIN and
RETURN save lvs.cf; RETURN also gives rs2 its live weight back.  Last, a destination removed
from the table (what a deactivation does once lvsd applies it) drops the packets of an
established connection.  Everything seen is written to argv[1]/result.json.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

from pyroute2 import IPVS, IPVSDest, IPVSService

from piranha_web.lvscf import parse
from piranha_web.netinfo import NetInfo
from tests.web.conftest import build_web, revision_of
from tests.web.traffic_ipvs_guest import LVS_CF

VIP = ("192.0.2.10", 80)


def echo(address: str, port: int) -> None:
    """Answer every line with this server's address, until the client closes."""
    listener = socket.create_server((address, port), backlog=64)

    def serve(conn: socket.socket) -> None:
        with conn:
            while conn.recv(100):
                conn.sendall(f"{address}:{port}\n".encode())

    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def ask(conn: socket.socket) -> str | None:
    """Who answers a line on ``conn`` (None: no answer within 3 s)."""
    conn.sendall(b"x\n")
    conn.settimeout(3)
    try:
        return conn.recv(100).decode().strip() or None
    except TimeoutError:
        return None


def opened() -> tuple[socket.socket, str | None]:
    conn = socket.create_connection(VIP, timeout=5)
    return conn, ask(conn)


def cells(page: str, server: str) -> dict[str, str]:
    """The live cells of the MAINTENANCE row of ``server``."""
    for row in re.findall(r'<tr id="place-\d+".*?</tr>', page, re.S):
        if f"<td>{server}</td>" in row:
            return dict(re.findall(r'<td class="([a-z-]+)">([^<]*)</td>', row))
    return {}


def kernel_weight(address: str) -> int | None:
    table = NetInfo().ipvs().table
    assert table is not None
    return next((d.weight for s in table.services for d in s.dests if d.address == address),
                None)


def main(out: Path) -> None:
    for address, port in (("127.0.0.1", 8081), ("127.0.0.2", 8082)):
        threading.Thread(target=echo, args=(address, port), daemon=True).start()
    time.sleep(0.5)
    web = build_web(Path(tempfile.mkdtemp()), LVS_CF)
    web.services.netinfo = NetInfo()
    client = web.client()
    result: dict[str, object] = {}
    kept = [opened() for _ in range(4)]
    result["first"] = [who for _, who in kept]
    result["before"] = cells(client.get("/maintenance/?q=127.0.0.2").get_data(as_text=True),
                             "rs2")
    quiesced = client.post("/maintenance/quiesce", data={"q": "127.0.0.2"})
    result["quiesce_status"] = quiesced.status_code
    result["weight_after_quiesce"] = kernel_weight("127.0.0.2")
    result["during"] = cells(client.get("/maintenance/?q=127.0.0.2").get_data(as_text=True),
                             "rs2")
    to_rs2 = [conn for conn, who in kept if who == "127.0.0.2:8082"]
    result["established_rs2"] = [ask(conn) for conn in to_rs2]
    fresh = [opened() for _ in range(6)]
    result["new"] = [who for _, who in fresh]
    for conn, _ in kept + fresh:
        conn.close()
    time.sleep(1)
    result["after_close"] = cells(
        client.get("/maintenance/?q=127.0.0.2").get_data(as_text=True), "rs2")
    page = client.get("/maintenance/?q=127.0.0.2").get_data(as_text=True)
    drained = client.post("/maintenance/drain",
                          data={"q": "127.0.0.2", "revision": revision_of(page)})
    result["drain_status"] = drained.status_code
    result["rs2_active_after_drain"] = parse(web.config.read_text()).model().virtual(
        "web").server("rs2").active
    page = client.get("/maintenance/?q=127.0.0.2").get_data(as_text=True)
    returned = client.post("/maintenance/return",
                           data={"address": "127.0.0.2", "revision": revision_of(page)})
    result["return_status"] = returned.status_code
    result["rs2_active_after_return"] = parse(web.config.read_text()).model().virtual(
        "web").server("rs2").active
    result["weight_after_return"] = kernel_weight("127.0.0.2")
    result["file_back"] = web.config.read_text() == LVS_CF.replace("serial_no = 3",
                                                                   "serial_no = 5")

    # removing a destination is not a drain: its established connections lose their packets
    pair = [opened() for _ in range(2)]
    on_rs2 = next(conn for conn, who in pair if who == "127.0.0.2:8082")
    ipvs = IPVS()
    service = IPVSService(addr=VIP[0], port=VIP[1], protocol=socket.IPPROTO_TCP)
    ipvs.dest("del", service=service, dest=IPVSDest(addr="127.0.0.2", port=8082))
    ipvs.close()
    result["removed_answer"] = ask(on_rs2)
    for conn, _ in pair:
        conn.close()
    (out / "result.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
