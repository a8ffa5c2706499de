"""History: every saved revision of lvs.cf, one revision's text, RESTORE (the history panel's).

RESTORE is a save like the panel's: If-Match names the current revision, the text of the
chosen revision is validated (refused when it adds errors), ``serial_no`` goes above the
current one, the audit trail and the history record it (restored_from), then it is synced.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from werkzeug.wrappers import Response

from piranha_web.accounts import Role
from piranha_web.history import Revision
from piranha_web.web import restoring
from piranha_web.web.api import models as m
from piranha_web.web.api.auth import requires
from piranha_web.web.api.blueprint import CONFIG, WRITE_ERRORS, bp
from piranha_web.web.api.problems import ApiError, dump
from piranha_web.web.api.writes import REFUSED, etag, expected_revision, refused, write_result
from piranha_web.web.services import services


class HistoryRevision(BaseModel):
    """One revision: when, by whom (or what: a hand edit), why, what changed in words."""

    revision: str
    time: float
    user: str | None
    cause: str
    summary: list[str]
    parent: str | None = None
    restored_from: str | None = None
    available: bool = Field(description="Whether its text is still kept (GET, RESTORE).")


class HistoryList(BaseModel):
    revision: str = Field(description="The current revision of lvs.cf.")
    total: int
    revisions: list[HistoryRevision]


class HistoryText(HistoryRevision):
    text: str


class HistoryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    offset: int = Field(0, ge=0)
    limit: int = Field(50, ge=1, le=500)


class RevisionPath(BaseModel):
    revision: str = Field(description="A revision (at least its first 12 hex digits).")


def _shown(entry: Revision) -> HistoryRevision:
    return HistoryRevision(revision=entry.revision, time=entry.ts, user=entry.user,
                           cause=entry.cause, summary=list(entry.summary), parent=entry.parent,
                           restored_from=entry.restored_from, available=entry.available)


def _find(revision: str) -> restoring.Kept:
    found = restoring.kept(revision)
    if found is None:
        raise ApiError(404, f"No kept revision {revision[:64]!r} in the history.")
    return found


@bp.get("/history", tags=CONFIG, summary="Saved revisions of lvs.cf, newest first",
        responses={200: HistoryList})
@requires(Role.VIEWER)
def list_history(query: HistoryQuery) -> Response:
    revisions = services().history.revisions()
    current = services().store.revision()
    shown = [_shown(r) for r in revisions[query.offset: query.offset + query.limit]]
    return dump(HistoryList(revision=current, total=len(revisions), revisions=shown),
                headers=etag(current))


@bp.get("/history/<revision>", tags=CONFIG, summary="One revision and its text",
        responses={200: HistoryText})
@requires(Role.VIEWER)
def get_history(path: RevisionPath) -> Response:
    entry, text = _find(path.revision)
    return dump(HistoryText(**_shown(entry).model_dump(), text=text))


@bp.post("/history/<revision>/restore", tags=CONFIG,
         summary="RESTORE a revision as a new one (validated, recorded, synced; "
         "dry_run=true: what it would do, nothing written)",
         responses={200: m.WriteResult, **WRITE_ERRORS})
@requires(Role.ADMIN)
def restore_history(path: RevisionPath, header: m.IfMatch, query: m.DryRunQuery) -> Response:
    del header
    chosen = _find(path.revision)
    entry, expected = chosen.entry, expected_revision()
    known = services().store.findings()
    try:
        previous, result = restoring.restore(chosen, expected, "api", dry_run=query.dry_run)
    except REFUSED as err:
        raise refused(err, nothing="restored", what=f"revision {entry.short}",
                      text=chosen.text, expected=expected) from err
    if result is None:
        return dump(m.WriteResult(status="unchanged", revision=previous,
                                  message="This revision is the current lvs.cf.",
                                  dry_run=query.dry_run),
                    headers=etag(previous))
    written = write_result(result, f"Revision {entry.short} of {entry.who} restored as a new "
                           "revision.", known)
    return dump(written, headers=etag(result.revision))
