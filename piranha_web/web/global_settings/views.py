"""Blueprint ``global_settings``: the GLOBAL SETTINGS panel.

    GET  /global/   the primary router's addresses, the IPVS timeouts, the network type and,
                    for NAT, the NAT router; viewing never writes lvs.cf
    POST /global/   ACCEPT, or a network type button (NAT / Direct Routing / Tunneling),
                    with the revision the page was rendered from

The primary IP is checked against this router's addresses (pulse on a router that lacks it
acts as the backup), and the NAT Router device against its devices.
"""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request, url_for

from piranha_web.edits.global_settings import (
    FIELDS,
    HELP,
    KEYS,
    NETWORKS,
    apply,
    check,
    initial_values,
)
from piranha_web.lvscf import Document
from piranha_web.lvscf.validate import Finding, validate
from piranha_web.lvscf.values import is_dotted_quad
from piranha_web.web import panel
from piranha_web.web.devices import device_warning, router_interfaces
from piranha_web.web.global_settings.form import GlobalSettingsForm, offer
from piranha_web.web.panel import Page
from piranha_web.web.saving import SaveOutcome, save_edit

bp = Blueprint("global_settings", __name__, url_prefix="/global")

NAT_FIELDS = ("nat_router_ip", "nat_nmask", "nat_router_device")
#: findings on ``nat_router`` belong to its IP field, device problems to the device field
_NAT_ROUTER_CODES = {"missing-device": "nat_router_device", "bad-device": "nat_router_device"}


def shown_network(doc: Document) -> str:
    """The network type the panel shows and builds its form for: as written before an inline
    '#' (an error pulse refuses, shown beside the type), else what the daemons read."""
    written = panel.shown_value(doc, "network")
    return written if written in dict(NETWORKS) else doc.model().globals.network


def shown_values(doc: Document) -> dict[str, str]:
    """The values of the fields the panel shows (the NAT fields only for NAT): the same type
    the page shows, so that the form never holds a field the page does not render."""
    values = initial_values(doc)
    if shown_network(doc) != "nat":
        for field in NAT_FIELDS:
            del values[field]
    return values


def field_of(where: str, key: str | None, code: str) -> str | None:
    """The form field a finding or edit error of the global scope belongs to."""
    if where not in ("", "global") or key is None:
        return None
    if key == "nat_router":
        return _NAT_ROUTER_CODES.get(code, "nat_router_ip")
    return key if key in FIELDS else None


def _field_or_network(where: str, key: str | None, code: str) -> str | None:
    """Like :func:`field_of`; findings on ``network`` go beside the network type."""
    if key == "network" and where in ("", "global"):
        return "network"
    return field_of(where, key, code)


def findings() -> list[Finding]:
    """Findings lvs.cf has on this panel's keys: beside their fields, the others on top."""
    return [f for f in panel.field_findings("global", _field_or_network)
            if f.key is None or f.key in KEYS]


def private_notes(doc: Document) -> tuple[str | None, Finding | None]:
    """What pulse uses as the primary's private IP when the field is blank, and the warning on
    a ``backup_private`` line it ignores because of that (lvsconfig.c uses ``backup``)."""
    ignored = next((f for f in validate(doc) if f.code == "backup-private-ignored"), None)
    g = doc.model().globals
    if doc.get("primary_private") is not None or g.primary_private is None:
        return None, ignored
    backup = f" and the backup's public IP ({g.backup_private})" if g.backup_private else ""
    return (f"Blank: pulse uses the public IP ({g.primary_private}) as the primary's private "
            f"IP{backup} for the private heartbeat."), ignored


def primary_warning(primary: str) -> str | None:
    """A warning when the primary IP is not an address of this router."""
    if not is_dotted_quad(primary):
        return None
    found = router_interfaces()
    if found is None or found.is_local_address(primary):
        return None
    return (f"{primary} is not an address of this router: pulse started here would act as "
            "the backup router. That is right on the backup router; on the primary, raise the "
            "address or correct the field.")


def _render(form: GlobalSettingsForm, outcome: SaveOutcome | None = None,
            status: int = 200) -> tuple[str, int]:
    doc = panel.load().document
    network = shown_network(doc)
    read = doc.model().globals.network if doc.get("network") is not None else None
    nat_device = (doc.get("nat_router") or "").partition(" ")[2]
    private_note, private_warning = private_notes(doc)
    page = render_template(
        "global_settings/index.html", form=form, help=HELP, outcome=outcome,
        warnings=findings(), network=network, network_set=doc.get("network") is not None,
        networks=NETWORKS, nat=network == "nat" and "nat_router_ip" in form,
        network_read=read if read != network else None,
        primary_note=primary_warning(doc.get("primary") or ""),
        private_note=private_note, private_warning=private_warning,
        device_note=device_warning(nat_device) if network == "nat" else None,
    )
    return page, status


@bp.route("/", methods=["GET", "POST"])
def index() -> Page:
    loaded = panel.load()
    current = shown_values(loaded.document)
    form = GlobalSettingsForm() if request.method == "POST" else GlobalSettingsForm(formdata=None)
    _show_only(form, current)
    if request.method != "POST":
        panel.fill(form, current, loaded.revision)
        return _render(form)
    valid = form.validate()
    refused = None if valid else panel.refused_by_form(form, FIELDS)
    if not valid and refused is None:
        return _render(form, status=400)
    button = panel.action()
    network = button.removeprefix("network:") if button.startswith("network:") else None
    if network is not None and network not in dict(NETWORKS):
        flash(f"Unknown network type {network!r}: nothing was saved.", "error")
        return _render(form, status=400)
    todo = {key: value for key, value in panel.changed(form, current).items()
            if key not in (refused or {})}
    errors = check(todo)
    if errors:  # with the values WTForms refused (kept on their fields): every error at once
        for field, message in errors.items():
            getattr(form, field).errors = [message]
        return _render(form, status=400)
    change = apply(todo, network)
    outcome = save_edit(panel.with_refusals(change, refused) if refused else change,
                        form.revision.data or "", field_of, success=_success(network))
    return panel.answer_accept(form, outcome, url_for(".index"),
                            lambda outcome, status: _render(form, outcome, status),
                            lambda revision: _rebase(form, todo, revision))


def _show_only(form: GlobalSettingsForm, current: dict[str, str]) -> None:
    """Drop the fields the panel does not show (the NAT ones unless NAT) from the form."""
    for field in NAT_FIELDS:
        if field not in current and field in form:
            delattr(form, field)
    offer(form, current)


def _success(network: str | None) -> str:
    if network is None:
        return "Global settings saved."
    return f"Global settings saved; network type is now {dict(NETWORKS)[network]}."


def _rebase(form: GlobalSettingsForm, todo: dict[str, str], revision: str) -> None:
    # the fields the form still has (a NAT field dropped before a switch to NAT stays away)
    now = {k: v for k, v in shown_values(panel.load().document).items() if k in form}
    _show_only(form, now)
    panel.rebase(form, now, {k: v for k, v in todo.items() if k in now}, revision)
