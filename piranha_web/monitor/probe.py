"""Probe real servers now, the way nanny would check them: the API of ``piranha_web.monitor``.

``probe_virtual(vs, overrides)`` checks every real server of one virtual server;
``probe_config(doc_or_config, names)`` checks every real server of the named (default: all)
virtual servers.  All checks run at once, so N real servers take about one service timeout
rather than N (the number in flight is bounded by the open-file limit).  Checks are built only
from the configuration's real servers: overrides may change what is sent, expected or run,
never whom it is sent to.
"""

from __future__ import annotations

import asyncio
import resource
import socket
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from piranha_web.errors import MonitorScriptError, NotFoundError
from piranha_web.lvscf.document import Document
from piranha_web.lvscf.model import Config, MonitorScript, RealServer, VirtualServer
from piranha_web.lvscf.nanny import lvsd_monitor
from piranha_web.monitor.escapes import show_bytes
from piranha_web.monitor.network import exchange
from piranha_web.monitor.program import run_program
from piranha_web.monitor.regexec import with_glibc
from piranha_web.monitor.spec import CheckSpec, build_spec, numeric_address
from piranha_web.monitor.verdict import (
    Judgement,
    Verdict,
    both,
    down,
    judge_exchange,
    judge_program,
)

#: file descriptors kept free for everything else the process does
SPARE_FDS = 64


@dataclass(frozen=True)
class ProbeResult:
    """The outcome of checking one real server now."""

    virtual: str
    server: str
    address: str  # the address contacted (or as configured when the check could not run)
    port: int
    protocol: str
    active: bool  # the real server's own active flag: only active servers are monitored
    check: str  # what was done, in a few words
    nanny: Verdict
    strict: Verdict
    received: str  # the bytes received (reply or program output), escaped for display
    elapsed: float  # seconds
    warnings: tuple[str, ...]

    @property
    def target(self) -> str:
        return f"{self.address}:{self.port}"

    def verdict(self, strict: bool = False) -> Verdict:
        return self.strict if strict else self.nanny

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON."""
        data = asdict(self)
        data["elapsed"] = round(self.elapsed, 3)
        data["warnings"] = list(self.warnings)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProbeResult:
        """The result :meth:`as_dict` gave (read back from a check process)."""
        return cls(**{
            **data,
            "nanny": Verdict(**data["nanny"]),
            "strict": Verdict(**data["strict"]),
            "warnings": tuple(data["warnings"]),
        })


def concurrency() -> int:
    """How many checks may be in flight: each holds a socket or a pipe and a process."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 4096
    return max(1, (soft - SPARE_FDS) // 2)


async def _resolve(host: str) -> str:
    """The IPv4 address of a host name, as the C parser's gethostbyname() would give it."""
    numeric = numeric_address(host)
    if numeric is not None:
        return numeric
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, family=socket.AF_INET, type=socket.SOCK_STREAM)
    except OSError as err:
        raise MonitorScriptError("address", f"cannot resolve {host!r}: {err}") from err
    return str(infos[0][4][0])


async def _judge(spec: CheckSpec) -> Judgement:
    if spec.program is not None:
        return judge_program(spec, await run_program(spec.program, spec.timeout))
    return judge_exchange(spec, await exchange(spec))


def capped(spec: CheckSpec, max_timeout: int | None) -> CheckSpec:
    """``spec`` with its timeout cut to ``max_timeout`` seconds (interactive use), and a note."""
    if max_timeout is None or spec.timeout <= max_timeout:
        return spec
    note = (f"checked with a timeout of {max_timeout} s, the longest an interactive check may "
            f"take; nanny waits the full {spec.timeout} s")
    return replace(spec, timeout=max_timeout, notes=(*spec.notes, note))


async def prepare(vs: VirtualServer, rs: RealServer, monitor: MonitorScript | None = None,
                  max_timeout: int | None = None) -> CheckSpec:
    """The check of ``rs`` built once: its address resolved and its strings compiled, as
    nanny has them for its whole life (MonitorScriptError when it cannot run)."""
    built = build_spec(vs, rs, monitor, address=await _resolve(rs.address))
    return capped(with_glibc(built), max_timeout)


