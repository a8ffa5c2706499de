"""TrafficHistory: rates between readings, gaps, a bounded ring and a bounded number of series.

The kernel is replaced by a list of tables (these are tests of the arithmetic and the bounds);
the IPVS VM test (tests/web/test_traffic_ipvs.py) reads real counters.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence

import pytest

from piranha_web.errors import NetInfoError
from piranha_web.netinfo.ipvs_model import IpvsDest, IpvsService, IpvsStats, IpvsTable
from piranha_web.traffic import TrafficHistory, dest_key, service_key
from tests.web.conftest import Clock

SVC = "TCP 192.0.2.10:80"
RS1, RS2 = f"{SVC} -> 198.51.100.11:80", f"{SVC} -> 198.51.100.12:80"


def table(rs1: tuple[int, int] | None, rs2: tuple[int, int] | None = (0, 0),
          port: int = 80) -> IpvsTable:
    """A service with real servers whose (connections, bytes in) counters are given."""
    dests = []
    for address, counters in (("198.51.100.11", rs1), ("198.51.100.12", rs2)):
        if counters is not None:
            dests.append(IpvsDest(address, 80, "Route", 1, stats=IpvsStats(
                counters[0], 0, 0, counters[1], 0)))
    conns = sum(d.stats.conns for d in dests if d.stats)
    moved = sum(d.stats.in_bytes for d in dests if d.stats)
    return IpvsTable.of("netlink", [IpvsService("tcp", "192.0.2.10", port, 0, "wlc",
                                                dests=tuple(dests),
                                                stats=IpvsStats(conns, 0, 0, moved, 0))])


def history(tables: Sequence[IpvsTable | None | Exception], clock: Clock, **options: int,
            ) -> tuple[TrafficHistory, Callable[..., None]]:
    readings = iter(tables)

    def read() -> IpvsTable | None:
        found = next(readings)
        if isinstance(found, Exception):
            raise found
        return found

    made = TrafficHistory(read, clock=clock, **options)

    def sample(times: int = 1) -> None:
        for _ in range(times):
            made.sample()
            clock.advance(10)

    return made, sample


def rates(values: tuple[float, ...]) -> list[float | None]:
    return [None if math.isnan(v) else round(v, 3) for v in values]


def test_rates_are_the_counters_change_over_the_time_between_readings() -> None:
    clock = Clock()
    made, sample = history([table((0, 0)), table((10, 5000)), table((10, 5000)),
                            table((40, 8000))], clock)
    sample(4)
    rs1 = made.series(RS1)
    assert rs1 is not None
    assert rates(rs1.conns) == [None, 1.0, 0.0, 3.0]
    assert rates(rs1.bytes) == [None, 500.0, 0.0, 300.0]
    assert rs1.times == (1_700_000_000.0, 1_700_000_010.0, 1_700_000_020.0, 1_700_000_030.0)
    service = made.series(SVC)
    assert service is not None and rates(service.conns) == [None, 1.0, 0.0, 3.0]
    assert sorted(made.names()) == [SVC, RS1, RS2]


def test_names_are_the_kernels_labels() -> None:
    svc = table((0, 0)).services[0]
    assert service_key(svc) == SVC
    assert dest_key(svc, svc.dests[0]) == RS1


def test_a_missing_reading_a_reset_counter_or_no_counters_leave_gaps() -> None:
    clock = Clock()
    no_counters = IpvsTable.of("/proc/net/ip_vs", [IpvsService(
        "tcp", "192.0.2.10", 80, 0, "wlc", dests=(IpvsDest("198.51.100.11", 80, "Route", 1),))])
    made, sample = history([
        table((0, 0)), table((5, 50)),
        NetInfoError("netlink", "boom"),     # unreadable: a gap
        table((10, 100)), table((12, 120)),  # the rate starts again after the gap
        table((1, 10)),                      # deleted and added again: counters went back
        table((2, 20)),
        None,                                # no IPVS at all
        no_counters,                         # /proc/net/ip_vs: no counters
        table((3, 30)), table((4, 40)),
    ], clock)
    sample(11)
    rs1 = made.series(RS1)
    assert rs1 is not None
    assert rates(rs1.conns) == [None, 0.5, None, None, 0.2, None, 0.1, None, None, None, 0.1]


def test_a_real_server_gone_and_back_starts_again_and_is_forgotten_after_an_hour() -> None:
    clock = Clock()
    made, sample = history([table((0, 0), (0, 0)), table((1, 0), None), table((2, 0), (5, 0)),
                            table((3, 0), (6, 0))] + [table((3, 0), None)] * 4, clock, slots=4)
    sample(4)
    rs2 = made.series(RS2)
    assert rs2 is not None and rates(rs2.conns) == [None, None, None, 0.1]
    sample(3)
    assert made.series(RS2) is not None  # absent for 3 of 4 slots: kept
    sample(1)
    assert made.series(RS2) is None and made.series(RS1) is not None


def test_the_ring_keeps_only_the_last_hour() -> None:
    clock = Clock()
    made, sample = history([table((n * n, 0)) for n in range(10)], clock, slots=4)
    sample(10)
    rs1 = made.series(RS1)
    assert rs1 is not None
    assert rates(rs1.conns) == [1.1, 1.3, 1.5, 1.7]  # (n*n - (n-1)^2) / 10 for n = 6..9
    assert rs1.times[0] == 1_700_000_060.0 and len(rs1.times) == 4


def test_series_beyond_the_bound_are_not_kept_and_counted() -> None:
    clock = Clock()
    made, sample = history([table((0, 0)), table((1, 0))], clock, max_series=2)
    sample(2)
    assert sorted(made.names()) == [SVC, RS1]
    assert made.dropped == 1 and made.series(RS2) is None


def test_memory_is_bounded_by_the_series_and_slots_whatever_the_table() -> None:
    """2,048 series of 360 slots: the rings' arrays hold 2 x 4 bytes a slot, 6 MB in all."""
    big = IpvsTable.of("netlink", [IpvsService(
        "tcp", f"192.0.{n // 250}.{n % 250}", 80, 0, "wlc", stats=IpvsStats(),
        dests=tuple(IpvsDest(f"10.{n // 250}.{n % 250}.{k}", 80, "Route", 1, stats=IpvsStats())
                    for k in range(32))) for n in range(1000)])
    clock = Clock()
    made, sample = history([big], clock)
    sample()
    assert len(made.names()) == 2048 and made.dropped == 33_000 - 2048
    rings = made._rings.values()  # noqa: SLF001 (measuring the storage itself)
    stored = sum(sys.getsizeof(r.conns) + sys.getsizeof(r.bytes) for r in rings)
    assert stored < 2048 * 2 * (360 * 4 + 100)


def test_sampling_thread_samples_until_stopped() -> None:
    seen: list[int] = []

    def read() -> IpvsTable:
        seen.append(1)
        if len(seen) == 3:
            raise RuntimeError("a bug in a reader does not stop sampling")
        return table((len(seen), 0))

    made = TrafficHistory(read, interval=0.01)
    made.start()
    made.start()  # once only
    while len(seen) < 5:
        time.sleep(0.01)
    made.stop()
    count = len(seen)
    assert made.series(RS1) is not None
    assert made._thread is not None and not made._thread.is_alive()  # noqa: SLF001
    assert len(seen) == count


@pytest.mark.parametrize("slots", [1, 2])
def test_tiny_rings_still_work(slots: int) -> None:
    clock = Clock()
    made, sample = history([table((0, 0)), table((10, 0)), table((30, 0))], clock, slots=slots)
    sample(3)
    rs1 = made.series(RS1)
    assert rs1 is not None and len(rs1.conns) == slots
    if slots == 2:
        assert rates(rs1.conns) == [1.0, 2.0]
