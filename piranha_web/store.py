"""The only code that reads and writes lvs.cf on disk.

* ``load()`` returns the parsed document and its revision (sha256 of the bytes).
* ``save(doc, expected_revision)`` holds a cross-process lock (``fcntl.flock`` on a lock file
  beside lvs.cf), refuses with :class:`StaleRevisionError` when the file changed since the
  caller loaded it, bumps ``serial_no`` (in ``doc`` too, so it matches the file), validates the
  document it is about to write and refuses with :class:`ValidationFailedError` when it has
  errors the file on disk did not already have, keeps the old version in the history folder
  (:class:`piranha_web.history.Copies`: the newest ``keep`` versions and all of the last
  ``keep_days``, up to ``max_bytes`` in all, each copy written atomically), then writes
  atomically: temp file in the same directory,
  fsync, rename over lvs.cf, fsync the directory, with the old file's mode and owner.

Costs follow the edit, not the file.  A document loaded from this store (``doc.origin`` is its
revision) knows which lines its edits changed: the save re-reads only those blocks
(``Document.reread_changes``) and reports them (``SaveResult.changes``); any other document is
parsed again as a whole.  The revision and bytes of what the store last read or wrote are kept
with the file's (size, mtime_ns, ctime_ns, inode): the file is read again only when those
change, or when its mtime was too close to the time it was read to rule out a same-tick
rewrite (then it is compared in place with the kept bytes), and hashed only when its bytes are
new.  The parses of the last few revisions are kept too: a reader that read the file just before
a save replaced it, or a stale form to rebase, finds its revision's parse.

Bytes are decoded as UTF-8 with ``surrogateescape`` so that any byte survives a round trip.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from piranha_web.atomic import holding, open_lock_file, replace_file
from piranha_web.errors import (
    ParseError,
    StaleRevisionError,
    StoreIOError,
    ValidationFailedError,
)
from piranha_web.history import HISTORY_BYTES, Copies, HistoryEntry
from piranha_web.lvscf import Config, Document, parse
from piranha_web.lvscf.changed_lines import ChangedLines
from piranha_web.lvscf.validate import Finding, check_text, validate
from piranha_web.lvscf.values import c_int
from piranha_web.revisions import decode, encode, revision_of

__all__ = ["HISTORY_BYTES", "ConfigStore", "HistoryEntry", "Loaded", "SaveResult", "decode",
           "encode", "revision_of"]

#: how many recent revisions' parses are kept to rebase edits made on them
RECENT_PARSES = 16
#: a file modified less than this long before it was read is read again on the next look
#: (timestamps of whole seconds: a file system that keeps no finer ones, or FAT's 2 s) ...
RACY_NS = 2 * 10**9
#: ... and on file systems with sub-second timestamps, which advance at least every clock
#: tick (at most 10 ms): a rewrite after this long has a different mtime
RACY_FINE_NS = 50 * 10**6
#: bytes read at a time to compare lvs.cf with what the store saw
COMPARE_CHUNK = 1 << 20


@dataclass(frozen=True)
class Loaded:
    """A parsed lvs.cf and the revision it was read at."""

    document: Document
    revision: str
    text: str


@dataclass(frozen=True)
class SaveResult:
    """What a save wrote: the new revision, old and new text, and the remaining warnings
    (``old_data``/``new_data``: the same texts as the file's bytes, when the store has them)."""

    revision: str
    old_text: str
    new_text: str
    warnings: tuple[Finding, ...]
    changes: ChangedLines = ChangedLines()
    old_data: bytes = b""
    new_data: bytes = b""


class ConfigStore:
    """lvs.cf at ``path``; history in ``history_dir`` (default: ``.lvs.cf.history`` beside it)."""

    def __init__(self, path: Path | str, history_dir: Path | str | None = None, keep: int = 200,
                 keep_days: float = 90.0, max_bytes: int = HISTORY_BYTES):
        self.path = Path(path)
        #: the history folder: copies of replaced versions, and their retention
        self.copies = Copies(
            Path(history_dir) if history_dir is not None
            else self.path.parent / f".{self.path.name}.history",
            self.path.name, keep=keep, keep_days=keep_days, max_bytes=max_bytes,
        )
        self.lock_path = self.path.parent / f".{self.path.name}.lock"
        self._parsed: Loaded | None = None
        #: the parses of the last few revisions (they share unedited blocks), for rebasing
        self._recent: dict[str, Document] = {}
        self._recent_lock = threading.Lock()  # request threads share one store
        #: held while a whole file is parsed or validated: a second reader of the same new
        #: revision (a page view beside the warm-up, readers after a hand edit) waits for that
        #: work instead of doing its own (400,000 more objects and a second of CPU at
        #: 1,000 x 32)
        self._reading = threading.RLock()
        #: what the store last read or wrote: lvs.cf's stat then, its revision and its bytes
        self._seen: _Seen | None = None
        self._findings_cache: tuple[str, list[Finding]] | None = None

    # ------------------------------------------------------------------ reading

    def read_bytes(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as err:
            raise StoreIOError(f"cannot read {self.path}: {err.strerror or err}") from err

    def _holds(self, data: bytes) -> bool:
        """Whether lvs.cf holds exactly ``data`` now: compared piece by piece, so that checking
        a large file that was just written makes no second copy of it."""
        offset = 0
        try:
            with open(self.path, "rb") as file:
                while chunk := file.read(COMPARE_CHUNK):
                    if not data.startswith(chunk, offset):  # a memcmp, no slice copied
                        return False
                    offset += len(chunk)
        except OSError as err:
            raise StoreIOError(f"cannot read {self.path}: {err.strerror or err}") from err
        return offset == len(data)

    def revision(self) -> str:
        """Revision of the file as it is on disk now (read and hashed only if it changed)."""
        return self.snapshot()[0]

    def snapshot(self) -> tuple[str, bytes]:
        """``(revision, bytes)`` of lvs.cf as it is on disk now.

        Costs a stat when the file's (size, mtime_ns, ctime_ns, inode) are what the store last
        saw.  A file modified so recently that a rewrite within the same timestamp tick could
        follow unseen (git's "racily clean" case) is read again and compared byte for byte with
        what the store saw; only bytes the store has not seen are hashed.
        """
        stat = self._stat()
        seen = self._seen
        if seen is not None and seen.stat == stat and (seen.settled or self._holds(seen.data)):
            self._remember(stat, seen.revision, seen.data)
            return seen.revision, seen.data
        data = self.read_bytes()
        revision = seen.revision if seen is not None and seen.data == data else revision_of(data)
        self._remember(stat, revision, data)
        return revision, data

    def _read_current(self) -> Loaded:
        """The kept parse of lvs.cf as it is now (parsed when it is a revision not seen before)."""
        revision, data = self.snapshot()
        cached = self._parsed
        if cached is not None and cached.revision == revision:
            return cached
        return self._current(data, revision)

    def load(self) -> Loaded:
        """Read and parse lvs.cf (:class:`ParseError` propagates with line and column).

        The parsed document of the last revision seen is kept, so loading an unchanged file
        costs a stat and a cheap copy; every caller gets its own document to edit, tagged with
        its revision (``document.origin``).
        """
        cached = self._read_current()
        document = cached.document.copy()
        document.origin = cached.revision
        return Loaded(document, cached.revision, cached.text)

    def config(self, data: bytes | None = None,
               revision: str | None = None) -> tuple[str, Config]:
        """``(revision, typed model)`` of lvs.cf now (or of ``data``, whose ``revision`` is
        hashed when not given), for readers only.

        No document is copied: the model is immutable and computed once per revision.
        """
        cached = self._read_current() if data is None else self._current(data, revision)
        return cached.revision, cached.document.model()

    def load_revision(self, revision: str) -> Document | None:
        """A copy of the document as it was at ``revision``, if that is one of the last few
        this store read or wrote (to rebase an edit made on it), else None."""
        with self._recent_lock:
            remembered = self._recent.get(revision)
        if remembered is None:
            return None
        document = remembered.copy()
        document.origin = revision
        return document

    def _remember_parse(self, loaded: Loaded) -> Loaded:
        """Make ``loaded`` the current parse and one of the :data:`RECENT_PARSES` kept."""
        self._parsed = loaded
        with self._recent_lock:
            self._recent.pop(loaded.revision, None)
            self._recent[loaded.revision] = loaded.document
            while len(self._recent) > RECENT_PARSES:
                del self._recent[next(iter(self._recent))]
        return loaded

    def _stat(self) -> tuple[int, int, int, int] | None:
        """What tells a rewrite of lvs.cf apart without reading it (None: no file)."""
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)

    def _remember(self, stat: tuple[int, int, int, int] | None, revision: str,
                  data: bytes) -> None:
        """Keep ``revision`` and ``data`` for ``stat`` (taken before the bytes were read)."""
        self._seen = None if stat is None else _Seen(stat, revision, data, not _racy(stat))

    def findings(self, data: bytes | None = None) -> list[Finding]:
        """Validation findings of lvs.cf now (or of ``data``), computed once per revision.

        A file that does not parse gives its syntax problems as error findings.
        """
        if data is None:
            revision, data = self.snapshot()
        else:
            revision = revision_of(data)
        cached = self._findings_cache
        if cached is None or cached[0] != revision:
            with self._reading:  # one thread validates a new revision, the others wait
                cached = self._findings_cache
                if cached is None or cached[0] != revision:
                    cached = self._findings_cache = (revision, self._findings_of(data, revision))
        return list(cached[1])

    def _current(self, data: bytes, revision: str | None = None) -> Loaded:
        """The kept parse of ``data``'s revision: the last one kept, one of the last few (a
        reader that read the file just before a save replaced it), or parsed now."""
        revision = revision_of(data) if revision is None else revision
        with self._reading:
            cached = self._parsed
            if cached is not None and cached.revision == revision:
                return cached
            with self._recent_lock:
                document = self._recent.get(revision)
            if document is not None:
                return Loaded(document, revision, decode(data))
            text = decode(data)
            return self._remember_parse(Loaded(parse(text), revision, text))

    # ------------------------------------------------------------------ writing

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the cross-process save lock."""
        try:
            fd = open_lock_file(self.lock_path)
        except OSError as err:
            raise StoreIOError(f"cannot create lock {self.lock_path}: {err.strerror}") from err
        with holding(fd):
            yield

    def save(
        self, doc: Document, expected_revision: str, *, bump_serial: bool = True,
        recorder: Callable[[str, SaveResult], Callable[[], None] | None] | None = None,
        dry_run: bool = False,
    ) -> SaveResult:
        """Write ``doc`` if lvs.cf is still at ``expected_revision``; see the module docstring.

        ``recorder(old_revision, result)`` runs under the lock once the new text is validated
        and before anything is written (the audit trail and the history metadata): when it
        raises, the save is refused and nothing changes.  What it returns, if anything, is
        called once lvs.cf is written (the audit trail marks its record committed), never for
        a save that failed or was killed.  ``dry_run``: everything up to that
        point (stale check, ``serial_no`` bump in ``doc``, validation, the result the save
        would have), then stop: no recorder, nothing written, nothing kept.
        """
        with self.locked():
            prepared = self._prepare(doc, expected_revision, bump_serial)
            result = prepared.result
            if dry_run:
                return result
            changed = result.new_data != prepared.current
            committed = None
            if changed and recorder is not None:
                committed = recorder(expected_revision, result)
            if prepared.saved is not None:
                # kept before the file is replaced: a reader that sees the new file in the
                # meantime finds its parse (and findings) instead of parsing it all again
                self._remember_parse(Loaded(prepared.saved.copy(), result.revision,
                                            result.new_text))
                self._findings_cache = (result.revision, prepared.findings)
            if changed:
                self._remove_stale_temp_files()
                if prepared.current:
                    self._copy_replaced(prepared.current, expected_revision)
                self._write_atomically(result.new_data)
            self._remember(self._stat(), result.revision, result.new_data)
            if committed is not None:
                committed()
            return result

    def _prepare(self, doc: Document, expected_revision: str, bump_serial: bool) -> _Prepared:
        """Under the lock: refuse a stale save, bump ``serial_no``, validate (refusing new
        errors) and build the result the save would have; nothing is written."""
        exists = self.path.exists()
        revision, current = self.snapshot() if exists else (revision_of(b""), b"")
        if revision != expected_revision:
            raise StaleRevisionError(expected_revision, revision)
        cached = self._parsed
        old_text = cached.text if cached is not None and cached.revision == revision \
            else decode(current)
        incremental = doc.origin == expected_revision and cached is not None and \
            cached.revision == expected_revision
        new_text, changes, saved, findings = (_reread if incremental else _reparse)(
            doc, old_text, bump_serial)
        if any(f.is_error for f in findings):
            introduced = _new_errors(self._findings_of(current, revision), findings)
            if introduced:
                raise ValidationFailedError(introduced)
        data = encode(new_text)
        result = SaveResult(
            revision_of(data) if data != current else expected_revision,
            old_text,
            new_text,
            tuple(f for f in findings if not f.is_error),
            changes,
            current,
            data,
        )
        return _Prepared(result, current, saved, findings)

    def _findings_of(self, data: bytes, revision: str) -> list[Finding]:
        """Findings of the file's bytes, from the kept parse of that revision when there is one."""
        if not data:
            return []
        try:
            return validate(self._current(data, revision).document)
        except ParseError:
            return check_text(decode(data))

    def create(self, text: str) -> str:
        """Create lvs.cf with ``text`` if it does not exist yet; returns its revision."""
        with self.locked():
            if not self.path.exists():
                self._write_atomically(encode(text), mode=0o644)
            return revision_of(self.read_bytes())

    def _write_atomically(self, data: bytes, mode: int = 0o600) -> None:
        """Replace lvs.cf (its mode, owner and symlink kept; ``mode`` for a new file)."""
        try:
            replace_file(self.path, data, mode=mode, keep_mode=True, prefix=self._temp_prefix)
        except OSError as err:
            raise StoreIOError(f"cannot write {self.path}: {err.strerror or err}") from err

    @property
    def _temp_prefix(self) -> str:
        """Prefix of this store's temp files (distinct from the sync's upload name)."""
        return f".{self.path.name}.store-"

    def _remove_stale_temp_files(self) -> None:
        """Temp files left by a writer that was killed; safe to remove while we hold the lock."""
        for leftover in self.path.resolve().parent.glob(f"{self._temp_prefix}*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()

    # ------------------------------------------------------------------ history folder

    @property
    def history_dir(self) -> Path:
        return self.copies.folder

    @property
    def keep(self) -> int:
        return self.copies.keep

    @property
    def keep_days(self) -> float:
        return self.copies.keep_days

    def _copy_replaced(self, data: bytes, revision: str) -> None:
        """Copy the replaced version into the history folder (atomically), then prune."""
        try:
            self.copies.keep_copy(data, revision)
            self.copies.prune()
        except OSError as err:
            raise StoreIOError(
                f"cannot keep history in {self.history_dir}: {err.strerror}"
            ) from err

    def keep_copy(self, data: bytes, revision: str | None = None) -> Path:
        """Keep ``data`` in the history folder (:meth:`Copies.keep_copy`)."""
        return self.copies.keep_copy(data, revision)

    def history(self) -> list[HistoryEntry]:
        """Earlier versions in the history folder, newest first (:meth:`Copies.entries`)."""
        return self.copies.entries()


@dataclass(frozen=True)
class _Seen:
    """lvs.cf as the store last read or wrote it: its stat then, its revision and bytes, and
    whether the stat alone tells a later rewrite apart (it was not racy when read)."""

    stat: tuple[int, int, int, int]
    revision: str
    data: bytes
    settled: bool


def _racy(stat: tuple[int, int, int, int]) -> bool:
    """Whether lvs.cf, read now, was modified so recently that a rewrite of the same size in
    the same timestamp tick could follow unseen (git's "racily clean"; a whole-second mtime:
    the file system may keep no finer timestamps)."""
    window = RACY_NS if stat[1] % 10**9 == 0 else RACY_FINE_NS
    return time.time_ns() - stat[1] < window


def _bump_serial(doc: Document) -> None:
    """``serial_no`` + 1 (added as the first key when absent), the Piranha GUI's habit.

    A serial number that is not a number or would not fit in Piranha's C int once bumped is
    left as it is: its finding tells the admin, and a save must not make it worse.
    """
    current = doc.get("serial_no")
    number = c_int(current) if current is not None else 0
    if current is not None and (number is None or not 0 <= number < 2**31 - 1):
        return
    doc.set("serial_no", str((number or 0) + 1))


@dataclass(frozen=True)
class _Prepared:
    """A validated save not written yet: its result, the bytes it replaces, the document it
    writes (None: the new text does not parse) and that document's findings."""

    result: SaveResult
    current: bytes
    saved: Document | None
    findings: list[Finding]


def _reread(doc: Document, old_text: str,
            bump_serial: bool) -> tuple[str, ChangedLines, Document | None, list[Finding]]:
    """A document loaded from the store: only its changed blocks are read again."""
    changes = doc.changes()
    if bump_serial and changes:
        _bump_serial(doc)
        changes = doc.changes()
    doc.reread_changes()
    return (doc.dumps() if changes else old_text), changes, doc, validate(doc)


def _reparse(doc: Document, old_text: str,
             bump_serial: bool) -> tuple[str, ChangedLines, Document | None, list[Finding]]:
    """Any other document: the new text is compared and parsed as a whole."""
    if bump_serial and doc.dumps() != old_text:
        _bump_serial(doc)
    new_text = doc.dumps()
    changes = ChangedLines.between(old_text, new_text)
    try:
        saved: Document | None = parse(new_text)
    except ParseError:
        saved = None
    findings = validate(saved) if saved is not None else check_text(new_text)
    return new_text, changes, saved, findings


def _new_errors(old: list[Finding], new: list[Finding]) -> list[Finding]:
    """Errors in ``new`` that ``old`` did not have (compared ignoring line numbers)."""
    remaining = Counter(f.signature for f in old if f.is_error)
    introduced = []
    for finding in new:
        if not finding.is_error:
            continue
        if remaining[finding.signature] > 0:
            remaining[finding.signature] -= 1
        else:
            introduced.append(finding)
    return introduced
