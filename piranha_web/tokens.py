"""Per-user API tokens, kept hashed in the state directory (``api-tokens``, mode 600).

A token is ``pwt_<id>_<secret>``: ``id`` (12 hex digits) names it in ``token list`` and
``token revoke``; ``secret`` is 32 random bytes.  Only the SHA-256 of the whole token is
stored: the secret has 256 bits of entropy, so a slow password hash would add nothing but
latency to every API request.  The token itself is shown once, when it is created.

A token belongs to an account, not to a name: ``account`` records the fingerprint of the user's
password hash when the token was created (``PasswordFile.stamp``, in the same state
directory).  A token is valid only while that account exists unchanged, so a new password,
a deleted user, or a user deleted and added again under the same name (a new hash, a new
salt) ends every token at once, whichever tool changed the password file.  :meth:`prune`
then forgets them (``Accounts`` calls it after a deletion or a password change).  Tokens
created before this binding (no ``account``) are never accepted: create them again.

The file holds one JSON object per line (``id``, ``user``, ``account``, ``hash``, ``created``,
``label``) and is rewritten atomically under a lock (``write_private``), like the password
file.  This module is I/O only: the web layer maps it to HTTP.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from piranha_web.atomic import locked
from piranha_web.auth import PASSWORD_FILE, PasswordFile, check_user_name, write_private
from piranha_web.errors import AuthError

TOKEN_FILE = "api-tokens"  # noqa: S105 (a file name)
PREFIX = "pwt"
TOKEN_RE = re.compile(r"pwt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")


@dataclass(frozen=True)
class TokenInfo:
    """What is kept of one token (never the token itself)."""

    id: str
    user: str
    hash: str
    created: float
    label: str = ""
    account: str = ""


#: called with a token about to be created or revoked, before anything is written (the audit
#: line); raising refuses the change
Recorder = Callable[[TokenInfo], None]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def label_problem(label: str) -> str | None:
    """Why ``label`` cannot label a token, or None."""
    if not label.isprintable() or len(label) > 200:
        return "the label must be printable text of at most 200 characters"
    return None


class TokenStore:
    """The API tokens of every user, in ``state_dir/api-tokens``."""

    def __init__(self, state_dir: Path | str) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / TOKEN_FILE
        self.passwords = PasswordFile(self.state_dir / PASSWORD_FILE)

    def _read(self) -> list[TokenInfo]:
        try:
            lines = self.path.read_text("utf-8").splitlines()
        except FileNotFoundError:
            return []
        except OSError as err:
            raise AuthError(f"cannot read {self.path}: {err.strerror or err}") from err
        found = []
        for line in lines:
            with contextlib.suppress(ValueError, TypeError):
                found.append(TokenInfo(**json.loads(line)))
        return found

    def _write(self, tokens: list[TokenInfo]) -> None:
        text = "".join(json.dumps(asdict(t), sort_keys=True) + "\n" for t in tokens)
        write_private(self.path, text.encode("utf-8"))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with locked(self.state_dir / ".api-tokens.lock"):
            yield

    def _is_live(self, info: TokenInfo) -> bool:
        """True while the account the token was created for exists unchanged."""
        return bool(info.account) and hmac.compare_digest(
            info.account, self.passwords.stamp(info.user) or "")

    def create(self, user: str, label: str = "", *, record: Recorder | None = None
               ) -> tuple[TokenInfo, str]:
        """A new token for the account ``user`` has now: ``(what is kept, the token to show
        once)``; :class:`AuthError` when there is no such user or the label is unusable.

        ``record(info)`` runs first, under the lock (the audit line): when it raises, no token
        is created.
        """
        check_user_name(user)
        if (problem := label_problem(label)) is not None:
            raise AuthError(problem)
        account = self.passwords.stamp(user)
        if account is None:
            raise AuthError(f"no user {user}")
        token_id = secrets.token_hex(6)
        token = f"{PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"
        info = TokenInfo(token_id, user, _digest(token), time.time(), label, account)
        with self._locked():
            tokens = self._read()
            if record is not None:
                record(info)
            self._write([*tokens, info])
        return info, token

    def list(self, user: str | None = None) -> list[TokenInfo]:
        """Valid tokens of ``user`` (every user's when None), oldest first."""
        return [t for t in self._read() if (user is None or t.user == user) and self._is_live(t)]

    def prune(self) -> int:
        """Forget every token whose account is gone or changed; how many were forgotten."""
        with self._locked():
            tokens = self._read()
            kept = [t for t in tokens if self._is_live(t)]
            if len(kept) != len(tokens):
                self._write(kept)
        return len(tokens) - len(kept)

    def revoke(self, user: str, token_id: str, *, record: Recorder | None = None) -> bool:
        """Forget token ``token_id`` of ``user``; False when there is no such token.

        ``record(info)`` runs first, under the lock: when it raises, the token stays.
        """
        with self._locked():
            tokens = self._read()
            gone = [t for t in tokens if t.id == token_id and t.user == user]
            if not gone:
                return False
            if record is not None:
                record(gone[0])
            self._write([t for t in tokens if t not in gone])
        return True

    def find(self, token: str) -> TokenInfo | None:
        """The valid token presented as ``token``, or None: unknown, revoked, malformed, or
        its account is gone or changed (constant-time hash comparison)."""
        match = TOKEN_RE.fullmatch(token)
        if match is None:
            return None
        digest = _digest(token)
        for info in self._read():
            if info.id == match.group(1) and hmac.compare_digest(info.hash, digest):
                return info if self._is_live(info) else None
        return None

    def user_of(self, token: str) -> str | None:
        """The user a presented valid token acts as, or None (see :meth:`find`)."""
        info = self.find(token)
        return None if info is None else info.user
