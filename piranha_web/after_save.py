"""What happens after a save, in one place: the keepalived engine, the sync, the check cache.

:class:`AfterSave` is handed the document a save wrote and runs each step with what it needs:

1. keepalived (only when it is the engine): both routers' keepalived.conf are regenerated
   from the saved document and kept in the state directory, and this router's is applied when
   auto-apply is on.  The engine settings (``keepalived.json``) are read once, here;
2. the copy to the backup router (``Syncer.after_save``), given the backup's keepalived.conf
   that step 1 generated (:class:`~piranha_web.keepalived.service.EngineFile`), so the sync
   neither reads the settings again nor looks for the file;
3. the CHECK NOW cache forgets verdicts of real servers the saved file no longer has.

Nothing here raises: the save is done and must not look undone.  Each failure becomes part of
the :class:`Report` (None when no step had anything to say: piranha engine, no syncer).  The
sync's outcome goes to the audit trail through ``record`` (the caller's, which knows who acts).
No Flask here: the web layer builds one per request (``web/saving.py``), other callers may too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from piranha_web.keepalived.service import EngineFile, KeepalivedService
from piranha_web.lvscf import Config, Document

log = logging.getLogger(__name__)
#: the router this tool runs on (Piranha's GUI runs on the primary)
HERE = "primary"


class SyncResult(Protocol):
    """What one copy of lvs.cf to the backup router achieved."""

    @property
    def ok(self) -> bool: ...

    @property
    def message(self) -> str: ...


class Syncer(Protocol):
    """Copies lvs.cf to the backup router; called after every successful save.

    ``engine`` is the backup's keepalived.conf this save generated (None: the syncer looks).
    """

    def after_save(self, engine: EngineFile | None = None) -> SyncResult: ...


class CheckCache(Protocol):
    """The CHECK NOW verdicts kept in memory (``web.recent_checks.RecentChecks``)."""

    def retain(self, config: Config) -> None: ...


@dataclass(frozen=True)
class Report:
    """What the steps after a save did, in plain words (``ok``: all of them worked)."""

    ok: bool
    message: str


#: an audit line: ``record(kind, **details)``; never raises
Record = Callable[..., None]


def _no_record(kind: str, **details: Any) -> None:
    del kind, details


@dataclass
class AfterSave:
    """The steps after a save (see the module docstring)."""

    state_dir: Path
    syncer: Syncer | None = None
    checks: CheckCache | None = None
    record: Record = _no_record

    def run(self, saved: Document) -> Report | None:
        """Run every step for the document the save wrote; never raises."""
        engine, engine_file = self._keepalived(saved)
        sync = self._sync(engine_file)
        self._forget_checks(saved)
        if engine is None:
            return sync
        if sync is None:
            return engine
        return Report(sync.ok and engine.ok, f"{sync.message} {engine.message}")

    def _keepalived(self, saved: Document) -> tuple[Report | None, EngineFile | None]:
        """Regenerate (and maybe apply) keepalived.conf; the backup's file for the sync.

        With the piranha engine: no report, and the sync copies no keepalived.conf.  When the
        regeneration fails the sync is left to look for the file itself, as before.
        """
        try:
            service = KeepalivedService.load(self.state_dir)
            if service.settings.engine != "keepalived":
                return None, EngineFile(None)
            exports = service.regenerate(saved)
        except Exception as err:  # a keepalived problem must never undo or block the save
            log.exception("keepalived.conf regeneration failed")
            return Report(False, f"keepalived.conf was not regenerated: {err}"), None
        backup = EngineFile(exports["backup"].text.encode())
        warnings = len(exports[HERE].warnings)
        message = f"keepalived.conf regenerated ({warnings} warning(s), see KEEPALIVED)."
        if not service.settings.auto_apply:
            return Report(True, message + " Not applied yet: APPLY on the KEEPALIVED tab."), \
                backup
        result = service.apply(exports[HERE].text)
        return Report(result.ok, f"{message} {result.message}"), backup

    def _sync(self, engine: EngineFile | None) -> Report | None:
        """Ask the syncer to copy lvs.cf to the backup router; failures become a report."""
        if self.syncer is None:
            return None
        try:
            result = self.syncer.after_save(engine)
        except Exception as err:  # a sync problem must never undo or block the save
            log.exception("sync after save failed")
            self.record("sync", ok=False, message=str(err), trigger="after save")
            return Report(False, f"copying lvs.cf to the backup router failed: {err}")
        self.record("sync", ok=bool(result.ok), message=str(result.message),
                    trigger="after save")
        return Report(bool(result.ok), str(result.message))

    def _forget_checks(self, saved: Document) -> None:
        if self.checks is None:
            return
        try:
            self.checks.retain(saved.model())
        except Exception:  # a file the model cannot be built from keeps the cache as it is
            log.exception("the CHECK NOW cache was not trimmed")
