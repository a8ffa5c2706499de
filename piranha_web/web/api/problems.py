"""RFC 9457 problem details (``application/problem+json``) for every API error.

Every failure of an API request, from routing to validation, is answered with a
:class:`Problem`; validation failures (422) carry the findings of lvscf's validation
(line, key, code, message), conflicts (412) the current revision.  Never a stack trace.
"""

from __future__ import annotations

import contextlib
from typing import Any

from flask import jsonify
from pydantic import BaseModel, Field, ValidationError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from piranha_web.errors import ParseError, PiranhaError
from piranha_web.lvscf.validate import Finding
from piranha_web.web.services import services

MEDIA_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
    405: "Method not allowed", 406: "Not acceptable", 409: "Conflict",
    412: "Precondition failed",
    413: "Request too large", 415: "Unsupported media type", 422: "Unprocessable content",
    428: "Precondition required", 429: "Too many requests", 500: "Internal error",
    502: "Bad gateway", 503: "Service unavailable",
}


class ProblemFinding(BaseModel):
    """One validation problem: the lvs.cf line (None: not tied to a line), key, code, text."""

    line: int | None = None
    key: str | None = None
    code: str
    message: str
    severity: str = "error"
    where: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details, with piranha-web's extension members."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    revision: str | None = Field(None, description="The current revision (412, 409).")
    findings: list[ProblemFinding] = Field(default_factory=list)
    outcome: dict[str, Any] | None = Field(
        default=None, description="What a failed step reported (a sync's outcome: 502, 503).")


class ApiError(Exception):
    """Raised by API views: becomes a :class:`Problem` response."""

    def __init__(self, status: int, detail: str, *, revision: str | None = None,
                 findings: list[ProblemFinding] | None = None,
                 headers: dict[str, str] | None = None,
                 outcome: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.revision = revision
        self.findings = findings or []
        self.headers = headers or {}
        self.outcome = outcome


def problem(status: int, detail: str, *, revision: str | None = None,
            findings: list[ProblemFinding] | None = None,
            headers: dict[str, str] | None = None,
            outcome: dict[str, Any] | None = None) -> Response:
    """The problem response for ``status``."""
    body = Problem(title=TITLES.get(status, "Error"), status=status, detail=detail,
                   revision=revision, findings=findings or [], outcome=outcome)
    response = jsonify(body.model_dump(mode="json"))
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if revision is not None:
        response.headers["ETag"] = f'"{revision}"'
    return response


def from_api_error(err: ApiError) -> Response:
    return problem(err.status, err.detail, revision=err.revision, findings=err.findings,
                   headers=err.headers, outcome=err.outcome)


def from_finding(finding: Finding) -> ProblemFinding:
    return ProblemFinding(line=finding.line, key=finding.key, code=finding.code,
                          message=finding.message, severity=finding.severity,
                          where=finding.where)


def from_http(err: HTTPException) -> Response:
    """A routing or protocol error (404, 405, 413...) as a problem; a prepared one as is."""
    if err.response is not None:
        return err.response  # type: ignore[return-value]
    code = err.code or 500
    allow = getattr(err, "valid_methods", None)
    headers = {"Allow": ", ".join(allow)} if allow else {}
    return problem(code, TITLES.get(code, err.name), headers=headers)


def from_broken_file(err: ParseError) -> Response:
    """lvs.cf on disk cannot be parsed: nothing can be read or edited until it is fixed
    (GET /findings shows why; PUT /config may replace it)."""
    findings = [ProblemFinding(line=p.line, code="syntax", message=p.message)
                for p in err.problems]
    return problem(503, "lvs.cf on disk cannot be read the way pulse reads it; fix it by hand "
                   "(piranha-web check FILE) or replace it with PUT /config.", findings=findings)


def from_piranha(err: PiranhaError) -> Response:
    """A deliberate error of the tool (unknown name, unreadable lvs.cf...); a 404 carries the
    current revision (a client learns what it looked in without another request)."""
    revision = None
    if err.status_hint == 404:
        with contextlib.suppress(PiranhaError):
            revision = services().store.revision()
    return problem(err.status_hint, str(err), revision=revision)


def from_validation(err: ValidationError) -> Response:
    """A request that does not fit the operation's model (flask-openapi3's callback)."""
    findings = [
        ProblemFinding(key=".".join(str(p) for p in e["loc"]) or None, code=e["type"],
                       message=e["msg"])
        for e in err.errors(include_url=False, include_context=False, include_input=False)
    ]
    return problem(422, "The request does not match the operation's schema.",
                   findings=findings)


def dump(model: BaseModel, status: int = 200, headers: dict[str, Any] | None = None
         ) -> Response:
    """A JSON response of ``model``."""
    response = jsonify(model.model_dump(mode="json"))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
