"""Blueprint ``audit`` (admins only): the audit trail with filters.

    GET /audit/?user=U&kind=K&since=YYYY-MM-DD[THH:MM]&until=...&page=N

Newest first, 100 entries per page; times are UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template, request

from piranha_web.audit import KINDS
from piranha_web.lvscf.values import c_int
from piranha_web.web.services import services

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 100


def _moment(text: str, end: bool = False) -> float | None:
    """A UTC date or date-time from a filter field (None when blank or unreadable)."""
    if not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if end and len(text.strip()) == 10:  # a whole day
        return moment.timestamp() + 86400
    return moment.timestamp()


@bp.get("/")
def index() -> str:
    args = request.args
    user = args.get("user", "").strip() or None
    kind = args.get("kind", "") if args.get("kind", "") in KINDS else None
    since, until = _moment(args.get("since", "")), _moment(args.get("until", ""), end=True)
    page = max(1, c_int(args.get("page", "1")) or 1)
    found = services().audit.entries(since=since, until=until, user=user, kind=kind,
                                     limit=page * PAGE_SIZE + 1)
    shown = found[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    filters = {k: args.get(k, "") for k in ("user", "kind", "since", "until")}
    return render_template("audit/index.html", entries=shown, kinds=KINDS, filters=filters,
                           page=page, more=len(found) > page * PAGE_SIZE)
