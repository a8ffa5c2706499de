"""API authentication and authorization: Bearer tokens, failed-token throttling, roles.

Every request under ``/api/`` is authenticated here, before anything else looks at it (the
session cookie is never consulted, so the API needs no CSRF token): a missing, malformed,
unknown or revoked token, or one whose account is gone or changed (``tokens``), is 401 for
every path and method.  An address that presented wrong tokens repeatedly gets 429 with
Retry-After for its further wrong tokens (the login's growing lockout, ``LoginThrottle``, a
separate instance so API failures never lock out browser logins); a valid token is looked at
first and never refused for anybody's failures.  Then the request must have its operation's
documented shape (``shape``: 400/415) before its role is decided.

Each operation declares its minimum role with :func:`requires`; ``install`` enters them in the
web's one role table (``policy.POLICY``), so the API and the panels are judged by the same
table and the same accounts (``Accounts.role_of``): a viewer reads, an operator may do what
the web's operator may (activate/deactivate, a real server's weight, checks, SYNC NOW).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from typing import TypeVar

from flask import Flask, Request, current_app, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.wrappers import Response

from piranha_web.accounts import Role
from piranha_web.auth import LoginThrottle
from piranha_web.tokens import TokenStore
from piranha_web.web import policy
from piranha_web.web.api import shape
from piranha_web.web.api.problems import ApiError, problem
from piranha_web.web.services import services
from piranha_web.web.settings import body_limit

PREFIX = "/api/"
#: view endpoint -> minimum role, as declared with :func:`requires` (copied into policy.POLICY)
DECLARED: dict[str, Role] = {}
#: a role rule over the set of keys an operation will change
ChangeRule = Callable[[frozenset[str]], Role]
#: view endpoint -> the role its validated changes need (:func:`authorize_changes`)
CHANGE_RULES: dict[str, ChangeRule] = {}
THROTTLE_KEY = "piranha_web.api_throttle"
#: the throttle's "user" for token failures (the token names no user before it is checked)
TOKEN_SUBJECT = "(api token)"  # noqa: S105 (not a secret)
F = TypeVar("F", bound=Callable[..., object])


def requires(role: Role, *, changes: ChangeRule | None = None) -> Callable[[F], F]:
    """Declare the minimum role of an API view (decorate under the route decorator).

    ``changes``: for an operation an operator may make only in part, the role the validated
    changes need (the view passes them to :func:`authorize_changes` before it writes).
    """

    def record(func: F) -> F:
        endpoint = f"api.{func.__name__}"
        DECLARED[endpoint] = role
        if changes is not None:
            CHANGE_RULES[endpoint] = changes
        return func

    return record


def authorize_changes(changed: Collection[str], endpoint: str | None = None) -> None:
    """403 (:class:`ApiError`) unless the token's user may make ``changed`` (the keys the view
    is about to write) with the operation ``endpoint`` (default: the request's, a batch names
    each of its operations'); nothing has been written yet."""
    rule = CHANGE_RULES.get(endpoint or request.endpoint or "")
    if rule is None:
        return
    needed, role = rule(frozenset(changed)), g.api_role
    if role < needed:
        raise ApiError(403, f"Changing {', '.join(sorted(changed))} needs the {needed.label} "
                       f"role; user {g.api_user} is {role.label}. Nothing was changed.")


def declare_policy(app: Flask) -> None:
    """Enter every API route in the web's one role table, ``policy.POLICY`` (default-deny)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            needed = DECLARED.get(rule.endpoint, Role.ADMIN)
            policy.POLICY[rule.endpoint] = {
                method: Role.VIEWER if method in ("HEAD", "OPTIONS") else needed
                for method in rule.methods or ()
            }


class NoSessionForTheApi(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that API requests never open one.

    The session cookie is not even read under ``/api/`` (a null session, never saved), so
    nothing of a browser's login can reach the API and API responses never set a cookie.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(PREFIX):
            return self.make_null_session(app)
        return super().open_session(app, request)


def install(app: Flask) -> None:
    """Authenticate API requests first of all ``before_request`` hooks of ``app``.

    Call after the API's routes are registered (their roles go into ``policy.POLICY``).
    """
    declare_policy(app)
    shape.learn(app, {e for e in DECLARED if e in app.view_functions})
    app.extensions[THROTTLE_KEY] = LoginThrottle()
    app.session_interface = NoSessionForTheApi()
    app.before_request_funcs.setdefault(None, []).insert(0, authenticate)


def _token_user() -> tuple[str, Role] | None:
    """The user and role of the request's Bearer token, None when it is not a valid token of
    a current account (unknown, revoked, malformed, of a deleted or re-created account)."""
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    info = TokenStore(services().state_dir).find(token.strip())
    if info is None:
        return None
    role = services().accounts.role_of(info.user)
    return None if role is None else (info.user, role)


def authenticate() -> Response | None:
    """Token (401, 429), the request's shape (400, 415), then the operation's role (403).

    A valid token is always accepted: the throttle slows down only wrong tokens, so nobody
    else's failures (from the same address or any other) can lock a working client out.
    """
    if not request.path.startswith(PREFIX):
        return None
    challenge = {"WWW-Authenticate": 'Bearer realm="piranha-web"'}
    if not request.headers.get("Authorization"):
        return problem(401, "Send an API token: Authorization: Bearer TOKEN "
                       "(piranha-web token create --user USER).", headers=challenge)
    found = _token_user()
    if found is None:
        throttle: LoginThrottle = current_app.extensions[THROTTLE_KEY]
        client = request.remote_addr or ""
        wait = throttle.wait_seconds(client, TOKEN_SUBJECT)
        if wait > 0:
            return problem(429, "Too many wrong API tokens from this address; wait and try "
                           "again.", headers={"Retry-After": str(math.ceil(wait))})
        throttle.failed(client, TOKEN_SUBJECT)
        return problem(401, "The API token is not valid (unknown, revoked or malformed).",
                       headers={**challenge, "WWW-Authenticate":
                                'Bearer realm="piranha-web", error="invalid_token"'})
    # a working client's success clears its address's failures (as a login does)
    current_app.extensions[THROTTLE_KEY].succeeded(request.remote_addr or "", TOKEN_SUBJECT)
    g.api_user, g.api_role = user, role = found
    # the operations that take a whole lvs.cf: a larger body limit (settings.body_limit, also
    # what the server enforces), for authenticated requests only
    request.max_content_length = body_limit(request.method, request.path)
    if request.url_rule is None:
        return None  # 404/405: the routing error is answered as a problem
    try:
        shape.check(request.endpoint or "")
    except shape.Refused as err:
        return problem(err.status, err.detail)
    needed = policy.required_role(request.endpoint or "", request.method)
    if role < needed:
        return problem(403, f"This operation needs the {needed.label} role; user {user} is "
                       f"{role.label}. Nothing was changed.")
    return None
