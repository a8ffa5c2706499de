"""What makes a login session last, and end: the key that signs session cookies
(:func:`load_or_create_secret`, file mode 600, so sessions survive a restart but not a new state
directory) and the sessions ended by LOGOUT (:func:`revoke_session`), refused until they
would have expired anyway."""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

from piranha_web.atomic import locked
from piranha_web.auth.passwords import write_private
from piranha_web.errors import AuthError

SECRET_FILE = "secret_key"  # noqa: S105 (a file name)
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
