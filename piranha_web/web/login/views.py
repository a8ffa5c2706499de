"""Blueprint ``login``: the login page and logout (the only public page).

Failed logins are counted per client address and user name; after a few, that pair is locked
for a growing time and further attempts are refused at once with 429 (the worker never sleeps).
"""

from __future__ import annotations

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
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField

from piranha_web.auth import DEFAULT_USER
from piranha_web.web import journal
from piranha_web.web.security import end_session, safe_next, start_session
from piranha_web.web.services import services
from piranha_web.web.settings import WebSettings

bp = Blueprint("login", __name__)


class LoginForm(FlaskForm):
    """User name (``piranha`` by default, like Piranha) and password."""

    username = StringField("Username", default=DEFAULT_USER)
    password = PasswordField("Password")


def _settings() -> WebSettings:
    found: WebSettings = current_app.extensions["piranha_web.settings"]
    return found


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if request.method != "POST":
        return render_template("login.html", form=form, next_url=next_url)
    if not form.validate():
        return render_template("login.html", form=form, next_url=next_url), 400
    user = (form.username.data or "").strip()
    client = request.remote_addr or "unknown"
    throttle = services().login_throttle
    wait = throttle.wait_seconds(client, user)
    if wait > 0:
        journal.record("lockout", user=user, wait=int(wait + 0.999))
        flash(
            f"Too many failed logins. Wait {int(wait + 0.999)} seconds before trying again.",
            "error",
        )
        response = make_response(render_template("login.html", form=form, next_url=next_url))
        response.status_code = 429
        response.headers["Retry-After"] = str(int(wait + 0.999))
        return response
    if not services().passwords.verify(user, form.password.data or ""):
        lock = throttle.failed(client, user)
        journal.record("login-failed", user=user, locked_for=int(lock + 0.999))
        message = "Wrong user name or password."
        if lock > 0:
            message += f" Too many failed logins: wait {int(lock + 0.999)} seconds."
        flash(message, "error")
        return render_template("login.html", form=form, next_url=next_url), 401
    throttle.succeeded(client, user)
    start_session(_settings(), user)
    journal.record("login", user=user)
    return redirect(next_url or url_for("home"), code=303)


@bp.post("/logout")
def logout() -> Response:
    journal.record("logout")
    end_session(_settings())
    flash("You have logged out.", "info")
    return redirect(url_for("login.login"), code=303)
