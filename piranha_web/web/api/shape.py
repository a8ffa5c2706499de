"""What an API request must look like before anything else looks at it.

Each operation's view declares its parts with flask-openapi3's annotations (``query: Model``,
``body: Model``); :func:`learn` reads them once, and :func:`refusal` judges a request against
them, right after its token is accepted and before its role or anything else is decided:

* a query parameter the operation does not document is 400 (``?dryRun=All`` must not write);
* an operation with a body takes exactly one JSON object: another media type is 415; text that
  is not JSON, nests deeper than :data:`MAX_DEPTH`, or is not an object (a JSON *string* that
  holds an object included) is 400; flask-openapi3 would otherwise parse such a string a second
  time and validate what it finds inside;
* an operation without a body refuses one (400).

Role rules that depend on the body (``auth.requires(..., changes=)``) decide in the view, on the
changes it validated and is about to write, never on their own reading of the raw request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Flask, request
from flask_openapi3.utils import parse_parameters
from pydantic import BaseModel

#: deepest nesting of arrays and objects a body may have (the documented ones are flat)
MAX_DEPTH = 32
JSON_TYPES = frozenset({"application/json"})
#: a PATCH is a JSON Merge Patch (RFC 7396), sent as such or as plain JSON
PATCH_TYPES = JSON_TYPES | {"application/merge-patch+json"}


@dataclass(frozen=True)
class Shape:
    """The documented parts of one operation: its query parameters and whether it has a body."""

    query: frozenset[str]
    body: bool
    #: media types the body may have besides JSON (``raw`` operations: PUT /config)
    raw_types: frozenset[str] = frozenset()


#: endpoint -> its documented shape (filled by :func:`learn`)
SHAPES: dict[str, Shape] = {}


class Refused(Exception):
    """A request that does not have its operation's documented shape (400 or 415)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _names(model: type[BaseModel] | None) -> frozenset[str]:
    if model is None:
        return frozenset()
    return frozenset(field.alias or name for name, field in model.model_fields.items())


def learn(app: Flask, endpoints: set[str]) -> None:
    """Record the shape of every API view among ``endpoints`` from its annotations."""
    for endpoint in endpoints:
        view = app.view_functions[endpoint]
        func = getattr(view, "__wrapped__", view)
        _, _, _, query, _, body, raw = parse_parameters(func, doc_ui=False)
        SHAPES[endpoint] = Shape(query=_names(query), body=body is not None or raw is not None,
                                 raw_types=frozenset(raw.mimetypes) - JSON_TYPES if raw
                                 else frozenset())


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (iterative: no recursion limit)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                return depth
            children = item.values() if isinstance(item, dict) else item
            todo.extend((child, depth + 1) for child in children)
    return deepest


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", "").lower()


def _check_body(raw_types: frozenset[str]) -> None:
    """The request's body must be one JSON object (:class:`Refused` otherwise), or have one of
    the operation's ``raw_types`` (judged by the operation)."""
    if request.mimetype in raw_types:
        return
    if request.mimetype not in (PATCH_TYPES if request.method == "PATCH" else JSON_TYPES):
        raise Refused(415, "Send the body as application/json (one JSON object; a PATCH also "
                      "as application/merge-patch+json).")
    data = request.get_data(cache=True)
    try:
        body = json.loads(data)
    except RecursionError:
        raise Refused(400, f"The body nests deeper than {MAX_DEPTH} levels.") from None
    except ValueError as err:  # also UnicodeDecodeError
        raise Refused(400, f"The body is not JSON: {err}.") from None
    if not isinstance(body, dict):
        raise Refused(400, "The body must be one JSON object (a string holding one is not); "
                      "nothing was done.")
    if _depth(body) > MAX_DEPTH:
        raise Refused(400, f"The body nests deeper than {MAX_DEPTH} levels.")


#: what API answers are: JSON, problems, and (GET /config) lvs.cf's text
ANSWER_TYPES = ("application/json", "application/problem+json", "text/plain")


def check(endpoint: str) -> None:
    """Refuse (:class:`Refused`) a request that does not fit ``endpoint``'s documented shape,
    or that accepts none of the media types API answers have (406)."""
    shape = SHAPES.get(endpoint)
    if shape is None:
        return  # not an operation of ours (404/405 are answered later)
    if request.accept_mimetypes.provided and not request.accept_mimetypes.best_match(
            ANSWER_TYPES):
        raise Refused(406, "The answer is application/json (errors application/problem+json); "
                      "the Accept header allows neither. Nothing was done.")
    unknown = sorted(set(request.args) - shape.query)
    if unknown:
        raise Refused(400, "Unknown query parameter(s): " + ", ".join(unknown)
                      + ". Nothing was done.")
    if shape.body:
        _check_body(shape.raw_types)
    elif _has_body():
        raise Refused(400, "This operation takes no body; nothing was done.")

