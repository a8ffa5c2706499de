"""Copying lvs.cf to the backup router: status, SYNC NOW, host-key confirmation (the web's
SyncService).  A host key is trusted by naming its fingerprint in If-Match, as shown by
``GET /sync/host-key`` (and compared with the backup router's own by the administrator)."""

from __future__ import annotations

from dataclasses import asdict, replace

from pydantic import BaseModel, ConfigDict, Field
from werkzeug.wrappers import Response

from piranha_web.accounts import Role
from piranha_web.audit import changed_fields
from piranha_web.errors import SyncError
from piranha_web.sync import SyncService, SyncSettings
from piranha_web.sync.hostkeys import HostKey
from piranha_web.web import journal
from piranha_web.web.api import models as m
from piranha_web.web.api.auth import requires
from piranha_web.web.api.blueprint import SYNC, bp
from piranha_web.web.api.problems import ApiError, Problem, ProblemFinding, dump
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


class HostKeyModel(BaseModel):
    algorithm: str
    fingerprint: str = Field(description="SHA256:... as ssh-keygen -l shows it.")


class HostKeys(BaseModel):
    """The host keys the backup router offers now, and those trusted (confirmed)."""

    host: str
    offered: list[HostKeyModel]
    trusted: list[HostKeyModel]


def _keys(keys: list[HostKey]) -> list[HostKeyModel]:
    return [HostKeyModel(algorithm=k.algorithm, fingerprint=k.fingerprint) for k in keys]


@bp.get("/sync/host-key", tags=SYNC, summary="The backup router's host keys: offered now and "
        "trusted (compare a fingerprint with the backup router's own before confirming)",
        responses={200: HostKeys, 502: Problem})
@requires(Role.ADMIN)
def get_host_key() -> Response:
    service = _service()
    target = service.target()
    offered = service.scan_host_key()  # SyncError: 502 problem (unreachable...)
    return dump(HostKeys(host=target.host, offered=_keys(offered),
                         trusted=_keys(service.trusted_host_keys())))


@bp.post("/sync/host-key", tags=SYNC, summary="Trust the backup router's host key whose "
         "fingerprint If-Match names (audited first)",
         responses={200: HostKeyModel, 409: Problem, 428: Problem, 502: Problem})
@requires(Role.ADMIN)
def confirm_host_key(header: m.IfMatch) -> Response:
    service = _service()
    fingerprint = header.if_match.strip().strip('"')
    entry = journal.record_first("host-key", fingerprint=fingerprint, via="api")
    try:
        key = service.trust_host_key(fingerprint)
    except SyncError as err:
        journal.done(entry, ok=False, message=err.reason)
        raise ApiError(409, f"Nothing was trusted: {err}.") from err
    journal.done(entry, ok=True, key_type=key.key_type)
    return dump(HostKeyModel(algorithm=key.algorithm, fingerprint=key.fingerprint))


class SyncSettingsModel(BaseModel):
    """How lvs.cf is copied to the backup router (null host: lvs.cf's ``backup``)."""

    user: str
    port: int
    remote_path: str | None
    identity_file: str | None
    reload_command: list[str]
    auto_sync: bool
    host: str | None
    connect_timeout: int


class SyncSettingsPatch(BaseModel):
    """Settings to change (JSON Merge Patch: left out unchanged, null clears an optional one)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    user: str | None = Field(None, max_length=64)
    port: int | None = None
    remote_path: str | None = Field(None, max_length=1024)
    identity_file: str | None = Field(None, max_length=1024)
    reload_command: list[str] | None = Field(None, max_length=64)
    auto_sync: bool | None = None
    host: str | None = Field(None, max_length=255)
    connect_timeout: int | None = None


def _settings_model(settings: SyncSettings) -> SyncSettingsModel:
    return SyncSettingsModel(**{**asdict(settings),
                                "reload_command": list(settings.reload_command)})


@bp.get("/sync/settings", tags=SYNC, summary="The backup-sync settings",
        responses={200: SyncSettingsModel})
@requires(Role.ADMIN)
def get_sync_settings() -> Response:
    return dump(_settings_model(_service().settings()))


@bp.patch("/sync/settings", tags=SYNC, summary="Change the backup-sync settings (checked like "
          "the SYNC panel's; audited first)", responses={200: SyncSettingsModel})
@requires(Role.ADMIN)
def patch_sync_settings(body: SyncSettingsPatch) -> Response:
    service = _service()
    old = service.settings()
    given = body.model_dump(exclude_unset=True)
    if given.get("reload_command") is not None:
        given["reload_command"] = tuple(given["reload_command"])
    new = replace(old, **given)
    problems = [] if None in (new.user, new.port, new.connect_timeout) else new.problems()
    if problems or None in (new.user, new.port, new.auto_sync, new.connect_timeout,
                            new.reload_command):
        raise ApiError(422, "The backup-sync settings were not saved.", findings=[
            ProblemFinding(key=key, code="invalid-value", message=message)
            for key, message in problems] or [ProblemFinding(code="null", message="only "
                                               "remote_path, identity_file and host may be null")])
    entry = journal.record_first("sync-settings", changes=changed_fields(old, new), via="api")
    service.save_settings(new)
    journal.done(entry)
    return dump(_settings_model(new))
