"""``piranha-web checker [--config FILE] --dir DIRECTORY [--once]``: every check, one process.

Runs the nanny-exact check of every active real server of every active virtual server of
lvs.cf on nanny's schedule (check, then ``timeout`` seconds of sleep) in one long-running
process, and keeps each verdict in ``DIRECTORY`` as a file holding ``0`` (up) or ``1`` (down)
(named by ``piranha_web.lvscf.check_files.check_file_name``), rewritten only when it changes.
Prints ``VIRTUAL SERVER ADDRESS:PORT up|down REASON`` for every change.  ``--once``: one round,
then exit (0: every checked server up, 1: one is down).  Exit 2 for an unreadable or unparsable
file.  Restart it after lvs.cf changes (it reads the file once).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from piranha_web.commands.paths import add_config_argument, config_of
from piranha_web.errors import ParseError, StoreIOError
from piranha_web.monitor.checker import run_checker
from piranha_web.monitor.probe import ProbeResult
from piranha_web.store import ConfigStore

NAME = "checker"
HELP = "check every real server on nanny's schedule in one process, verdicts kept in files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument("--dir", required=True, type=Path, metavar="DIRECTORY",
                        help="where the verdict files are kept (created if missing)")
    parser.add_argument("--once", action="store_true", help="one round of checks, then exit")


def _print(result: ProbeResult) -> None:
    print(f"{result.virtual} {result.server} {result.target} {result.nanny.state} "
          f"{result.nanny.reason}", flush=True)


def run(args: argparse.Namespace) -> int:
    path = config_of(args)
    try:
        document = ConfigStore(path).load().document
    except (StoreIOError, ParseError) as err:
        print(f"piranha-web checker: {path}: {err}", file=sys.stderr)
        return 2
    down: list[ProbeResult] = []

    def changed(result: ProbeResult) -> None:
        _print(result)
        if not result.nanny.up:
            down.append(result)

    try:
        asyncio.run(run_checker(document, args.dir, changed, rounds=1 if args.once else None))
    except KeyboardInterrupt:
        return 0
    return 1 if down else 0
