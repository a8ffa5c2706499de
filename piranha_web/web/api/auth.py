"""API authentication and authorization: Bearer tokens, failed-token throttling, roles.

Every request under ``/api/`` is authenticated here, before anything else looks at it (the
session cookie is never consulted, so the API needs no CSRF token): a missing, malformed,
unknown or revoked token is 401 for every path and method.  A client that presented wrong
tokens repeatedly is locked out with the login's growing lockout (``LoginThrottle``, a
separate instance so API failures never lock out browser logins), 429 with Retry-After.

Each operation declares its minimum role with :func:`requires`; ``install`` enters them in the
web's one role table (``policy.POLICY``), so the API and the panels are judged by the same
table and the same accounts (``Accounts.role_of``): a viewer reads, an operator may do what
the web's operator may (activate/deactivate, a real server's weight, checks, SYNC NOW).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Request, current_app, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.wrappers import Response

from piranha_web.accounts import Role
from piranha_web.auth import LoginThrottle
from piranha_web.tokens import TokenStore
from piranha_web.web import policy
from piranha_web.web.api.problems import problem
from piranha_web.web.policy import Rule
from piranha_web.web.services import services

PREFIX = "/api/"
#: view endpoint -> minimum role, as declared with :func:`requires` (copied into policy.POLICY)
DECLARED: dict[str, Rule] = {}
THROTTLE_KEY = "piranha_web.api_throttle"
#: operations that take a whole lvs.cf (a 1,000 x 32 file is 3.4 MB): a larger body limit, for
#: authenticated requests only (everything else keeps the app's MAX_CONTENT_LENGTH)
WHOLE_TEXT = frozenset({"api.put_config", "api.check_findings"})
WHOLE_TEXT_LIMIT = 16 * 1024 * 1024
#: the throttle's "user" for token failures (the token names no user before it is checked)
TOKEN_SUBJECT = "(api token)"  # noqa: S105 (not a secret)
F = TypeVar("F", bound=Callable[..., object])


def requires(role: Rule) -> Callable[[F], F]:
    """Declare the minimum role of an API view (decorate under the route decorator)."""

    def record(func: F) -> F:
        DECLARED[f"api.{func.__name__}"] = role
        return func

    return record


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
    app.extensions[THROTTLE_KEY] = LoginThrottle()
    app.session_interface = NoSessionForTheApi()
    app.before_request_funcs.setdefault(None, []).insert(0, authenticate)


def authenticate() -> Response | None:
    if not request.path.startswith(PREFIX):
        return None
    throttle: LoginThrottle = current_app.extensions[THROTTLE_KEY]
    client = request.remote_addr or ""
    challenge = {"WWW-Authenticate": 'Bearer realm="piranha-web"'}
    wait = throttle.wait_seconds(client, TOKEN_SUBJECT)
    if wait > 0:
        return problem(429, "Too many wrong API tokens from this address; wait and try again.",
                       headers={"Retry-After": str(math.ceil(wait))})
    header = request.headers.get("Authorization")
    if not header:
        return problem(401, "Send an API token: Authorization: Bearer TOKEN "
                       "(piranha-web token create --user USER).", headers=challenge)
    scheme, _, token = header.partition(" ")
    user = TokenStore(services().state_dir).user_of(token.strip()) \
        if scheme.lower() == "bearer" else None
    role = services().accounts.role_of(user) if user is not None else None
    if user is None or role is None:
        throttle.failed(client, TOKEN_SUBJECT)
        return problem(401, "The API token is not valid (unknown, revoked or malformed).",
                       headers={**challenge, "WWW-Authenticate":
                                'Bearer realm="piranha-web", error="invalid_token"'})
    throttle.succeeded(client, TOKEN_SUBJECT)
    g.api_user = user
    if request.endpoint in WHOLE_TEXT:
        request.max_content_length = WHOLE_TEXT_LIMIT
    if request.url_rule is None:
        return None  # 404/405: the routing error is answered as a problem
    needed = policy.required_role(request.endpoint or "", request.method)
    if role < needed:
        return problem(403, f"This operation needs the {needed.label} role; user {user} is "
                       f"{role.label}. Nothing was changed.")
    return None
