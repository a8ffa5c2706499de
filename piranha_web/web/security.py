"""App-wide security: login on every route and method, session expiry, CSRF, headers.

The login check is one ``before_request`` hook on the app, not a decorator per view, because
Piranha's login covered only GET (CVE-2013-6492).  Only the login page (GET/HEAD/POST) and the
static files (GET/HEAD) are public; everything else — known routes, unknown routes, any method —
redirects a browser GET to the login page and answers other methods with 401, before routing
errors or automatic OPTIONS answers could reveal anything.  The same hook then checks the
user's role against ``policy.POLICY`` (403 when it is too low), before CSRF or any view runs.
Refused requests (role too low, cross-origin POST) are recorded in the audit trail as
``refused``, within the bounded budget of ``audit-refused.log`` (a flood cannot fill the disk
or push other records out).
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, flash, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from piranha_web.auth import DEFAULT_USER, is_session_revoked, revoke_session
from piranha_web.errors import RoleError
from piranha_web.web import journal, policy
from piranha_web.web.services import services
from piranha_web.web.settings import WebSettings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
#: under TLS browsers must never fall back to clear text for this host (one year)
HSTS = "max-age=31536000"
PUBLIC: dict[str | None, frozenset[str]] = {
    "login.login": frozenset({"GET", "HEAD", "POST"}),
    "static": frozenset({"GET", "HEAD"}),
    # a bearer token, checked by the blueprint itself (web/metrics/views.py)
    "metrics.metrics": frozenset({"GET", "HEAD"}),
}
csrf = CSRFProtect()
#: the REST API: token authentication, never the session cookie, hence no CSRF token
API_PREFIX = "/api/"


def install(app: Flask, settings: WebSettings) -> None:
    """Register the login check, CSRF protection and response headers on ``app``.

    The login check is registered first so that it runs before anything else looks at the
    request (the CSRF check included).
    """

    @app.before_request
    def require_login() -> Response | None:
        if request.method in PUBLIC.get(request.endpoint, frozenset()):
            return None
        if request.path.startswith(API_PREFIX):
            return None  # Bearer tokens only, checked before this hook (web/api/auth.py)
        user = logged_in_user(settings)
        if user is None:
            if request.method in ("GET", "HEAD"):
                return redirect(url_for("login.login", next=request.full_path.rstrip("?")))
            abort(401)
        if request.endpoint is None:
            return None  # no route matched (404/405): nothing runs
        have = services().accounts.role_of(user)
        needed = policy.required_role(request.endpoint, request.method)
        if have is None or have < needed:
            # bounded: refused requests share the budget of failed logins (audit.py)
            journal.record("refused", user=user, method=request.method, path=request.path,
                           role=have.label if have else "none", needed=needed.label)
            raise RoleError(f"Your role ({have.label if have else 'none'}) does not allow "
                            f"this; it needs the {needed.label} role. Nothing was changed.")
        return None

    @app.before_request
    def refuse_cross_origin_posts() -> None:
        origin = request.headers.get("Origin")
        if (
            request.method not in ("GET", "HEAD")
            and origin not in (None, "null")
            and origin.rstrip("/") != request.host_url.rstrip("/")
        ):
            journal.record("refused", method=request.method, path=request.path,
                           origin=origin, reason="cross-origin")
            abort(403)

    csrf.init_app(app)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        if settings.tls:
            response.headers["Strict-Transport-Security"] = HSTS
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def inject_user() -> dict[str, Any]:
        return {"current_user": session.get("user"), "current_role": policy.current_role(),
                "may": policy.may}


def logged_in_user(settings: WebSettings) -> str | None:
    """The user of a live session; ends sessions that are idle, too old or outdated.

    A session is outdated when the user's password changed after the login.  Each request
    that passes refreshes the idle timer, except the automatic reloads of CONTROL/MONITORING
    (``refresh=auto``): a tab left open on auto update must not keep a session alive forever.
    """
    user = session.get("user")
    if not isinstance(user, str):
        return None
    now = settings.clock()
    login_at = float(session.get("login_at", 0))
    seen_at = float(session.get("seen_at", 0))
    expired = (
        now - seen_at > settings.idle_timeout.total_seconds()
        or now - login_at > settings.session_lifetime.total_seconds()
        or session.get("stamp") != services().accounts.stamp(user)
    )
    expired = expired or is_session_revoked(
        services().state_dir, str(session.get("sid", "")), now
    )
    if expired:
        session.clear()
        flash("Your session has expired. Please log in again.", "error")
        return None
    if request.args.get("refresh") != "auto":
        session["seen_at"] = now
    return user


def start_session(settings: WebSettings, user: str = DEFAULT_USER) -> None:
    """Log ``user`` in with a fresh session (nothing of the anonymous session survives)."""
    now = settings.clock()
    session.clear()
    session.permanent = True
    session.update(user=user, login_at=now, seen_at=now, stamp=services().accounts.stamp(user),
                   sid=secrets.token_urlsafe(18))


def end_session(settings: WebSettings) -> None:
    """LOGOUT: forget the session here and revoke its id, so a copied cookie is useless too.

    Raises AuthError when the revocation cannot be saved; the session is forgotten and
    refused by this process all the same (see :func:`~piranha_web.auth.revoke_session`).
    """
    sid = session.get("sid")
    try:
        if isinstance(sid, str):
            now = settings.clock()
            revoke_session(services().state_dir, sid,
                           now + settings.session_lifetime.total_seconds(), now)
    finally:
        session.clear()  # fail closed: this browser is logged out whatever happens


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (no scheme, host or ``//``), else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None  # urlsplit drops CR/LF; a header must never carry them
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
