"""The ``piranha-web`` command: one subcommand per module in ``piranha_web/commands``.

Each command module exposes ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``.  Exit codes: 0 success, 1 the command's own failure (errors found, sync
failed...), 2 usage errors or unreadable input.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence

COMMANDS = (
    "check", "serve", "passwd", "user", "audit", "history", "token", "sync", "probe", "export",
    "check_server", "checker",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or only of the module ``only`` (so that running one
    command imports only what that command uses: no Flask for ``check-server``)."""
    parser = argparse.ArgumentParser(
        prog="piranha-web",
        description="Web configuration tool for LVS routers (Piranha lvs.cf).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        module = importlib.import_module(f"piranha_web.commands.{name}")
        command = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(run=module.run, exit_at_once=getattr(module, "EXIT_AT_ONCE", False))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command in ``argv`` (default: the process's own arguments).

    Run from the process's own arguments, a command whose module sets ``EXIT_AT_ONCE`` ends
    the process as soon as its output is flushed: freeing everything it built (a parsed
    1,000 x 32 lvs.cf is 200,000 objects) would take a tenth of a second more.  Such a
    command also runs without the cyclic garbage collector, which would only walk those
    objects again and again before the process drops them all.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    first = next((word for word in words if not word.startswith("-")), "")
    module = first.replace("-", "_")
    parser = build_parser(module if module in COMMANDS else None)
    args = parser.parse_args(words)
    at_once = argv is None and args.exit_at_once
    if at_once:
        gc.disable()
    code: int = args.run(args)
    if at_once:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
