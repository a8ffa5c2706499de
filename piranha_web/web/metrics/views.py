"""Blueprint ``metrics``: ``GET /metrics`` in Prometheus' text format, for a bearer token.

    GET /metrics     Authorization: Bearer TOKEN (``piranha-web token create``, any role)

The session login does not apply here (``security.PUBLIC`` lets the request through to this
blueprint's own check): Prometheus scrapes with a token of the REST API's token store, and
wrong tokens are throttled with the API's throttle (401, then 429 with Retry-After).  Each
scrape reads lvs.cf (a stat when unchanged), its findings (kept per revision), the last sync
status (a file) and the IPVS table (one netlink dump); it writes nothing.

The blueprint also times every request of the app (:func:`start_timer`, :func:`count`) into
``Services.counters``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

from flask import Blueprint, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from piranha_web.auth import LoginThrottle
from piranha_web.errors import NetInfoError, ParseError, StoreIOError, SyncError
from piranha_web.lvscf.model import Config
from piranha_web.monitor.verdict import Verdict
from piranha_web.netinfo.ipvs_diff import compare
from piranha_web.netinfo.ipvs_model import IpvsTable
from piranha_web.sync import SyncService
from piranha_web.sync.outcome import SyncOutcome
from piranha_web.tokens import TokenStore
from piranha_web.web.api.auth import THROTTLE_KEY, TOKEN_SUBJECT
from piranha_web.web.metrics.exposition import Snapshot, families
from piranha_web.web.services import services

bp = Blueprint("metrics", __name__)
CHALLENGE = 'Bearer realm="piranha-web metrics"'


@bp.record_once
def _time_every_request(state: object) -> None:
    """Time every request of the app: first of the before-request hooks."""
    app = getattr(state, "app")  # noqa: B009 (BlueprintSetupState)
    app.before_request_funcs.setdefault(None, []).insert(0, start_timer)
    app.after_request_funcs.setdefault(None, []).append(count)


def start_timer() -> None:
    g.metrics_started = time.perf_counter()


def count(response: Response) -> Response:
    """Count ``response`` with the time since :func:`start_timer`."""
    started = g.get("metrics_started")
    if started is not None:
        services().counters.request(request.method, response.status_code,
                                    time.perf_counter() - started)
    return response


def _refused(status: int, text: str, headers: dict[str, str]) -> Response:
    return Response(text + "\n", status, headers, mimetype="text/plain")


@bp.before_request
def authenticate() -> Response | None:
    """A valid token of a user with a role, else 401 (429 after repeated wrong tokens)."""
    throttle: LoginThrottle = current_app.extensions[THROTTLE_KEY]
    client = request.remote_addr or ""
    wait = throttle.wait_seconds(client, TOKEN_SUBJECT)
    if wait > 0:
        return _refused(429, "Too many wrong tokens from this address; wait and try again.",
                        {"Retry-After": str(math.ceil(wait))})
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if not token.strip() or scheme.lower() != "bearer":
        return _refused(401, "Send a token: Authorization: Bearer TOKEN "
                        "(piranha-web token create --user USER).",
                        {"WWW-Authenticate": CHALLENGE})
    user = TokenStore(services().state_dir).user_of(token.strip())
    if user is None or services().accounts.role_of(user) is None:
        throttle.failed(client, TOKEN_SUBJECT)
        return _refused(401, "The token is not valid (unknown, revoked or malformed).",
                        {"WWW-Authenticate": f'{CHALLENGE}, error="invalid_token"'})
    throttle.succeeded(client, TOKEN_SUBJECT)
    return None


@bp.get("/metrics")
def metrics() -> Response:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Scrape(snapshot()))
    return Response(generate_latest(registry), 200, mimetype=None,
                    content_type=CONTENT_TYPE_LATEST)


class _Scrape(Collector):
    """The families of one snapshot (a collector of one use)."""

    def __init__(self, snap: Snapshot) -> None:
        self._snap = snap

    def collect(self) -> Iterable[Metric]:
        return families(self._snap)


def snapshot() -> Snapshot:
    """Everything one scrape reports, read now."""
    found = services()
    config: Config | None
    try:
        config = found.store.load().document.model()
        findings = found.store.findings()
    except (ParseError, StoreIOError):
        config, findings = None, []
    table = _table()
    comparison = compare(table, config) if table is not None and config is not None else None
    return Snapshot(config, findings, _sync(), table, comparison, _verdict_of(config),
                    found.counters.collect())


def _table() -> IpvsTable | None:
    netinfo = services().netinfo
    if netinfo is None:
        return None
    try:
        return netinfo.ipvs().table
    except NetInfoError:
        return None


def _sync() -> tuple[SyncOutcome | None] | None:
    syncer = services().syncer
    if not isinstance(syncer, SyncService):
        return None
    try:
        return (syncer.last(),)
    except SyncError:
        return (None,)


def _verdict_of(config: Config | None) -> Callable[[str, str], Verdict | None]:
    """The last CHECK NOW verdict by virtual and real server name (each found once)."""
    recent = services().recent_checks
    servers = {(vs.name, rs.name): (vs, rs) for vs in (config.virtuals if config else ())
               if vs.kind == "virtual" for rs in vs.servers}

    def verdict(virtual: str, server: str) -> Verdict | None:
        found = servers.get((virtual, server))
        kept = recent.last(*found) if found is not None else None
        return kept.verdict if kept is not None else None

    return verdict
