"""Blueprint ``users`` (admins only, see ``web.policy``): accounts and their roles.

    GET  /users/                      every user, role and API token; ADD; SET ROLE per user
    POST /users/   action=ADD|SET ROLE|CREATE TOKEN|REVOKE TOKEN
    GET/POST /users/password?user=U   SET PASSWORD of another user
    GET/POST /users/delete?user=U     DELETE after a confirmation page (never on Enter)

Every change ends the changed user's sessions at once (``accounts.stamp``) and is recorded in
the audit trail (kind ``user``) before it is made: when the trail cannot be written the change
is refused (503), and a change refused afterwards reads as not completed.  The last admin can
be neither deleted nor demoted.  Deleting a user or setting its password also revokes its API
tokens (``Accounts``).  CREATE TOKEN and REVOKE TOKEN are recorded first (actions
``token-create``/``token-revoke``, the id, never the token): when the audit trail cannot be
written nothing changes and the page says so (503).  A new token is shown once, in the answer
to CREATE TOKEN itself (never in the session or a redirect).  One's own password is changed on
CHANGE PASSWORD (CONTROL/MONITORING), which asks for the current one.

Every error of a form shows at once: a role or user outside its list does not hide the user
name's, the password's or the label's error, and its message names the refused value.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from piranha_web.accounts import Accounts, Role, password_problem
from piranha_web.audit import AuditEntry
from piranha_web.auth import check_user_name, passwd_command
from piranha_web.errors import AuditError, AuthError
from piranha_web.tokens import Recorder, TokenInfo, TokenStore, label_problem
from piranha_web.web import journal, panel
from piranha_web.web.services import services
from piranha_web.web.users.form import (
    AddUserForm,
    CreateTokenForm,
    RevokeTokenForm,
    RoleForm,
    SetPasswordForm,
    UserForm,
)

bp = Blueprint("users", __name__, url_prefix="/users")
Page = Response | tuple[str, int]


def _list(add: AddUserForm | None = None, status: int = 200,
          created: tuple[TokenInfo, str] | None = None,
          create: CreateTokenForm | None = None) -> tuple[str, int]:
    accounts = services().accounts.list()
    role_forms = {a.name: RoleForm(formdata=None, user=a.name, role=a.role.label)
                  for a in accounts}
    tokens: dict[str, list[TokenInfo]] = {}
    for info in TokenStore(services().state_dir).list():
        tokens.setdefault(info.user, []).append(info)
    state_dir = current_app.extensions["piranha_web.settings"].state_dir
    return render_template("users/index.html", accounts=accounts, role_forms=role_forms,
                           add=add or AddUserForm(formdata=None), tokens=tokens,
                           revoke=RevokeTokenForm(formdata=None),
                           create=_create_form(create or CreateTokenForm(formdata=None)),
                           new_token=created, created_at=_created_at,
                           passwd_hint=passwd_command(state_dir)), status


def _created_at(info: TokenInfo) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(info.created))


def _create_form(form: CreateTokenForm) -> CreateTokenForm:
    form.user.choices = [(a.name, a.name) for a in services().accounts.list()]
    return form


def _token_recorder(action: str) -> Recorder:
    """The audit line of a token change, written before the change (refused without)."""

    def record(info: TokenInfo) -> None:
        services().audit.record("user", journal.actor(), client=journal.client(),
                                action=action, target=info.user, token_id=info.id,
                                label=info.label, via="web")

    return record


def _audit_refusal(err: AuditError) -> tuple[str, int]:
    flash(f"Nothing changed: every token change is recorded in the audit trail, and it "
          f"cannot be written ({err}).", "error")
    return _list(status=503)


def _refused(form: FlaskForm, fields: Iterable[str]) -> bool | None:
    """Validate ``form``: False when it is valid; True when only ``fields`` were refused (a
    value outside a list; each then has a message naming the value, and the caller adds
    every other field's error so that all show at once); None when anything else failed
    (the CSRF token): the form is answered as it is."""
    if form.validate():
        return False
    refused = panel.refused_by_form(form, fields)
    if refused is None:
        return None
    for name, messages in refused.items():
        getattr(form, name).errors = messages
    return True


def _create_token() -> Page:
    """CREATE TOKEN: the audit line first, then the token, shown on this answer only."""
    form = _create_form(CreateTokenForm())
    refused = _refused(form, ["user"])
    if refused is None:
        return _list(status=400, create=form)
    label = (form.label.data or "").strip()
    problem = label_problem(label)
    if problem is not None:
        form.label.errors = [problem.capitalize() + "."]
    if refused or problem is not None:
        return _list(status=400, create=form)
    try:
        created = TokenStore(services().state_dir).create(
            form.user.data or "", label, record=_token_recorder("token-create"))
    except AuditError as err:
        return _audit_refusal(err)
    except AuthError as err:
        form.label.errors = [str(err)]
        return _list(status=400, create=form)
    return _list(created=created)


def _revoke_token() -> Page:
    """REVOKE TOKEN: the audit line first; without it the token stays (503)."""
    form = RevokeTokenForm()
    if not form.validate():
        return _list(status=400)
    user, token_id = form.user.data or "", form.token.data or ""
    try:
        revoked = TokenStore(services().state_dir).revoke(
            user, token_id, record=_token_recorder("token-revoke"))
    except AuditError as err:
        return _audit_refusal(err)
    if not revoked:
        flash(f"Nothing changed: user {user} has no token {token_id}.", "error")
        return _list(status=400)
    flash(f"Token {token_id} of {user} revoked.", "success")
    return redirect(url_for(".index"), code=303)


def _begin(**details: Any) -> AuditEntry | None:
    """Record the change before it is made; None (and a message) when the trail cannot."""
    try:
        return journal.record_first("user", **details)
    except AuditError as err:
        flash(f"Nothing changed: every user change is recorded in the audit trail first, and "
              f"it cannot be written ({err}).", "error")
        return None


def _done(message: str, entry: AuditEntry) -> Response:
    journal.done(entry)
    flash(message, "success")
    return redirect(url_for(".index"), code=303)


def _add_errors(add: AddUserForm, accounts: Accounts) -> bool:
    """Put every error of the ADD form beside its field at once (user name, password; the
    role's is there already); True when there is any."""
    name = (add.name.data or "").strip()
    try:
        check_user_name(name)
        if accounts.role_of(name) is not None:
            add.name.errors = [f"User {name} exists already."]
    except AuthError as err:
        add.name.errors = [str(err).capitalize() + "."]
    password = add.password.data or ""
    problem = password_problem(password)
    if problem is None and password != (add.repeat.data or ""):
        problem = "the two passwords differ"
    if problem:
        add.password.errors = [problem.capitalize() + "."]
    return bool(add.name.errors or add.password.errors)


@bp.route("/", methods=["GET", "POST"])
def index() -> Page:
    if request.method != "POST":
        return _list()
    accounts = services().accounts
    if panel.action() == "REVOKE TOKEN":
        return _revoke_token()
    if panel.action() == "CREATE TOKEN":
        return _create_token()
    if panel.action() == "SET ROLE":
        form = RoleForm()
        refused = _refused(form, ["role"])
        if refused is None:
            return _list(status=400)
        if refused:
            flash(f"Nothing changed for {form.user.data}: {' '.join(form.role.errors)}", "error")
            return _list(status=400)
        user, role = form.user.data or "", Role.parse(form.role.data or "")
        entry = _begin(action="role", target=user, role=role.label)
        if entry is None:
            return _list(status=503)
        try:
            accounts.set_role(user, role)
        except AuthError as err:
            flash(f"Nothing changed: {err}.", "error")
            return _list(status=400)
        return _done(f"User {user} is now {role.label}; its sessions have ended.", entry)
    add = AddUserForm()
    refused = _refused(add, ["role"])
    if refused is None or _add_errors(add, accounts) or refused:
        return _list(add, 400)
    name = (add.name.data or "").strip()
    password = add.password.data or ""
    entry = _begin(action="add", target=name, role=add.role.data)
    if entry is None:
        return _list(add, 503)
    try:
        accounts.add(name, password, Role.parse(add.role.data or "viewer"))
    except AuthError as err:
        add.name.errors = [str(err)]
        return _list(add, 400)
    return _done(f"User {name} added with role {add.role.data}.", entry)


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
    entry = _begin(action="passwd", target=user)
    if entry is None:
        return render_template("users/password.html", form=form, user=user), 503
    try:
        services().accounts.set_password(user, new)
    except AuthError as err:
        form.password.errors = [str(err)]
        return render_template("users/password.html", form=form, user=user), 400
    return _done(f"Password of {user} set; its sessions have ended.", entry)


@bp.route("/delete", methods=["GET", "POST"])
def delete() -> Page:
    user = panel.arg("user")
    if request.method != "POST":
        form = UserForm(formdata=None, user=user)
        return render_template("users/delete.html", form=form, user=user), 200
    form = UserForm()
    if not form.validate() or panel.action() != "DELETE":
        return redirect(url_for(".index"), code=303)
    entry = _begin(action="del", target=user)
    if entry is None:
        return _list(status=503)
    try:
        services().accounts.delete(user)
    except AuthError as err:
        flash(f"Nothing changed: {err}.", "error")
        return _list(status=400)
    return _done(f"User {user} deleted; its sessions have ended.", entry)
