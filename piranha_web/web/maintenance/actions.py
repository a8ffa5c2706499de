"""DRAIN and RETURN of one address as saves, shared by the MAINTENANCE panel and the API.

Each is one ``saving.save_edit`` (one revision, one audit line, one copy to the backup router);
the record of what DRAIN changed (``piranha_web.maintenance.MaintenanceLog``) is written once
its save succeeded, and forgotten once RETURN's save succeeded.  The live numbers beside each
real server come from this router's IPVS table (``live_state.read_live``) and the last CHECK
NOW verdicts (``Services.recent_checks``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from piranha_web import maintenance as mt
from piranha_web.edits.common import Edit
from piranha_web.errors import NetInfoError, NotFoundError
from piranha_web.lvscf.model import Config
from piranha_web.netinfo.ipvs_weights import WeightChange
from piranha_web.web import journal
from piranha_web.web.live_state import Live, read_live
from piranha_web.web.saving import FieldMapper, SaveOutcome, save_edit
from piranha_web.web.services import NetInfo, services
from piranha_web.web.settings import WebSettings


@dataclass(frozen=True)
class Row:
    """One real server of the searched address: lvs.cf beside the kernel and the last check."""

    place: mt.Placement
    in_kernel: bool
    live_weight: int | None
    active_conns: int | None
    inactive_conns: int | None
    check: str


def log() -> mt.MaintenanceLog:
    """The drained addresses of this router."""
    return mt.MaintenanceLog(services().state_dir)


def rows(config: Config, found: list[mt.Placement], live: Live | None = None) -> list[Row]:
    """Each placement with what the kernel and the last CHECK NOW say about it."""
    live = live if live is not None else read_live(config)
    recent = services().recent_checks
    shown = []
    for p in found:
        check = live.servers_of(p.virtual).get(p.server)
        dest = check.dest if check is not None else None
        last = recent.last(config.virtual(p.virtual), config.virtual(p.virtual).server(p.server))
        verdict = f"{last.verdict.state} ({recent.age(last)})" if last is not None else ""
        shown.append(Row(p, dest is not None, dest.weight if dest else None,
                         dest.active_conns if dest else None,
                         dest.inactive_conns if dest else None, verdict))
    return shown


def _now() -> float:
    settings: WebSettings = current_app.extensions["piranha_web.settings"]
    return settings.clock()


@dataclass(frozen=True)
class Plan:
    """One DRAIN or RETURN before its save: the edit, the words of success, and what to do
    with the record once the save succeeded (``done``)."""

    address: str
    edit: Edit
    success: str
    record: mt.Drained | None = None
    gone: tuple[str, ...] = ()

    def done(self) -> None:
        """The save succeeded: keep DRAIN's record, or (RETURN) give the real servers the
        live quiesce set to weight 0 their weights again, then forget the address (a live
        change that fails leaves the record, so RETURN can be pressed again)."""
        if self.record is not None:
            log().remember(self.record)
            return
        record = log().drained(self.address)
        if record is not None and record.live:
            netinfo = _netinfo()
            entry = journal.record_first("quiesce", address=self.address, action="restore",
                                         weights=[_words(c, back=True) for c in record.live])
            restored = netinfo.restore_weights(record.live)
            journal.done(entry, restored=len(restored))
        log().forget(self.address)


def plan_drain(query: str) -> Plan:
    """DRAIN of the address ``query`` stands for: deactivate every real server of it, and
    the record of what each had (NotFoundError when nothing has that address or name)."""
    loaded = services().store.load()
    found = mt.find(loaded.document.model(), query)
    address = mt.address_of(found, query)
    found = mt.find(loaded.document.model(), address)
    record = mt.record_of(loaded.document, address, found, journal.actor() or "", _now(),
                          log().drained(address))
    count = sum(p.active for p in found)
    return Plan(address, mt.deactivate(found),
                f"{address} deactivated in {count} virtual server(s).", record)


def plan_return(address: str) -> Plan:
    """RETURN of ``address``: every real server DRAIN recorded gets its active flag and weight
    again (NotFoundError when the address is not drained through this tool)."""
    wanted = mt.normal_address(address) or address
    record = log().drained(wanted)
    if record is None:
        raise NotFoundError(f"{wanted} was not drained here: nothing to put back. Activate its "
                            "real servers in the REAL SERVER lists.")
    gone = tuple(mt.missing(record, services().store.load().document.model()))
    success = f"{wanted} returned to service as it was before DRAIN."
    if gone:
        success += f" No longer in lvs.cf, left out: {', '.join(gone)}."
    return Plan(wanted, mt.put_back(record), success, gone=gone)


def _netinfo() -> NetInfo:
    netinfo = services().netinfo
    if netinfo is None:
        raise NetInfoError("netlink", "this server does not read this router's IPVS table")
    return netinfo


def _words(change: WeightChange, back: bool = False) -> str:
    old, new = (change.new, change.old) if back else (change.old, change.new)
    return f"{change.service} -> {change.address}:{change.port} weight {old} -> {new}"


def quiesce(query: str) -> tuple[str, list[WeightChange]]:
    """The live quiesce: weight 0 for the address ``query`` stands for in every service of
    this router's running IPVS table, recorded (audit line first) and kept in the record of
    the address, so RETURN gives the weights back; lvs.cf is not changed."""
    loaded = services().store.load()
    found = mt.find(loaded.document.model(), query)
    address = mt.address_of(found, query)
    found = mt.find(loaded.document.model(), address)
    netinfo = _netinfo()
    entry = journal.record_first("quiesce", address=address, action="weight 0")
    changes = list(netinfo.quiesce(address))
    journal.done(entry, weights=[_words(c) for c in changes])
    kept = log()
    record = mt.record_of(loaded.document, address, found, journal.actor() or "", _now(),
                          kept.drained(address))
    kept.remember(record.with_live(changes))
    return address, changes


def save(plan: Plan, revision: str, fields: FieldMapper) -> SaveOutcome:
    """The panel's save of ``plan`` (the API saves through ``api.writes.write``)."""
    outcome = save_edit(plan.edit, revision, fields, success=plan.success)
    if outcome.status in ("saved", "unchanged"):
        plan.done()
    return outcome
