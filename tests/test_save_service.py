"""The save service: one path for edits, whole texts and restores; dry run writes nothing.

Real store, audit trail, history and keepalived files in a temporary directory; the syncer is
a recording stand-in (the real sync's side is tested against a real sshd in tests/sync).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from piranha_web.after_save import AfterSave
from piranha_web.audit import AuditLog
from piranha_web.errors import (
    AuditError,
    EditError,
    EditErrors,
    ParseError,
    StaleRevisionError,
    ValidationFailedError,
)
from piranha_web.history import History
from piranha_web.keepalived import service as keepalived_service
from piranha_web.keepalived.service import EngineFile, EngineSettings, save_settings
from piranha_web.lvscf import Document, parse
from piranha_web.monitor import ProbeResult
from piranha_web.monitor.verdict import Verdict
from piranha_web.save_service import (
    Actor,
    Conflict,
    Journal,
    Refused,
    Saved,
    SaveService,
)
from piranha_web.store import ConfigStore
from piranha_web.web.recent_checks import RecentChecks
from tests.web.conftest import BASE


@dataclass
class Syncer:
    """Records what each after-save sync was given (logic tests only)."""

    ok: bool = True
    error: Exception | None = None
    given: list[EngineFile | None] = field(default_factory=list)
    copied: list[bytes] = field(default_factory=list)
    config: Path | None = None

    @property
    def message(self) -> str:
        return "copied"

    def after_save(self, engine: EngineFile | None = None) -> Syncer:
        self.given.append(engine)
        if self.config is not None:
            self.copied.append(self.config.read_bytes())
        if self.error is not None:
            raise self.error
        return self


@dataclass
class Setup:
    tmp: Path
    store: ConfigStore
    audit: AuditLog
    history: History
    syncer: Syncer
    checks: RecentChecks
    service: SaveService
    records: list[tuple[str, dict[str, object]]]

    @property
    def config(self) -> Path:
        return self.store.path

    def disk(self) -> dict[str, bytes]:
        """Every file under the temporary directory and its bytes (lock files aside: taking
        the save lock creates one, which is no change of anything)."""
        return {str(p.relative_to(self.tmp)): p.read_bytes() for p in sorted(self.tmp.rglob("*"))
                if p.is_file() and not p.name.endswith(".lock")}


def make(tmp_path: Path, text: str = BASE) -> Setup:
    config = tmp_path / "lvs.cf"
    config.write_text(text)
    state = tmp_path / "state"
    state.mkdir()
    store = ConfigStore(config)
    audit, history = AuditLog(state), History(store, state)
    syncer, checks = Syncer(config=config), RecentChecks()
    records: list[tuple[str, dict[str, object]]] = []
    after = AfterSave(state, syncer, checks, lambda kind, **d: records.append((kind, d)))
    service = SaveService(store, Journal(audit, history, Actor("ann", "192.0.2.99")), after)
    return Setup(tmp_path, store, audit, history, syncer, checks, service, records)


def port(value: str) -> Callable[[Document], None]:
    def edit(doc: Document) -> None:
        doc.set("port", value, virtual="web")

    return edit


def comparable(saved: Saved) -> Saved:
    """A result without what only a dry run (findings) or only a save (after) has."""
    return replace(saved, dry_run=False, findings=(), after=None)


# ------------------------------------------------------------------ dry run


def test_a_dry_run_edit_writes_records_and_syncs_nothing(tmp_path: Path) -> None:
    s = make(tmp_path)
    before = s.disk()
    revision = s.store.revision()
    answer = s.service.apply(port("8080"), revision, dry_run=True)
    assert isinstance(answer, Saved) and answer.saved and answer.dry_run
    assert s.disk() == before  # lvs.cf, history copies, history.json, audit.log: untouched
    assert s.store.revision() == revision
    assert s.audit.entries() == []
    assert s.history.revisions() == []
    assert s.syncer.given == [] and s.records == []
    assert answer.after is None
    assert s.store.load().document.get("port", virtual="web") == "80"


def test_a_dry_run_edit_answers_what_the_real_save_then_does(tmp_path: Path) -> None:
    s = make(tmp_path)
    revision = s.store.revision()
    dry = s.service.apply(port("8080"), revision, dry_run=True)
    real = s.service.apply(port("8080"), revision)
    assert isinstance(dry, Saved) and isinstance(real, Saved)
    assert comparable(dry) == comparable(real)
    assert dry.revision == real.revision == s.store.revision()  # the ETag it announced
    assert dry.summary == ("virtual web: port 80 -> 8080",)
    assert [sign for sign, _, _ in dry.changes.lines()] == ["-", "+", "-", "+"]  # serial, port
    assert dry.new_text == s.config.read_text()


def test_a_dry_run_lists_the_findings_the_change_adds_and_the_save_keeps_them_as_warnings(
        tmp_path: Path) -> None:
    s = make(tmp_path)
    revision = s.store.revision()

    def mask(doc: Document) -> None:
        doc.set("pmask", "255.255.255.0", virtual="web")

    dry = s.service.apply(mask, revision, dry_run=True)
    assert isinstance(dry, Saved)
    assert [f.code for f in dry.findings] == ["pmask-without-persistence"]
    real = s.service.apply(mask, revision)
    assert isinstance(real, Saved) and real.findings == ()
    assert "pmask-without-persistence" in {f.code for f in real.warnings}
    assert comparable(dry) == comparable(real)


def test_a_dry_run_of_a_change_that_changes_nothing_new_lists_no_findings(tmp_path: Path
                                                                          ) -> None:
    s = make(tmp_path)
    dry = s.service.apply(port("8080"), s.store.revision(), dry_run=True)
    assert isinstance(dry, Saved) and dry.findings == ()


def test_a_dry_run_is_refused_like_the_save_itself(tmp_path: Path) -> None:
    s = make(tmp_path)
    revision = s.store.revision()
    before = s.disk()

    def zero(doc: Document) -> None:
        doc.set("timeout", "0", virtual="web")

    for dry_run in (True, False):
        with pytest.raises(ValidationFailedError) as refused:
            s.service.apply(zero, revision, dry_run=dry_run)
        assert [getattr(f, "code", None) for f in refused.value.findings] == ["timeout-zero"]
    assert s.disk() == before
    with pytest.raises(StaleRevisionError):
        s.service.replace_text(BASE, "0" * 64, dry_run=True)
    with pytest.raises(ParseError):
        s.service.replace_text("virtual web {\n", revision, dry_run=True)
    assert s.disk() == before and s.audit.entries() == []


def test_a_dry_run_of_an_edit_on_a_revision_no_longer_kept_is_a_conflict(tmp_path: Path
                                                                         ) -> None:
    s = make(tmp_path)
    answer = s.service.apply(port("8080"), "0" * 64, dry_run=True)
    assert isinstance(answer, Conflict)
    assert answer.revision == s.store.revision()
    assert [text.strip() for _, _, text in answer.preview.lines()] == ["port = 80",
                                                                       "port = 8080"]


@pytest.mark.parametrize("how", ["text", "restore"])
def test_a_dry_run_of_a_whole_text_or_a_restore_answers_what_the_save_then_does(
        tmp_path: Path, how: str) -> None:
    s = make(tmp_path)
    first = s.store.revision()
    assert isinstance(s.service.apply(port("8080"), first), Saved)
    now = s.store.revision()
    if how == "text":
        def save(dry_run: bool) -> Saved:
            return s.service.replace_text(BASE.replace("port = 80", "port = 81"), now,
                                          dry_run=dry_run)
    else:
        def save(dry_run: bool) -> Saved:
            return s.service.restore(BASE, first, now, dry_run=dry_run)
    before, entries, synced = s.disk(), len(s.audit.entries()), len(s.syncer.given)
    dry = save(True)
    assert s.disk() == before and len(s.audit.entries()) == entries
    assert len(s.syncer.given) == synced
    real = save(False)
    assert comparable(dry) == comparable(real) and real.revision == s.store.revision()
    assert real.after is not None and len(s.syncer.given) == synced + 1
    assert real.summary == (("virtual web: port 8080 -> 81",) if how == "text"
                            else ("virtual web: port 8080 -> 80",))


# ------------------------------------------------------------------ a real save


def test_a_save_is_recorded_by_its_actor_then_runs_the_steps_after_it(tmp_path: Path) -> None:
    s = make(tmp_path)
    revision = s.store.revision()
    saved = s.service.apply(port("8080"), revision, cause="api")
    assert isinstance(saved, Saved) and saved.saved and saved.previous == revision
    (entry,) = s.audit.entries(kind="save")
    assert entry.user == "ann" and entry.details["client"] == "192.0.2.99"
    assert entry.details["new"] == saved.revision and entry.details["cause"] == "api"
    assert entry.details["summary"] == ["virtual web: port 80 -> 8080"]
    newest = s.history.revisions()[0]
    assert (newest.revision, newest.user, newest.cause) == (saved.revision, "ann", "api")
    assert newest.summary == saved.summary
    # the sync ran after the file was written, told that keepalived is not the engine
    assert s.syncer.given == [EngineFile(None)]
    assert s.syncer.copied == [s.config.read_bytes()]
    assert s.records == [("sync", {"ok": True, "message": "copied", "trigger": "after save"})]
    assert saved.after is not None and saved.after.ok


def test_an_edit_that_changes_nothing_writes_and_records_nothing(tmp_path: Path) -> None:
    s = make(tmp_path)
    revision = s.store.revision()
    before = s.disk()
    answer = s.service.apply(port("80"), revision)
    assert isinstance(answer, Saved) and answer.status == "unchanged"
    assert answer.revision == revision and answer.after is None
    assert s.disk() == before and s.syncer.given == []


def test_restoring_the_current_revision_writes_nothing(tmp_path: Path) -> None:
    s = make(tmp_path)
    revision = s.store.revision()
    answer = s.service.restore(BASE, revision, revision)
    assert answer.status == "unchanged" and answer.previous == revision
    assert s.syncer.given == []


def test_a_whole_text_equal_to_the_file_is_unchanged(tmp_path: Path) -> None:
    s = make(tmp_path)
    revision = s.store.revision()
    answer = s.service.replace_text(BASE, revision)
    assert answer.status == "unchanged" and answer.revision == revision
    assert s.audit.entries() == [] and s.syncer.given == []


def test_a_save_whose_audit_line_cannot_be_written_changes_nothing(tmp_path: Path) -> None:
    s = make(tmp_path)
    before = s.disk()

    def refuse(kind: str, user: str | None, **details: object) -> None:
        raise AuditError("disk full")

    s.audit.record = refuse  # type: ignore[method-assign,assignment]
    with pytest.raises(AuditError):
        s.service.apply(port("8080"), s.store.revision())
    assert s.disk() == before and s.syncer.given == []


def test_refused_fields_come_back_with_the_errors_the_rest_of_the_edit_adds(
        tmp_path: Path) -> None:
    s = make(tmp_path)
    revision = s.store.revision()
    def edit(doc: Document) -> None:
        doc.set("timeout", "0", virtual="web")
        raise EditErrors([EditError("port", "not a port")])

    answer = s.service.apply(edit, revision)
    assert isinstance(answer, Refused)
    assert [e.key for e in answer.errors if isinstance(e, EditError)] == ["port"]
    assert [f.code for f in answer.introduced] == ["timeout-zero"]
    assert s.store.revision() == revision


def test_an_edit_rebased_on_a_save_that_landed_meanwhile_keeps_both(tmp_path: Path) -> None:
    s = make(tmp_path)
    form = s.store.revision()
    assert isinstance(s.service.apply(port("8080"), form), Saved)

    def weight(doc: Document) -> None:
        doc.set("weight", "5", virtual="web", server="rs1")

    saved = s.service.apply(weight, form)
    assert isinstance(saved, Saved) and saved.saved
    doc = s.store.load().document
    assert doc.get("port", virtual="web") == "8080"
    assert doc.get("weight", virtual="web", server="rs1") == "5"


# ------------------------------------------------------------------ after the save


def test_with_the_keepalived_engine_the_sync_gets_the_backups_file_of_this_save(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = make(tmp_path)
    state = tmp_path / "state"
    save_settings(state, EngineSettings(engine="keepalived",
                                        check_command="/usr/bin/piranha-web"))
    reads: list[Path] = []
    real_load = keepalived_service.load_settings

    def counted(state_dir: Path) -> EngineSettings:
        reads.append(state_dir)
        return real_load(state_dir)

    monkeypatch.setattr(keepalived_service, "load_settings", counted)
    saved = s.service.apply(port("8080"), s.store.revision())
    assert isinstance(saved, Saved) and saved.after is not None
    backup = (state / "keepalived" / "backup.conf").read_bytes()
    assert b"8080" in backup and b"state BACKUP" in backup
    assert s.syncer.given == [EngineFile(backup)]
    assert len(reads) == 1  # keepalived.json read once per save
    assert "keepalived.conf regenerated" in saved.after.message


def test_a_failed_keepalived_regeneration_is_reported_and_the_sync_looks_itself(
        tmp_path: Path) -> None:
    s = make(tmp_path)
    (tmp_path / "state" / "keepalived.json").write_text("[]")
    saved = s.service.apply(port("8080"), s.store.revision())
    assert isinstance(saved, Saved) and saved.after is not None
    assert not saved.after.ok and "not regenerated" in saved.after.message
    assert s.syncer.given == [None]
    assert s.store.load().document.get("port", virtual="web") == "8080"


def test_a_failing_sync_is_reported_and_audited_and_the_save_stays(tmp_path: Path) -> None:
    s = make(tmp_path)
    s.syncer.error = OSError("no route")
    saved = s.service.apply(port("8080"), s.store.revision())
    assert isinstance(saved, Saved) and saved.after is not None and not saved.after.ok
    assert "no route" in saved.after.message
    assert s.records == [("sync", {"ok": False, "message": "no route",
                                   "trigger": "after save"})]
    assert s.store.load().document.get("port", virtual="web") == "8080"


def test_the_check_cache_forgets_real_servers_the_saved_file_no_longer_has(
        tmp_path: Path) -> None:
    s = make(tmp_path)
    vs = s.store.load().document.model().virtual("web")
    up = Verdict("up", "ok")
    s.checks.record(vs, [ProbeResult("web", rs.name, rs.address, rs.effective_port, "tcp", True,
                                     "connect", up, up, "", 0.0, ()) for rs in vs.servers])
    assert all(s.checks.last(vs, rs) is not None for rs in vs.servers)

    def drop(doc: Document) -> None:
        doc.remove_server("web", "rs2")

    assert isinstance(s.service.apply(drop, s.store.revision()), Saved)
    assert s.checks.last(vs, vs.server("rs1")) is not None
    assert s.checks.last(vs, vs.server("rs2")) is None  # forgotten: it is no longer in lvs.cf

    def back(doc: Document) -> None:
        doc.add_server("web", "rs2", {"address": "10.0.0.2", "active": "1", "weight": "2"})

    assert isinstance(s.service.apply(back, s.store.revision()), Saved)
    assert s.checks.last(vs, vs.server("rs2")) is None  # re-added: no stale verdict comes back


def test_after_save_without_a_syncer_or_engine_has_nothing_to_report(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    assert AfterSave(tmp_path / "state").run(parse(BASE)) is None
