"""One run of a sending program, with asyncio (thin I/O; decisions are in :mod:`.verdict`).

As nanny does (docs/reference/piranha.md §3.4): the argv is executed directly (never a shell),
standard input and error are /dev/null, standard output is a pipe, and the run is bounded by the
service timeout.  The whole output is recorded (nanny reads its pipe once, after the program
has exited: :mod:`.verdict` takes the first 4095 bytes of it).

Like nanny's execvp(), a program named without a slash (``check_web %h``) is searched in
PATH, but only in the fixed :data:`SAFE_PATH`: the program gets a minimal environment
(:data:`PROGRAM_ENV`, like the one nanny inherits from init), never the server's; a name with a
slash must be absolute.  No shell ever sees the command.  It runs under :mod:`.reaper`: in a
PID namespace of its own that the kernel empties when the program exits or at the deadline (no
``setsid``, double fork or ``kill -9 $PPID`` escapes it), from ``/``, with only
``CAP_NET_RAW``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import cast

from piranha_web.monitor.observations import ProgramRun
from piranha_web.monitor.verdict import PIPE_CAPACITY

#: one byte more than a pipe holds, so a verdict can tell output nanny would block on
OUTPUT_LIMIT = PIPE_CAPACITY + 1
#: how long to wait for the output pipe to close after the program's process group is gone
DRAIN_GRACE = 1.0
#: how long the reaper gets to kill everything after the deadline before it is killed itself
TERM_GRACE = 2.0
#: the whole environment of a sending program
#: the only PATH a sending program given by name is searched in (nanny uses execvp)
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PROGRAM_ENV = {
    "PATH": SAFE_PATH,
    "HOME": "/",
    "LC_ALL": "C",  # also keeps the reaper's Python from adding LC_CTYPE (PEP 538)
}
REAPER = Path(__file__).with_name("reaper.py")


class _Output:
    """Collects a program's standard output (up to :data:`OUTPUT_LIMIT` bytes)."""

    def __init__(self) -> None:
        self.data = bytearray()

    async def read_from(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(OUTPUT_LIMIT):
            if len(self.data) < OUTPUT_LIMIT:
                self.data += chunk[: OUTPUT_LIMIT - len(self.data)]


def _kill_group(pgid: int) -> None:
    """Kill what is left of the program's session (its group id is the program's pid, which the
    kernel does not hand out again until the pid counter wraps)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def program_problem(argv: tuple[str, ...]) -> str | None:
    """Why ``argv`` cannot be run, else None.

    A name without a slash is looked up in the fixed :data:`SAFE_PATH`, as nanny's execvp()
    would (never the server's PATH); a name with a slash must be an absolute path (nanny would
    resolve a relative one against its own working directory).
    """
    if not argv:
        return "there is no command"
    name = argv[0]
    if "/" not in name:
        if shutil.which(name, path=SAFE_PATH) is None:
            return f"{name} was not found in {SAFE_PATH} (the PATH sending programs run with)"
        return None
    if not os.path.isabs(name):
        return (f"{name} is a relative path: name the sending program by its full path "
                "(like /usr/local/bin/check_http) or by a name found in " + SAFE_PATH)
    if not os.path.isfile(name) or not os.access(name, os.X_OK):
        return f"{name} is not an executable file"
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
        output=bytes(output.data),
    )
