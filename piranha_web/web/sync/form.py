"""The "backup-sync settings" form: how lvs.cf is copied to the backup router.

Field names are those of :class:`~piranha_web.sync.SyncSettings` with the prefix ``sync-`` (the
form is also shown inside the REDUNDANCY panel beside its own fields).  Values are checked by
``SyncSettings.problems()`` so the form and the command line refuse exactly the same things.
"""

from __future__ import annotations

import shlex

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional

from piranha_web.sync import SyncSettings
from piranha_web.web.fields import WholeNumberField

PREFIX = "sync-"

HELP = {
    "host": "Leave blank to use the Redundant server public IP of the REDUNDANCY panel "
    "(lvs.cf's backup). Set it only when the backup router is reached at another address.",
    "user": "The SSH user on the backup router. It must be allowed to write lvs.cf there.",
    "port": "The backup router's SSH port.",
    "remote_path": "Where lvs.cf lives on the backup router. Blank: the same path as here.",
    "identity_file": "The SSH private key on this router used to log in to the backup router. "
    "Blank: ssh's default keys of the user running piranha-web.",
    "reload_command": "Run on the backup router after every verified copy, e.g. "
    "'service pulse reload'. Blank: none. Each word is quoted for the remote shell.",
    "auto_sync": "Copy lvs.cf to the backup router after every ACCEPT.",
    "connect_timeout": "Seconds to wait for the backup router to answer.",
}


class SyncSettingsForm(FlaskForm):
    """The sync settings; ``back`` is the page to return to after saving."""

    host = StringField("Backup router address", validators=[Optional()])
    user = StringField("SSH user", validators=[InputRequired()])
    port = WholeNumberField("SSH port", validators=[InputRequired(), NumberRange(1, 65535)])
    remote_path = StringField("lvs.cf path on the backup router", validators=[Optional()])
    identity_file = StringField("SSH identity file", validators=[Optional()])
    reload_command = StringField("Reload command on the backup router",
                                 validators=[Optional()])
    auto_sync = BooleanField("Copy after every ACCEPT")
    connect_timeout = WholeNumberField("Connect timeout (seconds)",
                                   validators=[InputRequired(), NumberRange(1, 300)])
    back = HiddenField()

    class Meta:
        """Shown locked to roles that may not save it (``templating.field_lock``)."""

        locked_by_role = "sync.save_settings"

    def fill(self, settings: SyncSettings) -> None:
        """Show ``settings`` (unset values as blank fields)."""
        for name in ("host", "user", "port", "remote_path", "identity_file",
                     "auto_sync", "connect_timeout"):
            value = getattr(settings, name)
            getattr(self, name).data = "" if value is None else value
        self.reload_command.data = shlex.join(settings.reload_command)

    def settings(self) -> SyncSettings | None:
        """The submitted settings, or None after putting each problem on its field.

        Call it after ``validate()`` so that every field gets its message in one round.
        """
        def text(name: str) -> str | None:
            value = (getattr(self, name).data or "").strip()
            return value or None

        try:
            reload_command = tuple(shlex.split(self.reload_command.data or ""))
        except ValueError as err:
            self.reload_command.errors = [f"Cannot split this into words: {err}."]
            return None
        settings = SyncSettings(
            user=(self.user.data or "").strip(), port=self.port.data or 0,
            remote_path=text("remote_path"), identity_file=text("identity_file"),
            reload_command=reload_command,
            auto_sync=bool(self.auto_sync.data), host=text("host"),
            connect_timeout=self.connect_timeout.data or 0,
        )
        problems = settings.problems()
        for name, message in problems:
            field = getattr(self, name)
            if not field.errors:  # one message per field: the form's own check came first
                field.errors = [f"{message[0].upper()}{message[1:]}."]
        return None if problems else settings
