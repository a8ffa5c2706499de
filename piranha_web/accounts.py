"""Accounts with roles: who may log in (the password file) and what each user may do.

* :class:`Role` orders the rights: ``VIEWER < OPERATOR < ADMIN`` (compare with ``>=``).
  viewer sees every page and changes nothing; operator may also (DE)ACTIVATE virtual and real
  servers, change real server weights, CHECK NOW and SYNC NOW; admin may do everything.
* Passwords stay in ``auth.PasswordFile`` (``user:scrypt$...``, unchanged, so the password file
  of an older installation keeps working).  Roles live beside it in ``roles`` (``user:role``
  lines, written atomically with mode 600).
* Upgrade: while no ``roles`` file exists, every user of the password file is an admin (before
  roles, every login could do everything; normally that is the single ``piranha`` user).  The
  first change of users or roles writes the file with those admins recorded.  Once the file
  exists, a user without a role line is a viewer (least rights), e.g. one added with the old
  ``piranha-web passwd --user``.
* :meth:`Accounts.stamp` fingerprints a user's password hash *and* role: sessions record it at
  login, so a new password, a new role or a deleted account ends the user's sessions at once.
* The last admin can be neither deleted nor demoted (nobody could manage users any more).
* A user's API tokens (:mod:`piranha_web.tokens`) belong to the account as it is: deleting the
  user or setting a new password revokes them (a role change keeps them: the API reads the
  role at each request).

I/O only: no Flask here; the web layer enforces roles (``piranha_web.web.policy``).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum

from piranha_web.atomic import locked
from piranha_web.auth import PasswordFile, check_user_name, write_private
from piranha_web.errors import AuthError
from piranha_web.tokens import TokenStore

ROLES_FILE = "roles"
#: the shortest password accepted anywhere (web form and command line)
MIN_PASSWORD_LENGTH = 8


class Role(IntEnum):
    """What a user may do; a higher role may do everything a lower one may."""

    VIEWER = 1
    OPERATOR = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        """``viewer``, ``operator`` or ``admin``."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Role:
        """The role named ``text`` (case-insensitive); :class:`AuthError` for anything else."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(r.label for r in cls)
            raise AuthError(f"unknown role {text!r} (use one of: {names})") from None


@dataclass(frozen=True)
class Account:
    """One user and its role."""

    name: str
    role: Role


def password_problem(password: str) -> str | None:
    """Why ``password`` cannot be used, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"use at least {MIN_PASSWORD_LENGTH} characters"
    if "\n" in password or "\r" in password:
        return "a password is one line"
    return None


class Accounts:
    """Users (``passwords``) and their roles (``roles`` in the same directory)."""

    def __init__(self, passwords: PasswordFile) -> None:
        self.passwords = passwords
        self.roles_path = passwords.path.parent / ROLES_FILE
        self.tokens = TokenStore(passwords.path.parent)

    # ------------------------------------------------------------------ reading

    def _recorded(self) -> dict[str, Role] | None:
        """Roles from the file (None when it does not exist yet: the pre-roles state)."""
        try:
            text = self.roles_path.read_text("utf-8")
        except FileNotFoundError:
            return None
        except OSError as err:
            raise AuthError(f"cannot read {self.roles_path}: {err.strerror or err}") from err
        roles: dict[str, Role] = {}
        for line in text.splitlines():
            user, sep, name = line.partition(":")
            if sep:
                with contextlib.suppress(AuthError):
                    roles[user] = Role.parse(name)
        return roles

    def _roles(self, users: list[str]) -> dict[str, Role]:
        recorded = self._recorded()
        if recorded is None:
            return dict.fromkeys(users, Role.ADMIN)
        return {user: recorded.get(user, Role.VIEWER) for user in users}

    def role_of(self, user: str) -> Role | None:
        """``user``'s role, None when there is no such user."""
        if not self.passwords.is_set(user):
            return None
        return self._roles([user])[user]

    def list(self) -> list[Account]:
        """Every user with its role, sorted by name."""
        users = sorted(self.passwords.users())
        return [Account(user, role) for user, role in self._roles(users).items()]

    def stamp(self, user: str) -> str | None:
        """Fingerprint of ``user``'s password hash and role (None: no such user)."""
        password = self.passwords.stamp(user)
        role = self.role_of(user)
        if password is None or role is None:
            return None
        return hashlib.sha256(f"{password}:{role.label}".encode()).hexdigest()[:16]

    # ------------------------------------------------------------------ changing

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with locked(self.roles_path.parent / ".accounts.lock"):
            yield

    def _write_roles(self, roles: dict[str, Role]) -> None:
        text = "".join(f"{user}:{role.label}\n" for user, role in sorted(roles.items()))
        write_private(self.roles_path, text.encode("utf-8"))

    def _current(self) -> dict[str, Role]:
        return self._roles(sorted(self.passwords.users()))

    def add(self, user: str, password: str, role: Role) -> None:
        """A new user; :class:`AuthError` when it exists or the password is too weak."""
        check_user_name(user)
        with self._locked():
            roles = self._current()
            if user in roles:
                raise AuthError(f"user {user} exists already")
            _check_password(password)
            roles[user] = role
            self._write_roles(roles)  # the role first: a crash in between leaves no admin
            self.passwords.set_password(user, password)

    def delete(self, user: str) -> None:
        """Remove ``user`` (its sessions end); the last admin cannot be removed."""
        with self._locked():
            roles = self._current()
            if user not in roles:
                raise AuthError(f"no user {user}")
            _keep_an_admin(roles, user, None)
            self.passwords.remove(user)
            del roles[user]
            self._write_roles(roles)
        self._forget_tokens()

    def set_role(self, user: str, role: Role) -> None:
        """Give ``user`` ``role`` (its sessions end); the last admin cannot be demoted."""
        with self._locked():
            roles = self._current()
            if user not in roles:
                raise AuthError(f"no user {user}")
            _keep_an_admin(roles, user, role)
            roles[user] = role
            self._write_roles(roles)

    def set_password(self, user: str, password: str) -> None:
        """A new password for an existing user (its sessions end)."""
        with self._locked():
            if not self.passwords.is_set(user):
                raise AuthError(f"no user {user}")
            _check_password(password)
            self.passwords.set_password(user, password)
        self._forget_tokens()

    def _forget_tokens(self) -> None:
        """Forget the API tokens of accounts that are gone or changed.  They are no longer
        accepted anyway (``tokens`` compares each with its account), so a token file that
        cannot be rewritten now does not undo or fail the change of the account."""
        with contextlib.suppress(AuthError):
            self.tokens.prune()


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem is not None:
        raise AuthError(f"password refused: {problem}")


def _keep_an_admin(roles: dict[str, Role], user: str, new: Role | None) -> None:
    if roles[user] is not Role.ADMIN or new is Role.ADMIN:
        return
    if not any(role is Role.ADMIN for name, role in roles.items() if name != user):
        raise AuthError(f"{user} is the last admin: make another user an admin first")
