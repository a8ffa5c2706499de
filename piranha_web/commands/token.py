"""``piranha-web token create|list|revoke --user U``: API tokens for the REST API.

``create`` prints the new token once (only its hash is kept); ``list`` shows id, creation time
and label; ``revoke ID`` removes one token at once (the next request with it gets 401).
Creating and revoking are recorded in the audit trail first (kind ``user``, action
``token-create``/``token-revoke``, the token's id, never the token): when the line cannot be
written, nothing changes.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from pathlib import Path

from piranha_web.audit import AuditLog
from piranha_web.commands.paths import add_state_dir_argument, state_dir_of
from piranha_web.errors import AuditError, AuthError
from piranha_web.tokens import Recorder, TokenInfo, TokenStore

NAME = "token"
HELP = "create, list or revoke a user's API tokens (Authorization: Bearer TOKEN)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a token and print it once")
    create.add_argument("--label", default="", help="what the token is for (shown by list)")
    actions.add_parser("list", help="list the user's tokens (never the tokens themselves)")
    revoke = actions.add_parser("revoke", help="revoke one token by its id")
    revoke.add_argument("id", help="the token's id, as shown by list")
    for sub in actions.choices.values():
        sub.add_argument("--user", required=True, help="the user the token acts as")
        add_state_dir_argument(sub)


def _recorder(state_dir: Path, action: str) -> Recorder:
    """The audit line of a token change, written before the change (it is refused without)."""

    def record(info: TokenInfo) -> None:
        AuditLog(state_dir).record("user", getpass.getuser(), action=action, target=info.user,
                                   token_id=info.id, label=info.label, via="cli")

    return record


def run(args: argparse.Namespace) -> int:
    state_dir = state_dir_of(args)
    store = TokenStore(state_dir)
    try:
        if args.action == "create":
            info, token = store.create(args.user, args.label,
                                       record=_recorder(state_dir, "token-create"))
            print(f"Token {info.id} of user {info.user} (shown only now, keep it safe):")
            print(token)
            return 0
        if args.action == "list":
            for info in store.list(args.user):
                created = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(info.created))
                print(f"{info.id}  {created}  {info.label}".rstrip())
            return 0
        if store.revoke(args.user, args.id, record=_recorder(state_dir, "token-revoke")):
            print(f"Token {args.id} of user {args.user} revoked.")
            return 0
        print(f"piranha-web token: user {args.user} has no token {args.id}",
              file=sys.stderr)
        return 1
    except (AuthError, AuditError) as err:
        print(f"piranha-web token: {err}; nothing changed", file=sys.stderr)
        return 1
