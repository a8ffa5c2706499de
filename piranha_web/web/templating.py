"""Helpers every template can use: the current tab, the last save's outcome, help texts, and
what the user's role may use (``deny``, ``field_lock``: from ``policy.POLICY``, no second copy
of the rules)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Flask, g, request
from markupsafe import Markup
from wtforms import Field

from piranha_web.web import policy
from piranha_web.web.saving import recall

#: blueprint -> tab of the tab bar it belongs to
TAB_OF_BLUEPRINT = {
    "control": "control",
    "global_settings": "global_settings",
    "redundancy": "redundancy",
    "virtual": "virtual",
    "server": "virtual",
    "monitoring": "virtual",
    "keepalived": "keepalived",
    "history": "history",
    "users": "users",
    "audit": "audit",
    "maintenance": "maintenance",
}
#: tab bar: (tab, endpoint, label) in Piranha's order
TABS = (
    ("control", "control.index", "CONTROL/MONITORING"),
    ("global_settings", "global_settings.index", "GLOBAL SETTINGS"),
    ("redundancy", "redundancy.index", "REDUNDANCY"),
    ("virtual", "virtual.index", "VIRTUAL SERVERS"),
    ("maintenance", "maintenance.index", "MAINTENANCE"),
    ("keepalived", "keepalived.index", "KEEPALIVED"),
    ("history", "history.index", "HISTORY"),
    ("users", "users.index", "USERS"),
    ("audit", "audit.index", "AUDIT"),
)
#: form fields holding whole numbers: phones show a number pad (inputmode="numeric")
NUMERIC_FIELDS = frozenset({
    "port", "fwmark", "reentry", "timeout", "persistent", "weight", "tcp_timeout",
    "tcpfin_timeout", "udp_timeout", "keepalive", "deadtime", "heartbeat_port",
    "sync-port", "sync-connect_timeout",
})
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def split_help(text: str | None) -> tuple[str, str]:
    """(first sentence, the rest) of a help text, for a short line plus expandable detail."""
    if not text:
        return "", ""
    parts = _SENTENCE_END.split(text.strip(), maxsplit=1)
    return parts[0], (parts[1] if len(parts) > 1 else "")


def findings_for(field: str) -> list[Any]:
    """Findings of lvs.cf on disk for one form field (set by ``panel.field_findings``)."""
    found: dict[str, list[Any]] = g.get("field_findings", {})
    return found.get(field, [])


@dataclass(frozen=True)
class Refusal:
    """One problem of a refused form, as the error summary lists it (``target``: the id of
    the field it belongs to, for a link; None for a problem of the whole form)."""

    label: str
    message: str
    target: str | None = None


def refusals(form: Any = None, outcome: Any = None, other: Any = None) -> list[Refusal]:
    """The problems a refused ACCEPT (or a form the page could not take) shows: every field's
    errors in form order (``form``, then ``other``: a page's second form, such as the
    backup-sync settings), then the outcome's errors that belong to no field.  The page title,
    the error summary (announced, focused) and the fields themselves all come from these."""
    found: list[Refusal] = []
    for field in [*getattr(form, "_fields", {}).values(), *getattr(other, "_fields", {}).values()]:
        for message in getattr(field, "errors", ()) or ():
            if isinstance(message, str):
                found.append(Refusal(field.label.text.rstrip(": "), message, field.id))
    if outcome is not None and getattr(outcome, "status", "") == "invalid":
        found.extend(Refusal("", message) for message in outcome.general_errors)
    return found

#: field types a user can read but not change with ``readonly`` (still submitted)
_READONLY_TYPES = frozenset({"StringField", "IntegerField", "TextAreaField", "PasswordField"})


def deny(endpoint: str, action: str | None = None, field: str | None = None,
         method: str = "POST") -> Markup:
    """`` disabled title="needs the admin role (you are viewer)"`` for a button the user's role
    may not use (empty when it may): the button stays in place, greyed out, with its reason."""
    reason = policy.refusal(endpoint, action, field, method)
    return Markup(' disabled title="{}"').format(reason) if reason else Markup("")


def field_lock(field: Field) -> tuple[dict[str, Any], Markup]:
    """(attributes, hidden copy) for a field of an lvs.cf edit form the user may not change.

    Text fields become ``readonly``; others ``disabled`` plus a hidden copy of their value, so
    that a form the user may submit in part (an operator's weight) still sends them unchanged.
    Only forms whose ``Meta.locked_by_role`` says so are locked: True (``panel.RevisionForm``:
    the page's own endpoint takes the POST) or the endpoint that takes it.
    """
    lock = getattr(field.meta, "locked_by_role", False)
    if not lock or policy.current_role() is None:
        return {}, Markup("")
    endpoint = lock if isinstance(lock, str) else request.endpoint or ""
    reason = policy.refusal(endpoint, "ACCEPT", field.name)
    if not reason:
        return {}, Markup("")
    if field.type in _READONLY_TYPES:
        return {"readonly": True, "title": reason}, Markup("")
    attrs: dict[str, Any] = {"disabled": True, "title": reason}
    if field.type == "BooleanField":
        copy = Markup('<input type="hidden" name="{}" value="y">').format(field.name)
        return attrs, copy if field.data else Markup("")
    return attrs, Markup('<input type="hidden" name="{}" value="{}">').format(
        field.name, field.data or "")


def install(app: Flask) -> None:
    """Register the template globals and filters on ``app``."""
    app.jinja_env.filters["split_help"] = split_help
    # globals, not context: the form macros of _macros.html are imported without context
    app.jinja_env.globals["findings_for"] = findings_for
    app.jinja_env.globals["numeric_fields"] = NUMERIC_FIELDS
    app.jinja_env.globals["refusals"] = refusals

    app.jinja_env.globals["deny"] = deny
    app.jinja_env.globals["refusal"] = policy.refusal
    app.jinja_env.globals["field_lock"] = field_lock

    @app.context_processor
    def page_context() -> dict[str, Any]:
        return {
            "tabs": [tab for tab in TABS if policy.may(tab[1])],  # the user's role may open
            "current_tab": TAB_OF_BLUEPRINT.get(request.blueprint or ""),
            "recall_outcome": recall,
        }
