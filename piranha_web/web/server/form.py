"""The EDIT REAL SERVER form and how it maps onto a ``server`` block inside a virtual server.

Port blank means the virtual server's Application port (the key is not written).  ACCEPT
writes only the changed fields; a NEW real server gets Piranha's ADD keys (``active = 0``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from wtforms import StringField

from piranha_web.errors import EditError
from piranha_web.lvscf import Document
from piranha_web.lvscf import schema as s
from piranha_web.web.panel import (
    RevisionForm,
    check_new_name,
    set_or_unset,
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


def initial_values(doc: Document, virtual: str, server: str) -> dict[str, str]:
    """What the form shows for real server ``server`` of ``virtual``."""
    doc.find_server(virtual, server)

    def raw(key: str, default: str = "") -> str:
        value = doc.get(key, virtual=virtual, server=server)
        return value if value is not None else default

    return {"name": server, "address": raw("address"), "port": raw("port"),
            "weight": raw("weight", "1")}


def edit_existing(todo: dict[str, str], virtual: str, server: str
                  ) -> Callable[[Document], None]:
    """The edit ACCEPT applies to one real server: the changed fields ``todo``."""

    def edit(doc: Document) -> None:
        target = server
        if "name" in todo:
            check_new_name(todo["name"], "real server")
            doc.rename_server(virtual, server, todo["name"])
            target = todo["name"]
        for key in PLAIN_KEYS:
            if key in todo:
                if key == "address" and not todo[key]:
                    raise EditError("address", "Enter the real server's IP address.")
                set_or_unset(doc, key, todo[key], virtual=virtual, server=target)

    return edit


def create_new(form: ServerForm, virtual: str) -> Callable[[Document], None]:
    """The edit ACCEPT applies for a NEW real server of ``virtual``."""
    return add_server(virtual, {key: submitted(getattr(form, key)) for key in FIELDS})


def add_server(virtual: str, values: Mapping[str, str]) -> Callable[[Document], None]:
    """A NEW real server of ``virtual`` from the form's fields (``FIELDS``)."""
    name = values.get("name", "")

    def edit(doc: Document) -> None:
        check_new_name(name, "real server")
        address = values.get("address", "")
        if not address:
            raise EditError("address", "Enter the real server's IP address.")
        keys = {
            "address": address,
            "active": "0",
            "port": values.get("port") or None,
            "weight": values.get("weight") or None,
        }
        doc.add_server(virtual, name, keys)

    return edit
