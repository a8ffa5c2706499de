"""Request and save counts and latencies of one app, for ``/metrics``.

One :class:`WebCounters` per app (``Services.counters``), each with its own
``prometheus_client`` registry (never the process-wide default one: tests build many apps).
Label values are bounded: the HTTP method is one of :data:`METHODS` or ``other``, the status
a three-digit code, a save's outcome one of ``save_edit``'s statuses.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.metrics_core import Metric

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: seconds: page views take milliseconds, a save of a 1,000 x 32 lvs.cf a few tenths
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class WebCounters:
    """Histograms of request and save durations (their ``_count`` is the number)."""

    def __init__(self) -> None:
        self._registry = CollectorRegistry(auto_describe=True)
        self._requests = Histogram(
            "piranha_web_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and status code.",
            ["method", "code"], buckets=BUCKETS, registry=self._registry)
        self._saves = Histogram(
            "piranha_web_save_duration_seconds",
            "Time of one edit of lvs.cf (load, edit, validate, audit, write), by outcome.",
            ["outcome"], buckets=BUCKETS, registry=self._registry)

    def request(self, method: str, code: int, seconds: float) -> None:
        """Count one answered request."""
        shown = method if method in METHODS else "other"
        self._requests.labels(shown, str(code)).observe(seconds)

    def save(self, outcome: str, seconds: float) -> None:
        """Count one edit (saved, unchanged, conflict, invalid, gone)."""
        self._saves.labels(outcome).observe(seconds)

    def collect(self) -> Iterable[Metric]:
        """The histograms' current samples."""
        return self._registry.collect()
