"""A ``server`` block inside a virtual server as the EDIT REAL SERVER fields describe it.

Shared by the REAL SERVER panel, the REST API and the role policy.  Port blank means the
virtual server's Application port (the key is not written).  ACCEPT writes only the changed
fields; a NEW real server gets Piranha's ADD keys, inactive (``active = 0``) unless its Active
box is ticked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from functools import partial

from piranha_web.edits.common import Edit, Problems, check_new_name, set_or_unset, shown_value
from piranha_web.errors import NotFoundError
from piranha_web.lvscf import Document
from piranha_web.lvscf import schema as s

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


def initial_values(doc: Document, virtual: str, server: str) -> dict[str, str]:
    """What the form shows for real server ``server`` of ``virtual``."""
    doc.find_server(virtual, server)

    def raw(key: str, default: str = "") -> str:
        value = shown_value(doc, key, virtual=virtual, server=server)
        return value if value is not None else default

    return {"name": server, "address": raw("address"), "port": raw("port"),
            "weight": raw("weight", "1")}


def edit_existing(todo: dict[str, str], virtual: str, server: str
                  ) -> Edit:
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


def add_server(virtual: str, values: Mapping[str, str]) -> Edit:
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
