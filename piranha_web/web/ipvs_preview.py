"""What an edit would change in the running IPVS table, before ACCEPT (PREVIEW IPVS buttons).

The edit runs on a copy of lvs.cf as loaded (nothing is written); the table lvsd and its
nannies would build from the copy is compared with the one they build from lvs.cf now
(``netinfo.running``, the same pure function as CONTROL's RUNNING VS SAVED), giving the
``ipvsadm`` commands the change means once the daemons apply it.
"""

from __future__ import annotations

from dataclasses import dataclass

from piranha_web.edits.common import Edit
from piranha_web.errors import LvsCfError
from piranha_web.lvscf import Document
from piranha_web.netinfo.running import Difference, differences, planned


@dataclass(frozen=True)
class Preview:
    """The ipvsadm commands of an edit, or why there are none (``problem``)."""

    changes: tuple[Difference, ...] = ()
    problem: str = ""


def preview(doc: Document, edit: Edit) -> Preview:
    """The table changes ``edit`` would bring, computed on a copy of ``doc``."""
    changed = doc.copy()
    try:
        edit(changed)
        new = changed.model()
    except LvsCfError as err:
        return Preview(problem=f"The change cannot be written as it is: {err}")
    return Preview(tuple(differences(planned(new), planned(doc.model()))))
