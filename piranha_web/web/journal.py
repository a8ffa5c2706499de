"""The web layer's side of the audit trail and the history: who is acting, from where.

    record(kind, **details)          # audit line with the session's user and client address
    record_first(kind, **details)    # the same, pending, raising AuditError: for a change that
                                     # must not go ahead unrecorded (the caller refuses it)
    done(entry, **outcome)           # ... and the change was made (with its outcome)
    recorder(cause, restored_from)   # the store's save hook: audit line + history entry,
                                     # both before lvs.cf is written (a failure refuses the save),
                                     # the audit line marked committed once lvs.cf is written

Saves reach this through ``saving.save_edit``; user changes, settings changes, APPLY, TEST,
CHECK NOW and host-key trust call :func:`record_first` before they act and refuse when it
raises.  Logins, logouts, refused requests and outcomes recorded after the fact call
:func:`record`: a failure there is logged, not fatal (a login must still work when the disk
is full).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import g, has_request_context, request, session

from piranha_web.audit import AuditEntry
from piranha_web.errors import AuditError
from piranha_web.history import summary_of
from piranha_web.store import SaveResult
from piranha_web.web.services import services

log = logging.getLogger(__name__)


def actor() -> str | None:
    """The user of this request: the session's, or the API token's (``g.api_user``)."""
    if not has_request_context():
        return None
    user = g.get("api_user") or session.get("user")
    return user if isinstance(user, str) else None


def client() -> str | None:
    return request.remote_addr if has_request_context() else None


SESSION_USER = "\0session"


def record(kind: str, *, user: str | None = SESSION_USER, **details: Any) -> None:
    """One audit line (``user`` defaults to the session's); a failure is logged only."""
    try:
        services().audit.record(kind, actor() if user == SESSION_USER else user,
                                client=client(), **details)
    except AuditError:
        log.exception("audit trail not written")


def record_first(kind: str, *, user: str | None = SESSION_USER, **details: Any) -> AuditEntry:
    """One audit line before an action, pending until :func:`done`; raises
    :class:`AuditError` (then the caller refuses the action)."""
    return services().audit.record_pending(kind, actor() if user == SESSION_USER else user,
                                           client=client(), **details)


def done(entry: AuditEntry, **outcome: Any) -> None:
    """The action recorded by :func:`record_first` happened (``outcome``: its result)."""
    try:
        services().audit.commit(entry, **outcome)
    except AuditError:
        log.exception("audit trail: done, but the mark not written")


def recorder(cause: str = "web", restored_from: str | None = None,
             summary: tuple[str, ...] | None = None,
             ) -> Callable[[str, SaveResult], Callable[[], None]]:
    """The store's ``recorder`` for a save by the current user (raises: save refused).

    ``summary`` is the change in words when the caller has it already (else computed).
    """
    user = actor()

    def record_save(old_revision: str, result: SaveResult) -> Callable[[], None]:
        words = summary if summary is not None else summary_of(result.old_text or None,
                                                               result.new_text)
        details: dict[str, Any] = {"old": old_revision, "new": result.revision,
                                   "summary": list(words), "cause": cause}
        if restored_from is not None:
            details["restored_from"] = restored_from
        entry = services().audit.record_pending("restore" if restored_from else "save", user,
                                                client=client(), **details)
        services().history.record_save(old_revision, result, user, cause, words,
                                       restored_from)
        return lambda: done(entry)  # the store calls it once lvs.cf is written

    return record_save
