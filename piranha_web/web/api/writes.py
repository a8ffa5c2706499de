"""Revision-checked writes: If-Match, then the web's ACCEPT path (``saving.save_edit``).

A write is exactly an ACCEPT: the edit is applied to lvs.cf as of the revision the client
names, saved atomically through the store (refused when it adds validation errors), then
synced.  Outcomes map to HTTP: saved/unchanged 200 (201 for a create), conflict 412 with
the current revision, invalid 422 with the findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import request
from pydantic import BaseModel, ValidationError
from werkzeug.wrappers import Response

from piranha_web.errors import AuditError, ParseError, StaleRevisionError, ValidationFailedError
from piranha_web.lvscf.validate import Finding, syntax_findings
from piranha_web.save_service import Edit, Saved, introduced
from piranha_web.web.api.models import LineChange, SyncReport, WriteResult
from piranha_web.web.api.problems import (
    ApiError,
    ProblemFinding,
    dump,
    from_api_error,
    from_finding,
    from_validation,
)
from piranha_web.web.saving import line_changes, save_edit
from piranha_web.web.services import services

#: warnings an answer lists at most (the answer shows the change, not the file: issue 24)
MAX_WARNINGS = 100


def change_warnings(warnings: Sequence[Finding], added: Iterable[int]) -> list[ProblemFinding]:
    """The warnings on the lines a write added or changed (``added``: their numbers in the new
    file), at most :data:`MAX_WARNINGS`; a one-field write to a file with 900 warnings
    answers with its own, not with all of them."""
    lines = set(added)
    return [from_finding(f) for f in warnings if f.line in lines][:MAX_WARNINGS]


def etag(revision: str) -> dict[str, str]:
    return {"ETag": f'"{revision}"'}


def precondition_required() -> ApiError:
    return ApiError(428, "Send If-Match with the revision (ETag) your change is based on.",
                    revision=services().store.revision())


def _stale(current: str) -> ApiError:
    return ApiError(412, "lvs.cf changed since that revision; nothing was written. Load it "
                    "again and re-apply your change.", revision=current)


def expected_revision() -> str:
    """The revision a write is based on, by If-Match as RFC 9110 §13.1.1 reads it.

    One rule for every write: the ETag is lvs.cf's whole-file revision, compared strongly.
    ``*`` and a list naming the current revision are the current revision; weak tags
    (``W/"..."``) never match; no matching tag is 412 with the current revision, a header
    that is not ``*`` or a list of quoted tags 400, no header 428.
    """
    header = (request.headers.get("If-Match") or "").strip()
    if not header:
        raise precondition_required()
    current = services().store.revision()
    if header == "*":
        return current
    tags = [tag.strip() for tag in header.split(",") if tag.strip()]
    if not tags or not all(_ETAG.fullmatch(tag) for tag in tags):
        raise ApiError(400, 'If-Match must be "*" or a list of quoted ETags, e.g. If-Match: '
                       f'"{current}".', revision=current)
    if f'"{current}"' not in tags:
        raise _stale(current)
    return current


#: one entity-tag of RFC 9110 §8.8.3 (weak or strong)
_ETAG = re.compile(r'(W/)?"[\x21\x23-\x7e\x80-\xff]*"')


@dataclass(frozen=True)
class Plan:
    """One write operation, ready to save: its edit of lvs.cf (which looks up and checks what
    it changes in the document it is given, so that a batch's later operations see the earlier
    ones), the message of its success, and its status and Location when it creates."""

    edit: Edit
    success: str
    status: int = 200
    location: str | None = None


#: a write operation's planner: (path parameters, validated body or None) -> :class:`Plan`
Planner = Callable[[dict[str, str], Any], Plan]


@dataclass(frozen=True)
class Batchable:
    """A write operation a batch may contain: its body model (None: none) and planner."""

    body: type[BaseModel] | None
    plan: Planner


#: view endpoint -> how a batch performs it (filled by :func:`batchable`)
BATCHABLE: dict[str, Batchable] = {}


def batchable(endpoint: str, body: type[BaseModel] | None) -> Callable[[Planner], Planner]:
    """Register ``plan`` as the way the write operation ``endpoint`` is done in a batch."""

    def register(plan: Planner) -> Planner:
        BATCHABLE[f"api.{endpoint}"] = Batchable(body, plan)
        return plan

    return register


def on_invalid_request(err: ValidationError) -> Response:
    """A request that does not fit its operation's models: 428 without If-Match, else 422."""
    if any(e["loc"] == ("If-Match",) for e in err.errors()):
        return from_api_error(precondition_required())
    return from_validation(err)


def given_fields(body: Any) -> dict[str, str]:
    """The fields a client sent in a change (left-out fields stay as they are); null is ''
    (the key is removed), like a blank field of a panel."""
    return {k: "" if v is None else str(v) for k, v in body.model_dump(exclude_unset=True).items()}


def _any_field(where: str, key: str | None, code: str) -> str | None:
    """Edit errors keep their key (the API has no form fields to map them to)."""
    del where, code
    return key


#: what the save service refuses a whole text or a restore with (nothing written)
REFUSED = (StaleRevisionError, ParseError, ValidationFailedError, AuditError)


