"""Who may do what: the one table of roles per endpoint and HTTP method (default-deny).

``security.install`` consults :func:`required_role` for every request of a logged-in user,
before any view runs, and answers 403 when the user's role is lower.  An endpoint or method
missing from :data:`POLICY` needs :attr:`Role.ADMIN`: a new route is admin-only until it is
declared here.  Some POSTs carry several buttons of different weight (a list's
``(DE)ACTIVATE`` next to ``DELETE``), or an edit an operator may make only in part (a real
server's weight): those entries are functions of the request.

    required_role(endpoint, method) -> Role        # what the current request needs
    current_role() -> Role | None                  # the logged-in user's role
    require(role)                                  # RoleError (403) unless the user has ``role``
    may(endpoint, method="GET") -> bool            # for templates: show a button or not

Requests that match no route (404/405) need only the login: nothing runs for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import g, request, session

from piranha_web.accounts import Role
from piranha_web.errors import RoleError
from piranha_web.web import panel
from piranha_web.web.server.form import ServerForm, initial_values
from piranha_web.web.services import services

#: a role, or a function of the current request returning one (ByButton, WeightOnly)
Rule = Role | Callable[[], Role]

READ: Mapping[str, Rule] = {"GET": Role.VIEWER, "HEAD": Role.VIEWER, "OPTIONS": Role.VIEWER}
#: pages only admins see (users, the audit trail)
READ_ADMIN: Mapping[str, Rule] = {"GET": Role.ADMIN, "HEAD": Role.ADMIN, "OPTIONS": Role.ADMIN}


class ByButton:
    """The role a POST needs depends on its button (``action``); unknown buttons need admin."""

    def __init__(self, roles: Mapping[str, Role]) -> None:
        self.roles = dict(roles)

    def __call__(self) -> Role:
        """The role the current request's button needs."""
        return self.needed(request.form.get("action", ""))

    def needed(self, action: str | None = None, field: str | None = None) -> Role:
        """The role button ``action`` needs (None: the least any button needs)."""
        if action is None:
            return min(self.roles.values(), default=Role.ADMIN)
        return self.roles.get(action, Role.ADMIN)


class WeightOnly:
    """EDIT REAL SERVER: an operator may change the weight and nothing else (CANCEL too)."""

    fields = frozenset({"weight"})

    def __call__(self) -> Role:
        """Viewer for CANCEL, operator when only the weight changed, else admin."""
        if request.form.get("action") == "CANCEL":
            return Role.VIEWER
        try:
            form = ServerForm()
            current = initial_values(
                panel.load().document, request.args.get("virtual", ""),
                request.args.get("server", ""),
            )
            changes = panel.changed(form, current)
        except LookupError:
            return Role.ADMIN
        return Role.OPERATOR if set(changes) <= self.fields else Role.ADMIN

    def needed(self, action: str | None = None, field: str | None = None) -> Role:
        """What a template may offer: CANCEL to all, the weight (and ACCEPT) to operators."""
        if action == "CANCEL":
            return Role.VIEWER
        return Role.ADMIN if field is not None and field not in self.fields else Role.OPERATOR


def _button(roles: Mapping[str, Role]) -> ByButton:
    """A rule by button: ``roles`` per ``action`` value (others need admin)."""
    return ByButton(roles)


_weight_only = WeightOnly()

_LIST_BUTTONS = {"(DE)ACTIVATE": Role.OPERATOR, "ACTIVATE MARKED": Role.OPERATOR,
                 "DEACTIVATE MARKED": Role.OPERATOR, "MARK ALL MATCHING": Role.OPERATOR,
                 "CLEAR MARKS": Role.OPERATOR, "EDIT": Role.VIEWER, "PAGE": Role.VIEWER,
                 "SORT": Role.VIEWER, "SEARCH": Role.VIEWER}
#: pages whose view returns on CANCEL before anything is saved
_CANCEL_ONLY = _button({"CANCEL": Role.VIEWER})

