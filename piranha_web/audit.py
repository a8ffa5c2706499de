"""The audit trail: who did what, when, as append-only JSON lines in the state directory.

* ``audit.log`` holds one JSON object per line: ``time`` (UTC, ISO 8601), ``ts`` (seconds),
  ``kind`` (one of :data:`KINDS`), ``user``, and the details of that kind.  Only what a
  logged-in user did reaches it, so nobody without a login can rotate its records away.
* ``audit-refused.log`` holds what anybody can cause: failed logins, lockouts and refused
  requests (:data:`BOUNDED_KINDS`).  It rotates on its own (its own size and file count), at
  most :attr:`AuditLog.refused_budget` records are written per ``refused_window`` seconds (the
  rest are counted, and one ``suppressed`` record says how many when the next window opens),
  user names are cut to :data:`MAX_NAME` characters (the length typed is recorded instead) and
  every text detail to :data:`MAX_TEXT`.  A flood of them therefore costs a bounded number of
  bytes per hour and can never push an authenticated action out of ``audit.log``.
* Appends are serialised by an ``flock`` and fsynced; when a file would pass its size it is
  rotated (``audit.log`` -> ``audit.log.1`` -> ... -> ``audit.log.<keep>``, the oldest
  dropped).  Files are opened with ``O_NOFOLLOW``: a symlink planted in their place is refused.
* A save (and any change recorded before it is made: users, settings, APPLY, TEST...) records
  ``commit: pending`` with a ``ref`` before it acts (:meth:`AuditLog.record_pending`) and a
  ``committed`` line with that ``ref`` (and the outcome, if any) after (:meth:`AuditLog.commit`);
  reading folds the two into ``commit: done`` or ``commit: not completed`` (killed or refused
  after the record).
* Passwords, session ids and secrets are never recorded: :meth:`AuditLog.record` refuses
  detail keys that name them (a programming error, not a runtime condition).
* A failed write raises :class:`AuditError`: a save records its audit line before lvs.cf is
  written and is refused when it cannot (the store's ``recorder`` hook).
* :func:`printable` escapes control characters (newlines, ESC): user names and details are
  whatever someone typed, and must not forge lines or drive a terminal when shown.

I/O only: no Flask here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import heapq
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from piranha_web.atomic import locked
from piranha_web.errors import AuditError

AUDIT_FILE = "audit.log"
REFUSED_FILE = "audit-refused.log"
KINDS = (
    "login", "login-failed", "lockout", "refused", "suppressed", "logout", "save", "restore",
    "hand-edit", "sync", "sync-settings", "host-key", "keepalived-settings", "apply", "user",
    "test", "check", "quiesce",
)
#: what anybody can cause without a login (or with a too low role): bounded, kept apart
BOUNDED_KINDS = frozenset({"login-failed", "lockout", "refused", "suppressed"})
#: the internal line that marks a pending save as written (never listed as an entry)
COMMITTED = "committed"
#: detail keys that must never reach the log
FORBIDDEN = frozenset({"password", "sid", "session", "secret", "token", "csrf_token"})
#: longest user name kept in a bounded record (longer ones are cut, their length recorded)
MAX_NAME = 64
#: longest text detail kept in a bounded record
MAX_TEXT = 200


def printable(text: str) -> str:
    """``text`` with every control character (C0, DEL, C1: newline, ESC...) and backslash
    written as a Python-style escape, so that it shows as one inert line."""
    return "".join(
        "\\\\" if ch == "\\" else ch if ch.isprintable()
        else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail."""

    ts: float
    kind: str
    user: str | None
    details: dict[str, Any]

    @property
    def time(self) -> str:
        """UTC time, ``2026-11-28 21:53:41``."""
        return datetime.fromtimestamp(self.ts, UTC).strftime("%Y-%m-%d %H:%M:%S")

    def as_dict(self) -> dict[str, Any]:
        return {"time": self.time + "Z", "ts": self.ts, "kind": self.kind, "user": self.user,
                **self.details}


