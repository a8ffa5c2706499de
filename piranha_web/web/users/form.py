"""Forms of the USERS page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField

from piranha_web.accounts import Role
from piranha_web.web.panel import choices

ROLE_CHOICES = choices((r.label, r.label) for r in Role)


class AddUserForm(FlaskForm):
    """ADD: a new user with a role and a first password."""

    name = StringField("User name")
    role = SelectField("Role", choices=ROLE_CHOICES, default="viewer")
    password = PasswordField("Password")
    repeat = PasswordField("Repeat password")


class RoleForm(FlaskForm):
    """SET ROLE of one user (its sessions end)."""

    user = HiddenField()
    role = SelectField("Role", choices=ROLE_CHOICES)


class UserForm(FlaskForm):
    """DELETE confirmation of one user."""

    user = HiddenField()


class SetPasswordForm(FlaskForm):
    """SET PASSWORD of another user (its sessions end)."""

    user = HiddenField()
    password = PasswordField("New password")
    repeat = PasswordField("Repeat new password")


class RevokeTokenForm(FlaskForm):
    """REVOKE of one API token of a user (by the token's id, never the token)."""

    user = HiddenField()
    token = HiddenField()


class CreateTokenForm(FlaskForm):
    """CREATE TOKEN: a new API token of a user; the token is shown once, on the answer."""

    user = SelectField("User", choices=[], id="token-user")
    label = StringField("Label (what it is for)", id="token-label")
