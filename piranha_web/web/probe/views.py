"""Blueprint ``probe``: check real servers now, from MONITORING SCRIPTS and REAL SERVER.

* TEST (a button of the MONITORING SCRIPTS form, posting the same form here): checks the values
  currently in the form, before ACCEPT, against every real server of the virtual server and
  shows the page again with those values still in the form and a table of results.  Nothing
  is written.
* CHECK NOW (a button of the REAL SERVER list): checks every real server with the strings in
  lvs.cf (exactly as lvsd passes them to nanny) and shows the list with a result column.

Checks only ever contact the real servers named in lvs.cf; the form can change what is sent,
expected or run, never where.

    POST /virtual/probe/test?virtual=V     TEST
    POST /virtual/probe/check?virtual=V    CHECK NOW
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from flask import Blueprint, render_template, request

from piranha_web import monitor
from piranha_web.audit import AuditEntry
from piranha_web.edits.monitoring import FIELDS, HELP
from piranha_web.lvscf.model import MonitorScript, VirtualServer
from piranha_web.lvscf.nanny import program_words
from piranha_web.monitor import ProbeResult, lvsd_monitor
from piranha_web.web import journal, lists, panel
from piranha_web.web.monitoring.form import MonitoringForm
from piranha_web.web.nanny_text import nanny_pieces
from piranha_web.web.services import Prober, services

bp = Blueprint("probe", __name__, url_prefix="/virtual/probe")


def _prober() -> Prober:
    return services().prober or monitor


def _probe(vs: VirtualServer, overrides: MonitorScript) -> Sequence[ProbeResult]:
    return _prober().probe_virtual(vs, overrides)


def form_monitor(form: MonitoringForm) -> MonitorScript:
    """The strings in the form as nanny would get them once saved (a blank field: no key)."""
    return MonitorScript(
        send=panel.submitted(form.send) or None,
        expect=panel.submitted(form.expect) or None,
        send_program=panel.submitted(form.send_program) or None,
        use_regex=bool(form.use_regex.data),
    )


def _begin(kind: str, virtual: str, script: MonitorScript) -> AuditEntry:
    """TEST / CHECK NOW in the audit trail before anything is sent or run: who, what (raises
    AuditError, shown as an error page: nothing runs unrecorded)."""
    return journal.record_first(
        kind, virtual=virtual, send_program=script.send_program, send=script.send,
        expect=script.expect, use_regex=script.use_regex,
    )


def _verdicts(entry: AuditEntry, results: Sequence[ProbeResult]) -> None:
    """Each server's verdict, added to the entry once the checks ran."""
    journal.done(entry, verdicts={r.server: f"{r.nanny.state}: {r.nanny.reason}"
                                  for r in results})


@bp.post("/test")
def test() -> tuple[str, int]:
    virtual = panel.arg("virtual")
    loaded = panel.load()
    vs = loaded.document.model().virtual(virtual)
    form = MonitoringForm()
    valid = form.validate()
    tested = form_monitor(form)
    results: Sequence[ProbeResult] = ()
    if valid:
        entry = _begin("test", virtual, tested)
        results = _probe(vs, tested)
        _verdicts(entry, results)
    # "nanny sends/expects" describe the strings being tested, not the saved ones
    shown = replace(vs, monitor=tested)
    page = render_template(
        "probe/test.html", form=form, name=virtual, vs=shown, help=HELP, outcome=None,
        warnings=panel.field_findings(f"virtual {virtual}",
                                      panel.mapper(f"virtual {virtual}", FIELDS)),
        nanny_pieces=nanny_pieces, program_argv=program_words, results=results,
    )
    return page, 200 if valid else 400


@bp.post("/check")
def check() -> tuple[str, int]:
    virtual = panel.arg("virtual")
    loaded = panel.load()
    vs = loaded.document.model().virtual(virtual)
    form = panel.RevisionForm()
    valid = form.validate()
    saved = lvsd_monitor(loaded.document.find_virtual(virtual), vs)
    results: Sequence[ProbeResult] = ()
    if valid:
        entry = _begin("check", virtual, saved)
        results = _probe(vs, saved)
        _verdicts(entry, results)
        lists.keep_marks(lists.SERVER_MARKS, virtual)  # the list form's boxes came along
    services().recent_checks.record(vs, results)
    return lists.server_list(
        virtual, request.form.get("selected") or None, 200 if valid else 400,
        "probe/servers.html", results_by_name={r.server: r for r in results},
    )
