"""Whole-file, findings, GLOBAL SETTINGS and REDUNDANCY operations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request
from flask_openapi3.models import RawModel
from pydantic import ValidationError
from werkzeug.wrappers import Response

from piranha_web.accounts import Role
from piranha_web.edits import global_settings as gsf
from piranha_web.edits import redundancy as rf
from piranha_web.lvscf import Document
from piranha_web.lvscf.validate import Finding, check_text
from piranha_web.web.api import models as m
from piranha_web.web.api.auth import requires
from piranha_web.web.api.blueprint import CONFIG, WRITE_ERRORS, bp
from piranha_web.web.api.problems import ApiError, ProblemFinding, dump, from_finding
from piranha_web.web.api.writes import (
    REFUSED,
    Plan,
    batchable,
    etag,
    expected_revision,
    given_fields,
    refused,
    write,
    write_result,
)
from piranha_web.web.saving import save_service
from piranha_web.web.services import services

#: the JSON answer of GET /findings for the newest revision asked for: (revision, body)
_kept_findings: tuple[str, str] | None = None


def _report(findings: list[Finding], revision: str | None) -> m.FindingsReport:
    return m.FindingsReport(
        revision=revision,
        errors=sum(1 for f in findings if f.is_error),
        warnings=sum(1 for f in findings if not f.is_error),
        findings=[from_finding(f) for f in findings],
    )


TEXT = "text/plain"


@bp.get("/config", tags=CONFIG, summary="The whole lvs.cf and its revision (Accept: text/plain: "
        "its exact bytes)", responses={200: m.ConfigText})
@requires(Role.VIEWER)
def get_config() -> Response:
    if request.accept_mimetypes.best_match(["application/json", TEXT]) == TEXT:
        revision, data = services().store.snapshot()
        return Response(data, mimetype=TEXT, headers=etag(revision))
    loaded = services().store.load()
    return dump(m.ConfigText(revision=loaded.revision, text=loaded.text),
                headers=etag(loaded.revision))


class WholeText(RawModel):
    """PUT /config's body: ``ConfigBody`` as JSON, or the text itself as text/plain."""

    mimetypes: list[str] = ["application/json", TEXT]  # noqa: RUF012 (flask-openapi3's field)


def _sent_text() -> str:
    """The new lvs.cf of a PUT: the text/plain body's bytes, or the JSON body's ``text``."""
    if request.mimetype == TEXT:
        return request.get_data().decode("utf-8", "surrogateescape")
    try:
        return m.ConfigBody.model_validate_json(request.get_data()).text
    except ValidationError as err:
        raise ApiError(422, "The request does not match the operation's schema.",
                       findings=[ProblemFinding(key=".".join(str(p) for p in e["loc"]) or None,
                                                code=e["type"], message=e["msg"])
                                 for e in err.errors(include_url=False, include_context=False,
                                                     include_input=False)]) from None


@bp.put("/config", tags=CONFIG, summary="Replace the whole lvs.cf (validated like an ACCEPT; "
        "dry_run=true: what it would do, nothing written); JSON or text/plain",
        responses={200: m.WriteResult, **WRITE_ERRORS})
@requires(Role.ADMIN)
def put_config(header: m.IfMatch, raw: WholeText, query: m.DryRunQuery) -> Response:
    del header, raw
    text = _sent_text()
    revision = expected_revision()
    known = services().store.findings()
    try:
        result = save_service().replace_text(text, revision, cause="api",
                                             dry_run=query.dry_run)
    except REFUSED as err:
        raise refused(err, nothing="saved", what="the text", text=text,
                      expected=revision) from err
    message = "lvs.cf saved." if result.saved else "Nothing changed; lvs.cf was not written."
    return dump(write_result(result, message, known), headers=etag(result.revision))


@bp.get("/findings", tags=CONFIG, summary="Validation findings of lvs.cf as it is",
        responses={200: m.FindingsReport})
@requires(Role.VIEWER)
def get_findings() -> Response:
    """The findings of lvs.cf now: validated once per revision by the store, the JSON answer
    kept for the newest revision (issue 24: 900 findings of a 1,000 x 32 file were parsed,
    validated and serialised again on every call); an If-None-Match of it answers 304."""
    global _kept_findings  # noqa: PLW0603 - one answer, replaced whole
    revision, data = services().store.snapshot()
    kept = _kept_findings
    if kept is None or kept[0] != revision:
        body = _report(services().store.findings(data), revision).model_dump_json()
        kept = _kept_findings = (revision, body)
    response = Response(kept[1], mimetype="application/json", headers=etag(revision))
    return response.make_conditional(request)


@bp.post("/findings", tags=CONFIG, summary="Validation findings of a posted text (not saved)",
         responses={200: m.FindingsReport})
