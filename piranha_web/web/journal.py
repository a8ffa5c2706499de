"""The web layer's side of the audit trail and the history: who is acting, from where.

    record(kind, **details)          # audit line with the session's user and client address
    record_first(kind, **details)    # the same, pending, raising AuditError: for a change that
                                     # must not go ahead unrecorded (the caller refuses it)
    done(entry, **outcome)           # ... and the change was made (with its outcome)
    begin(kind, **details)           # record_first, returning done(**outcome) (AfterSave)

Saves are recorded by :class:`piranha_web.save_service.Journal` (``web/saving.py`` builds it
with :func:`actor` and :func:`client`): pending before lvs.cf is written, marked committed
after.  User changes, settings changes, APPLY, TEST, CHECK NOW and host-key trust call
:func:`record_first` before they act and are refused when it raises.  Logins, logouts,
refused requests and syncs call :func:`record`: a failure there is logged, not fatal (a login
must still work when the disk is full).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import g, has_request_context, request, session

from piranha_web.audit import AuditEntry
from piranha_web.errors import AuditError
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


def begin(kind: str, **details: Any) -> Callable[..., None]:
    """:func:`record_first`, returning the :func:`done` of its entry (for ``AfterSave``)."""
    entry = record_first(kind, **details)
    return functools.partial(done, entry)
