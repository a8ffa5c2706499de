"""One run of a sending program, with asyncio (thin I/O; decisions are in :mod:`.verdict`).

As nanny does (reference/piranha.md §3.4): the argv is executed directly (PATH search, never a
shell), standard input and error are /dev/null, standard output is a pipe, and the run is
bounded by the service timeout.  The program gets its own session so that a timeout kills it
and everything it started; whatever is left of that process group once the program has exited
is killed too, so no check leaves processes behind.  The first read of the output (nanny reads
at most 4095 bytes once) is recorded apart from the whole output.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from typing import cast

from piranha_web.monitor.observations import ProgramRun

NANNY_OUTPUT_READ = 4095
OUTPUT_LIMIT = 65536
#: how long to wait for the output pipe to close after the program's process group is gone
DRAIN_GRACE = 1.0


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


async def run_program(argv: tuple[str, ...], timeout: float) -> ProgramRun:
    """Run ``argv`` for at most ``timeout`` seconds and record its exit and output."""
    if not argv:
        return ProgramRun(argv, start_error="there is no command")
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as err:
        return ProgramRun(argv, start_error=err.strerror or str(err))
    output = _Output()
    stdout = cast(asyncio.StreamReader, proc.stdout)  # stdout=PIPE: always a reader
    reader = asyncio.ensure_future(output.read_from(stdout))
    status: int | None = None
    with contextlib.suppress(TimeoutError):
        status = await asyncio.wait_for(proc.wait(), timeout)
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
