"""The REST API (``/api/v1/``, JSON, OpenAPI 3.1): lvs.cf through the same services as the web.

* ``auth``: Bearer tokens (``piranha_web.tokens``), failed-token throttling, per-operation
  minimum roles; runs before every other request hook, never looks at the session.
* ``models``: pydantic models built from ``lvscf.schema`` and the panels' field lists; they
  validate requests and generate the OpenAPI document (flask-openapi3).
* ``writes``: If-Match (428 without, 412 stale) then ``saving.save_edit``, the web's ACCEPT.
* ``problems``: RFC 9457 ``application/problem+json`` for every error, findings for 422.
* ``config``, ``servers``, ``sync``: the operations; ``docs``: ``/api/v1/openapi.json`` and the
  browsable page ``/apidocs/`` (a web panel, session login).

``install(app)`` must run before ``security.install``; ``create_app`` builds the app as a
flask-openapi3 ``OpenAPI`` (a Flask subclass) with :data:`OPENAPI_OPTIONS`.
"""

from __future__ import annotations

from typing import Any

from flask_openapi3.models.info import Info
from flask_openapi3.openapi import OpenAPI
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from piranha_web.errors import ParseError, PiranhaError
from piranha_web.web.api import (
    addresses,
    auth,
    backup,
    batch,
    config,
    docs,
    history,
    keepalived,
    operations,
    servers,
    sync,
)
from piranha_web.web.api.blueprint import bp
from piranha_web.web.api.problems import (
    ApiError,
    Problem,
    from_api_error,
    from_broken_file,
    from_http,
    from_piranha,
)
from piranha_web.web.api.writes import on_invalid_request
from piranha_web.web.security import csrf

__all__ = ["OPENAPI_OPTIONS", "PREFIX", "install", "is_api_request", "problem_for"]
# imported for their routes on ``bp``
del addresses, backup, batch, config, docs, history, keepalived, operations, servers, sync

PREFIX = auth.PREFIX
OPENAPI_OPTIONS: dict[str, Any] = {
    "info": Info(title="piranha-web REST API", version="1",
                 description="lvs.cf of this LVS router: read, validate, change, sync."),
    "security_schemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "doc_ui": False,
    "validation_error_status": 422,
    "validation_error_model": Problem,
    "validation_error_callback": on_invalid_request,
}


bp.register_error_handler(ApiError, from_api_error)
bp.register_error_handler(ParseError, from_broken_file)
bp.register_error_handler(PiranhaError, from_piranha)
bp.register_error_handler(HTTPException, from_http)


def install(app: OpenAPI) -> None:
    """Register the API on ``app`` and its authentication hook (before every other hook)."""
    csrf.exempt(bp)
    app.register_api(bp)
    auth.install(app)


def is_api_request(path: str) -> bool:
    return path.startswith(PREFIX)


def problem_for(err: HTTPException) -> Response:
    """A routing error under /api/ (no blueprint matched) as a problem."""
    return from_http(err)
