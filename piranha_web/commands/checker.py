"""``piranha-web checker [--config FILE] --dir DIRECTORY [--once]``: every check, one process.

Runs the nanny-exact check of every real server lvsd starts a nanny for on nanny's schedule
(check, then ``timeout`` seconds of sleep) in one long-running process, and keeps each verdict
in ``DIRECTORY`` as a file holding ``0`` (up) or ``1`` (down) (named by
``piranha_web.lvscf.check_files.check_file_name``), rewritten only when it changes: the files
the keepalived export's FILE_CHECKs read (``piranha-web-checker.service`` runs it with
``--dir STATE/checks``).  Prints ``VIRTUAL SERVER ADDRESS:PORT up|down REASON`` for every
change.  It follows lvs.cf: a saved revision is loaded within a second; one that cannot be
used (unparsable, or with errors pulse refuses) leaves the last plan running, said on stderr.
``--once``: one round, then exit (0: every checked server up, 1: one is down).  Exit 2 when
lvs.cf cannot be used at start.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Hashable
from pathlib import Path

from piranha_web.commands.paths import add_config_argument, config_of
from piranha_web.errors import ParseError, StoreIOError
from piranha_web.lvscf.document import Document
from piranha_web.lvscf.validate import validate
from piranha_web.monitor.checker import PlanError, run_checker
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


def loader(path: Path) -> tuple[Callable[[], Document], Callable[[], Hashable]]:
    """lvs.cf at ``path`` as :func:`run_checker` reads it: the document (PlanError when it
    cannot be read, parsed, or has errors pulse refuses) and its stamp."""
    def load() -> Document:
        try:
            document = ConfigStore(path).load().document
        except (StoreIOError, ParseError) as err:
            raise PlanError(str(err)) from err
        errors = [f for f in validate(document) if f.is_error]
        if errors:
            raise PlanError(f"line {errors[0].line}: {errors[0].message} "
                            f"({len(errors)} errors pulse refuses)")
        return document

    def stamp() -> Hashable:
        try:
            info = os.stat(path)
        except OSError as err:
            return str(err)
        return (info.st_ino, info.st_mtime_ns, info.st_size, info.st_ctime_ns)

    return load, stamp


def _note(text: str) -> None:
    print(f"piranha-web checker: {text}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    path = config_of(args)
    load, stamp = loader(path)
    down: list[ProbeResult] = []

    def changed(result: ProbeResult) -> None:
        _print(result)
        if not result.nanny.up:
            down.append(result)

    try:
        asyncio.run(run_checker(load, stamp, args.dir, changed, _note,
                                rounds=1 if args.once else None))
    except PlanError as err:
        _note(f"{path}: {err}")
        return 2
    except KeyboardInterrupt:
        return 0
    return 1 if down else 0
