"""The OpenAPI 3.1 document and its browsable page.

flask-openapi3 generates the document from the models that validate the requests;
:func:`document` only moves the problem responses to their RFC 9457 media type.  The JSON is
served to token holders at ``/api/v1/openapi.json``; logged-in browser users get the same
document at ``/apidocs/openapi.json`` and a plain HTML page rendered from it at ``/apidocs/``
(no script, so it works offline and under the CSP).
"""

from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template
from werkzeug.wrappers import Response

from piranha_web.web.api.auth import PREFIX, requires
from piranha_web.web.api.blueprint import bp as api_bp
from piranha_web.web.api.problems import MEDIA_TYPE

bp = Blueprint("apidocs", __name__, url_prefix="/apidocs")
METHODS = ("get", "put", "post", "patch", "delete")


def document() -> dict[str, Any]:
    """The OpenAPI document of the app's API."""
    spec: dict[str, Any] = copy.deepcopy(current_app.api_doc)  # type: ignore[attr-defined]
    # the app's own routes (``@app.get("/")``) are collected too: keep the API's only
    spec["paths"] = {p: v for p, v in spec.get("paths", {}).items() if p.startswith(PREFIX)}
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                media = content.get("application/json")
                if media and media.get("schema", {}).get("$ref", "").endswith("/Problem"):
                    content[MEDIA_TYPE] = content.pop("application/json")
    return spec


@api_bp.get("/openapi.json", doc_ui=False)
@requires("viewer")
def openapi_json() -> Response:
    return jsonify(document())


@bp.get("/openapi.json")
def openapi_download() -> Response:
    return jsonify(document())


def _schema_name(schema: dict[str, Any] | None) -> str:
    if not schema:
        return ""
    ref = schema.get("$ref", "")
    if ref:
        return str(ref.rsplit("/", 1)[-1])
    if schema.get("type") == "array":
        return f"array of {_schema_name(schema.get('items'))}"
    return str(schema.get("type", ""))


@bp.get("/")
def index() -> str:
    spec = document()
    operations = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                operations.append((method.upper(), path, item[method]))
    return render_template("apidocs/index.html", spec=spec, operations=operations,
                           schema_name=_schema_name)
