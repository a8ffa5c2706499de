"""Login credentials and the session secret, kept in the state directory (never in lvs.cf).

* :class:`PasswordFile` holds one ``user:hash`` line per user (``piranha`` by default, like
  Piranha's single account), hashed with scrypt and a random salt, compared in constant time.
  The file is written atomically with mode 600.
* :func:`load_or_create_secret` returns the key that signs session cookies (file mode 600), so
  sessions survive a restart but not a new state directory.
* :func:`passwd_command` is the command that sets the password of this installation's login,
  as the serve command and the login page print it (the full path of this environment's
  ``piranha-web``, and the state directory in use).
* :class:`LoginThrottle` slows down repeated failed logins per (client, user) with a growing
  lockout window; it never sleeps, callers refuse the attempt and say how long to wait.

This module is I/O only: no Flask or Werkzeug here, the web layer maps it to HTTP.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import secrets
import shlex
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from piranha_web.atomic import locked, replace_file
from piranha_web.errors import AuthError

DEFAULT_USER = "piranha"


def passwd_command(state_dir: Path) -> str:
    """The shell command that sets the login password for ``state_dir``, runnable as printed.

    It names this Python environment's ``piranha-web`` by its full path (a virtualenv's is not
    on PATH) and the state directory absolutely (the default is another directory).
    """
    script = Path(sys.executable).parent / "piranha-web"
    program = str(script) if script.exists() else "piranha-web"
    return shlex.join([program, "passwd", "--state-dir", str(state_dir.resolve()),
                       "--password-stdin"])
PASSWORD_FILE = "passwords"  # noqa: S105 (a file name)
SECRET_FILE = "secret_key"  # noqa: S105 (a file name)
#: the shortest password accepted anywhere (web form and ``piranha-web passwd``)
MIN_PASSWORD_LENGTH = 8

#: scrypt cost; 2**14 × 8 × 1 needs 16 MiB and about 50 ms, the hash records its own cost
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_SCRYPT_MAXMEM = 64 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, n: int = SCRYPT_N, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` for ``password`` (a fresh random salt unless given)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P,
        maxmem=_SCRYPT_MAXMEM, dklen=32,
    )
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded`` (constant-time comparison of the digests)."""
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = hashlib.scrypt(
            password.encode("utf-8"), salt=base64.b64decode(salt, validate=True),
            n=int(n), r=int(r), p=int(p), maxmem=_SCRYPT_MAXMEM, dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def check_user_name(user: str) -> None:
    """Refuse user names that cannot be stored as one ``user:hash`` line."""
    if not user or not user.isascii() or not user.isprintable() or any(c in user for c in ": "):
        raise AuthError(f"invalid user name {user!r}")


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically with ``data``, readable by the owner only (mode 600)."""
    try:
        replace_file(path, data, make_parent=True)
    except OSError as err:
        raise AuthError(f"cannot write {path}: {err.strerror or err}") from err


class PasswordFile:
    """The ``passwords`` file in the state directory: ``user:scrypt$...`` lines."""

    def __init__(self, path: Path | str, *, cost: int = SCRYPT_N) -> None:
        self.path = Path(path)
        self.cost = cost
        self._dummy: str | None = None

    def _read(self) -> dict[str, str]:
        try:
            text = self.path.read_text("utf-8")
        except FileNotFoundError:
            return {}
        except OSError as err:
            raise AuthError(f"cannot read {self.path}: {err.strerror or err}") from err
        entries: dict[str, str] = {}
        for line in text.splitlines():
            user, sep, encoded = line.partition(":")
            if sep:
                entries[user] = encoded
        return entries

    def is_set(self, user: str = DEFAULT_USER) -> bool:
        """True when ``user`` has a password."""
        return user in self._read()

    def users(self) -> list[str]:
        """Every user with a password, in file order."""
        return list(self._read())

    def remove(self, user: str) -> None:
        """Forget ``user``'s line (other users' lines are kept)."""
        entries = self._read()
        if entries.pop(user, None) is not None:
            text = "".join(f"{name}:{encoded}\n" for name, encoded in entries.items())
            write_private(self.path, text.encode("utf-8"))

    def set_password(self, user: str, password: str) -> None:
        """Store a new hash for ``user`` (other users' lines are kept)."""
        check_user_name(user)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AuthError(f"use at least {MIN_PASSWORD_LENGTH} characters for the password")
        entries = self._read()
        entries[user] = hash_password(password, n=self.cost)
        text = "".join(f"{name}:{encoded}\n" for name, encoded in entries.items())
        write_private(self.path, text.encode("utf-8"))

    def generate(self, user: str = DEFAULT_USER) -> str:
        """Set a random password for ``user`` and return it (to be shown once)."""
        password = secrets.token_urlsafe(12)
        self.set_password(user, password)
        return password

    def verify(self, user: str, password: str) -> bool:
        """True when ``password`` is ``user``'s; an unknown user costs the same time."""
        encoded = self._read().get(user)
        if encoded is None:
            # check against a throw-away hash so that timing does not reveal valid user names
            if self._dummy is None:
                self._dummy = hash_password(secrets.token_hex(8), n=self.cost)
            check_password(password, self._dummy)
            return False
        return check_password(password, encoded)

    def stamp(self, user: str) -> str | None:
        """A short fingerprint of ``user``'s current hash; it changes with the password.

        Sessions record it at login, so changing the password ends every existing session.
        """
        encoded = self._read().get(user)
        if encoded is None:
            return None
        return hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:16]


