"""Pieces every edit shares: the edit type, a field's shown value, set-or-remove a key, names
of new blocks, and every refused field of an edit at once (:class:`Problems`)."""

from __future__ import annotations

import re
from collections.abc import Callable

from piranha_web.errors import DuplicateNameError, EditError, EditErrors
from piranha_web.lvscf import Document
from piranha_web.lvscf.syntax import QuotingError

#: a change to lvs.cf, applied by the save service
Edit = Callable[[Document], None]


def shown_value(doc: Document, key: str, *, virtual: str | None = None,
                server: str | None = None) -> str | None:
    """The value of ``key`` as a form shows it (None: absent).

    ``key = value # comment`` is an error for pulse (``#`` starts a comment only at the start
    of a line); the form shows the words before the ``#``, never the comment as part of the
    value, and the line's finding is shown beside the field.  Other values are as written.
    """
    found = [st for st in doc.statements(virtual=virtual, server=server) if st.key == key]
    if not found:
        return None
    statement = found[-1]
    try:
        tokens = statement.values
    except QuotingError:
        return statement.value
    words = []
    for token in tokens:
        if not token.quote and token.text.startswith("#"):
            break
        words.append(token.text)
    return " ".join(words)


def set_or_unset(
    doc: Document, key: str, value: str, *, virtual: str, server: str | None = None
) -> None:
    """``key = value``, or remove the key when ``value`` is blank."""
    doc.set(key, value if value != "" else None, virtual=virtual, server=server)


#: names this tool gives new or renamed blocks (existing names in the file are left alone)
NAME_RE = re.compile(r"[A-Za-z0-9_.:@+~\[\]-]{1,64}")


def check_new_name(name: str, what: str) -> None:
    """Refuse an empty or unusual name for a new or renamed virtual/real server."""
    if not name:
        raise EditError("name", f"Enter a name for the {what}.")
    if not NAME_RE.fullmatch(name):
        raise EditError(
            "name",
            "Use at most 64 letters, digits and _ . - : [ ] @ + ~ (no blanks, quotes or "
            "other characters) for the name.",
        )


class Problems:
    """The refused fields of one edit, collected so that every field's error shows at once.

    ``attempt(action)`` runs one field's part of an edit and keeps its :class:`EditError`
    (a :class:`DuplicateNameError` becomes the name field's error); ``raise_any()`` ends the
    edit with :class:`EditErrors` when any field was refused.  the save service then adds
    the errors the rest of the edit would bring to the file.
    """

    def __init__(self) -> None:
        self.errors: list[EditError] = []

    def attempt(self, action: Callable[[], object]) -> bool:
        try:
            action()
        except EditError as err:
            self.errors.append(err)
            return False
        except DuplicateNameError as err:
            self.errors.append(EditError("name", str(err)))
            return False
        return True

    def refuse(self, key: str, message: str) -> None:
        self.errors.append(EditError(key, message))

    def raise_any(self) -> None:
        if self.errors:
            raise EditErrors(self.errors)
