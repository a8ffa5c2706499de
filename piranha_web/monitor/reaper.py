"""Run one sending program so that nothing it starts outlives it (run as a script, stdlib only).

    python -I -S reaper.py PROGRAM [ARG...]

The program runs in a PID namespace of its own (``unshare(CLONE_NEWPID)``), below a tiny init
(PID 1 of that namespace, a fork of this process).  When the init ends, the kernel kills every
process left in the namespace, whatever it did: ``setsid``, double forks, or ``kill -9 $PPID``
(a process cannot kill the init of its own namespace).  The init ends when the program exits,
when this reaper dies (``PR_SET_PDEATHSIG``) and at the deadline (the caller's SIGTERM to the
reaper, which then kills the init); the reaper itself dies with the check process that started
it.  Where a PID namespace cannot be made (not root), the reaper falls back to being a child
subreaper that kills every descendant it can still see.

The program starts in ``/`` with only the capability a check may need (``CAP_NET_RAW``, for
ping-style checks) in its bounding set, no ambient capabilities and ``no_new_privs``; it is
looked up in the fixed PATH of its environment (``execvp``, as nanny does).  The reaper exits
with the program's status (re-raising the signal that killed it), 124 at the deadline and 127
when the program cannot be started.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from pathlib import Path

CLONE_NEWPID = 0x20000000
PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
CAP_NET_RAW = 13
TIMED_OUT = 124
CANNOT_RUN = 127
LIBC = ctypes.CDLL(None, use_errno=True)


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


def _drop_privileges() -> None:
    """Keep only CAP_NET_RAW in the bounding set (root's programs get exactly that set at exec)."""
    try:
        last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    except (OSError, ValueError):
        last = 63
    for cap in range(last + 1):
        if cap != CAP_NET_RAW:
            LIBC.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    LIBC.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def _exec(argv: list[str]) -> None:
    """In the forked child: become the program (never returns)."""
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir("/")
        _drop_privileges()
        os.execvp(argv[0], argv)  # noqa: S606 (argv from the fixed PATH, never a shell)
    finally:
        os._exit(CANNOT_RUN)


def _quiet_stdout() -> None:
    """Only the program (and what it starts) may hold the output pipe open."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def _init(argv: list[str], report: int) -> None:
    """PID 1 of the check's namespace: run the program, reap orphans, report its status."""
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    program = os.fork()
    if program == 0:
        os.close(report)
        _exec(argv)
    _quiet_stdout()
    while True:
        pid, status = os.waitpid(-1, 0)
        if pid == program:
            os.write(report, str(status).encode())
            os._exit(0)  # the kernel now kills everything left in the namespace


def _start(argv: list[str], isolated: bool) -> tuple[int, int]:
    """Fork the init (isolated) or the program itself; its pid and the status pipe (or -1)."""
    if not isolated:
        pid = os.fork()
        if pid == 0:
            _exec(argv)
        return pid, -1
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reading)
        try:
            _init(argv, writing)
        finally:
            os._exit(CANNOT_RUN)
    os.close(writing)
    return pid, reading


def _status(pid: int, report: int) -> int:
    """The program's wait status: from the init's report, else the program's own."""
    _, status = os.waitpid(pid, 0)
    if report < 0:
        return status
    with os.fdopen(report, "rb") as pipe:
        text = pipe.read()
    return int(text) if text else CANNOT_RUN << 8


def main(argv: list[str]) -> int:
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # die with the check process
    isolated = LIBC.unshare(CLONE_NEWPID) == 0
    if not isolated and LIBC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        return CANNOT_RUN
    signal.signal(signal.SIGTERM, _on_term)
    pid = -1
    try:
        pid, report = _start(argv, isolated)
        _quiet_stdout()
        status = _status(pid, report)
    except Deadline:
        if pid > 0:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
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
