"""``POST /batch``: several writes applied all or none, as one revision.

A desired-state client ("this virtual server, these three real servers, this health check")
sends its operations together: they are applied in order to one copy of lvs.cf and saved once
(one history entry, one audit line, one copy to the backup router), under the batch's one
If-Match, or nothing is written at all.  Each operation is the same as when sent alone: found
by its method and path among the API's routes, allowed by the same role table
(``policy.required_role``, and an operation's own rule on its changes), its body validated by
the same model, performed by the same planner (``writes.BATCHABLE``).  ``dry_run=true``
answers what the batch would do.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import unquote

from flask import current_app, g, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response

from piranha_web.accounts import Role
from piranha_web.errors import NotFoundError
from piranha_web.lvscf import Document
from piranha_web.web import policy
from piranha_web.web.api import models as m
from piranha_web.web.api.auth import PREFIX, requires
from piranha_web.web.api.blueprint import CONFIG, WRITE_ERRORS, bp
from piranha_web.web.api.problems import ApiError, ProblemFinding, dump
from piranha_web.web.api.writes import BATCHABLE, Plan, save

ROOT = "/api/v1"
MAX_OPERATIONS = 1000


class BatchOperation(BaseModel):
    """One write, as it would be sent alone (without If-Match and query parameters)."""

    model_config = ConfigDict(extra="forbid")
    method: Literal["POST", "PATCH", "DELETE"]
    path: str = Field(max_length=2000, description="The operation's path below /api/v1, e.g. "
                      "/virtual-servers/www/real-servers.")
    body: dict[str, Any] | None = Field(
        None, description="The operation's JSON body (absent for operations without one).")


class BatchBody(BaseModel):
    """The operations, applied in this order to one copy of lvs.cf."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"operations": [
        {"method": "POST", "path": "/virtual-servers",
         "body": {"name": "www", "address": "192.0.2.10 eth0:1", "port": "80"}},
        {"method": "POST", "path": "/virtual-servers/www/real-servers",
         "body": {"name": "www1", "address": "10.0.0.11"}},
        {"method": "POST", "path": "/virtual-servers/www/activate"},
    ]}]})
    operations: list[BatchOperation] = Field(min_length=1, max_length=MAX_OPERATIONS)


class BatchItem(BaseModel):
    """What one operation of the batch did (as its own answer would say)."""

    method: str
    path: str
    message: str
    location: str | None = None


class BatchResult(m.WriteResult):
    """The batch's one save (see WriteResult) and what each operation did."""

    operations: list[BatchItem]


def _refuse(index: int, op: BatchOperation, detail: str, status: int = 422,
            findings: list[ProblemFinding] | None = None) -> ApiError:
    if "nothing was" not in detail.lower():
        detail += " Nothing was written."
    return ApiError(status, f"Operation {index} ({op.method} {op.path}): {detail}",
                    findings=findings)


def _route(index: int, op: BatchOperation) -> tuple[str, dict[str, str]]:
    """The API endpoint and path parameters ``op`` names (422 when none, or it has a query)."""
    if "?" in op.path or "#" in op.path or not op.path.startswith("/"):
        raise _refuse(index, op, "the path must start with / and have no query.")
    path = unquote(op.path)
    path = path if path.startswith(PREFIX) else ROOT + path
    adapter = current_app.url_map.bind(request.host, url_scheme=request.scheme)
    try:
        endpoint, args = adapter.match(path, method=op.method)
    except RequestRedirect:
        raise _refuse(index, op, "no such operation.") from None
    except HTTPException as err:
        raise _refuse(index, op, f"no such operation ({err.code}).") from None
    if endpoint not in BATCHABLE:
        raise _refuse(index, op, "this operation cannot be part of a batch.")
    return endpoint, {k: str(v) for k, v in args.items()}


def _plan(index: int, op: BatchOperation) -> Plan:
    """Check ``op`` like the same request sent alone and plan it."""
    endpoint, args = _route(index, op)
    needed = policy.required_role(endpoint, op.method)
    if g.api_role < needed:
        raise _refuse(index, op, f"this operation needs the {needed.label} role; user "
                      f"{g.api_user} is {g.api_role.label}.", 403)
    batchable = BATCHABLE[endpoint]
    if batchable.body is None:
        if op.body is not None:
            raise _refuse(index, op, "this operation takes no body.")
        body = None
    else:
        if op.body is None:
            raise _refuse(index, op, "this operation needs a body.")
        try:
            body = batchable.body.model_validate(op.body)
        except ValidationError as err:
            raise _refuse(index, op, "the body does not match the operation's schema.",
                          findings=[ProblemFinding(
                              key=".".join(("operations", str(index), "body",
                                            *(str(p) for p in e["loc"]))),
                              code=e["type"], message=e["msg"])
                              for e in err.errors(include_url=False, include_context=False,
                                                  include_input=False)]) from None
    plan = batchable.plan(args, body)
    return Plan(_labelled(index, op, plan), plan.success, plan.status, plan.location)


def _labelled(index: int, op: BatchOperation, plan: Plan) -> Any:
    """``plan``'s edit, whose 404 and refusals name the operation."""

    def edit(doc: Document) -> None:
        try:
            plan.edit(doc)
        except NotFoundError as err:
            raise _refuse(index, op, f"{err}", 404) from None
        except ApiError as err:
            raise _refuse(index, op, err.detail, err.status, err.findings) from None

    return edit


@bp.post("/batch", tags=CONFIG, summary="Several writes at once: all or none, one revision",
         description="Applies the operations in order to lvs.cf as of If-Match and saves once "
         "(one history entry, one copy to the backup router), or writes nothing. Each "
         "operation needs the role it needs alone.",
         responses={200: BatchResult, **WRITE_ERRORS})
@requires(Role.OPERATOR)
def batch(header: m.IfMatch, body: BatchBody, query: m.DryRunQuery) -> Response:
    del header
    plans = [_plan(index, op) for index, op in enumerate(body.operations)]

    def edit(doc: Document) -> None:
        for plan in plans:
            plan.edit(doc)

    result, headers, _ = save(Plan(edit, " ".join(p.success for p in plans)),
                              dry_run=query.dry_run)
    items = [BatchItem(method=op.method, path=op.path, message=plan.success,
                       location=plan.location)
             for op, plan in zip(body.operations, plans, strict=True)]
    return dump(BatchResult(**result.model_dump(), operations=items), headers=headers)
