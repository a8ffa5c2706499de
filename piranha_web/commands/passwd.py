"""``piranha-web passwd [--state-dir DIR] [--user piranha] --password-stdin``: set the login.

The password is read from standard input (first line), never from the command line where
``ps`` would show it (Piranha's piranha-passwd did that).  On a terminal without
``--password-stdin`` it is asked for twice without echo.  The password file is written with mode
600.  The change is recorded in the audit trail (kind ``user``, action ``passwd``) before it is
made, and refused when the trail cannot be written.

An existing user's password is changed through :meth:`Accounts.set_password`, the path of
USERS and ``piranha-web user passwd``: its sessions end and its API tokens are removed from the
token file at once (not merely refused until the next clean-up).  A user that does not exist yet
is created with the password alone, as Piranha's piranha-passwd did (the first login of a new
installation; with a ``roles`` file it is a viewer until ``piranha-web user role``).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import sys

from piranha_web.accounts import Accounts, password_problem
from piranha_web.audit import AuditLog
from piranha_web.auth import DEFAULT_USER, PASSWORD_FILE, PasswordFile
from piranha_web.commands.paths import add_state_dir_argument, state_dir_of
from piranha_web.errors import AuditError, AuthError

NAME = "passwd"
HELP = "set the password of the web interface's login (default user piranha)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_state_dir_argument(parser)
    parser.add_argument("--user", default=DEFAULT_USER, help="user name (default: %(default)s)")
    parser.add_argument(
        "--password-stdin", action="store_true",
        help="read the password from the first line of standard input",
    )


def read_password(from_stdin: bool) -> str | None:
    """The new password from stdin or an interactive prompt; None when there is no way."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat the password: ") != first:
        print("piranha-web passwd: the passwords differ; nothing changed", file=sys.stderr)
        return ""
    return first


def set_password(passwords: PasswordFile, user: str, password: str) -> None:
    """Change an existing ``user``'s password as USERS does (tokens removed); create a new
    user with the password alone."""
    if passwords.is_set(user):
        Accounts(passwords).set_password(user, password)
    else:
        passwords.set_password(user, password)


def run(args: argparse.Namespace) -> int:
    password = read_password(args.password_stdin)
    if password is None:
        print("piranha-web passwd: give the password on standard input with --password-stdin "
              "(it is never taken from the command line)", file=sys.stderr)
        return 2
    if (problem := password_problem(password)) is not None:
        print(f"piranha-web passwd: {problem}; nothing changed", file=sys.stderr)
        return 1
    path = state_dir_of(args) / PASSWORD_FILE
    log = AuditLog(state_dir_of(args))
    try:
        entry = log.record_pending("user", getpass.getuser(), action="passwd",
                                   target=args.user, cause="cli passwd")
    except AuditError as err:
        print(f"piranha-web passwd: nothing changed: a password change is recorded in the "
              f"audit trail first, and {err}", file=sys.stderr)
        return 1
    try:
        set_password(PasswordFile(path), args.user, password)
    except AuthError as err:
        print(f"piranha-web passwd: {err}", file=sys.stderr)
        return 1
    with contextlib.suppress(AuditError):  # done: the record stands, marked not completed
        log.commit(entry)
    print(f"Password of user {args.user} set in {path}.")
    return 0
