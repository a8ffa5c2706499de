"""Run one batch of interactive checks in a process of its own (``python -m`` this module).

The web server never matches a reply itself: a regex that takes forever, or anything else that
holds a process, must not stop its pages.  :class:`~.runner.CheckRunner` starts this module,
waits for its ``ready`` line (printed once the imports are done), writes the batch on its
standard input (a pickle of ``(pairs, max_timeout)``, trusted: it comes from the server that
started this process) and reads one JSON line per finished check
(``{"index": N, "result": ProbeResult.as_dict()}``, in the order they finish), so the checks
that finished before the runner's deadline keep their verdicts when it kills this process.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import sys

from piranha_web.lvscf.model import MonitorScript, RealServer, VirtualServer
from piranha_web.monitor.probe import concurrency, probe_server

Pairs = list[tuple[VirtualServer, MonitorScript | None]]


async def run_batch(pairs: Pairs, max_timeout: int | None) -> None:
    """Check every real server of every pair at once; print each result as it finishes."""
    gate = asyncio.Semaphore(concurrency())

    async def one(index: int, vs: VirtualServer, rs: RealServer,
                  monitor: MonitorScript | None) -> None:
        async with gate:
            result = await probe_server(vs, rs, monitor, max_timeout)
        sys.stdout.write(json.dumps({"index": index, "result": result.as_dict()}) + "\n")
        sys.stdout.flush()

    jobs = [(vs, rs, monitor) for vs, monitor in pairs for rs in vs.servers]
    await asyncio.gather(*(one(i, *job) for i, job in enumerate(jobs)))


def main() -> int:
    """Say it is ready (imports done), read the batch from standard input and run it
    (working directory: /); the runner's deadline starts at the ready line."""
    os.chdir("/")
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    pairs, max_timeout = pickle.load(sys.stdin.buffer)  # noqa: S301 (from our own parent)
    asyncio.run(run_batch(pairs, max_timeout))
    return 0


if __name__ == "__main__":
    sys.exit(main())
