"""Every saved revision of lvs.cf: who, when, why, what changed, and its text.

* Texts are the history copies (:class:`Copies`: ``.lvs.cf.history/``, written atomically by
  the store under its save lock, retention ``keep``/``keep_days``/``max_bytes``) plus lvs.cf
  itself.  Each saved revision is copied when
  it is recorded, so a later hand edit cannot lose it.  A hand edit noticed by a reader is kept
  in ``state_dir/revisions/`` instead: viewing never writes beside lvs.cf.
* Metadata is ``history.json`` in the state directory (rewritten atomically, mode 600): a list
  of :class:`Revision` in the order they happened.
* A save through the tool calls :meth:`History.record_save` from the store's ``recorder``
  hook (under the store's lock, before lvs.cf is written).
* A hand edit (lvs.cf changed outside the tool) is noticed when the file is next read by the
  history (:meth:`notice`) or by the next save, and recorded as its own entry: user None,
  cause ``hand edit``, time = the file's modification time.
* Copies in the history folder without metadata (older than this feature, or of pruned
  metadata) are listed too, cause ``earlier copy``.

I/O only: no Flask here.
"""

from __future__ import annotations

import calendar
import contextlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piranha_web.atomic import holding, locked, refuse_symlink, replace_file
from piranha_web.errors import ParseError, StoreIOError
from piranha_web.lvscf import parse
from piranha_web.lvscf.changes import summarize_documents
from piranha_web.revisions import decode, revision_of

if TYPE_CHECKING:  # the store keeps its copies here: it imports this module
    from piranha_web.store import ConfigStore, SaveResult

HISTORY_FILE = "history.json"
TEXTS_DIR = "revisions"
#: the history folder's copies together stay under this many bytes (the oldest go first) ...
HISTORY_BYTES = 1 << 30
#: ... but the newest few copies are always kept, whatever their size
HISTORY_MIN = 10
_STAMP = re.compile(r"[0-9]{8}T[0-9]{6}")
_NANOS = re.compile(r"[0-9]{9}")


@dataclass(frozen=True)
class HistoryEntry:
    """One earlier version of lvs.cf kept in the history folder."""

    path: Path
    saved_at: float
    revision: str


class Copies:
    """The history folder: a copy of each replaced (or recorded) version of lvs.cf, named
    ``<lvs.cf's name>.<UTC time>.<nanoseconds>.<first 12 hex digits of its revision>``, and
    their retention (``keep`` newest, all younger than ``keep_days``, at most ``max_bytes``).

    The store writes into it under its save lock; :class:`History` reads it.
    """

    def __init__(self, folder: Path, name: str, *, keep: int = 200, keep_days: float = 90.0,
                 max_bytes: int = HISTORY_BYTES) -> None:
        self.folder = folder
        self.name = name
        self.keep = keep
        self.keep_days = keep_days
        self.max_bytes = max_bytes
        #: sizes of copies by name (a copy never changes): each is stat-ed at most once
        self._sizes: dict[str, int] = {}

    def keep_copy(self, data: bytes, revision: str | None = None) -> Path:
        """Keep ``data`` (of ``revision``, hashed when not given) unless a copy of that
        revision is there already.

        Written like lvs.cf (temp file, fsync, rename): a writer killed mid-copy leaves a temp
        file, never a truncated file under a name that claims a full revision, so a copy named
        with the revision's first 12 hex digits and of the same size is that revision.
        """
        revision = revision_of(data) if revision is None else revision
        for entry in self.entries():
            if entry.revision == revision[:12] and entry.path.stat().st_size == len(data):
                return entry.path
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        refuse_symlink(self.folder)  # a planted link would make root write where it points
        seconds, nanos = divmod(time.time_ns(), 10**9)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(seconds))
        target = self.folder / f"{self.name}.{stamp}.{nanos:09d}.{revision[:12]}"
        replace_file(target, data, prefix=".copy-")
        self._sizes[target.name] = len(data)
        return target

    def prune(self) -> None:
        """Keep the newest ``keep`` copies and every copy younger than ``keep_days``, as long
        as all of them together stay under ``max_bytes`` (then the oldest go first, but the
        newest :data:`HISTORY_MIN` always stay): a large file saved often must not fill the
        disk, which would stop every save."""
        cutoff = time.time() - self.keep_days * 86400
        total = 0
        for number, entry in enumerate(self.entries()):
            size = self._size(entry.path)
            over = number >= HISTORY_MIN and total + size > self.max_bytes
            if over or (number >= self.keep and entry.saved_at < cutoff):
                entry.path.unlink(missing_ok=True)
                self._sizes.pop(entry.path.name, None)
            else:
                total += size
        for leftover in self.folder.glob(".copy-*.tmp"):
            if leftover.stat().st_mtime < time.time() - 3600:  # a killed writer's, not a peer's
                leftover.unlink(missing_ok=True)

    def _size(self, path: Path) -> int:
        size = self._sizes.get(path.name)
        if size is None:
            try:
                size = self._sizes[path.name] = path.stat().st_size
            except FileNotFoundError:
                size = 0
        return size

    def entries(self) -> list[HistoryEntry]:
        """Earlier versions, newest first.

        Read from the directory listing alone: the time of a copy is in its name (written
        when it was kept), so a save does not stat every copy (each system call hands the
        interpreter lock to other request threads, which a busy server makes costly).
        """
        try:
            listing = list(os.scandir(self.folder))
        except (FileNotFoundError, NotADirectoryError):
            return []
        entries = []
        for item in listing:
            parts = item.name.rsplit(".", 3)
            if len(parts) == 4 and parts[0] == self.name:
                saved_at = _stamp_time(parts[1], parts[2])
                if saved_at is None:  # not named by this store: its modification time
                    saved_at = item.stat().st_mtime
                entries.append(HistoryEntry(Path(item.path), saved_at, parts[3]))
        entries.sort(key=lambda e: e.path.name, reverse=True)
        return entries


