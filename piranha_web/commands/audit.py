"""``piranha-web audit [--since WHEN] [--user USER] [--kind KIND] [--json]``: the audit trail.

Prints the entries of ``audit.log`` and ``audit-refused.log`` (and their rotated files) in the
state directory, oldest first, one per line: time (UTC), user, kind, details; with ``--json``
one JSON object per line.  Control characters (newlines, ESC) in names and details are printed
as escapes (``\\n``, ``\\x1b``, JSON's ``\\u001b``): a name typed at the login page cannot
forge a line or drive the terminal.  ``--since`` takes a date/time (``2026-11-28``,
``2026-11-28T21:00``, UTC) or an age (``30m``, ``2h``, ``7d``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import UTC, datetime

from piranha_web.audit import KINDS, AuditLog, printable
from piranha_web.commands.paths import add_state_dir_argument, state_dir_of
from piranha_web.errors import AuditError

NAME = "audit"
HELP = "show the audit trail (logins, saves, restores, syncs, checks, user changes)"
_AGE = re.compile(r"(\d+)([smhd])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_state_dir_argument(parser)
    parser.add_argument("--since", metavar="WHEN",
                        help="from this UTC date/time (2026-11-28T21:00) or age (2h, 7d)")
    parser.add_argument("--user", help="only this user's entries")
    parser.add_argument("--kind", choices=KINDS, help="only entries of this kind")
    parser.add_argument("--json", action="store_true", help="JSON lines as stored")


def parse_since(text: str, now: float) -> float:
    """Seconds since the epoch for ``--since`` (ValueError when it is neither form)."""
    age = _AGE.fullmatch(text.strip())
    if age:
        return now - int(age.group(1)) * _UNIT[age.group(2)]
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def run(args: argparse.Namespace) -> int:
    try:
        since = parse_since(args.since, time.time()) if args.since else None
    except ValueError:
        print(f"piranha-web audit: --since {args.since!r} is neither a date/time "
              "(2026-11-28T21:00) nor an age (2h, 7d)", file=sys.stderr)
        return 2
    try:
        entries = AuditLog(state_dir_of(args)).entries(since=since, user=args.user,
                                                       kind=args.kind)
    except AuditError as err:
        print(f"piranha-web audit: {err}", file=sys.stderr)
        return 1
    for entry in reversed(entries):
        if args.json:
            print(json.dumps(entry.as_dict()))
        else:
            details = " ".join(f"{printable(k)}={json.dumps(v)}"
                               for k, v in entry.details.items() if v not in (None, "", [], {}))
            who = printable(entry.user) if entry.user else "-"
            print(f"{entry.time} {who} {printable(entry.kind)} {details}".rstrip())
    return 0
