"""Blueprint ``audit`` (admins only): the audit trail with filters.

    GET /audit/?user=U&kind=K&since=YYYY-MM-DD[THH:MM]&until=...&page=N

Newest first, 100 entries per page; times are UTC.  Details are shown in words
(:func:`details_of`): revisions as their 12 first digits linked to HISTORY, yes/no for flags,
lists joined; every user name and text goes through :func:`~piranha_web.audit.printable`, so
a name typed with newlines or terminal escapes shows as the escapes, never as a forged line.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from flask import Blueprint, render_template, request, url_for

from piranha_web.audit import KINDS, AuditEntry, printable
from piranha_web.lvscf.values import c_int
from piranha_web.web.services import services

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 100
#: detail keys in words (others are shown by their key, dashes for underscores)
LABELS = {
    "old": "from revision", "new": "to revision", "restored_from": "restored from revision",
    "revision": "revision", "client": "from address", "summary": "changes", "cause": "through",
    "locked_for": "locked for (seconds)", "wait": "must wait (seconds)", "ok": "succeeded",
    "user_length": "user name typed (characters)", "commit": "completed",
    "noticed_by": "noticed by", "verdicts": "verdicts", "count": "not recorded",
}
#: keys whose value is a revision of lvs.cf (linked to HISTORY)
REVISIONS = frozenset({"old", "new", "restored_from", "revision"})
COMMIT_WORDS = {"done": "yes", "not completed": "no: the save or change did not complete",
                "pending": "not yet"}


class Detail(NamedTuple):
    """One detail of an entry as shown: label, words, and a link (or None)."""

    label: str
    text: str
    href: str | None


def _words(value: Any) -> str:
    """A detail value in words (flags yes/no, lists and mappings joined), escaped."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return "; ".join(f"{printable(str(k))} {_words(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(_words(v) for v in value)
    return printable(str(value))


def details_of(entry: AuditEntry) -> list[Detail]:
    """The details of ``entry`` in words, empty ones left out."""
    shown = []
    for key, value in entry.details.items():
        if value in (None, "", [], {}):
            continue
        label = LABELS.get(key, printable(key.replace("_", " ")))
        if key in REVISIONS and isinstance(value, str):
            shown.append(Detail(label, printable(value[:12]),
                                url_for("history.view", revision=value[:12])))
        elif key == "commit":
            shown.append(Detail(label, COMMIT_WORDS.get(str(value), _words(value)), None))
        else:
            shown.append(Detail(label, _words(value), None))
    return shown


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
                           page=page, more=len(found) > page * PAGE_SIZE,
                           details_of=details_of, printable=printable)
