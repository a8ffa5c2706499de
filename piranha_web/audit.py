"""The audit trail: who did what, when, as append-only JSON lines in the state directory.

* ``audit.log`` holds one JSON object per line: ``time`` (UTC, ISO 8601), ``ts`` (seconds),
  ``kind`` (one of :data:`KINDS`), ``user`` (None for a failed login of an unknown name is
  never the case: the name typed is kept), and the details of that kind.
* Appends are serialised by an ``flock`` and fsynced; when the file would pass ``max_bytes``
  it is rotated (``audit.log`` -> ``audit.log.1`` -> ... -> ``audit.log.<keep>``, the oldest
  dropped).
* Passwords, session ids and secrets are never recorded: :meth:`AuditLog.record` refuses
  detail keys that name them (a programming error, not a runtime condition).
* A failed write raises :class:`AuditError`: a save records its audit line before lvs.cf is
  written and is refused when it cannot (the store's ``recorder`` hook).

I/O only: no Flask here.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from piranha_web.atomic import locked
from piranha_web.errors import AuditError

AUDIT_FILE = "audit.log"
KINDS = (
    "login", "login-failed", "lockout", "logout", "save", "restore",
    "hand-edit", "sync", "host-key", "user", "test", "check",
)
#: detail keys that must never reach the log
FORBIDDEN = frozenset({"password", "sid", "session", "secret", "token", "csrf_token"})


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


class AuditLog:
    """``state_dir/audit.log`` and its rotated predecessors."""

    def __init__(self, state_dir: Path, *, max_bytes: int = 1024 * 1024, keep: int = 5,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = Path(state_dir) / AUDIT_FILE
        self.max_bytes = max_bytes
        self.keep = keep
        self.clock = clock

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with locked(self.path.parent / ".audit.lock"):
            yield

    def record(self, kind: str, user: str | None, **details: Any) -> AuditEntry:
        """Append one entry; :class:`AuditError` when it cannot be written."""
        if kind not in KINDS:
            raise ValueError(f"unknown audit kind {kind!r}")
        leaked = FORBIDDEN & set(details)
        if leaked:
            raise ValueError(f"audit details must not hold {sorted(leaked)}")
        entry = AuditEntry(self.clock(), kind, user, details)
        line = (json.dumps(entry.as_dict(), ensure_ascii=True, default=str) + "\n").encode()
        try:
            with self._locked():
                self._rotate_for(len(line))
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    written = os.write(fd, line)
                    if written != len(line):
                        raise OSError(28, "short write (disk full?)")
                    os.fsync(fd)
                finally:
                    os.close(fd)
        except OSError as err:
            raise AuditError(
                f"cannot write the audit trail {self.path}: {err.strerror or err}"
            ) from err
        return entry

    def _rotated(self, number: int) -> Path:
        return self.path.with_name(f"{AUDIT_FILE}.{number}")

    def _rotate_for(self, size: int) -> None:
        try:
            current = self.path.stat().st_size
        except FileNotFoundError:
            return
        if current == 0 or current + size <= self.max_bytes:
            return
        self._rotated(self.keep).unlink(missing_ok=True)
        for number in range(self.keep - 1, 0, -1):
            with contextlib.suppress(FileNotFoundError):
                os.replace(self._rotated(number), self._rotated(number + 1))
        os.replace(self.path, self._rotated(1))

    def files(self) -> list[Path]:
        """The log and its rotated files, newest first (existing ones only)."""
        found = [self.path, *(self._rotated(n) for n in range(1, self.keep + 1))]
        return [path for path in found if path.exists()]

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
        for path in self.files():
            try:
                lines = path.read_text("utf-8", "replace").splitlines()
            except OSError as err:
                raise AuditError(f"cannot read {path}: {err.strerror or err}") from err
            for line in reversed(lines):
                entry = _parse(line)
                if entry is None:
                    continue
                if since is not None and entry.ts < since:
                    return found  # older files only hold older entries
                if (until is not None and entry.ts > until) or (
                        user is not None and entry.user != user) or (
                        kind is not None and entry.kind != kind):
                    continue
                found.append(entry)
                if limit is not None and len(found) >= limit:
                    return found
        return found


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
