"""The ``piranha-web`` command: one subcommand per module in ``piranha_web/commands``.

Each command module exposes ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``.  Exit codes: 0 success, 1 the command's own failure (errors found, sync
failed...), 2 usage errors or unreadable input.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMANDS = (
    "check", "serve", "passwd", "user", "audit", "history", "token", "sync", "probe", "export",
    "check_server",
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
        command.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    first = next((word for word in words if not word.startswith("-")), "")
    module = first.replace("-", "_")
    parser = build_parser(module if module in COMMANDS else None)
    args = parser.parse_args(words)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
