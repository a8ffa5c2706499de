"""What a sync did (:class:`SyncOutcome`) and what the backup has now (:class:`SyncStatus`).

The outcome of the last sync attempt is kept in ``<state_dir>/sync-status.json`` (mode 600) so
the web pages and the CLI can show it, e.g. the "backup router out of sync" banner while the
last attempt failed; the last verified copy also in ``sync-good.json`` (:func:`load_good`), so
a failed attempt does not forget what the backup holds.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from piranha_web.sync.failures import explain
from piranha_web.sync.files import read_json, write_json

STATUS_FILE = "sync-status.json"
GOOD_FILE = "sync-good.json"

IN_SYNC = "in sync"
DIFFERS = "differs"
UNREACHABLE = "unreachable"
NO_BACKUP = "no backup"


@dataclass(frozen=True)
class SyncOutcome:
    """One sync attempt.

    ``ok``: the backup router has exactly our lvs.cf (verified), or there was nothing to do
    (``skipped``: automatic sync off, or no backup router).  ``reason`` is the plain-words
    failure category (see :mod:`piranha_web.sync.failures`), ``detail`` what ssh said,
    ``checksum`` the sha256 of the lvs.cf that was (to be) copied, ``errors`` how many errors
    (pulse would refuse it) that lvs.cf had when it was copied anyway.
    """

    ok: bool
    message: str
    reason: str | None = None
    detail: str = ""
    checksum: str | None = None
    host: str | None = None
    remote_path: str | None = None
    skipped: bool = False
    time: float = 0.0
    errors: int = 0

    @property
    def copied(self) -> bool:
        """Whether this attempt put a verified lvs.cf on the backup router."""
        return self.ok and not self.skipped and self.checksum is not None

    @property
    def explanation(self) -> str:
        """What the failure means and what to do (empty when ``ok``)."""
        return explain(self.reason) if self.reason else ""

    @property
    def when(self) -> str:
        """Local time of the attempt, ``YYYY-MM-DD HH:MM:SS``."""
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.time))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> SyncOutcome:
        names = {spec.name for spec in fields(cls)}
        return cls(**{k: v for k, v in value.items() if k in names})


@dataclass(frozen=True)
class SyncStatus:
    """The backup's lvs.cf compared with ours right now.

    ``state`` is ``in sync``, ``differs`` (including: no lvs.cf on the backup),
    ``unreachable`` (cannot be reached or read; ``reason`` says why) or ``no backup``.
    """

    state: str
    message: str
    local_checksum: str | None = None
    remote_checksum: str | None = None
    reason: str | None = None
    detail: str = ""
    host: str | None = None
    checked_at: float = 0.0


def load_outcome(state_dir: Path) -> SyncOutcome | None:
    """The last recorded sync attempt; None when there was none (or the record is damaged)."""
    try:
        value = read_json(state_dir / STATUS_FILE)
        return SyncOutcome.from_json(value) if value is not None else None
    except (ValueError, TypeError):
        return None


def load_good(state_dir: Path) -> SyncOutcome | None:
    """The last attempt that put a verified lvs.cf on the backup router (None: none known).

    Installations from before ``sync-good.json`` have only the last attempt: when that one
    copied, it is the answer.
    """
    try:
        value = read_json(state_dir / GOOD_FILE)
        if value is not None:
            return SyncOutcome.from_json(value)
    except (ValueError, TypeError):
        pass
    last = load_outcome(state_dir)
    return last if last is not None and last.copied else None


def save_outcome(state_dir: Path, outcome: SyncOutcome) -> None:
    """Record ``outcome`` as the last attempt (and as the last good copy when it copied)."""
    write_json(state_dir / STATUS_FILE, outcome.to_json())
    if outcome.copied:
        write_json(state_dir / GOOD_FILE, outcome.to_json())
