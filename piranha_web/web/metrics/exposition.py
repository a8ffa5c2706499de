"""The metric families of ``/metrics``, from what the tool knows (pure: no I/O here).

:func:`families` turns a :class:`Snapshot` (gathered by the view) into ``prometheus_client``
metric families, written in Prometheus' text format by ``generate_latest``.  Names follow
Prometheus' conventions: the ``piranha_web_`` prefix, units in the name (``_seconds``,
``_bytes``), counters ending in ``_total``.  IPVS numbers are labelled with lvs.cf's names
(``virtual``, ``server``; empty for a service or real server the kernel has and lvs.cf does
not) and the kernel's identity (``service`` ``TCP 192.0.2.10:80``, ``real_server``
``198.51.100.11:80``), so a series survives neither a rename nor a new address unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from piranha_web.lvscf.finding import Finding
from piranha_web.lvscf.model import Config
from piranha_web.monitor.verdict import Verdict
from piranha_web.netinfo.ipvs_diff import Comparison, ServerCheck, ServiceCheck
from piranha_web.netinfo.ipvs_model import IpvsStats, IpvsTable
from piranha_web.sync.outcome import SyncOutcome

SERVICE_LABELS = ["virtual", "service"]
SERVER_LABELS = ["virtual", "server", "service", "real_server"]
#: IpvsStats field -> (metric name part, help)
_COUNTERS = (
    ("conns", "connections", "Connections scheduled"),
    ("in_packets", "in_packets", "Packets in (client to real server)"),
    ("out_packets", "out_packets", "Packets out (real server to client)"),
    ("in_bytes", "in_bytes", "Bytes in (client to real server)"),
    ("out_bytes", "out_bytes", "Bytes out (real server to client)"),
)

#: IpvsDest field -> (metric name part, help)
_GAUGES = (
    ("weight", "weight", "The real server's weight in the kernel (0: quiesced or drained)."),
    ("active_conns", "active_connections", "Active (established) connections to the real "
     "server."),
    ("inactive_conns", "inactive_connections", "Inactive connections to the real server."),
)


@dataclass(frozen=True)
class Snapshot:
    """What one scrape reports.

    ``config``: lvs.cf's model (None when it cannot be read); ``findings``: of the file on
    disk; ``sync``: None when this app copies to no backup router, else the last attempt
    (``last``, None before the first); ``table``/``comparison``: the IPVS table and its
    comparison with lvs.cf (None when there is none); ``verdict(virtual, server)``: the last
    CHECK NOW verdict of a real server, if any; ``extra``: further families (the app's
    request and save histograms).
    """

    config: Config | None
    findings: Sequence[Finding]
    sync: tuple[SyncOutcome | None] | None
    table: IpvsTable | None
    comparison: Comparison | None
    verdict: Callable[[str, str], Verdict | None]
    extra: Iterable[Metric] = ()


def families(snap: Snapshot) -> Iterator[Metric]:
    """Every metric family of ``snap``."""
    yield from _config(snap)
    yield from _sync(snap)
    yield from _ipvs(snap)
    yield from snap.extra


def _config(snap: Snapshot) -> Iterator[Metric]:
    readable = GaugeMetricFamily("piranha_web_config_readable",
                                 "1 when lvs.cf can be read and parsed, else 0.")
    readable.add_metric([], 1 if snap.config is not None else 0)
    yield readable
    if snap.config is not None:
        serial = GaugeMetricFamily("piranha_web_config_serial",
                                   "lvs.cf's serial_no (bumped by every save).")
        serial.add_metric([], snap.config.globals.serial_no)
        yield serial
    findings = GaugeMetricFamily("piranha_web_config_findings",
                                 "Findings in lvs.cf (piranha-web check), by severity.",
                                 labels=["severity"])
    for severity in ("error", "warning"):
        findings.add_metric([severity], sum(f.severity == severity for f in snap.findings))
    yield findings


def _sync(snap: Snapshot) -> Iterator[Metric]:
    if snap.sync is None:
        return
    (last,) = snap.sync
    attempted = GaugeMetricFamily("piranha_web_sync_attempted",
                                  "1 once lvs.cf was copied (or tried) to the backup router.")
    attempted.add_metric([], 0 if last is None else 1)
    yield attempted
    if last is None:
        return
    success = GaugeMetricFamily("piranha_web_sync_last_success",
                                "1 when the last copy to the backup router succeeded (or "
                                "had nothing to do), else 0.")
    success.add_metric([], 1 if last.ok else 0)
    yield success
    when = GaugeMetricFamily("piranha_web_sync_last_timestamp_seconds",
                             "When the last copy to the backup router was attempted.")
    when.add_metric([], last.time)
    yield when
    ready = GaugeMetricFamily("piranha_web_backup_ready",
                              "1 when the backup router has exactly this lvs.cf (verified by "
                              "the last copy), else 0.")
    ready.add_metric([], 1 if last.ok and not last.skipped else 0)
    yield ready


def _ipvs(snap: Snapshot) -> Iterator[Metric]:
    up = GaugeMetricFamily("piranha_web_ipvs_readable",
                           "1 when this router's IPVS table could be read, else 0.")
    up.add_metric([], 1 if snap.table is not None else 0)
    yield up
    if snap.table is None or snap.comparison is None:
        return
    if snap.table.totals is not None:
        yield from _stats_families("piranha_web_ipvs", "of all services together", [],
                                   [([], snap.table.totals)])
    services = [s for s in snap.comparison.services if s.service is not None]
    yield from _stats_families(
        "piranha_web_ipvs_virtual", "of the virtual service", SERVICE_LABELS,
        [(_service_labels(s), s.service.stats) for s in services
         if s.service is not None and s.service.stats is not None])
    servers = [(s, rs) for s in services for rs in s.servers if rs.dest is not None]
    yield from _stats_families(
        "piranha_web_ipvs_real_server", "to the real server", SERVER_LABELS,
        [(_server_labels(s, rs), rs.dest.stats) for s, rs in servers
         if rs.dest is not None and rs.dest.stats is not None])
    for field, name, text in _GAUGES:
        family = GaugeMetricFamily(f"piranha_web_ipvs_real_server_{name}", text,
                                   labels=SERVER_LABELS)
        for s, rs in servers:
            family.add_metric(_server_labels(s, rs), getattr(rs.dest, field))
        yield family
    yield _verdicts(snap, services)


def _verdicts(snap: Snapshot, services: Sequence[ServiceCheck]) -> Metric:
    family = GaugeMetricFamily("piranha_web_real_server_check_up",
                               "The last CHECK NOW verdict of the real server: 1 up, 0 down "
                               "(absent: not checked in the last day).",
                               labels=["virtual", "server"])
    for s in services:
        for rs in s.servers:
            if s.virtual is None or rs.server is None:
                continue
            verdict = snap.verdict(s.virtual, rs.server)
            if verdict is not None:
                family.add_metric([s.virtual, rs.server], 1 if verdict.state == "up" else 0)
    return family


def _stats_families(prefix: str, what: str, labels: list[str],
                    rows: Sequence[tuple[list[str], IpvsStats]]) -> Iterator[Metric]:
    for field, name, text in _COUNTERS:
        family = CounterMetricFamily(f"{prefix}_{name}", f"{text} {what}.", labels=labels)
        for values, stats in rows:
            family.add_metric(values, getattr(stats, field))
        yield family


def _service_labels(s: ServiceCheck) -> list[str]:
    return [s.virtual or "", s.label]


def _server_labels(s: ServiceCheck, rs: ServerCheck) -> list[str]:
    return [s.virtual or "", rs.server or "", s.label,
            rs.dest.label if rs.dest is not None else f"{rs.address}:{rs.port}"]
