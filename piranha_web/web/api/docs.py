"""The OpenAPI 3.1 document, served to token holders at ``/api/v1/openapi.json``.

flask-openapi3 generates it from the models that validate the requests; :func:`document` keeps
the API's paths and moves the problem responses to their RFC 9457 media type.  The browsable
page is the web panel ``apidocs``.
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
@requires(Role.VIEWER)
def openapi_json() -> Response:
    return jsonify(document())
