"""The password file: one ``user:scrypt$...`` line per user (``piranha`` by default, like
Piranha's single account), hashed with scrypt and a random salt, compared in constant time,
written atomically with mode 600; and :func:`passwd_command`, the command that sets a password
of this installation (the full path of this environment's ``piranha-web`` and the state
directory in use), as the serve command and the login page print it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import shlex
import sys
from pathlib import Path

from piranha_web.atomic import replace_file
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
