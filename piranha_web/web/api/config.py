"""Whole-file, findings, GLOBAL SETTINGS and REDUNDANCY operations."""

from __future__ import annotations

from collections.abc import Mapping

from flask import request
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


@bp.get("/config", tags=CONFIG, summary="The whole lvs.cf and its revision",
        responses={200: m.ConfigText})
@requires(Role.VIEWER)
def get_config() -> Response:
    loaded = services().store.load()
    return dump(m.ConfigText(revision=loaded.revision, text=loaded.text),
                headers=etag(loaded.revision))


@bp.put("/config", tags=CONFIG, summary="Replace the whole lvs.cf (validated like an ACCEPT; "
        "dry_run=true: what it would do, nothing written)",
        responses={200: m.WriteResult, **WRITE_ERRORS})
@requires(Role.ADMIN)
def put_config(header: m.IfMatch, body: m.ConfigBody, query: m.DryRunQuery) -> Response:
    del header
    revision = expected_revision()
    try:
        result = save_service().replace_text(body.text, revision, cause="api",
                                             dry_run=query.dry_run)
    except REFUSED as err:
        raise refused(err, nothing="saved", what="the text", text=body.text,
                      expected=revision) from err
    message = "lvs.cf saved." if result.saved else "Nothing changed; lvs.cf was not written."
    return dump(write_result(result, message), headers=etag(result.revision))


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

def _values(doc: Document, keys: tuple[str, ...]) -> dict[str, str | None]:
    return {key: doc.get(key) for key in keys}


def _refuse(errors: Mapping[str, str], revision: str) -> None:
    if errors:
        raise ApiError(422, "Nothing was saved: the change is not valid.", revision=revision,
                       findings=[ProblemFinding(key=k, code="invalid-value", message=v)
                                 for k, v in errors.items()])


@bp.get("/global-settings", tags=CONFIG, summary="GLOBAL SETTINGS",
        responses={200: m.GlobalSettings})
@requires(Role.VIEWER)
def get_global_settings() -> Response:
    loaded = services().store.load()
    return dump(m.GlobalSettings(**_values(loaded.document, m.GLOBAL_KEYS)),
                headers=etag(loaded.revision))


@bp.patch("/global-settings", tags=CONFIG, summary="Change GLOBAL SETTINGS",
          responses={200: m.WriteResult, **WRITE_ERRORS})
@requires(Role.ADMIN)
def patch_global_settings(header: m.IfMatch, body: m.GlobalSettingsPatch) -> Response:  # type: ignore[valid-type]
    del header
    given = given_fields(body)
    loaded = services().store.load()
    current = gsf.initial_values(loaded.document)
    network = given.pop("network", None)
    if network is not None and network == (loaded.document.get("network") or ""):
        network = None
    if "nat_router" in given:
        words = given.pop("nat_router").split(" ", 1)
        given["nat_router_ip"] = words[0]
        given["nat_router_device"] = words[1] if len(words) > 1 else ""
    todo = {k: v for k, v in given.items() if v != current.get(k)}
    _refuse(gsf.check(todo), loaded.revision)
    return write(gsf.apply(todo, network or None), success="Global settings saved.")


@bp.get("/redundancy", tags=CONFIG, summary="REDUNDANCY", responses={200: m.Redundancy})
@requires(Role.VIEWER)
def get_redundancy() -> Response:
    loaded = services().store.load()
    return dump(m.Redundancy(**_values(loaded.document, m.REDUNDANCY_KEYS)),
                headers=etag(loaded.revision))


@bp.patch("/redundancy", tags=CONFIG, summary="Change REDUNDANCY",
          responses={200: m.WriteResult, **WRITE_ERRORS})
@requires(Role.ADMIN)
def patch_redundancy(header: m.IfMatch, body: m.RedundancyPatch) -> Response:  # type: ignore[valid-type]
    del header
    given = given_fields(body)
    loaded = services().store.load()
    current = rf.initial_values(loaded.document)
    backup_active = given.pop("backup_active", None)
    for key in rf.CHECKBOXES:
        if key in given:
            given[key] = "1" if given[key] not in ("", "0") else ""
    todo = {k: v for k, v in given.items() if v != current.get(k)}
    _refuse(rf.check(todo, current, loaded.document.get("primary")), loaded.revision)
    return write(rf.apply(todo, backup_active or None), success="Redundancy saved.")
