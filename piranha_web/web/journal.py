"""The web layer's side of the audit trail and the history: who is acting, from where.

    record(kind, **details)          # audit line with the session's user and client address

Saves are recorded by :class:`piranha_web.save_service.Journal` (``web/saving.py`` builds it
with :func:`actor` and :func:`client`); logins, syncs, checks and user changes call
:func:`record` directly.  Audit write failures outside a save are logged, not fatal (a login
or a check must still work when the disk is full); a save is refused.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import g, has_request_context, request, session

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
