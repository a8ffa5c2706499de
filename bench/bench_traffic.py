"""Benchmark of the traffic sampler and /metrics on a 1,000 x 32 IPVS table.

The table is given (this machine's kernel has no IPVS; the IPVS VM test proves the numbers):
1,000 services of 32 real servers, each with counters that grow between readings.  Measured:
one ``TrafficHistory.sample()`` (of the 10 s interval: the share of a core the sampler takes),
the memory its rings hold (tracemalloc), and one ``GET /metrics`` of an app whose lvs.cf names
all of them (time and size of the exposition).  Writes BENCHMARKS.md section "## Traffic".

Run: .venv/bin/python bench/bench_traffic.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._report import write_section  # noqa: E402
from piranha_web.netinfo import IpvsReading, NetInfo  # noqa: E402
from piranha_web.netinfo.ipvs_model import (  # noqa: E402
    IpvsDest,
    IpvsService,
    IpvsStats,
    IpvsTable,
)
from piranha_web.tokens import TokenStore  # noqa: E402
from piranha_web.traffic import INTERVAL, TrafficHistory  # noqa: E402
from tests.web.conftest import build_web  # noqa: E402

SERVICES, SERVERS, SAMPLES = 1000, 32, 40


def address(n: int) -> str:
    return f"192.0.{n // 250}.{n % 250 + 1}"


def table(step: int) -> IpvsTable:
    def stats(k: int) -> IpvsStats:
        return IpvsStats(step * k, step * k * 10, step * k * 8, step * k * 1500, step * k * 9000)

    return IpvsTable.of("netlink", [IpvsService(
        "tcp", address(n), 80, 0, "wlc", stats=stats(SERVERS), dests=tuple(
            IpvsDest(f"10.{n // 250}.{n % 250}.{k + 1}", 80, "Route", 1, 0, 0, stats(k))
            for k in range(SERVERS))) for n in range(SERVICES)])


def lvs_cf() -> str:
    lines = ["serial_no = 1", "primary = 192.0.2.1", "service = lvs", "network = direct"]
    for n in range(SERVICES):
        lines += [f"virtual v{n} {{", "    active = 1", f"    address = {address(n)} eth0:1",
                  "    port = 80", "    protocol = tcp", "    scheduler = wlc"]
        for k in range(SERVERS):
            lines += [f"    server r{k} {{", f"        address = 10.{n // 250}.{n % 250}.{k + 1}",
                      "        active = 1", "        weight = 1", "    }"]
        lines.append("}")
    return "\n".join(lines) + "\n"


class Given(NetInfo):
    def __init__(self, found: IpvsTable) -> None:
        super().__init__()
        self.found = found

    def ipvs(self) -> IpvsReading:
        return IpvsReading(self.found)


def main() -> None:
    tables = [table(step) for step in range(3)]
    readings = iter(tables * SAMPLES)
    history = TrafficHistory(lambda: next(readings))
    times = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        history.sample()
        times.append(time.perf_counter() - started)
    again = iter(tables)
    tracemalloc.start()  # a second history, measured apart (tracemalloc slows everything)
    measured = TrafficHistory(lambda: next(again))
    for _ in tables:
        measured.sample()
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del measured
    web = build_web(Path(tempfile.mkdtemp()), lvs_cf())
    web.services.netinfo = Given(tables[2])
    token = TokenStore(web.state_dir).create("piranha", "bench")[1]
    client = web.app.test_client()
    scrapes, size = [], 0
    for _ in range(3):
        started = time.perf_counter()
        response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        scrapes.append(time.perf_counter() - started)
        size = len(response.data)
    sample = statistics.median(times)
    share = f"{sample / INTERVAL:.1%} at one per {INTERVAL:.0f} s"
    body = f"""\
`bench/bench_traffic.py`: a given IPVS table of {SERVICES:,} services x {SERVERS} real servers
({SERVICES * (SERVERS + 1):,} series offered, {len(history.names()):,} kept, {history.dropped:,}
over the bound).

| measure | value |
|---|---|
| one sample, median of {SAMPLES} | {sample * 1000:.0f} ms ({share} of a core) |
| one sample, slowest | {max(times) * 1000:.0f} ms |
| memory held by the history (tracemalloc) | {held / 1e6:.1f} MB |
| GET /metrics, median of 3 | {statistics.median(scrapes):.2f} s |
| /metrics size | {size / 1e6:.1f} MB |
"""
    print(body)
    write_section("Traffic", body)


if __name__ == "__main__":
    main()
