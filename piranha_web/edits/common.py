"""Pieces every edit shares: the edit type, a field's shown value, set-or-remove a key."""

from __future__ import annotations

from collections.abc import Callable

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
