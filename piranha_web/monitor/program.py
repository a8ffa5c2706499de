"""One run of a sending program, with asyncio (thin I/O; decisions are in :mod:`.verdict`).

As nanny does (reference/piranha.md §3.4): the argv is executed directly (never a shell),
standard input and error are /dev/null, standard output is a pipe, and the run is bounded by the
service timeout.  The first read of the output (nanny reads at most 4095 bytes once) is recorded
apart from the whole output.

Unlike nanny, and because the tool runs as root on the router: the program must be named by
its absolute path and be an executable file (no PATH search), and it gets a minimal
environment (:data:`PROGRAM_ENV`, like the one nanny inherits from init), never the server's.
It runs under :mod:`.reaper`, a child subreaper, so nothing it starts can escape cleanup (not
even with ``setsid`` and a double fork): whatever is still running when the program exits, or
at the deadline, is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import cast

from piranha_web.monitor.observations import ProgramRun

NANNY_OUTPUT_READ = 4095
OUTPUT_LIMIT = 65536
#: how long to wait for the output pipe to close after the program's process group is gone
DRAIN_GRACE = 1.0
#: how long the reaper gets to kill everything after the deadline before it is killed itself
TERM_GRACE = 2.0
#: the whole environment of a sending program
PROGRAM_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/",
    "LC_ALL": "C",  # also keeps the reaper's Python from adding LC_CTYPE (PEP 538)
}
REAPER = Path(__file__).with_name("reaper.py")


class _Output:
    """Collects a program's standard output: nanny's first read and everything."""

    def __init__(self) -> None:
        self.first = b""
        self.data = bytearray()

    async def read_from(self, stream: asyncio.StreamReader) -> None:
        self.first = await stream.read(NANNY_OUTPUT_READ)
        self.data += self.first
        while chunk := await stream.read(OUTPUT_LIMIT):
            if len(self.data) < OUTPUT_LIMIT:
                self.data += chunk[: OUTPUT_LIMIT - len(self.data)]


def _kill_group(pgid: int) -> None:
    """Kill what is left of the program's session (its group id is the program's pid, which the
    kernel does not hand out again until the pid counter wraps)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def program_problem(argv: tuple[str, ...]) -> str | None:
    """Why ``argv`` may not be run (not an absolute path to an executable file), else None."""
    if not argv:
        return "there is no command"
    path = argv[0]
    if not os.path.isabs(path):
        return (f"{path} is not an absolute path: name the sending program by its full path "
                "(like /usr/local/bin/check_http), it runs as root and is not searched in PATH")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        return f"{path} is not an executable file"
    return None


async def run_program(argv: tuple[str, ...], timeout: float) -> ProgramRun:
    """Run ``argv`` for at most ``timeout`` seconds and record its exit and output."""
    problem = program_problem(argv)
    if problem is not None:
        return ProgramRun(argv, start_error=problem)
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-I", "-S", str(REAPER), *argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=PROGRAM_ENV,
        )
    except OSError as err:
        return ProgramRun(argv, start_error=err.strerror or str(err))
    output = _Output()
    stdout = cast(asyncio.StreamReader, proc.stdout)  # stdout=PIPE: always a reader
    reader = asyncio.ensure_future(output.read_from(stdout))
    status: int | None = None
    with contextlib.suppress(TimeoutError):
        status = await asyncio.wait_for(proc.wait(), timeout)
    if status is None:  # the deadline: the reaper kills the program and all it started
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), TERM_GRACE)
    _kill_group(proc.pid)
    if status is None:
        await proc.wait()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(reader, DRAIN_GRACE)
    return ProgramRun(
        argv,
        status=status,
        timed_out=status is None,
        first=output.first,
        output=bytes(output.data),
    )