async def judge(spec: CheckSpec) -> Judgement:
    """Run a prepared check once and judge it (nanny's verdict and the strict one)."""
    return await _judge(spec)


def result_of(vs: VirtualServer, rs: RealServer, spec: CheckSpec | None, judgement: Judgement,
              elapsed: float) -> ProbeResult:
    """The :class:`ProbeResult` of one check of ``rs`` (``spec`` None: it could not run)."""
    return ProbeResult(
        virtual=vs.name,
        server=rs.name,
        address=spec.address if spec else rs.address,
        port=rs.effective_port,
        protocol=vs.protocol,
        active=rs.active,
        check=spec.describe() if spec else "not run",
        nanny=judgement.nanny,
        strict=judgement.strict,
        received=show_bytes(judgement.received),
        elapsed=elapsed,
        warnings=judgement.warnings,
    )


async def probe_server(
    vs: VirtualServer, rs: RealServer, monitor: MonitorScript | None = None,
    max_timeout: int | None = None,
) -> ProbeResult:
    """Check one real server of ``vs`` now (``monitor`` defaults to the virtual's strings).

    ``max_timeout`` caps the check's time below the Service Timeout (for interactive use).
    """
    started = time.monotonic()
    spec: CheckSpec | None = None
    try:
        spec = await prepare(vs, rs, monitor, max_timeout)
    except MonitorScriptError as err:
        judgement = both(down(err.message))
    else:
        judgement = await _judge(spec)
    return result_of(vs, rs, spec, judgement, time.monotonic() - started)


async def probe_all(
    pairs: Iterable[tuple[VirtualServer, MonitorScript | None]],
    max_timeout: int | None = None,
) -> list[ProbeResult]:
    """Check every real server of every ``(virtual, monitor)`` pair at once, in config order."""
    gate = asyncio.Semaphore(concurrency())

    async def gated(
        vs: VirtualServer, rs: RealServer, monitor: MonitorScript | None
    ) -> ProbeResult:
        async with gate:
            return await probe_server(vs, rs, monitor, max_timeout)

    jobs = [gated(vs, rs, monitor) for vs, monitor in pairs for rs in vs.servers]
    return list(await asyncio.gather(*jobs))


def probe_virtual(vs: VirtualServer, overrides: MonitorScript | None = None) -> list[ProbeResult]:
    """Check every real server of ``vs``; ``overrides`` replaces its monitoring strings.

    ``overrides`` holds strings as the MONITORING SCRIPTS form has them (they are written in
    double quotes, so lvsd passes them unchanged); None means the virtual's own strings.
    """
    return asyncio.run(probe_all([(vs, overrides)]))


def selected_pairs(
    source: Document | Config, names: Sequence[str] | None
) -> list[tuple[VirtualServer, MonitorScript | None]]:
    """The virtual servers called ``names`` (default: all), each with its strings as lvsd
    passes them to nanny (from a Document: single quotes kept)."""
    if isinstance(source, Document):
        virtuals = [vs for vs in source.model().virtuals if vs.kind == "virtual"]
        blocks = source.blocks("virtual")
        pairs = [(vs, lvsd_monitor(b, vs)) for vs, b in zip(virtuals, blocks, strict=True)]
    else:
        pairs = [(vs, vs.monitor) for vs in source.virtuals if vs.kind == "virtual"]
    if names is None:
        return list(pairs)
    known = {vs.name for vs, _ in pairs}
    for name in names:
        if name not in known:
            raise NotFoundError(f"there is no virtual server called {name!r}")
    return [(vs, monitor) for vs, monitor in pairs if vs.name in names]


def probe_config(
    source: Document | Config, names: Sequence[str] | None = None
) -> list[ProbeResult]:
    """Check every real server of the virtual servers called ``names`` (default: all).

    Pass the :class:`Document` when you have it: strings written in single quotes then reach
    the check exactly as lvsd passes them to nanny (quotes included).  Raises
    :class:`NotFoundError` for a name that is not a virtual server.
    """
    return asyncio.run(probe_all(selected_pairs(source, names)))