REVOKED_FILE = "revoked-sessions"


def _revoked(path: Path, now: float) -> dict[str, float]:
    """Revoked session ids that have not expired yet: ``{sid: expiry}``."""
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise AuthError(f"cannot read {path}: {err.strerror or err}") from err
    found: dict[str, float] = {}
    for line in lines:
        sid, _, expiry = line.partition(" ")
        with contextlib.suppress(ValueError):
            if float(expiry) > now:
                found[sid] = float(expiry)
    return found


#: sessions whose revocation could not be written yet, per state directory: refused by this
#: process all the same (LOGOUT fails closed) and written with the next revocation that succeeds
_UNSAVED: dict[Path, dict[str, float]] = {}
_UNSAVED_LOCK = threading.Lock()


def revoke_session(state_dir: Path, sid: str, until: float, now: float) -> None:
    """Remember that session ``sid`` ended (LOGOUT) until ``until``, when it would expire anyway.

    Sessions live in signed cookies: without this list a cookie copied before LOGOUT would
    stay valid for the rest of its lifetime.  The session is refused by this process at once;
    :class:`AuthError` when the list cannot be written (then the refusal holds until this
    process ends, and the next revocation that can be written saves it too).
    """
    path = state_dir / REVOKED_FILE
    with _UNSAVED_LOCK:
        unsaved = _UNSAVED.setdefault(state_dir, {})
        unsaved[sid] = until
        pending = dict(unsaved)
    try:
        with _state_lock(state_dir):
            revoked = _revoked(path, now)
            revoked.update({s: e for s, e in pending.items() if e > now})
            write_private(path, "".join(f"{s} {e}\n" for s, e in revoked.items()).encode("ascii"))
    except OSError as err:
        raise AuthError(f"cannot write {path}: {err.strerror or err}") from err
    with _UNSAVED_LOCK:
        for saved in pending:
            _UNSAVED[state_dir].pop(saved, None)


def is_session_revoked(state_dir: Path, sid: str, now: float) -> bool:
    """True when ``sid`` was ended by LOGOUT."""
    with _UNSAVED_LOCK:
        if _UNSAVED.get(state_dir, {}).get(sid, 0.0) > now:
            return True
    return sid in _revoked(state_dir / REVOKED_FILE, now)


@contextlib.contextmanager
def _state_lock(state_dir: Path) -> Iterator[None]:
    with locked(state_dir / ".auth.lock"):
        yield


def load_or_create_secret(state_dir: Path) -> bytes:
    """The session-signing key from ``state_dir/secret_key``, created (mode 600) if missing."""
    path = state_dir / SECRET_FILE
    try:
        data = path.read_bytes().strip()
    except FileNotFoundError:
        data = b""
    except OSError as err:
        raise AuthError(f"cannot read {path}: {err.strerror or err}") from err
    if len(data) < 32:
        data = secrets.token_hex(32).encode("ascii")
        write_private(path, data + b"\n")
    return data


#: longest user name or client kept as it is by :class:`LoginThrottle` (longer: its SHA-256)
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
