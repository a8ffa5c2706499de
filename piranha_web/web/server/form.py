"""The EDIT REAL SERVER form and how it maps onto a ``server`` block inside a virtual server.

Port blank means the virtual server's Application port (the key is not written).  ACCEPT
writes only the changed fields; a NEW real server gets Piranha's ADD keys, inactive
(``active = 0``) unless its Active box is ticked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from functools import partial

from wtforms import BooleanField, StringField

from piranha_web.errors import NotFoundError
from piranha_web.lvscf import Document
from piranha_web.lvscf import schema as s
from piranha_web.web.panel import (
    Problems,
    RevisionForm,
    check_new_name,
    set_or_unset,
    shown_value,
    submitted,
)

PLAIN_KEYS = ("address", "port", "weight")
FIELDS = ("name", *PLAIN_KEYS)
ADD_DEFAULTS = {"name": "", "address": "", "port": "", "weight": "1"}

HELP: dict[str, str] = {
    "name": "A descriptive name for the real server. This name is not the hostname for the "
    "machine, so make it descriptive and easily identifiable.",
}
for _key in PLAIN_KEYS:
    _spec = s.spec("server", _key)
    HELP[_key] = _spec.help if _spec else ""


class ServerForm(RevisionForm):
    """Fields of the EDIT REAL SERVER panel."""

    name = StringField("Name")
    address = StringField("Address")
    port = StringField("Port")
    weight = StringField("Weight")
    #: only on the form of a NEW real server (Piranha adds real servers inactive)
    active = BooleanField("Active")


def initial_values(doc: Document, virtual: str, server: str) -> dict[str, str]:
    """What the form shows for real server ``server`` of ``virtual``."""
    doc.find_server(virtual, server)

    def raw(key: str, default: str = "") -> str:
        value = shown_value(doc, key, virtual=virtual, server=server)
        return value if value is not None else default

    return {"name": server, "address": raw("address"), "port": raw("port"),
            "weight": raw("weight", "1")}


def edit_existing(todo: dict[str, str], virtual: str, server: str
                  ) -> Callable[[Document], None]:
    """The edit ACCEPT applies to one real server: the changed fields ``todo`` (all tried)."""

    def edit(doc: Document) -> None:
        problems = Problems()
        target = server
        if "name" in todo:
            new = todo["name"]
            if problems.attempt(lambda: check_new_name(new, "real server")) and \
                    problems.attempt(lambda: doc.rename_server(virtual, server, new)):
                target = new
        for key in PLAIN_KEYS:
            if key not in todo:
                continue
            if key == "address" and not todo[key]:
                problems.refuse("address", "Enter the real server's IP address.")
                continue
            problems.attempt(partial(set_or_unset, doc, key, todo[key], virtual=virtual,
                                     server=target))
        problems.raise_any()

    return edit


#: the block name a NEW real server is checked under while its own name is refused
UNNAMED = "piranha-web-unnamed"


def create_new(form: ServerForm, virtual: str) -> Callable[[Document], None]:
    """The edit ACCEPT applies for a NEW real server of ``virtual``."""
    values = {key: submitted(getattr(form, key)) for key in FIELDS}
    values["active"] = "1" if form.active.data else ""
    return add_server(virtual, values)


def add_server(virtual: str, values: Mapping[str, str]) -> Callable[[Document], None]:
    """A NEW real server of ``virtual`` from the form's fields (``FIELDS``, and ``active``
    "1" to add it active); every field is checked, so all errors are reported at once."""
    name = values.get("name", "")

    def edit(doc: Document) -> None:
        problems = Problems()
        named = problems.attempt(lambda: check_new_name(name, "real server"))
        target = name if named else UNNAMED
        address = values.get("address", "")
        if not address:
            problems.refuse("address", "Enter the real server's IP address.")
        keys: dict[str, str | None] = {
            "address": address or None,
            "active": "1" if values.get("active") == "1" else "0",
            "port": values.get("port") or None,
            "weight": values.get("weight") or None,
        }
        while not problems.attempt(lambda: doc.add_server(virtual, target, keys)):
            refused = problems.errors[-1].key
            if refused not in keys or keys[refused] is None:
                break
            keys[refused] = None  # check the others without it
            with contextlib.suppress(NotFoundError):  # a half-added block goes
                doc.remove_server(virtual, target)
        problems.raise_any()

    return edit
