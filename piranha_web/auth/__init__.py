"""Login credentials and the session secret, kept in the state directory (never in lvs.cf).

Three modules, one concern each; every name below is also importable from here:

* ``auth.passwords``: :class:`PasswordFile` (``user:scrypt$...`` lines, written atomically with
  mode 600), hashing and checking, :func:`passwd_command` (the command that sets a password, as
  the serve command and the login page print it);
* ``auth.sessions``: :func:`load_or_create_secret` (the key that signs session cookies) and the
  sessions LOGOUT ended (:func:`revoke_session`, :func:`is_session_revoked`);
* ``auth.throttle``: :class:`LoginThrottle` (a growing lockout per client and user; it never
  sleeps, callers refuse the attempt and say how long to wait).

I/O only: no Flask or Werkzeug here, the web layer maps it to HTTP.
"""

from __future__ import annotations

from piranha_web.auth.passwords import (
    DEFAULT_USER,
    MIN_PASSWORD_LENGTH,
    PASSWORD_FILE,
    SCRYPT_N,
    PasswordFile,
    check_password,
    check_user_name,
    hash_password,
    passwd_command,
    write_private,
)
from piranha_web.auth.sessions import (
    REVOKED_FILE,
    SECRET_FILE,
    is_session_revoked,
    load_or_create_secret,
    revoke_session,
)
from piranha_web.auth.throttle import MAX_KEY, LoginThrottle

__all__ = [
    "DEFAULT_USER", "MAX_KEY", "MIN_PASSWORD_LENGTH", "PASSWORD_FILE", "REVOKED_FILE",
    "SCRYPT_N", "SECRET_FILE", "LoginThrottle", "PasswordFile", "check_password",
    "check_user_name", "hash_password", "is_session_revoked", "load_or_create_secret",
    "passwd_command", "revoke_session", "write_private",
]
