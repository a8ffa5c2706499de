"""MONITORING SCRIPTS of one virtual server: Sending Program, Send, Expect, use_regex.

Shared by the MONITORING SCRIPTS panel, the TEST panel (probe), FINDINGS and the REST API.
A blank field removes its key; ``use_regex`` is written ``1`` or ``0``.
"""

from __future__ import annotations

from collections.abc import Mapping

from piranha_web.edits.common import Edit, set_or_unset, shown_value
from piranha_web.lvscf import Document
from piranha_web.lvscf import schema as s

KEYS = ("send_program", "send", "expect")
FIELDS = (*KEYS, "use_regex")
#: button -> the key it removes
BLANKS = {"NO SEND PROGRAM": "send_program", "BLANK SEND": "send", "BLANK EXPECT": "expect"}
HELP = {key: (spec.help if (spec := s.spec("virtual", key)) else "") for key in FIELDS}
HELP["use_regex"] = (
    "nanny then matches the expect string anywhere in the first chunk of the answer as an "
    "extended regular expression. Write \\\\. in lvs.cf for a regex \\. (nanny converts "
    "escapes first and hangs on unknown ones)."
)


def initial_values(doc: Document, virtual: str) -> dict[str, str]:
    """The fields' values for ``virtual`` (NotFoundError when there is no such block)."""
    doc.find_virtual(virtual)
    values = {key: shown_value(doc, key, virtual=virtual) or "" for key in KEYS}
    values["use_regex"] = "1" if doc.model().virtual(virtual).monitor.use_regex else ""
    return values


def edit(todo: Mapping[str, str], virtual: str) -> Edit:
    """Write the changed fields ``todo`` (field -> submitted value) to ``virtual``."""
    changes = dict(todo)

    def apply(doc: Document) -> None:
        for key, value in changes.items():
            if key == "use_regex":
                doc.set("use_regex", "1" if value else "0", virtual=virtual)
            else:
                set_or_unset(doc, key, value, virtual=virtual)

    return apply
