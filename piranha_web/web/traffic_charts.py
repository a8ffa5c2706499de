"""Small traffic charts (connections and bytes per second, last hour) drawn on the server.

Templates call ``traffic(key)`` (key: :func:`piranha_web.traffic.service_key` or
:func:`~piranha_web.traffic.dest_key`) or ``traffic_of_server(virtual, dest)`` and render
the answer with ``templates/traffic/_chart.html``: an inline SVG of polylines whose points are
computed here, so the charts need no script and no style attribute (CSP).  The time axis is
the last hour ending at the newest sample, so a history younger than an hour fills only the
right-hand part; a NaN (no sample, no counters) breaks the line.  :func:`chart` is pure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from flask import Flask

from piranha_web.errors import NotFoundError, ParseError
from piranha_web.netinfo.ipvs_diff import Comparison
from piranha_web.netinfo.ipvs_model import IpvsDest
from piranha_web.traffic import SLOTS, Series, dest_key, service_key
from piranha_web.web.services import EXTENSION_KEY, services

WIDTH, HEIGHT = 240, 48
#: seconds shown (the sampler's hour)
WINDOW = 3600.0
#: rows of charts on CONTROL/MONITORING at most (each real server's list has the rest)
CONTROL_ROWS = 100


@dataclass(frozen=True)
class Chart:
    """One chart: ``segments`` are polyline ``points`` attributes (a gap between two)."""

    title: str
    segments: tuple[str, ...]
    latest: str
    peak: str
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def description(self) -> str:
        """The chart in words (the SVG's title, read by screen readers)."""
        if not self.segments:
            return f"{self.title}: no samples yet"
        return f"{self.title} over the last hour: now {self.latest}, peak {self.peak}"


@dataclass(frozen=True)
class Traffic:
    """The two charts of one service or real server."""

    conns: Chart
    bytes: Chart


def amount(value: float, unit: str) -> str:
    """``0 /s``, ``2.5 /s``, ``12 k/s``, ``1.5 MB/s``: three significant figures at most."""
    if math.isnan(value):
        return "-"
    for factor, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{_short(value / factor)} {prefix}{unit}/s"
    return f"{_short(value)} {unit}/s"


def _short(value: float) -> str:
    if value >= 100 or value == int(value):
        return str(round(value))
    return f"{value:.3g}"


def chart(title: str, times: Sequence[float], values: Sequence[float], unit: str) -> Chart:
    """A chart of ``values`` at ``times`` over the hour ending at the last time."""
    known = [v for v in values if not math.isnan(v)]
    if not times or not known:
        return Chart(title, (), "-", "-")
    peak = max(known)
    scale = (HEIGHT - 2) / peak if peak > 0 else 0.0
    start = times[-1] - WINDOW
    segments: list[str] = []
    current: list[str] = []
    for when, value in zip(times, values, strict=True):
        if math.isnan(value) or math.isnan(when):
            if current:
                segments.append(" ".join(current))
            current = []
            continue
        x = max(0.0, (when - start) / WINDOW * WIDTH)
        y = HEIGHT - 1 - value * scale
        current.append(f"{x:.1f},{y:.1f}")
    if current:
        segments.append(" ".join(current))
    # a single point draws nothing: make it a short dash
    segments = [s if " " in s else f"{s} {_nudged(s)}" for s in segments]
    return Chart(title, tuple(segments), amount(values[-1], unit), amount(peak, unit))


def _nudged(point: str) -> str:
    x, y = point.split(",")
    return f"{max(0.0, float(x) - WIDTH / SLOTS):.1f},{y}"


def traffic(key: str) -> Traffic | None:
    """The charts of series ``key``; None when traffic is not sampled or ``key`` is not."""
    history = services().traffic
    found: Series | None = history.series(key) if history is not None else None
    if found is None:
        return None
    return Traffic(chart("connections", found.times, found.conns, "conn"),
                   chart("traffic", found.times, found.bytes, "B"))


@dataclass(frozen=True)
class Row:
    """One row of CONTROL/MONITORING's traffic table: a service or one of its real servers."""

    kind: str  # "service" or "server"
    label: str  # the kernel's: "TCP 192.0.2.10:80" or "198.51.100.11:80"
    name: str  # lvs.cf's: "virtual web", "server rs1", or ""
    key: str  # the series name


def control_rows(comparison: Comparison, limit: int = CONTROL_ROWS) -> tuple[list[Row], int]:
    """The first ``limit`` rows (services with their real servers) of the kernel's table, and
    how many more there are (a page of charts stays small whatever the table holds)."""
    rows: list[Row] = []
    total = 0
    for check in comparison.services:
        svc = check.service
        if svc is None:
            continue
        total += 1 + len(svc.dests)
        if len(rows) >= limit:
            continue
        rows.append(Row("service", check.label,
                        f"virtual {check.virtual}" if check.virtual else "", service_key(svc)))
        names = {(s.dest.address, s.dest.port): s.server for s in check.servers
                 if s.dest is not None and s.server is not None}
        for dest in svc.dests[:limit - len(rows)]:
            name = names.get((dest.address, dest.port))
            rows.append(Row("server", dest.label, f"server {name}" if name else "",
                            dest_key(svc, dest)))
    return rows, total - len(rows)


def traffic_of_server(virtual: str, dest: IpvsDest) -> Traffic | None:
    """The charts of real server ``dest`` of lvs.cf's virtual server ``virtual``."""
    try:
        vs = services().store.load().document.model().virtual(virtual)
    except (NotFoundError, ParseError):
        return None
    service = f"FWM {vs.fwmark}" if vs.fwmark else f"{vs.protocol.upper()} {vs.address}:{vs.port}"
    return traffic(f"{service} -> {dest.label}")


def sampling() -> bool:
    """Whether this app samples traffic at all (``serve`` does; test apps may not)."""
    return services().traffic is not None


def start_sampling(app: Flask) -> None:
    """Start ``app``'s traffic sampler, if it has one (``serve`` calls this)."""
    history = app.extensions[EXTENSION_KEY].traffic
    if history is not None:
        history.start()


def install(app: Flask) -> None:
    """Make ``traffic(key)`` and ``traffic_sampled()`` template globals."""
    app.jinja_env.globals.update(traffic=traffic, traffic_of_server=traffic_of_server,
                                 traffic_sampled=sampling, traffic_rows=control_rows)
