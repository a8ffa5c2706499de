"""``piranha-web history [--config FILE] [--state-dir DIR] [--json] [--show REVISION]``.

Lists the revisions of lvs.cf, newest first: time (UTC), short revision, who (user, ``hand
edit``, ``earlier copy``), cause and the change in words; ``--show REV`` prints the text of
one revision (a 12-character prefix is enough).  Reading notices a hand edit of lvs.cf and
records it, like the HISTORY page.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from piranha_web.commands.paths import (
    add_config_argument,
    add_state_dir_argument,
    config_of,
    state_dir_of,
)
from piranha_web.errors import StoreError
from piranha_web.history import History, as_dict
from piranha_web.store import ConfigStore

NAME = "history"
HELP = "list the saved revisions of lvs.cf, or print one (--show REVISION)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    add_state_dir_argument(parser)
    parser.add_argument("--json", action="store_true", help="one JSON object per revision")
    parser.add_argument("--show", metavar="REVISION", help="print the text of this revision")


def run(args: argparse.Namespace) -> int:
    history = History(ConfigStore(config_of(args)), state_dir_of(args))
    try:
        if args.show:
            text = history.text_of(args.show)
            if text is None:
                print(f"piranha-web history: no kept text for revision {args.show}",
                      file=sys.stderr)
                return 1
            sys.stdout.write(text)
            return 0
        history.notice()
        revisions = history.revisions()
    except StoreError as err:
        print(f"piranha-web history: {err}", file=sys.stderr)
        return 1
    for entry in revisions:
        if args.json:
            print(json.dumps(as_dict(entry)))
            continue
        when = datetime.fromtimestamp(entry.ts, UTC).strftime("%Y-%m-%d %H:%M:%S")
        summary = "; ".join(entry.summary) or "-"
        print(f"{when} {entry.short} {entry.who} ({entry.cause}): {summary}")
    return 0
