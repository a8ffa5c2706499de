"""Blueprint ``redundancy``: the REDUNDANCY panel.

    GET  /redundancy/   backup status (active/inactive), the backup router's addresses, the
                        heartbeat and the sync daemon; viewing never writes lvs.cf
    POST /redundancy/   ACCEPT, ENABLE or DISABLE, with the revision the page was rendered
                        from; ENABLE/DISABLE set ``backup_active`` and apply the changed fields

The backup-sync settings (how lvs.cf is copied to the backup router) belong to the sync
module; its section is included below the form when present.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from piranha_web.edits.redundancy import (
    FIELDS,
    HELP,
    KEYS,
    apply,
    check,
    initial_values,
)
from piranha_web.lvscf import Document
from piranha_web.lvscf.validate import Finding, validate
from piranha_web.web import panel
from piranha_web.web.devices import device_warning
from piranha_web.web.panel import Page
from piranha_web.web.redundancy.form import RedundancyForm
from piranha_web.web.saving import SaveOutcome, save_edit

bp = Blueprint("redundancy", __name__, url_prefix="/redundancy")

#: button -> the backup_active value it sets
BUTTONS = {"ACCEPT": None, "ENABLE": "1", "DISABLE": "0"}
#: findings keyed on backup_active (e.g. no backup address) belong to the backup field
FIELD_OF = panel.mapper("global", FIELDS, {"backup_active": "backup"})


def _field_of(where: str, key: str | None, code: str) -> str | None:
    """FIELD_OF, except the ignored private IP's warning, which is shown at its place."""
    return None if code == "backup-private-ignored" else FIELD_OF(where, key, code)


def findings() -> list[Finding]:
    """Findings lvs.cf has on this panel's keys: beside their fields, the others on top (the
    ignored private IP's warning is shown at its place)."""
    return [f for f in panel.field_findings("global", _field_of)
            if f.key in KEYS and f.code != "backup-private-ignored"]


def private_notes(doc: Document) -> tuple[str | None, Finding | None]:
    """What pulse uses as the backup's private IP when the field is not shown, and the warning
    on a ``backup_private`` line it ignores (lvsconfig.c overwrites it with ``backup``)."""
    ignored = next((f for f in validate(doc) if f.code == "backup-private-ignored"), None)
    effective = doc.model().globals.backup_private
    if doc.get("primary_private") is not None or effective is None:
        return None, ignored
    if doc.get("primary") is None:
        return f"Private heartbeat address of the backup: {effective}.", ignored
    return (f"Private heartbeat address of the backup: pulse uses {effective}, the public IP, "
            "because the primary server has no private IP (GLOBAL SETTINGS)."), ignored


def _render(form: RedundancyForm, outcome: SaveOutcome | None = None,
            status: int = 200) -> tuple[str, int]:
    doc = panel.load().document
    g = doc.model().globals
    private_note, private_warning = private_notes(doc)
    page = render_template(
        "redundancy/index.html", form=form, help=HELP, outcome=outcome,
        warnings=findings(), active=g.backup_active,
        private="backup_private" in form, private_note=private_note,
        private_warning=private_warning,
        device_note=device_warning(doc.get("syncd_iface") or "") if g.syncdaemon else None,
    )
    return page, status


def _show_only(form: RedundancyForm, current: dict[str, str]) -> None:
    """Drop the private IP field unless the primary has a private IP."""
    if "backup_private" not in current and "backup_private" in form:
        del form.backup_private


@bp.route("/", methods=["GET", "POST"])
def index() -> Page:
    loaded = panel.load()
    current = initial_values(loaded.document)
    form = RedundancyForm() if request.method == "POST" else RedundancyForm(formdata=None)
    _show_only(form, current)
    if request.method != "POST":
        panel.fill(form, current, loaded.revision)
        return _render(form)
    button = panel.action()
    if not form.validate() or button not in BUTTONS:
        return _render(form, status=400)
    todo = panel.changed(form, current)
    errors = check(todo, current, loaded.document.get("primary"))
    if errors:
        for field, message in errors.items():
            getattr(form, field).errors = [message]
        return _render(form, status=400)
    messages = {"ACCEPT": "Redundancy settings saved.", "ENABLE": "Backup router enabled.",
                "DISABLE": "Backup router disabled."}
    outcome = save_edit(apply(todo, BUTTONS[button]), form.revision.data or "", FIELD_OF,
                        success=messages[button])
    return panel.answer_accept(
        form, outcome, url_for(".index"),
        lambda outcome, status: _render(form, outcome, status),
        lambda revision: _rebase(form, todo, revision))


def _rebase(form: RedundancyForm, todo: dict[str, str], revision: str) -> None:
    """The current file's values of the fields the form has, plus the user's changes to them."""
    now = {k: v for k, v in initial_values(panel.load().document).items() if k in form}
    panel.rebase(form, now, {k: v for k, v in todo.items() if k in now}, revision)