def refused(err: Exception, *, nothing: str, what: str, text: str, expected: str) -> ApiError:
    """The problem answering a refused whole-text write or restore (one mapping for both):
    412 with the current revision, 422 with the findings (syntax ones of ``text`` when it does
    not parse), 503 when the audit trail cannot record the save."""
    if isinstance(err, StaleRevisionError):
        return ApiError(412, f"lvs.cf changed since that revision; nothing was {nothing}.",
                        revision=err.actual)
    if isinstance(err, ParseError):
        return ApiError(422, f"Nothing was {nothing}: {what} is not valid lvs.cf.",
                        findings=[from_finding(f) for f in syntax_findings(text, err.problems)])
    if isinstance(err, ValidationFailedError):
        return ApiError(422, f"Nothing was {nothing}: {what} adds validation errors.",
                        revision=expected, findings=[from_finding(f) for f in err.findings
                                                     if isinstance(f, Finding)])
    if isinstance(err, AuditError):
        return ApiError(503, f"Every save is recorded in the audit trail, and it cannot be "
                        f"written ({err}); nothing was {nothing}.")
    raise TypeError(f"not a refusal of a save: {err!r}")


def write_result(saved: Saved, message: str, known: list[Finding]) -> WriteResult:
    """The answer to a whole-text write or a restore (saved, unchanged, or a dry run's);
    ``known``: lvs.cf's findings before it."""
    if saved.dry_run and saved.saved:
        message = f"Dry run: nothing was written. {message}"
    sync = saved.after
    return WriteResult(
        status="saved" if saved.saved else "unchanged", revision=saved.revision,
        message=message, summary=list(saved.summary),
        changes=[LineChange(sign=c.sign, line=c.line, text=c.text)  # type: ignore[arg-type]
                 for c in line_changes(saved.changes)],
        warnings=change_warnings(saved.warnings, (c.line for c in line_changes(saved.changes)
                                                  if c.sign == "+")),
        warnings_total=len(saved.warnings),
        sync=SyncReport(ok=sync.ok, message=sync.message) if sync else None,
        dry_run=saved.dry_run,
        **_finding_changes(known, saved.saved, saved.dry_run, saved.findings, saved.resolved),
    )


def save(plan: Plan, *, dry_run: bool = False) -> tuple[WriteResult, dict[str, str], bool]:
    """Save ``plan``'s edit as of the If-Match revision (``dry_run``: only say what it would
    do): the answer, its headers (ETag) and whether lvs.cf was (or would be) written.

    The ETag rule is strict: lvs.cf no longer at that revision is 412, also when another save
    lands between the If-Match check and the save lock (no rebase, whatever it changed).
    """
    revision = expected_revision()
    known = services().store.findings()
    outcome = save_edit(plan.edit, revision, _any_field, success=plan.success, cause="api",
                        dry_run=dry_run, strict=True)
    if outcome.status == "conflict":
        raise _stale(outcome.revision)
    if outcome.status == "invalid":
        findings = [from_finding(f) for f in outcome.findings] or [
            ProblemFinding(key=e.field, code="edit", message=e.message) for e in outcome.errors
        ]
        raise ApiError(422, "Nothing was saved: the change is not valid.",
                       revision=revision, findings=findings)
    message = outcome.message
    if dry_run and outcome.saved:
        message = f"Dry run: nothing was written. {message}"
    result = WriteResult(
        status="saved" if outcome.saved else "unchanged",
        revision=outcome.revision,
        message=message,
        summary=list(outcome.summary),
        changes=[LineChange(sign=c.sign, line=c.line, text=c.text)  # type: ignore[arg-type]
                 for c in outcome.changes],
        warnings=change_warnings(outcome.warnings,
                                 (c.line for c in outcome.changes if c.sign == "+")),
        warnings_total=len(outcome.warnings),
        sync=SyncReport(ok=outcome.sync.ok, message=outcome.sync.message)
        if outcome.sync else None,
        dry_run=dry_run,
        **_finding_changes(known, outcome.saved, dry_run, outcome.findings, outcome.resolved),
    )
    return result, etag(outcome.revision), outcome.saved


def _finding_changes(known: list[Finding], saved: bool, dry_run: bool,
                     added: tuple[Finding, ...], resolved: tuple[Finding, ...]
                     ) -> dict[str, list[ProblemFinding]]:
    """The findings a write added to lvs.cf and those it resolved (``known``: lvs.cf's before
    it), never the whole report (``GET /findings``): a one-field change of a file with 900
    warnings answers what it changed.  A dry run's come from the save service; a save's from
    the store's findings of the new revision (kept by the save: not validated again)."""
    if saved and not dry_run:
        now = services().store.findings()
        added, resolved = introduced(known, now), introduced(now, known)
    elif not saved:
        added = resolved = ()
    return {"findings": [from_finding(f) for f in added],
            "resolved": [from_finding(f) for f in resolved]}


def write(plan: Plan, *, dry_run: bool = False) -> Response:
    """:func:`save` ``plan`` and answer with its :class:`WriteResult` (201 and Location for a
    create that saved)."""
    result, headers, saved = save(plan, dry_run=dry_run)
    if plan.location and saved:
        headers["Location"] = plan.location
    return dump(result, plan.status if saved else 200, headers)
