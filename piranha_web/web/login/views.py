"""Blueprint ``login``: the login page and logout (the only public page).

Failed logins are counted per client and user name (a few free, then a growing lock of that
pair) and per user across clients (many free, then a short, growing slowdown for every client
the user is not known on); see :class:`~piranha_web.auth.LoginThrottle`.  Refused attempts get
429 at once (the worker never sleeps).  The check and the record are one atomic step.  Failed
logins and lockouts go to the bounded ``audit-refused.log`` (names cut, an hourly budget: see
:mod:`piranha_web.audit`), never to the log of authenticated actions.  LOGOUT fails closed: when
the revocation cannot be saved the session still ends and this process refuses its cookie.

A successful login leaves a signed *device cookie* (user name and a random id, 90 days): from
that browser the client is the device, not the address, and the per-user slowdown does not
apply, so guesses from elsewhere, even from the same address, cannot keep the admin out.
"""

from __future__ import annotations

import logging
import secrets

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField

from piranha_web.auth import DEFAULT_USER
from piranha_web.errors import AuthError
from piranha_web.web import journal
from piranha_web.web.security import end_session, safe_next, start_session
from piranha_web.web.services import services
from piranha_web.web.settings import WebSettings

bp = Blueprint("login", __name__)
log = logging.getLogger(__name__)

#: the device cookie's name before the per-instance hash (``WebSettings.cookie_name``)
DEVICE_COOKIE = "piranha_device"
DEVICE_LIFETIME = 90 * 24 * 3600


class LoginForm(FlaskForm):
    """User name (``piranha`` by default, like Piranha) and password."""

    username = StringField("Username", default=DEFAULT_USER)
    password = PasswordField("Password")


def _settings() -> WebSettings:
    found: WebSettings = current_app.extensions["piranha_web.settings"]
    return found


def _page(form: LoginForm, next_url: str | None) -> str:
    """The login page; it names no path of this router (anonymous visitors see it)."""
    return render_template("login.html", form=form, next_url=next_url)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if request.method != "POST":
        return _page(form, next_url)
    if not form.validate():
        return _page(form, next_url), 400
    user = (form.username.data or "").strip()
    device = _device_of(user)
    trusted = device is not None
    client = f"device {device}" if device else request.remote_addr or "unknown"
    throttle = services().login_throttle
    wait = throttle.attempt(client, user, trusted=trusted)
    if wait > 0:
        journal.record("lockout", user=user, wait=int(wait + 0.999))
        flash(
            f"Too many failed logins. Wait {int(wait + 0.999)} seconds before trying again.",
            "error",
        )
        response = make_response(_page(form, next_url))
        response.status_code = 429
        response.headers["Retry-After"] = str(int(wait + 0.999))
        return response
    if not services().passwords.verify(user, form.password.data or ""):
        lock = throttle.wait_seconds(client, user, trusted=True)  # this client's own lock
        journal.record("login-failed", user=user, locked_for=int(lock + 0.999))
        message = "Wrong user name or password."
        if lock > 0:
            message += f" Too many failed logins: wait {int(lock + 0.999)} seconds."
        flash(message, "error")
        return _page(form, next_url), 401
    throttle.succeeded(client, user, trusted=trusted)
    start_session(_settings(), user)
    journal.record("login", user=user)
    done = redirect(next_url or url_for("home"), code=303)
    done.set_cookie(
        _settings().cookie_name(DEVICE_COOKIE, whole_site=False),
        _device_serializer().dumps([user, device or secrets.token_urlsafe(12)]),
        max_age=DEVICE_LIFETIME, httponly=True, samesite="Strict", secure=_settings().tls,
        path=url_for("login.login"),
    )
    return done


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or b"", salt="piranha-device")


def _device_of(user: str) -> str | None:
    """The id of this browser's device cookie when it was issued for ``user``, else None."""
    cookie = request.cookies.get(_settings().cookie_name(DEVICE_COOKIE, whole_site=False))
    if not cookie:
        return None
    try:
        found = _device_serializer().loads(cookie, max_age=DEVICE_LIFETIME)
    except BadSignature:
        return None
    if (isinstance(found, list) and len(found) == 2 and found[0] == user
            and isinstance(found[1], str)):
        return found[1]
    return None


@bp.post("/logout")
def logout() -> Response:
    journal.record("logout")
    try:
        end_session(_settings())
    except AuthError as err:  # fail closed: logged out, and the cookie refused by this server
        log.error("LOGOUT: %s", err)
        flash(f"You have logged out, and this session is refused; but the state directory "
              f"cannot record it ({err}), so after a restart of piranha-web a copy of the "
              "old cookie would work again until it expires. Fix the state directory.",
              "error")
        return redirect(url_for("login.login"), code=303)
    flash("You have logged out.", "info")
    return redirect(url_for("login.login"), code=303)
