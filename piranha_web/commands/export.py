"""``piranha-web export keepalived|lvsd [--config FILE] [--router R] [-o OUT] [--strict]``.

``keepalived`` prints (or writes atomically to OUT) the keepalived.conf of one router, made from
lvs.cf; each lvs.cf setting without an exact keepalived equivalent is listed on stderr as
``lvs.cf:LINE: warning: MESSAGE`` (and kept as a comment in the file).  ``lvsd`` prints the
ipvsadm commands lvsd and its nannies would run for lvs.cf (every real server up); a command
that would fail, and a real server lvsd starts no nanny for, are comments.

Exit status: 0 done; 1 lvs.cf has errors pulse/lvsd would refuse (nothing is written), or
``--strict`` and there are warnings (nothing is written); 2 unreadable input, unusable options
or OUT cannot be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from piranha_web.atomic import replace_file
from piranha_web.commands.paths import add_config_argument, config_of
from piranha_web.errors import KeepalivedValueError, ParseError, StoreIOError
from piranha_web.keepalived.service import EngineSettings, check_command
from piranha_web.lvscf import Document
from piranha_web.lvscf.keepalived import ROUTERS, export_keepalived
from piranha_web.lvscf.lvsd import lvsd_commands, lvsd_plan
from piranha_web.lvscf.validate import validate
from piranha_web.store import ConfigStore

NAME = "export"
HELP = "translate lvs.cf: keepalived.conf for one router, or the ipvsadm commands lvsd runs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("format", choices=("keepalived", "lvsd"), help="what to produce")
    add_config_argument(parser)
    parser.add_argument("--router", choices=ROUTERS, default="primary",
                        help="the router the keepalived.conf is for (default: primary)")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="write to OUT atomically instead of printing")
    parser.add_argument("--strict", action="store_true",
                        help="fail (and write nothing) if anything does not translate exactly")
    parser.add_argument("--check-command", metavar="PATH",
                        help="absolute path of piranha-web for MISC_CHECK (default: this "
                        "program)")


def run(args: argparse.Namespace) -> int:
    """Export lvs.cf in the asked format; the exit status the module docstring states."""
    path = config_of(args)
    try:
        document = ConfigStore(path).load().document
    except (StoreIOError, ParseError) as err:
        print(f"piranha-web export: {path}: {err}", file=sys.stderr)
        return 2
    errors = [f for f in validate(document) if f.is_error]
    for finding in errors:
        print(f"{path}:{finding.line}: error: {finding.message}", file=sys.stderr)
    if errors:
        return 1
    warnings: list[str] = []
    if args.format == "lvsd":
        text = _lvsd_text(document)
    else:
        try:
            text, warnings = _keepalived_text(document, args, path)
        except KeepalivedValueError as err:
            print(f"piranha-web export: {err}", file=sys.stderr)
            return 2
    for line in warnings:
        print(line, file=sys.stderr)
    if args.strict and warnings:
        return 1
    return _emit(text, args.output)


def _lvsd_text(document: Document) -> str:
    """The ipvsadm commands of lvsd and its nannies, failing ones and skipped servers as
    comments."""
    model = document.model()
    text = "".join(f"{c}\n" if c.fails is None else f"# {c}  (fails: {c.fails})\n"
                   for c in lvsd_commands(model))
    return text + "".join(f"# no nanny for server {item.server.name} of virtual "
                          f"{plan.virtual.name}: {item.why}\n"
                          for plan in lvsd_plan(model) for item in plan.skipped)


def _keepalived_text(document: Document, args: argparse.Namespace, path: Path
                     ) -> tuple[str, list[str]]:
    """keepalived.conf for ``args.router`` and its warnings as ``lvs.cf:LINE: warning:``
    lines; raises :class:`KeepalivedValueError` for a value keepalived cannot take."""
    program = args.check_command or check_command(EngineSettings())
    export = export_keepalived(document, args.router, check_command=program)
    return export.text, [f"{path}:{w.line or 0}: warning: {w.message}" for w in export.warnings]


def _emit(text: str, output: str | None) -> int:
    """Print ``text``, or write it atomically to ``output``; 0, or 2 if it cannot be written."""
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        replace_file(Path(output), text.encode("utf-8"), mode=0o644, keep_mode=True)
    except OSError as err:
        print(f"piranha-web export: cannot write {output}: {err.strerror or err}",
              file=sys.stderr)
        return 2
    return 0
