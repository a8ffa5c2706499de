"""Revision-checked writes: If-Match, then the web's ACCEPT path (``saving.save_edit``).

A write is exactly an ACCEPT: the edit is applied to lvs.cf as of the revision the client
names, saved atomically through the store (refused when it adds validation errors), then
synced.  Outcomes map to HTTP: saved/unchanged 200 (201 for a create), conflict 412 with
the current revision, invalid 422 with the findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import request
from pydantic import ValidationError
from werkzeug.wrappers import Response

from piranha_web.errors import AuditError, ParseError, StaleRevisionError, ValidationFailedError
from piranha_web.lvscf.validate import Finding, syntax_findings
from piranha_web.save_service import Saved
from piranha_web.web.api.models import LineChange, SyncReport, WriteResult
from piranha_web.web.api.problems import (
    ApiError,
    ProblemFinding,
    dump,
    from_api_error,
    from_finding,
    from_validation,
)
from piranha_web.web.panel import Edit
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


def expected_revision() -> str:
    """The revision named by If-Match (428 without one; ``*`` names none)."""
    header = (request.headers.get("If-Match") or "").strip()
    if not header or header == "*":
        raise precondition_required()
    return header.removeprefix("W/").strip('"')


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


def write_result(saved: Saved, message: str) -> WriteResult:
    """The answer to a whole-text write or a restore (saved, unchanged, or a dry run's)."""
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
        dry_run=saved.dry_run, findings=[from_finding(f) for f in saved.findings],
    )


def write(edit: Edit, *, success: str, status: int = 200,
          location: str | None = None) -> Response:
    """Apply ``edit`` as of the If-Match revision and answer with a :class:`WriteResult`."""
    revision = expected_revision()
    current = services().store.revision()
    if revision != current:  # If-Match is strict: no rebase of a stale change (the web's is)
        raise ApiError(412, "lvs.cf changed since that revision; nothing was written. Load "
                       "it again and re-apply your change.", revision=current)
    outcome = save_edit(edit, revision, _any_field, success=success, cause="api")
    if outcome.status == "conflict":
        raise ApiError(412, "lvs.cf changed since that revision; nothing was written. Load "
                       "it again and re-apply your change.", revision=outcome.revision)
    if outcome.status == "invalid":
        findings = [from_finding(f) for f in outcome.findings] or [
            ProblemFinding(key=e.field, code="edit", message=e.message) for e in outcome.errors
        ]
        raise ApiError(422, "Nothing was saved: the change is not valid.",
                       revision=revision, findings=findings)
    result = WriteResult(
        status="saved" if outcome.saved else "unchanged",
        revision=outcome.revision,
        message=outcome.message,
        summary=list(outcome.summary),
        changes=[LineChange(sign=c.sign, line=c.line, text=c.text)  # type: ignore[arg-type]
                 for c in outcome.changes],
        warnings=change_warnings(outcome.warnings,
                                 (c.line for c in outcome.changes if c.sign == "+")),
        warnings_total=len(outcome.warnings),
        sync=SyncReport(ok=outcome.sync.ok, message=outcome.sync.message)
        if outcome.sync else None,
    )
    headers = etag(outcome.revision)
    if location and outcome.saved:
        headers["Location"] = location
    return dump(result, status if outcome.saved else 200, headers)
