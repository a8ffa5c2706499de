"""The operations surface: liveness for load balancers and systemd, the audit trail.

``GET /health`` answers 200 while lvs.cf parses the way pulse reads it (and its revision), and
503 problem+json with the syntax findings when it does not, so a health check sees a broken
file.  ``GET /audit`` reads the audit trail (newest first) with the filters of the AUDIT
panel; admins only, like the panel.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from werkzeug.wrappers import Response

from piranha_web.accounts import Role
from piranha_web.web.api.auth import requires
from piranha_web.web.api.blueprint import CONFIG, bp
from piranha_web.web.api.problems import dump
from piranha_web.web.api.writes import etag
from piranha_web.web.services import services

MAX_AUDIT = 1000


class Health(BaseModel):
    """This piranha-web is live and lvs.cf parses."""

    live: bool = True
    parses: bool = True
    revision: str


@bp.get("/health", tags=CONFIG, summary="Liveness, and whether lvs.cf parses (503 when not)",
        responses={200: Health})
@requires(Role.VIEWER)
def get_health() -> Response:
    loaded = services().store.load()  # a file that does not parse: 503 with its findings
    return dump(Health(revision=loaded.revision), headers=etag(loaded.revision))


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    since: float | None = Field(None, description="Only entries at or after this Unix time.")
    user: str | None = Field(None, max_length=200)
    kind: str | None = Field(None, max_length=100,
                             description="save, restore, sync, check, login, token...")
    limit: int = Field(100, ge=1, le=MAX_AUDIT)


class AuditEntryModel(BaseModel):
    time: str
    ts: float
    kind: str
    user: str | None
    details: dict[str, Any]


class AuditList(BaseModel):
    """Audit entries, newest first."""

    entries: list[AuditEntryModel]


@bp.get("/audit", tags=CONFIG, summary="The audit trail, newest first (filters: since, user, "
        "kind)", responses={200: AuditList})
@requires(Role.ADMIN)
def list_audit(query: AuditQuery) -> Response:
    found = services().audit.entries(since=query.since, user=query.user, kind=query.kind,
                                     limit=query.limit)
    return dump(AuditList(entries=[AuditEntryModel(time=e.time + "Z", ts=e.ts, kind=e.kind,
                                                   user=e.user, details=e.details)
                                   for e in found]))