@requires(Role.VIEWER)
def check_findings(body: m.ConfigBody) -> Response:
    return dump(_report(check_text(body.text), None))


# ------------------------------------------------------------------ GLOBAL SETTINGS, REDUNDANCY

def _values(doc: Document, keys: tuple[str, ...]) -> dict[str, int | str | None]:
    return {key: m.typed("global", key, doc.get(key)) for key in keys}


def _set_changed(doc: Document, values: Mapping[str, str]) -> None:
    """Keys the panel only shows, set as sent ('' removes) when they differ from lvs.cf; what
    they mean is checked by the save's validation."""
    for key, value in values.items():
        if value != (doc.get(key) or ""):
            doc.set(key, value or None)


def _refuse(errors: Mapping[str, str]) -> None:
    if errors:
        raise ApiError(422, "Nothing was saved: the change is not valid.",
                       revision=services().store.revision(),
                       findings=[ProblemFinding(key=k, code="invalid-value", message=v)
                                 for k, v in errors.items()])


@bp.get("/global-settings", tags=CONFIG, summary="GLOBAL SETTINGS",
        responses={200: m.GlobalSettings})
@requires(Role.VIEWER)
def get_global_settings() -> Response:
    loaded = services().store.load()
    return dump(m.GlobalSettings(**_values(loaded.document, m.GLOBAL_KEYS)),
                headers=etag(loaded.revision))


@batchable("patch_global_settings", m.GlobalSettingsPatch)
def plan_global_settings(path: dict[str, str], body: Any) -> Plan:
    """GLOBAL SETTINGS' ACCEPT of the keys sent that differ from lvs.cf."""
    del path
    given = given_fields(body)
    wanted_network = given.pop("network", None)
    plain: dict[str, str] = {k: given.pop(k) for k in ("service", "debug_level") if k in given}
    if "nat_router" in given:
        words = given.pop("nat_router").split(" ", 1)
        given["nat_router_ip"] = words[0]
        given["nat_router_device"] = words[1] if len(words) > 1 else ""

    def edit(doc: Document) -> None:
        current = gsf.initial_values(doc)
        network = wanted_network
        if network is not None and network == (doc.get("network") or ""):
            network = None
        todo = {k: v for k, v in given.items() if v != current.get(k)}
        _refuse(gsf.check(todo))
        gsf.apply(todo, network or None)(doc)
        _set_changed(doc, plain)

    return Plan(edit, "Global settings saved.")


@bp.patch("/global-settings", tags=CONFIG, summary="Change GLOBAL SETTINGS",
          responses={200: m.WriteResult, **WRITE_ERRORS})
@requires(Role.ADMIN)
def patch_global_settings(header: m.IfMatch, body: m.GlobalSettingsPatch,  # type: ignore[valid-type]
                          query: m.DryRunQuery) -> Response:
    del header
    return write(plan_global_settings({}, body), dry_run=query.dry_run)


@bp.get("/redundancy", tags=CONFIG, summary="REDUNDANCY", responses={200: m.Redundancy})
@requires(Role.VIEWER)
def get_redundancy() -> Response:
    loaded = services().store.load()
    return dump(m.Redundancy(**_values(loaded.document, m.REDUNDANCY_KEYS)),
                headers=etag(loaded.revision))


@batchable("patch_redundancy", m.RedundancyPatch)
def plan_redundancy(path: dict[str, str], body: Any) -> Plan:
    """REDUNDANCY's ACCEPT of the keys sent that differ from lvs.cf."""
    del path
    given = given_fields(body)
    backup_active = given.pop("backup_active", None)
    plain = {k: given.pop(k) for k in ("heartbeat",) if k in given}
    for key in rf.CHECKBOXES:
        if key in given:
            given[key] = "1" if given[key] not in ("", "0") else ""

    def edit(doc: Document) -> None:
        current = rf.initial_values(doc)
        # null for a key lvs.cf does not have is no change (the panel shows its default)
        todo = {k: v for k, v in given.items()
                if v != current.get(k) and (v or doc.get(k) is not None)}
        _refuse(rf.check(todo, current, doc.get("primary")))
        rf.apply(todo, backup_active or None)(doc)
        _set_changed(doc, plain)

    return Plan(edit, "Redundancy saved.")


@bp.patch("/redundancy", tags=CONFIG, summary="Change REDUNDANCY",
          responses={200: m.WriteResult, **WRITE_ERRORS})
@requires(Role.ADMIN)
def patch_redundancy(header: m.IfMatch, body: m.RedundancyPatch,  # type: ignore[valid-type]
                     query: m.DryRunQuery) -> Response:
    del header
    return write(plan_redundancy({}, body), dry_run=query.dry_run)