def _stamp_time(stamp: str, nanos: str) -> float | None:
    """The time a history copy was kept, from its name (``YYYYmmddTHHMMSS`` UTC and
    nanoseconds, as :meth:`Copies.keep_copy` writes them); None for other names."""
    if not (_STAMP.fullmatch(stamp) and _NANOS.fullmatch(nanos)):
        return None
    fields = (stamp[0:4], stamp[4:6], stamp[6:8], stamp[9:11], stamp[11:13], stamp[13:15])
    return calendar.timegm(tuple(map(int, fields))) + int(nanos) / 1e9


@dataclass(frozen=True)
class Revision:
    """One revision of lvs.cf in the history."""

    revision: str
    ts: float
    user: str | None
    cause: str
    summary: tuple[str, ...] = ()
    parent: str | None = None
    restored_from: str | None = None
    available: bool = field(default=True, compare=False)

    @property
    def short(self) -> str:
        return self.revision[:12]

    def stored(self) -> dict[str, Any]:
        """The entry as the metadata file keeps it (``available`` is worked out on reading)."""
        return {"revision": self.revision, "ts": self.ts, "user": self.user,
                "cause": self.cause, "summary": list(self.summary), "parent": self.parent,
                "restored_from": self.restored_from}

    @property
    def who(self) -> str:
        """The user, or what changed the file when no user of the tool did."""
        return self.user or self.cause


def summary_of(old_text: str | None, new_text: str) -> tuple[str, ...]:
    """The change in words (empty when a text cannot be parsed: the finding says why)."""
    if old_text is None:
        return ()
    try:
        return tuple(summarize_documents(parse(old_text), parse(new_text)))
    except ParseError:
        return ("the file cannot be parsed; compare the lines",)


