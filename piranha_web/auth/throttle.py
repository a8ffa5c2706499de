""":class:`LoginThrottle` slows down repeated failed logins per (client, user) with a growing
lockout window; it never sleeps, callers refuse the attempt and say how long to wait."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_KEY = 64


def _key(text: str) -> str:
    """``text`` itself when short, else ``sha256:`` and its digest (bounded, still distinct)."""
    if len(text) <= MAX_KEY:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"sha256:{digest}"


@dataclass
class _Failures:
    count: int
    locked_until: float
    last: float


class LoginThrottle:
    """Failed-login throttling: a growing lock per (client, user), a slowdown per user.

    * Per (client, user): the first ``free`` failures cost nothing; the next one locks the pair
      for ``base`` seconds, each further one doubles the lock, at most ``ceiling``.
    * Per user, across all clients that are not ``trusted``: after ``user_free`` failures each
      further one makes every untrusted client wait ``user_base`` seconds, doubling, at most
      ``user_ceiling``.  Guesses from many addresses are slowed down together, yet never locked
      out for long; and a trusted client (the web layer's device cookie: a browser that logged
      in as this user before) is subject only to its own pair lock, so an attacker cannot keep
      the real admin out.
    * :meth:`attempt` checks and records in one step under the lock: parallel guesses cannot
      slip between the check and the record.  The attempt counts as failed until
      :meth:`succeeded` undoes it.

    A success clears the pair; entries idle for ``forget`` seconds are dropped, and at most
    ``capacity`` pairs and ``capacity`` users are kept.  Memory is bounded: user names and
    clients longer than :data:`MAX_KEY` characters are kept as their SHA-256 (a 1 MB name
    typed into the login form costs 71 characters here), so each table holds at most
    ``capacity`` short keys.
    """

    def __init__(
        self,
        *,
        free: int = 3,
        base: float = 2.0,
        ceiling: float = 300.0,
        user_free: int = 10,
        user_base: float = 1.0,
        user_ceiling: float = 30.0,
        forget: float = 3600.0,
        capacity: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free = free
        self.base = base
        self.ceiling = ceiling
        self.user_free = user_free
        self.user_base = user_base
        self.user_ceiling = user_ceiling
        self.forget = forget
        self.capacity = capacity
        self.clock = clock
        self._entries: dict[tuple[str, str], _Failures] = {}
        self._users: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """Number of (client, user) pairs with recorded failures."""
        with self._lock:
            return len(self._entries)

    def wait_seconds(self, client: str, user: str, *, trusted: bool = False) -> float:
        """Seconds until ``client`` may try ``user`` again (0 when it may try now)."""
        client, user = _key(client), _key(user)
        with self._lock:
            return self._wait(client, user, trusted, self.clock())

    def attempt(self, client: str, user: str, *, trusted: bool = False) -> float:
        """Reserve one try atomically: 0 when it may go ahead (it counts as a failure until
        :meth:`succeeded`), else the seconds to wait (nothing recorded)."""
        client, user = _key(client), _key(user)
        with self._lock:
            now = self.clock()
            wait = self._wait(client, user, trusted, now)
            if wait <= 0:
                self._record(client, user, trusted, now)
            return wait

    def failed(self, client: str, user: str, *, trusted: bool = False) -> float:
        """Record a failed attempt; returns the lockout of this client that now applies."""
        client, user = _key(client), _key(user)
        with self._lock:
            return self._record(client, user, trusted, self.clock())

    def succeeded(self, client: str, user: str, *, trusted: bool = False) -> None:
        """Forget the failures of this pair and take back this attempt's count for the user."""
        client, user = _key(client), _key(user)
        with self._lock:
            self._entries.pop((client, user), None)
            entry = self._users.get(user)
            if not trusted and entry is not None and entry.count > 0:
                entry.count -= 1

    def _wait(self, client: str, user: str, trusted: bool, now: float) -> float:
        pair = self._entries.get((client, user))
        wait = 0.0 if pair is None else pair.locked_until - now
        entry = self._users.get(user)
        if not trusted and entry is not None:
            wait = max(wait, entry.locked_until - now)
        return max(0.0, wait)

    def _record(self, client: str, user: str, trusted: bool, now: float) -> float:
        self._prune(now)
        pair = self._entries.setdefault((client, user), _Failures(0, now, now))
        lock = _count(pair, now, self.free, self.base, self.ceiling)
        if not trusted:
            entry = self._users.setdefault(user, _Failures(0, now, now))
            _count(entry, now, self.user_free, self.user_base, self.user_ceiling)
        return lock

    def _prune(self, now: float) -> None:
        _prune(self._entries, now, self.forget, self.capacity)
        _prune(self._users, now, self.forget, self.capacity)


def _prune(table: dict[Any, _Failures], now: float, forget: float, capacity: int) -> None:
    """Drop entries idle for ``forget`` seconds, then the oldest until below ``capacity``."""
    for key in [k for k, e in table.items() if now - e.last > forget]:
        del table[key]
    while len(table) >= capacity:
        del table[min(table, key=lambda k: table[k].last)]


def _count(entry: _Failures, now: float, free: int, base: float, ceiling: float) -> float:
    """One more failure on ``entry``: its new lock (0 within the free tries), doubling."""
    entry.count += 1
    entry.last = now
    over = entry.count - free
    lock = 0.0 if over <= 0 else min(ceiling, base * 2 ** (over - 1))
    entry.locked_until = now + lock
    return lock
