"""Blueprint ``findings``: the problems lvs.cf already has, visible from every page.

Every page shows a compact line under the tabs with the number of errors and warnings of the
file on disk (template helper ``findings_count()``), linking to the FINDINGS page, which lists
each finding the way ``piranha-web check`` prints it (``lvs.cf:LINE: error: MESSAGE``),
grouped by virtual server, each with a link to the panel and field where it can be fixed.
The findings are the store's, computed once per revision of the file; viewing never writes.

    GET /findings/      FINDINGS
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, url_for

from piranha_web.edits.global_settings import FIELDS as GLOBAL_FIELDS
from piranha_web.edits.monitoring import FIELDS as MONITORING_FIELDS
from piranha_web.edits.redundancy import FIELDS as REDUNDANCY_FIELDS
from piranha_web.edits.server import FIELDS as SERVER_FIELDS
from piranha_web.errors import PiranhaError
from piranha_web.lvscf.validate import Finding
from piranha_web.web.services import services
from piranha_web.web.virtual.form import FIELDS as VIRTUAL_FIELDS

bp = Blueprint("findings", __name__, url_prefix="/findings")
log = logging.getLogger(__name__)

#: finding key (or code) -> the form field that edits it, where the names differ
FIELD_OF = {"nat_router": "nat_router_ip", "missing-device": "device", "bad-device": "device",
            "backup_active": "backup"}


@dataclass(frozen=True)
class Count:
    """How many errors and warnings lvs.cf on disk has."""

    errors: int
    warnings: int


@dataclass(frozen=True)
class Fix:
    """Where a finding can be fixed: a panel's page, anchored at the field."""

    url: str
    label: str


def count() -> Count | None:
    """The numbers for the line under the tabs (None: lvs.cf cannot be read now)."""
    try:
        found = services().store.findings()
    except PiranhaError:
        log.exception("cannot read lvs.cf for its findings")
        return None
    errors = sum(1 for f in found if f.is_error)
    return Count(errors, len(found) - errors)


def _field(key: str | None, code: str, fields: tuple[str, ...]) -> str | None:
    for name in (FIELD_OF.get(code), FIELD_OF.get(key or ""), key):
        if name in fields:
            return name
    return None


def fix_of(finding: Finding) -> Fix | None:
    """The panel and field where ``finding`` can be fixed (None: only by editing the file)."""
    parts = finding.where.split(" / ")
    if parts == ["global"]:
        for endpoint, label, fields in (
            ("global_settings.index", "GLOBAL SETTINGS", (*GLOBAL_FIELDS, "network")),
            ("redundancy.index", "REDUNDANCY", REDUNDANCY_FIELDS),
        ):
            field = _field(finding.key, finding.code, fields)
            if field is not None:
                return Fix(url_for(endpoint, _anchor=field), f"{finding.key} on {label}")
        return None
    kind, _, virtual = parts[0].partition(" ")
    if kind != "virtual":
        return None
    if len(parts) == 2:
        server = parts[1].partition(" ")[2]
        field = _field(finding.key, finding.code, SERVER_FIELDS)
        return Fix(url_for("server.edit", virtual=virtual, server=server, _anchor=field),
                   f"{finding.key or 'real server'} on REAL SERVER {virtual} / {server}")
    if finding.key in MONITORING_FIELDS:
        return Fix(url_for("monitoring.edit", virtual=virtual, _anchor=finding.key),
                   f"{finding.key} on MONITORING SCRIPTS {virtual}")
    field = _field(finding.key, finding.code, VIRTUAL_FIELDS)
    return Fix(url_for("virtual.edit", virtual=virtual, _anchor=field),
               f"{finding.key or 'virtual server'} on VIRTUAL SERVER {virtual}")


def groups(found: list[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings by top-level block ("global", "virtual web"), in file order."""
    grouped: dict[str, list[Finding]] = {}
    for finding in found:
        grouped.setdefault(finding.where.split(" / ")[0], []).append(finding)
    return list(grouped.items())


@bp.app_context_processor
def findings_helpers() -> dict[str, Any]:
    return {"findings_count": count}


@bp.get("/")
def index() -> str:
    store = services().store
    found = store.findings()
    return render_template("findings/index.html", groups=groups(found), fix_of=fix_of,
                           filename=store.path.name, total=count())
