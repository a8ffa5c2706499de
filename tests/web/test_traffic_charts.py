"""The traffic charts' drawing (pure) and where the pages show them (a given history)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from piranha_web.netinfo.ipvs_model import IpvsDest, IpvsService, IpvsStats, IpvsTable
from piranha_web.traffic import TrafficHistory
from piranha_web.web.traffic_charts import HEIGHT, WIDTH, amount, chart
from tests.web.conftest import Clock, Web, build_web
from tests.web.test_lists import LIVE_BASE
from tests.web.test_metrics import GivenTable

NAN = math.nan
T0 = 1_700_000_000.0


@pytest.mark.parametrize("value, unit, shown", [
    (0, "conn", "0 conn/s"), (2.5, "conn", "2.5 conn/s"), (0.125, "conn", "0.125 conn/s"),
    (999.4, "B", "999 B/s"), (1000, "B", "1 kB/s"), (1536, "B", "1.54 kB/s"),
    (2.5e6, "B", "2.5 MB/s"), (3e9, "B", "3 GB/s"), (NAN, "B", "-"),
])
def test_amounts_are_short(value: float, unit: str, shown: str) -> None:
    assert amount(value, unit) == shown


def test_the_last_hour_fills_the_width_and_the_peak_the_height() -> None:
    times = [T0 + 10 * n for n in range(361)]
    drawn = chart("connections", times, [NAN] + [float(n % 10) for n in range(1, 361)], "conn")
    (points,) = drawn.segments
    pairs = [tuple(map(float, p.split(","))) for p in points.split()]
    assert pairs[0] == pytest.approx((WIDTH / 360, HEIGHT - 1 - 1 * (HEIGHT - 2) / 9), abs=0.05)
    assert pairs[-1] == (WIDTH, HEIGHT - 1)  # 360 % 10 == 0: the baseline, at the right edge
    assert min(y for _, y in pairs) == 1.0  # the peak touches the top
    assert (drawn.latest, drawn.peak) == ("0 conn/s", "9 conn/s")


def test_a_young_history_is_drawn_at_the_right_and_gaps_break_the_line() -> None:
    times = [T0 + 10 * n for n in range(6)]
    drawn = chart("traffic", times, [NAN, 100.0, 200.0, NAN, 50.0, 0.0], "B")
    assert len(drawn.segments) == 2
    first_x = float(drawn.segments[0].split()[0].split(",")[0])
    assert first_x == pytest.approx(WIDTH - 40 / 3600 * WIDTH, abs=0.1)
    assert drawn.description == "traffic over the last hour: now 0 B/s, peak 200 B/s"


def test_a_lone_point_is_a_short_dash_and_nothing_known_is_no_line() -> None:
    lone = chart("connections", [T0, T0 + 10, T0 + 20], [NAN, 3.0, NAN], "conn")
    (segment,) = lone.segments
    assert len(segment.split()) == 2
    empty = chart("connections", [T0, T0 + 10], [NAN, NAN], "conn")
    assert empty.segments == () and empty.description == "connections: no samples yet"
    assert chart("connections", [], [], "conn").segments == ()
    flat = chart("connections", [T0, T0 + 10, T0 + 20], [0.0, 0.0, 0.0], "conn")
    assert flat.segments == (f"{WIDTH - 20 / 3600 * WIDTH:.1f},47.0 "
                             f"{WIDTH - 10 / 3600 * WIDTH:.1f},47.0 {WIDTH:.1f},47.0",)


def sampled_web(tmp_path: Path) -> Web:
    web = build_web(tmp_path, LIVE_BASE)
    readings = iter([(0, 0), (10, 40_000), (30, 100_000)])
    clock = Clock(T0)

    def read() -> IpvsTable:
        conns, moved = next(readings)
        return IpvsTable.of("netlink", [IpvsService("tcp", "192.0.2.10", 80, 0, "wlc", dests=(
            IpvsDest("198.51.100.11", 80, "Route", 1, stats=IpvsStats(conns, 0, 0, moved, 0)),
            IpvsDest("198.51.100.12", 80, "Route", 0, stats=IpvsStats()),
        ), stats=IpvsStats(conns, 0, 0, moved, 0))])

    web.services.traffic = TrafficHistory(read, clock=clock)
    for _ in range(3):
        web.services.traffic.sample()
        clock.advance(10)
    web.services.netinfo = GivenTable(IpvsTable.of("netlink", [
        IpvsService("tcp", "192.0.2.10", 80, 0, "wlc", dests=(
            IpvsDest("198.51.100.11", 80, "Route", 1), IpvsDest("198.51.100.12", 80, "Route", 0)))
    ]))
    return web


def test_control_and_the_real_server_list_show_a_chart_per_service_and_server(
    tmp_path: Path,
) -> None:
    client = sampled_web(tmp_path).client()
    control = client.get("/control/").get_data(as_text=True)
    assert "TRAFFIC, LAST HOUR" in control
    assert control.count('class="spark-line"') == 6  # service, rs1, rs2: connections, bytes
    assert "connections: <span class=\"spark-now\">2 conn/s</span> now" in control
    assert "traffic: <span class=\"spark-now\">6 kB/s</span> now" in control
    servers = client.get("/virtual/servers/?virtual=web").get_data(as_text=True)
    rs1 = re.search(r'<tr id="traffic-rs1">.*?</tr>', servers, re.S)
    rs2 = re.search(r'<tr id="traffic-rs2">.*?</tr>', servers, re.S)
    assert rs1 and "peak <span class=\"spark-peak\">4 kB/s" not in rs1.group(0)
    assert rs1 and "peak <span class=\"spark-peak\">6 kB/s" in rs1.group(0)
    assert rs2 and "0 conn/s</span> now" in rs2.group(0) and "weight 0" in rs2.group(0)
    for page in (control, servers):
        assert not re.search(r"<[^>]+\sstyle=", page)


def test_without_a_sampler_or_samples_the_pages_say_so_or_show_nothing(tmp_path: Path) -> None:
    web = sampled_web(tmp_path)
    web.services.traffic = TrafficHistory(lambda: None)
    client = web.client()
    control = client.get("/control/").get_data(as_text=True)
    assert "TRAFFIC, LAST HOUR" in control and "not sampled yet" in control
    web.services.traffic = None
    assert "TRAFFIC, LAST HOUR" not in client.get("/control/").get_data(as_text=True)
    servers = client.get("/virtual/servers/?virtual=web").get_data(as_text=True)
    assert "server-traffic" not in servers


def test_control_shows_at_most_a_hundred_rows_and_says_how_many_more(tmp_path: Path) -> None:
    """1,000 services of 32 real servers: 100 rows of charts, the rest counted."""
    big = IpvsTable.of("netlink", [IpvsService(
        "tcp", f"192.0.{n // 250}.{n % 250}", 80, 0, "wlc", dests=tuple(
            IpvsDest(f"10.{n // 250}.{n % 250}.{k}", 80, "Route", 1) for k in range(32)))
        for n in range(1000)])
    web = build_web(tmp_path, LIVE_BASE)
    web.services.netinfo = GivenTable(big)
    web.services.traffic = TrafficHistory(lambda: big)
    web.services.traffic.sample()
    page = web.client().get("/control/").get_data(as_text=True)
    table = page[page.index('id="traffic"'):]
    table = table[:table.index("</table>")]
    assert table.count('<tr class="service"') == 4  # 1 + 32 rows each: 4 services begin
    assert table.count('<tr class=') == 100
    assert f"{33_000 - 100} more services and real servers" in page
    assert len(table) < 200_000  # (the IPVS table above it lists every row: not ours)


def test_control_rows_name_the_lvs_cf_blocks(tmp_path: Path) -> None:
    client = sampled_web(tmp_path).client()
    control = client.get("/control/").get_data(as_text=True)
    names = re.findall(r'<tr class="(service|server)" id="traffic-row-\d+"><td>.*?</td>'
                       r'<td>(.*?)</td>', control)
    assert names == [("service", "virtual web"), ("server", "server rs1"),
                     ("server", "server rs2")]
    assert "traffic-more" not in control
