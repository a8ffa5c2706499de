"""The operations surface: liveness for load balancers and systemd, the audit trail, tokens.

``GET /health`` answers 200 while lvs.cf parses the way pulse reads it (and its revision), and
503 problem+json with the syntax findings when it does not, so a health check sees a broken
file.  ``GET /audit`` reads the audit trail (newest first) with the filters of the AUDIT
panel; admins only, like the panel.  ``/tokens`` lists, creates (the token shown once) and
revokes API tokens like the USERS panel, each change audited before it is made (503 when the
audit trail cannot be written).  A token acts with its account's role of the moment (a role
change re-scopes it); a new password or a re-created account ends it (``piranha_web.tokens``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from werkzeug.wrappers import Response

from piranha_web.accounts import Role
from piranha_web.after_save import HERE
from piranha_web.errors import AuditError, AuthError, KeepalivedValueError
from piranha_web.keepalived.service import KeepalivedService
from piranha_web.lvscf.validate import validate
from piranha_web.tokens import Recorder, TokenInfo, TokenStore
from piranha_web.web import journal
from piranha_web.web.api import models as m
from piranha_web.web.api.auth import requires
from piranha_web.web.api.blueprint import CONFIG, bp
from piranha_web.web.api.problems import ApiError, Problem, dump, from_finding
from piranha_web.web.api.writes import etag, expected_revision
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


# ------------------------------------------------------------------ tokens


class TokenModel(BaseModel):
    """A token as it is kept (never the token itself)."""

    id: str
    user: str
    label: str
    created: float


class TokenList(BaseModel):
    tokens: list[TokenModel]


class TokenFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: str | None = Field(None, max_length=200)


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    user: str = Field(max_length=200, description="The account the token acts as (its role).")
    label: str = Field("", max_length=100, description="What the token is for.")


class CreatedToken(TokenModel):
    token: str = Field(description="The token itself: shown on this answer only.")


class TokenPath(BaseModel):
    token_id: str = Field(max_length=64, description="The token's id.")


def _model(info: TokenInfo) -> TokenModel:
    return TokenModel(id=info.id, user=info.user, label=info.label, created=info.created)


def _recorder(action: str) -> Recorder:
    """The audit line of a token change, written before the change (refused without)."""

    def record(info: TokenInfo) -> None:
        services().audit.record("user", journal.actor(), client=journal.client(),
                                action=action, target=info.user, token_id=info.id,
                                label=info.label, via="api")

    return record


@bp.get("/tokens", tags=CONFIG, summary="API tokens (never the tokens themselves)",
        responses={200: TokenList})
@requires(Role.ADMIN)
def list_tokens(query: TokenFilter) -> Response:
    found = TokenStore(services().state_dir).list(query.user)
    return dump(TokenList(tokens=[_model(t) for t in found]))


@bp.post("/tokens", tags=CONFIG, summary="Create a token (audited first; shown once)",
         responses={201: CreatedToken})
@requires(Role.ADMIN)
def create_token(body: TokenCreate) -> Response:
    try:
        info, token = TokenStore(services().state_dir).create(
            body.user, body.label.strip(), record=_recorder("token-create"))
    except AuditError as err:
        raise ApiError(503, f"Every token change is recorded in the audit trail, and it cannot "
                       f"be written ({err}); no token was created.") from err
    except AuthError as err:
        raise ApiError(422, f"No token was created: {err}.") from err
    return dump(CreatedToken(**_model(info).model_dump(), token=token), 201)


@bp.delete("/tokens/<token_id>", tags=CONFIG, summary="Revoke a token (audited first)",
           responses={200: TokenModel})
@requires(Role.ADMIN)
def revoke_token(path: TokenPath) -> Response:
    store = TokenStore(services().state_dir)
    info = next((t for t in store.list() if t.id == path.token_id), None)
    if info is None:
        raise ApiError(404, f"There is no token {path.token_id}.")
    try:
        store.revoke(info.user, info.id, record=_recorder("token-revoke"))
    except AuditError as err:
        raise ApiError(503, f"Every token change is recorded in the audit trail, and it cannot "
                       f"be written ({err}); the token was not revoked.") from err
    return dump(_model(info))


# ------------------------------------------------------------------ keepalived APPLY


class ApplyOutcome(BaseModel):
    """APPLY: keepalived.conf written and keepalived reloaded (``ok``), in words."""

    ok: bool
    message: str


@bp.post("/keepalived/apply", tags=CONFIG, summary="APPLY: write this router's keepalived.conf "
         "from lvs.cf as of If-Match (keepalived -t first) and reload keepalived; a failed "
         "apply is 502 with the outcome", responses={200: ApplyOutcome, 412: Problem,
                                                       428: Problem, 502: Problem})
@requires(Role.ADMIN)
def apply_keepalived(header: m.IfMatch) -> Response:
    del header
    revision = expected_revision()
    loaded = services().store.load()
    if loaded.revision != revision:
        raise ApiError(412, "lvs.cf changed since that revision; nothing was applied.",
                       revision=loaded.revision)
    errors = [from_finding(f) for f in validate(loaded.document) if f.is_error]
    if errors:
        raise ApiError(422, "lvs.cf has errors pulse would refuse; nothing was applied.",
                       revision=revision, findings=errors)
    try:
        service = KeepalivedService.load(services().state_dir)
        export = service.generate(loaded.document)[HERE]
    except KeepalivedValueError as err:
        raise ApiError(422, f"Nothing was applied: {err}", revision=revision) from err
    entry = journal.record_first("apply", trigger="API APPLY", revision=revision)
    result = service.apply(export.text)
    journal.done(entry, ok=result.ok, message=result.message)
    outcome = ApplyOutcome(ok=result.ok, message=result.message)
    if not result.ok:
        raise ApiError(502, result.message, revision=revision,
                       outcome=outcome.model_dump(mode="json"))
    return dump(outcome, headers=etag(revision))
