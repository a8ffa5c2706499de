"""Copying lvs.cf to the backup router: status and SYNC NOW (the web's SyncService)."""

from __future__ import annotations

from dataclasses import asdict

from pydantic import BaseModel, ConfigDict, Field
from werkzeug.wrappers import Response

from piranha_web.accounts import Role
from piranha_web.sync import SyncService
from piranha_web.web import journal
from piranha_web.web.api import models as m
from piranha_web.web.api.auth import requires
from piranha_web.web.api.blueprint import SYNC, bp
from piranha_web.web.api.problems import ApiError, Problem, dump
from piranha_web.web.services import services


def _service() -> SyncService:
    found = services().syncer
    if not isinstance(found, SyncService):
        raise ApiError(404, "This server has no backup-router sync.")
    return found


@bp.get("/sync", tags=SYNC, summary="Is the backup router's lvs.cf ours? (and the last sync)",
        responses={200: m.SyncState})
@requires(Role.VIEWER)
def get_sync() -> Response:
    service = _service()
    status = service.status()
    last = service.last()
    return dump(m.SyncState(**asdict(status),
                            last=m.SyncOutcome(**asdict(last)) if last else None))


class SyncNowQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    force: bool = Field(False, description="Copy even though lvs.cf has errors (the backup "
                        "router then loses its last good file).")


@bp.post("/sync", tags=SYNC, summary="Copy lvs.cf to the backup router now (SYNC NOW); a "
         "failed copy is 502 problem+json carrying the outcome",
         responses={200: m.SyncOutcome, 409: Problem, 502: Problem})
@requires(Role.OPERATOR)
def sync_now(query: SyncNowQuery) -> Response:
    service = _service()
    errors = service.error_count()
    if errors and not query.force:
        raise ApiError(409, f"lvs.cf has {errors} error(s); the backup router keeps its last "
                       "good file. Fix them, or repeat with force=true to copy anyway.")
    outcome = service.sync_now()
    journal.record("sync", ok=outcome.ok, message=outcome.message, trigger="API SYNC NOW")
    answer = m.SyncOutcome(**asdict(outcome))
    if not outcome.ok:  # the backup router did not get lvs.cf: not a success
        raise ApiError(502, f"The copy to the backup router failed: {outcome.message}",
                       outcome=answer.model_dump(mode="json"))
    return dump(answer)
