"""The OpenAPI 3.1 document, served to token holders at ``/api/v1/openapi.json``.

flask-openapi3 generates it from the models that validate the requests; :func:`document` keeps
the API's paths, moves the problem responses to their RFC 9457 media type, declares the
``ETag`` (and a create's ``Location``) response headers, offers every PATCH as JSON Merge Patch
(RFC 7396: a key left out is unchanged, null removes it; no ``default: null`` in the change
models, so a generated client sends only what it set) and names a ``servers`` entry.  The
browsable page is the web panel ``apidocs``.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import current_app, jsonify
from werkzeug.wrappers import Response

from piranha_web.accounts import Role
from piranha_web.web.api.auth import PREFIX, requires
from piranha_web.web.api.blueprint import bp as api_bp
from piranha_web.web.api.problems import MEDIA_TYPE

MERGE_PATCH = "application/merge-patch+json"
ETAG_HEADER = {"description": "The revision of lvs.cf (If-Match of a later write).",
               "schema": {"type": "string"}}
LOCATION_HEADER = {"description": "The created resource.", "schema": {"type": "string"}}


def document() -> dict[str, Any]:
    """The OpenAPI document of the app's API."""
    spec: dict[str, Any] = copy.deepcopy(current_app.api_doc)  # type: ignore[attr-defined]
    # the app's own routes (``@app.get("/")``) are collected too: keep the API's only
    spec["paths"] = {p: v for p, v in spec.get("paths", {}).items() if p.startswith(PREFIX)}
    spec["servers"] = [{"url": "/", "description": "This router's piranha-web."}]
    for path_item in spec["paths"].values():
        for method, operation in path_item.items():
            _operation(method, operation)
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        if name.endswith("Patch"):  # absent: unchanged (no default to send)
            for prop in schema.get("properties", {}).values():
                prop.pop("default", None)
    return spec


def _operation(method: str, operation: dict[str, Any]) -> None:
    """One operation's document: problem media type, ETag/Location, merge patch, prose."""
    operation.setdefault("description", operation.get("summary", ""))
    for status, response in operation.get("responses", {}).items():
        content = response.get("content", {})
        media = content.get("application/json")
        if media and media.get("schema", {}).get("$ref", "").endswith("/Problem"):
            content[MEDIA_TYPE] = content.pop("application/json")
        elif status.startswith("2"):
            response.setdefault("headers", {})["ETag"] = ETAG_HEADER
            if status == "201":
                response["headers"]["Location"] = LOCATION_HEADER
    body = operation.get("requestBody", {}).get("content", {})
    if operation.get("operationId") == "put_config":  # raw: the JSON body's model, or text
        body["application/json"] = {"schema": {"$ref": "#/components/schemas/ConfigBody"}}
        body["text/plain"] = {"schema": {"type": "string"}}
    if operation.get("operationId") == "get_config":
        operation["responses"]["200"]["content"]["text/plain"] = {"schema": {"type": "string"}}
    if method == "patch" and "application/json" in body:
        operation["requestBody"]["content"] = {MERGE_PATCH: body["application/json"], **body}


@api_bp.get("/openapi.json", doc_ui=False)
@requires(Role.VIEWER)
def openapi_json() -> Response:
    return jsonify(document())