def _clip(value: Any) -> Any:
    """A detail of a bounded record: text cut to :data:`MAX_TEXT`, other values as text."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = value if isinstance(value, str) else str(value)
    return text[:MAX_TEXT]


class _Budget:
    """At most ``size`` bounded records per ``window`` seconds; the rest are only counted."""

    def __init__(self, size: int, window: float) -> None:
        self.size = size
        self.window = window
        self.start = float("-inf")
        self.used = 0
        self.suppressed = 0
        self.lock = threading.Lock()

    def take(self, now: float) -> tuple[bool, int, float]:
        """``(may write, records suppressed in the window that ended, its start)``."""
        with self.lock:
            ended, ended_start = 0, self.start
            if now - self.start >= self.window:
                ended, self.suppressed = self.suppressed, 0
                self.start, self.used = now, 0
            if self.used >= self.size:
                self.suppressed += 1
                return False, ended, ended_start
            self.used += 1 + (1 if ended else 0)
            return True, ended, ended_start


class AuditLog:
    """``state_dir/audit.log``, ``state_dir/audit-refused.log`` and their rotated files."""

    def __init__(self, state_dir: Path, *, max_bytes: int = 1024 * 1024, keep: int = 5,
                 refused_bytes: int = 1024 * 1024, refused_keep: int = 5,
                 refused_budget: int = 600, refused_window: float = 3600.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = Path(state_dir) / AUDIT_FILE
        self.refused_path = Path(state_dir) / REFUSED_FILE
        self.max_bytes = max_bytes
        self.keep = keep
        self.refused_bytes = refused_bytes
        self.refused_keep = refused_keep
        self.clock = clock
        self._budget = _Budget(refused_budget, refused_window)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with locked(self.path.parent / ".audit.lock"):
            yield

    def record(self, kind: str, user: str | None, **details: Any) -> AuditEntry | None:
        """Append one entry; :class:`AuditError` when it cannot be written.

        A bounded kind beyond its budget is only counted (None is returned).
        """
        _check(kind, details)
        if kind in BOUNDED_KINDS:
            return self._record_bounded(self.clock(), kind, user, details)
        return self._record_plain(kind, user, details)

    def record_pending(self, kind: str, user: str | None, **details: Any) -> AuditEntry:
        """Append a save's entry that :meth:`commit` confirms once lvs.cf is written."""
        _check(kind, details)
        if kind in BOUNDED_KINDS:
            raise ValueError(f"{kind!r} cannot be pending")
        return self._record_plain(kind, user,
                                  {**details, "commit": "pending", "ref": secrets.token_hex(8)})

    def _record_plain(self, kind: str, user: str | None, details: dict[str, Any]) -> AuditEntry:
        entry = AuditEntry(self.clock(), kind, user, details)
        self._append(self.path, self.max_bytes, self.keep, [entry.as_dict()])
        return entry

    def commit(self, entry: AuditEntry, **outcome: Any) -> None:
        """Mark the pending ``entry`` as done (its save was written, its change made);
        ``outcome`` details are shown with the entry (a TEST's verdicts)."""
        _check(entry.kind, outcome)
        self._append(self.path, self.max_bytes, self.keep, [
            {**outcome, "ts": self.clock(), "kind": COMMITTED, "ref": entry.details["ref"]}])

    def _record_bounded(self, now: float, kind: str, user: str | None,
                        details: dict[str, Any]) -> AuditEntry | None:
        may, suppressed, since = self._budget.take(now)
        lines = []
        if suppressed:
            lines.append(AuditEntry(now, "suppressed", None, {
                "count": suppressed, "since": datetime.fromtimestamp(since, UTC).isoformat(),
            }).as_dict())
        entry = None
        if may:
            clipped = {key[:MAX_NAME]: _clip(value) for key, value in details.items()}
            if user is not None and len(user) > MAX_NAME:
                clipped["user_length"] = len(user)
                user = user[:MAX_NAME]
            entry = AuditEntry(now, kind, user, clipped)
            lines.append(entry.as_dict())
        if lines:
            self._append(self.refused_path, self.refused_bytes, self.refused_keep, lines)
        return entry

    def _append(self, path: Path, max_bytes: int, keep: int,
                records: list[dict[str, Any]]) -> None:
        data = "".join(json.dumps(r, ensure_ascii=True, default=str) + "\n" for r in records)
        line = data.encode()
        try:
            with self._locked():
                _rotate_for(path, len(line), max_bytes, keep)
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW,
                             0o600)
                try:
                    written = os.write(fd, line)
                    if written != len(line):
                        raise OSError(errno.ENOSPC, "short write (disk full?)")
                    os.fsync(fd)
                finally:
                    os.close(fd)
        except OSError as err:
            raise AuditError(
                f"cannot write the audit trail {path}: {err.strerror or err}"
            ) from err

    def files(self) -> list[Path]:
        """Both logs and their rotated files, newest first per log (existing ones only)."""
        return [path for path in (*_family(self.path, self.keep),
                                  *_family(self.refused_path, self.refused_keep))
                if path.exists()]

    def entries(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        user: str | None = None,
        kind: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        """Entries matching every given filter, newest first (at most ``limit``)."""
        found: list[AuditEntry] = []
        streams = (_newest_first(_family(self.path, self.keep)),
                   _newest_first(_family(self.refused_path, self.refused_keep)))
        for entry in _fold_commits(heapq.merge(*streams, key=lambda e: -e.ts)):
            if since is not None and entry.ts < since:
                break  # older lines only follow
            if (until is not None and entry.ts > until) or (
                    user is not None and entry.user != user) or (
                    kind is not None and entry.kind != kind):
                continue
            found.append(entry)
            if limit is not None and len(found) >= limit:
                break
        return found


def changed_fields(old: Any, new: Any) -> list[str]:
    """What differs between two settings dataclasses, in words: ``host: 10.0.0.2 -> 10.0.0.3``
    (for the audit trail of settings changes; empty when nothing changed)."""
    found = []
    for field in dataclasses.fields(new):
        before, after = getattr(old, field.name), getattr(new, field.name)
        if before != after:
            found.append(f"{field.name}: {_shown(before)} -> {_shown(after)}")
    return found


def _shown(value: Any) -> str:
    if value is None or value == ():
        return "(none)"
    if isinstance(value, tuple | list):
        return " ".join(str(v) for v in value)
    return str(value)


def _check(kind: str, details: dict[str, Any]) -> None:
    """ValueError for an unknown kind or a detail that names a secret (programming errors)."""
    if kind not in KINDS:
        raise ValueError(f"unknown audit kind {kind!r}")
    leaked = FORBIDDEN & set(details)
    if leaked:
        raise ValueError(f"audit details must not hold {sorted(leaked)}")


def _family(path: Path, keep: int) -> list[Path]:
    """``path`` and its rotated files, newest first."""
    return [path, *(path.with_name(f"{path.name}.{n}") for n in range(1, keep + 1))]


def _rotate_for(path: Path, size: int, max_bytes: int, keep: int) -> None:
    try:
        current = os.lstat(path).st_size
    except FileNotFoundError:
        return
    if current == 0 or current + size <= max_bytes:
        return
    family = _family(path, keep)
    family[-1].unlink(missing_ok=True)
    for target, source in zip(reversed(family[1:]), reversed(family[:-1]), strict=True):
        with contextlib.suppress(FileNotFoundError):
            os.replace(source, target)


def _newest_first(paths: Iterable[Path]) -> Iterator[AuditEntry]:
    """The entries (and commit marks) of ``paths``, newest first; AuditError when unreadable."""
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            continue
        except OSError as err:
            raise AuditError(f"cannot read {path}: {err.strerror or err}") from err
        with os.fdopen(fd, "rb") as handle:
            lines = handle.read().decode("utf-8", "replace").splitlines()
        for line in reversed(lines):
            entry = _parse(line)
            if entry is not None:
                yield entry


def _fold_commits(entries: Iterable[AuditEntry]) -> Iterator[AuditEntry]:
    """Drop commit marks and turn ``commit: pending`` into ``done`` / ``not completed``.

    Read newest first, so every mark is seen before the record it confirms."""
    done: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if entry.kind == COMMITTED:
            outcome = dict(entry.details)
            done[str(outcome.pop("ref", ""))] = outcome
            continue
        if entry.details.get("commit") == "pending":
            details = dict(entry.details)
            ref = str(details.pop("ref", ""))
            details["commit"] = "done" if ref in done else "not completed"
            details.update(done.get(ref, {}))
            entry = AuditEntry(entry.ts, entry.kind, entry.user, details)
        yield entry


def _parse(line: str) -> AuditEntry | None:
    try:
        data = json.loads(line)
        ts = float(data.pop("ts"))
        kind = str(data.pop("kind"))
        user = data.pop("user", None)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # a torn last line after a crash
    data.pop("time", None)
    return AuditEntry(ts, kind, user if isinstance(user, str) else None, data)
