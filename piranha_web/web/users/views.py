"""Blueprint ``users`` (admins only, see ``web.policy``): accounts and their roles.

    GET  /users/                      every user and role; ADD form; SET ROLE per user
    POST /users/   action=ADD|SET ROLE
    GET/POST /users/password?user=U   SET PASSWORD of another user
    GET/POST /users/delete?user=U     DELETE after a confirmation page (never on Enter)

Every change ends the changed user's sessions at once (``accounts.stamp``) and is recorded in
the audit trail (kind ``user``).  The last admin can be neither deleted nor demoted.  One's own
password is changed on CHANGE PASSWORD (CONTROL/MONITORING), which asks for the current one.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from piranha_web.accounts import Role, password_problem
from piranha_web.auth import passwd_command
from piranha_web.errors import AuthError
from piranha_web.web import journal, panel
from piranha_web.web.services import services
from piranha_web.web.users.form import AddUserForm, RoleForm, SetPasswordForm, UserForm

bp = Blueprint("users", __name__, url_prefix="/users")
Page = Response | tuple[str, int]


def _list(add: AddUserForm | None = None, status: int = 200) -> tuple[str, int]:
    accounts = services().accounts.list()
    role_forms = {a.name: RoleForm(formdata=None, user=a.name, role=a.role.label)
                  for a in accounts}
    state_dir = current_app.extensions["piranha_web.settings"].state_dir
    return render_template("users/index.html", accounts=accounts, role_forms=role_forms,
                           add=add or AddUserForm(formdata=None),
                           passwd_hint=passwd_command(state_dir)), status


def _done(message: str, **details: Any) -> Response:
    journal.record("user", **details)
    flash(message, "success")
    return redirect(url_for(".index"), code=303)


@bp.route("/", methods=["GET", "POST"])
def index() -> Page:
    if request.method != "POST":
        return _list()
    accounts = services().accounts
    if panel.action() == "SET ROLE":
        form = RoleForm()
        if not form.validate():
            return _list(status=400)
        user, role = form.user.data or "", Role.parse(form.role.data or "")
        try:
            accounts.set_role(user, role)
        except AuthError as err:
            flash(f"Nothing changed: {err}.", "error")
            return _list(status=400)
        return _done(f"User {user} is now {role.label}; its sessions have ended.",
                     action="role", target=user, role=role.label)
    add = AddUserForm()
    if not add.validate():
        return _list(add, 400)
    name = (add.name.data or "").strip()
    password = add.password.data or ""
    problem = password_problem(password)
    if problem is None and password != (add.repeat.data or ""):
        problem = "the two passwords differ"
    if problem:
        add.password.errors = [problem.capitalize() + "."]
        return _list(add, 400)
    try:
        accounts.add(name, password, Role.parse(add.role.data or "viewer"))
    except AuthError as err:
        add.name.errors = [str(err)]
        return _list(add, 400)
    return _done(f"User {name} added with role {add.role.data}.", action="add", target=name,
                 role=add.role.data)


@bp.route("/password", methods=["GET", "POST"])
def password() -> Page:
    user = panel.arg("user")
    form = SetPasswordForm() if request.method == "POST" else SetPasswordForm(
        formdata=None, user=user)
    if request.method != "POST":
        return render_template("users/password.html", form=form, user=user), 200
    if not form.validate():
        return render_template("users/password.html", form=form, user=user), 400
    new = form.password.data or ""
    problem = password_problem(new)
    if problem is None and new != (form.repeat.data or ""):
        problem = "the two passwords differ"
    if problem:
        form.password.errors = [problem.capitalize() + "."]
        return render_template("users/password.html", form=form, user=user), 400
    try:
        services().accounts.set_password(user, new)
    except AuthError as err:
        form.password.errors = [str(err)]
        return render_template("users/password.html", form=form, user=user), 400
    return _done(f"Password of {user} set; its sessions have ended.", action="passwd",
                 target=user)


@bp.route("/delete", methods=["GET", "POST"])
def delete() -> Page:
    user = panel.arg("user")
    if request.method != "POST":
        form = UserForm(formdata=None, user=user)
        return render_template("users/delete.html", form=form, user=user), 200
    form = UserForm()
    if not form.validate() or panel.action() != "DELETE":
        return redirect(url_for(".index"), code=303)
    try:
        services().accounts.delete(user)
    except AuthError as err:
        flash(f"Nothing changed: {err}.", "error")
        return _list(status=400)
    return _done(f"User {user} deleted; its sessions have ended.", action="del", target=user)
