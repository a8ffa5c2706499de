"""The EDIT REAL SERVER form; what its fields mean for lvs.cf is :mod:`piranha_web.edits.server`
(re-exported here for the panel, the REST API and the role policy)."""

from __future__ import annotations

from wtforms import BooleanField, StringField

from piranha_web.edits.common import Edit
from piranha_web.edits.server import (
    ADD_DEFAULTS,
    FIELDS,
    HELP,
    PLAIN_KEYS,
    UNNAMED,
    add_server,
    edit_existing,
    initial_values,
)
from piranha_web.web.panel import RevisionForm, submitted

__all__ = ["ADD_DEFAULTS", "FIELDS", "HELP", "PLAIN_KEYS", "UNNAMED", "ServerForm",
           "add_server", "create_new", "edit_existing", "initial_values"]


class ServerForm(RevisionForm):
    """Fields of the EDIT REAL SERVER panel."""

    name = StringField("Name")
    address = StringField("Address")
    port = StringField("Port")
    weight = StringField("Weight")
    #: only on the form of a NEW real server (Piranha adds real servers inactive)
    active = BooleanField("Active")


def create_new(form: ServerForm, virtual: str) -> Edit:
    """The edit ACCEPT applies for a NEW real server of ``virtual``."""
    values = {key: submitted(getattr(form, key)) for key in FIELDS}
    values["active"] = "1" if form.active.data else ""
    return add_server(virtual, values)
