"""``piranha-web user add|del|list|passwd|role [USER] [--role ROLE] [--password-stdin]``.

Manages the accounts of the web interface (``piranha_web.accounts``): ``add`` needs a role
(default viewer) and a password, ``passwd`` sets a new password, ``role`` changes the role,
``del`` removes the user; each of them ends the user's sessions at once.  ``list`` prints
``USER ROLE`` lines.  Passwords come from standard input (``--password-stdin``) or, on a
terminal, a prompt without echo; never from the command line.  The last admin can be neither
deleted nor demoted.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import sys

from piranha_web.accounts import Accounts, Role
from piranha_web.audit import AuditLog
from piranha_web.auth import PASSWORD_FILE, PasswordFile
from piranha_web.commands.passwd import read_password
from piranha_web.commands.paths import add_state_dir_argument, state_dir_of
from piranha_web.errors import AuditError, AuthError

NAME = "user"
HELP = "manage the web interface's users and their roles (admin, operator, viewer)"
ACTIONS = ("add", "del", "list", "passwd", "role")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_state_dir_argument(parser)
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("user", nargs="?", help="user name (all actions but list)")
    parser.add_argument("--role", choices=[r.label for r in Role],
                        help="role for add (default: viewer) and role")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input")


def _fail(message: str, code: int = 1) -> int:
    print(f"piranha-web user: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    accounts = Accounts(PasswordFile(state_dir_of(args) / PASSWORD_FILE))
    if args.action == "list":
        try:
            for account in accounts.list():
                print(f"{account.name} {account.role.label}")
        except AuthError as err:
            return _fail(str(err))
        return 0
    if not args.user:
        return _fail(f"{args.action} needs a user name", 2)
    if args.action == "role" and args.role is None:
        return _fail("role needs --role admin|operator|viewer", 2)
    password = ""
    if args.action in ("add", "passwd"):
        given = read_password(args.password_stdin)
        if given is None:
            return _fail("give the password on standard input with --password-stdin "
                         "(it is never taken from the command line)", 2)
        password = given
    details = {"action": args.action, "target": args.user, "cause": "cli"}
    if args.action in ("add", "role"):
        details["role"] = args.role or "viewer"
    log = AuditLog(state_dir_of(args))
    try:
        entry = log.record_pending("user", getpass.getuser(), **details)
    except AuditError as err:
        return _fail(f"nothing changed: every change is recorded in the audit trail first, "
                     f"and {err}")
    try:
        if args.action == "add":
            role = Role.parse(args.role or "viewer")
            accounts.add(args.user, password, role)
            print(f"User {args.user} added with role {role.label}.")
        elif args.action == "passwd":
            accounts.set_password(args.user, password)
            print(f"Password of user {args.user} changed; its sessions have ended.")
        elif args.action == "role":
            accounts.set_role(args.user, Role.parse(args.role))
            print(f"User {args.user} is now {args.role}; its sessions have ended.")
        else:
            accounts.delete(args.user)
            print(f"User {args.user} deleted; its sessions have ended.")
    except AuthError as err:
        return _fail(f"{err}; nothing changed")
    with contextlib.suppress(AuditError):  # done: the record stands, marked not completed
        log.commit(entry)
    return 0
