"""The one place that maps errors to what the user sees.

* :class:`ParseError` of lvs.cf on disk: every problem with line and column, and how to check
  the file (``piranha-web check FILE``); nothing can be edited until the file is fixed.
* Other :class:`PiranhaError` subclasses: their message, with their ``status_hint``.
* HTTP errors (401, 403, 404, 405, 429, CSRF 400...): a short plain page that reveals nothing
  about the configuration.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from piranha_web.errors import (
    AuditError,
    ChecksBusyError,
    NotFoundError,
    ParseError,
    PiranhaError,
    RoleError,
    StaleRevisionError,
    StoreIOError,
    SyncError,
    ValidationFailedError,
)
from piranha_web.web import api
from piranha_web.web.security import API_PREFIX
from piranha_web.web.services import services

TITLES: dict[type[PiranhaError], str] = {
    NotFoundError: "Not found",
    RoleError: "Not allowed for your role",
    StaleRevisionError: "lvs.cf changed",
    ValidationFailedError: "Not saved",
    StoreIOError: "Cannot read or write lvs.cf",
    SyncError: "Backup router not updated",
    ChecksBusyError: "Checks busy",
    AuditError: "Not done: the audit trail cannot be written",
}

HTTP_MESSAGES: dict[int, str] = {
    400: "The request could not be understood.",
    401: "Log in first.",
    403: "This request is not allowed.",
    404: "There is no such page.",
    405: "This page does not accept that kind of request.",
    413: "The request is too large.",
    429: "Too many requests; wait a little and try again.",
}


def title_for(err: PiranhaError) -> str:
    """A short heading for an error class (the nearest listed ancestor's)."""
    for cls in type(err).__mro__:
        if cls in TITLES:
            return TITLES[cls]
    return "Error"


def message_for(err: PiranhaError) -> str:
    """The sentence shown to the user for an error."""
    if isinstance(err, SyncError):
        return f"lvs.cf was saved, but copying it to the backup router failed: {err}"
    if isinstance(err, AuditError):
        return (f"Nothing was done: this action is recorded in the audit trail before it is "
                f"done, and {err}")
    return str(err)


def install(app: Flask) -> None:
    """Register the error pages on ``app``."""

    @app.errorhandler(ParseError)
    def broken_file(err: ParseError) -> tuple[str, int]:
        path = services().store.path
        return render_template("errors/parse_error.html", err=err, path=path), 500

    @app.errorhandler(PiranhaError)
    def piranha_error(err: PiranhaError) -> tuple[str, int]:
        page = render_template(
            "errors/error.html", title=title_for(err), message=message_for(err)
        )
        return page, err.status_hint

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError) -> tuple[str, int]:
        message = (
            "The form was not accepted because its security token is missing or does not "
            "belong to your session (it may have been sent from another site, or your session "
            "expired). Nothing was changed. Reload the page and try again."
        )
        return render_template("errors/error.html", title="Form expired", message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> tuple[str, int] | Response:
        if request.path.startswith(API_PREFIX):
            return api.problem_for(err)  # a route the API does not have: problem+json
        code = err.code or 500
        message = HTTP_MESSAGES.get(code, err.description or "")
        return render_template("errors/error.html", title=err.name, message=message), code