#: endpoint -> method -> role (or rule); anything not listed needs admin
POLICY: dict[str, Mapping[str, Rule]] = {
    "home": READ,
    "control.index": READ,
    "metrics.metrics": READ,  # any role's token (web/metrics/views.py)
    "control.password": {**READ, "POST": Role.VIEWER},  # one's own password
    "login.logout": {"POST": Role.VIEWER},
    "global_settings.index": READ,
    "redundancy.index": READ,
    "virtual.index": READ,
    "virtual.index_action": {"POST": _button(_LIST_BUTTONS)},
    "virtual.new": {**READ, "POST": _CANCEL_ONLY},
    "virtual.edit": {**READ, "POST": _CANCEL_ONLY},
    "virtual.delete": READ,
    "server.index": READ,
    "server.index_action": {"POST": _button(_LIST_BUTTONS)},
    "server.new": {**READ, "POST": _CANCEL_ONLY},
    "server.edit": {**READ, "POST": _weight_only},
    "server.delete": READ,
    "monitoring.edit": {**READ, "POST": _CANCEL_ONLY},
    "probe.check": {"POST": Role.OPERATOR},  # CHECK NOW: the saved checks
    "probe.test": {"POST": Role.ADMIN},  # TEST: edited strings / a program run as root
    "sync.index": READ,
    "sync.status": READ,
    "sync.hostkey": READ,
    "sync.now": {"POST": Role.OPERATOR},
    "sync.save_settings": {"POST": Role.ADMIN},
    "sync.confirm": {"POST": Role.ADMIN},
    "keepalived.index": READ,
    "keepalived.download_file": READ,
    "keepalived.download_warnings": READ,
    "keepalived.download_diff": READ,
    "keepalived.apply": {"POST": Role.ADMIN},
    "keepalived.save_engine": {"POST": Role.ADMIN},
    "history.index": READ,
    "history.view": READ,
    "history.text": READ,
    "history.compare": READ,
    "history.confirm_restore": READ_ADMIN,  # RESTORE's confirmation page
    "history.restore": {"POST": Role.ADMIN},
    "history.undo": {"POST": Role.ADMIN},
    "users.index": {**READ_ADMIN, "POST": Role.ADMIN},
    "users.password": {**READ_ADMIN, "POST": Role.ADMIN},
    "users.delete": {**READ_ADMIN, "POST": Role.ADMIN},
    "audit.index": READ_ADMIN,
    "apidocs.index": READ,  # the REST API's documentation (the API's own routes: web/api/auth.py)
    "apidocs.openapi_download": READ,
    "findings.index": READ,
    "maintenance.index": READ,
    "maintenance.drain": {"POST": Role.OPERATOR},  # like (DE)ACTIVATE
    "maintenance.quiesce": {"POST": Role.OPERATOR},  # a live weight 0, lvs.cf unchanged
    "maintenance.put_back": {"POST": Role.OPERATOR},
}


def required_role(endpoint: str, method: str) -> Role:
    """The role ``method`` on ``endpoint`` needs for the current request (admin if unlisted)."""
    rule = POLICY.get(endpoint, {}).get(method, Role.ADMIN)
    return rule if isinstance(rule, Role) else rule()


def current_role() -> Role | None:
    """The role of the logged-in user now (None when nobody is logged in)."""
    user = session.get("user")
    if not isinstance(user, str):
        return None
    if "piranha_role" not in g:  # read once per request
        g.piranha_role = services().accounts.role_of(user)
    role: Role | None = g.piranha_role
    return role


def require(role: Role) -> None:
    """Answer 403 unless the logged-in user has at least ``role`` (for views doing finer checks)."""
    have = current_role()
    if have is None or have < role:
        raise RoleError(f"This needs the {role.label} role. Nothing was changed.")


def needed(endpoint: str, method: str = "GET", action: str | None = None,
           field: str | None = None) -> Role:
    """The role ``method`` on ``endpoint`` needs for button ``action`` and form ``field``,
    from the table alone (no request): what templates show.  A rule of the request without
    a ``needed`` method counts as admin."""
    rule = POLICY.get(endpoint, {}).get(method, Role.ADMIN)
    if isinstance(rule, Role):
        return rule
    if isinstance(rule, ByButton | WeightOnly):
        return rule.needed(action, field)
    return Role.ADMIN


def may(endpoint: str, method: str = "GET", action: str | None = None,
        field: str | None = None) -> bool:
    """True when the current user's role allows ``method`` on ``endpoint`` (for button
    ``action``, form ``field``; without them: any part of it).

    For showing only what a user may do; the server enforces the table anyway.
    """
    have = current_role()
    return have is not None and have >= needed(endpoint, method, action, field)


def refusal(endpoint: str, action: str | None = None, field: str | None = None,
            method: str = "POST") -> str:
    """Why the current user may not use ``action`` on ``endpoint`` ("" when they may):
    the reason a template shows beside a disabled button or field."""
    if may(endpoint, method, action, field):
        return ""
    have = current_role()
    you = f"you are {have.label}" if have is not None else "you are not logged in"
    return f"needs the {needed(endpoint, method, action, field).label} role ({you})"
