"""The outside world as the web layer sees it: one :class:`Services` object per app.

``create_app`` builds the default services from :class:`~piranha_web.web.settings.WebSettings`;
tests and teammates' modules may pass their own.  Views reach them through :func:`services`.
The optional slots are typed with small protocols so that any implementation fits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol

from flask import current_app

from piranha_web.accounts import Accounts
from piranha_web.after_save import Syncer, SyncResult
from piranha_web.audit import AuditLog
from piranha_web.auth import LoginThrottle, PasswordFile
from piranha_web.history import History
from piranha_web.lvscf.model import MonitorScript, VirtualServer
from piranha_web.monitor import ProbeResult
from piranha_web.monitor.runner import CheckRunner
from piranha_web.netinfo import IpvsReading
from piranha_web.netinfo.daemons import DaemonStatus
from piranha_web.netinfo.interfaces import Interfaces
from piranha_web.netinfo.ipvs_weights import WeightChange
from piranha_web.store import ConfigStore
from piranha_web.traffic import TrafficHistory
from piranha_web.web.metrics.counters import WebCounters
from piranha_web.web.recent_checks import RecentChecks

EXTENSION_KEY = "piranha_web"
__all__ = ["NetInfo", "Prober", "Services", "SyncResult", "Syncer", "services"]


class NetInfo(Protocol):
    """This router's network state (``piranha_web.netinfo.NetInfo``): devices, daemons, IPVS."""

    def device_suggestions(self) -> Sequence[str]: ...

    def interfaces(self) -> Interfaces: ...

    def daemons(self) -> Sequence[DaemonStatus]: ...

    def ipvs(self) -> IpvsReading: ...

    def quiesce(self, address: str) -> Sequence[WeightChange]: ...

    def restore_weights(self, changes: Sequence[WeightChange]) -> Sequence[WeightChange]: ...


class Prober(Protocol):
    """Runs nanny-exact health checks for TEST and CHECK NOW.

    By default a :class:`~piranha_web.monitor.runner.CheckRunner` (off the request threads,
    bounded, capped); the ``piranha_web.monitor`` module itself fits too (used when None).
    """

    def probe_virtual(
        self, vs: VirtualServer, overrides: MonitorScript | None = None
    ) -> Sequence[ProbeResult]: ...


@dataclass
class Services:
    """Everything the views touch outside the process."""

    store: ConfigStore
    state_dir: Path
    passwords: PasswordFile
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)
    syncer: Syncer | None = None
    netinfo: NetInfo | None = None
    prober: Prober | None = field(default_factory=CheckRunner)
    recent_checks: RecentChecks = field(default_factory=RecentChecks)
    #: rates of the last hour per IPVS service and real server (charts); None: not sampled
    traffic: TrafficHistory | None = None
    #: request and save counts and latencies (/metrics)
    counters: WebCounters = field(default_factory=WebCounters)

    @property
    def accounts(self) -> Accounts:
        """Users and roles: ``passwords`` plus the ``roles`` file beside it."""
        return Accounts(self.passwords)

    @cached_property
    def audit(self) -> AuditLog:
        """The audit trail in the state directory (one for the app: it holds the budget of
        anonymous and refused records)."""
        return AuditLog(self.state_dir)

    @property
    def history(self) -> History:
        """Revisions of lvs.cf: the store's copies, metadata in the state directory."""
        return History(self.store, self.state_dir)


def services() -> Services:
    """The services of the running app."""
    found: Services = current_app.extensions[EXTENSION_KEY]
    return found
