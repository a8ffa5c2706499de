"""Blueprint ``apidocs``: the REST API's OpenAPI document as a plain HTML page.

Rendered by us from the same document as ``/api/v1/openapi.json`` (no script, no CDN: it
works offline and under the CSP).  A web panel: session login like every page.

    GET /apidocs/               the operations and schemas
    GET /apidocs/openapi.json   the document (for a logged-in browser)
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template
from werkzeug.wrappers import Response

from piranha_web.web.api.docs import document

bp = Blueprint("apidocs", __name__, url_prefix="/apidocs")
METHODS = ("get", "put", "post", "patch", "delete")


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
