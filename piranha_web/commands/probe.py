"""``piranha-web probe [--config FILE] [--strict] [--json] [VIRTUAL_NAME...]``: check now.

Runs the health check nanny would run against every real server of the named virtual servers
(default: all), all at once, and prints one line per real server::

    VIRTUAL SERVER ADDRESS:PORT up|down REASON

(``--json``: one JSON object per line instead).  The verdict is nanny's, or with ``--strict``
the strict one (complete reply; a failing sending program is down).  Exit status: 0 when every
active real server is up, 1 when one is down, 2 for an unknown virtual server name or an
unreadable or unparsable file.
"""

from __future__ import annotations

import argparse
import json
import sys

from piranha_web.commands.paths import add_config_argument, config_of
from piranha_web.errors import NotFoundError, ParseError, StoreIOError
from piranha_web.monitor import ProbeResult, probe_config
from piranha_web.store import ConfigStore

NAME = "probe"
HELP = "check every real server now, the way nanny would (or strictly)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument(
        "--strict", action="store_true",
        help="judge the complete reply, and count a failing sending program as down",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per line")
    parser.add_argument(
        "names", nargs="*", metavar="VIRTUAL_NAME", help="virtual servers to check (default: all)"
    )


def format_result(result: ProbeResult, strict: bool) -> str:
    """The one-line report of a result."""
    verdict = result.verdict(strict)
    inactive = "" if result.active else " [inactive: nanny does not check it]"
    return (f"{result.virtual} {result.server} {result.target} {verdict.state} "
            f"{verdict.reason}{inactive}")


def run(args: argparse.Namespace) -> int:
    path = config_of(args)
    try:
        document = ConfigStore(path).load().document
    except StoreIOError as err:
        print(f"piranha-web probe: {err}", file=sys.stderr)
        return 2
    except ParseError as err:
        print(f"piranha-web probe: {path}: {err}", file=sys.stderr)
        return 2
    try:
        results = probe_config(document, args.names or None)
    except NotFoundError as err:
        print(f"piranha-web probe: {err}", file=sys.stderr)
        return 2
    for result in results:
        print(json.dumps(result.as_dict()) if args.json else format_result(result, args.strict))
    down = [r for r in results if r.active and not r.verdict(args.strict).up]
    return 1 if down else 0
