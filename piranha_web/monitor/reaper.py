"""Run one sending program so that nothing it starts outlives it (run as a script, stdlib only).

    python -I -S reaper.py PROGRAM [ARG...]

This process makes itself a *child subreaper* (``prctl(PR_SET_CHILD_SUBREAPER)``): every
process the program starts stays its descendant even after ``setsid`` and a double fork, and
is re-parented here instead of to init when its parent exits.  It starts the program (standard
output inherited, the environment as given), waits for it, then kills everything still alive
below it and exits with the program's status.  On SIGTERM (the caller's deadline) it kills the
program and everything below it at once and exits with status 124.

It is a separate small process rather than the server itself, so that the server never adopts
orphans of its own and a check's leftovers cannot be confused with anything else.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
TIMED_OUT = 124
CANNOT_RUN = 127


class Deadline(Exception):
    """SIGTERM from the caller: the check's time is up."""


def _on_term(signum: int, frame: object) -> None:
    raise Deadline


def children() -> list[int]:
    """This process's children (adopted orphans included), from /proc."""
    found: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        try:
            found += [int(pid) for pid in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def kill_all() -> None:
    """SIGKILL every descendant until none is left (orphans of killed ones land here too)."""
    while True:
        for pid in children():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def main(argv: list[str]) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        return CANNOT_RUN
    signal.signal(signal.SIGTERM, _on_term)
    try:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            try:
                os.execv(argv[0], argv)  # noqa: S606 (argv, never a shell)
            finally:
                os._exit(CANNOT_RUN)
        # only the program (and what it starts) may hold the output pipe open
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
        _, status = os.waitpid(pid, 0)
    except Deadline:
        kill_all()
        return TIMED_OUT
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    kill_all()
    if os.WIFSIGNALED(status):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))  # report the same death to the caller
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
