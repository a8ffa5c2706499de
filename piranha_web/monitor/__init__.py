"""Health checks exactly as nanny runs them, plus a strict second opinion.

Pure decision logic:

* :mod:`.escapes` — lvsd's quote stripping and nanny's escape decoding, bytes for display;
* :mod:`.ere` — POSIX extended regexes (glibc) translated to Python ``re``;
* :mod:`.expect` — nanny's ways of comparing a reply with the expect string;
* :mod:`.spec` — the :class:`CheckSpec` of one real server, built from the typed model;
* :mod:`.observations` / :mod:`.verdict` — what a driver saw, and the verdicts on it.

Thin asyncio drivers: :mod:`.network` (TCP/UDP) and :mod:`.program` (sending programs).
:mod:`.probe` runs them all at once: :func:`probe_virtual`, :func:`probe_config`.
"""

from piranha_web.lvscf.nanny import lvsd_monitor
from piranha_web.monitor.probe import (
    ProbeResult,
    probe_all,
    probe_config,
    probe_server,
    probe_virtual,
)
from piranha_web.monitor.spec import CheckSpec, build_spec
from piranha_web.monitor.verdict import Verdict

__all__ = [
    "CheckSpec",
    "ProbeResult",
    "Verdict",
    "build_spec",
    "lvsd_monitor",
    "probe_all",
    "probe_config",
    "probe_server",
    "probe_virtual",
]