class History:
    """The history of ``store``'s lvs.cf, metadata in ``state_dir``."""

    def __init__(self, store: ConfigStore, state_dir: Path,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.path = Path(state_dir) / HISTORY_FILE
        self.texts_dir = Path(state_dir) / TEXTS_DIR
        self.clock = clock

    # ------------------------------------------------------------------ metadata file

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with locked(self.path.parent / ".history.lock"):
            yield

    def _read(self) -> list[Revision]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as err:
            raise StoreIOError(f"cannot read the history {self.path}: {err}") from err
        found = []
        for item in data if isinstance(data, list) else []:
            with contextlib.suppress(TypeError, KeyError, ValueError):
                item["summary"] = tuple(item.get("summary") or ())
                item.pop("available", None)
                found.append(Revision(**item))
        return found

    def _write(self, revisions: list[Revision]) -> None:
        if self.texts_dir.is_dir():
            wanted = {r.revision for r in revisions}
            for kept in self.texts_dir.iterdir():
                if kept.name not in wanted and not kept.name.startswith("."):
                    kept.unlink(missing_ok=True)
        items = [r.stored() for r in revisions]
        data = json.dumps(items, indent=1).encode()
        try:
            replace_file(self.path, data, prefix=".history.")
        except OSError as err:
            raise StoreIOError(f"cannot write the history {self.path}: {err.strerror}") from err

    # ------------------------------------------------------------------ recording

    def _note_current(self, revisions: list[Revision], data: bytes, revision: str,
                      mtime: float | None,
                      keep: Callable[[bytes, str], None]) -> Revision | None:
        """Add a hand-edit (or first-seen) entry when ``data`` (of ``revision``) is not the last
        recorded text."""
        last = revisions[-1] if revisions else None
        if last is not None and last.revision == revision:
            return None
        keep(data, revision)
        previous = self.text_of(last.revision) if last is not None else None
        entry = Revision(
            revision, mtime if mtime is not None else self.clock(), None,
            "hand edit" if last is not None else "first seen",
            summary_of(previous, decode(data)) if last is not None else (),
            last.revision if last is not None else None,
        )
        revisions.append(entry)
        return entry

    def _keep_in_state(self, data: bytes, revision: str) -> None:
        """Keep a noticed text in ``state_dir/revisions/<revision>`` (atomically)."""
        target = self.texts_dir / revision
        if target.exists():
            return
        try:
            replace_file(target, data, prefix=".text.", make_parent=True)
        except OSError as err:
            raise StoreIOError(f"cannot keep a copy in {self.texts_dir}: {err.strerror}") from err

    def _copy(self, data: bytes, revision: str) -> None:
        try:
            self.store.keep_copy(data, revision)
        except OSError as err:
            raise StoreIOError(f"cannot keep a copy in {self.store.history_dir}: "
                               f"{err.strerror}") from err

    @contextlib.contextmanager
    def _save_lock(self) -> Iterator[None]:
        """The store's save lock if it exists (never created here: viewing writes nothing
        beside lvs.cf), so that a save cannot be half-recorded while we look."""
        try:
            fd = os.open(self.store.lock_path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            yield  # no save through the tool has ever run
            return
        with holding(fd):
            yield

    def notice(self) -> Revision | None:
        """Record lvs.cf as it is now if it changed outside the tool; returns the new entry.

        Reading must not write beside lvs.cf: the text is kept in the state directory.
        """
        with self._save_lock(), self._locked():
            try:
                mtime = self.store.path.stat().st_mtime
            except OSError as err:
                raise StoreIOError(f"cannot read {self.store.path}: {err.strerror}") from err
            revision, data = self.store.snapshot()
            revisions = self._read()
            entry = self._note_current(revisions, data, revision, mtime, self._keep_in_state)
            if entry is not None:
                self._write(revisions)  # pruning is the saver's (it knows the retention)
            return entry

    def record_save(self, old_revision: str, result: SaveResult, user: str | None, cause: str,
                    summary: tuple[str, ...], restored_from: str | None = None) -> Revision:
        """Record a save (from the store's recorder hook: under its lock, before the write)."""
        with self._locked():
            revisions = self._read()
            if result.old_text:
                old = result.old_data or result.old_text.encode("utf-8", "surrogateescape")
                self._note_current(revisions, old, old_revision, self._mtime(), self._copy)
            new = result.new_data or result.new_text.encode("utf-8", "surrogateescape")
            self._copy(new, result.revision)
            entry = Revision(result.revision, self.clock(), user, cause, summary, old_revision,
                             restored_from)
            revisions.append(entry)
            self._write(self._pruned(revisions))
            return entry

    def _mtime(self) -> float | None:
        try:
            return self.store.path.stat().st_mtime
        except OSError:
            return None

    def _pruned(self, revisions: list[Revision]) -> list[Revision]:
        """The metadata the store's retention keeps (newest ``keep`` or ``keep_days``)."""
        cutoff = self.clock() - self.store.keep_days * 86400
        keep_from = max(0, len(revisions) - self.store.keep)
        return [r for n, r in enumerate(revisions) if n >= keep_from or r.ts >= cutoff]

    # ------------------------------------------------------------------ reading

    def _copies(self) -> dict[str, Path]:
        """Short revision -> copy in the history folder."""
        return {entry.revision: entry.path for entry in self.store.history()}

    def text_of(self, revision: str) -> str | None:
        """The text of ``revision`` (a full or 12-character revision), None when not kept."""
        if len(revision) < 12:
            return None
        with contextlib.suppress(StoreIOError):
            current, data = self.store.snapshot()
            if current.startswith(revision):
                return decode(data)
        path = self._copies().get(revision[:12])
        if path is None:
            kept = sorted(self.texts_dir.glob(f"{revision[:12]}*"))
            if not kept:
                return None
            path = kept[0]
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return decode(data) if revision_of(data).startswith(revision) else None

    def revisions(self) -> list[Revision]:
        """Every revision, newest first: recorded ones, then copies without metadata."""
        recorded = self._read()
        copies = self.store.history()
        known = {r.short for r in recorded}
        available = {c.revision for c in copies}
        with contextlib.suppress(StoreIOError):
            available.add(self.store.revision()[:12])
        if self.texts_dir.is_dir():
            available.update(p.name[:12] for p in self.texts_dir.iterdir())
        found: list[Revision] = [
            Revision(r.revision, r.ts, r.user, r.cause, r.summary, r.parent, r.restored_from,
                     r.short in available)
            for r in reversed(recorded)
        ]
        for copy in copies:
            if copy.revision not in known:
                found.append(Revision(copy.revision, copy.saved_at, None, "earlier copy"))
        found.sort(key=lambda r: r.ts, reverse=True)
        return found

    def find(self, revision: str) -> Revision | None:
        """The entry of a (full or short) revision."""
        for entry in self.revisions():
            if entry.revision.startswith(revision) or revision.startswith(entry.revision):
                return entry
        return None


def as_dict(revision: Revision) -> dict[str, Any]:
    """A revision for JSON output."""
    return {**revision.stored(), "available": revision.available}
