"""``piranha-web check [--strict] FILE...``: validate lvs.cf files like a compiler would.

Prints ``FILE:LINE: error: MESSAGE`` / ``FILE:LINE: warning: MESSAGE`` lines.  Exit status: 0 no
errors (with ``--strict``: no warnings either), 1 errors (or warnings with ``--strict``), 2 a
file could not be read.
"""

from __future__ import annotations

import argparse
import sys

from piranha_web.lvscf.validate import Finding, check_text

NAME = "check"
#: nothing to tear down: the process ends once the findings are printed (see cli.main)
EXIT_AT_ONCE = True
HELP = "check lvs.cf files for everything pulse, lvsd and nanny would reject or misread"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--strict", action="store_true", help="treat warnings as failures")
    parser.add_argument("files", nargs="+", metavar="FILE", help="lvs.cf file(s) to check")


def format_finding(filename: str, finding: Finding) -> str:
    """One compiler-style line for a finding."""
    return finding.as_line(filename)


def run(args: argparse.Namespace) -> int:
    unreadable = errors = warnings = 0
    for filename in args.files:
        try:
            with open(filename, "rb") as file:  # not the store: its locks and hashes cost time
                text = file.read().decode("utf-8", "surrogateescape")
        except OSError as err:
            print(f"{filename}: cannot read: {err.strerror or err}", file=sys.stderr)
            unreadable += 1
            continue
        for finding in check_text(text):
            print(format_finding(filename, finding))
            if finding.is_error:
                errors += 1
            else:
                warnings += 1
    if unreadable:
        return 2
    if errors or (args.strict and warnings):
        return 1
    return 0
