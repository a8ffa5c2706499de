"""How one web app instance is configured (paths, secrets, cookie and session policy)."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from piranha_web.auth import PASSWORD_FILE, LoginThrottle, PasswordFile, load_or_create_secret
from piranha_web.history import HISTORY_BYTES
from piranha_web.netinfo import NetInfo
from piranha_web.store import ConfigStore
from piranha_web.sync import SyncService
from piranha_web.traffic import TrafficHistory
from piranha_web.web.services import Services

#: the largest request body accepted; the server refuses a larger one (413) before reading it
MAX_REQUEST_BODY = 1024 * 1024
#: the limit of the operations that take a whole lvs.cf (a 1,000 x 32 file is 3.4 MB)
WHOLE_CONFIG_BODY = 16 * 1024 * 1024
#: (method, path) of those operations: the API's PUT /config and the check of a posted text
WHOLE_CONFIG_ROUTES = frozenset({("PUT", "/api/v1/config"), ("POST", "/api/v1/findings")})


def body_limit(method: str, path: str) -> int:
    """The largest body a request for ``method path`` may send (the server enforces it)."""
    return WHOLE_CONFIG_BODY if (method, path) in WHOLE_CONFIG_ROUTES else MAX_REQUEST_BODY


@dataclass(frozen=True)
class WebSettings:
    """Settings of one app.

    ``secret_key`` None means the key kept in ``state_dir`` (created on first use).  ``tls``
    marks the session cookie Secure.  Sessions end after ``idle_timeout`` without a request
    and ``session_lifetime`` after login, whichever comes first.  ``clock`` (seconds since the
    epoch) exists so that tests can move time forward.  ``netns`` names the network namespace
    whose interfaces, daemons and IPVS table the panels show (default: $PIRANHA_NETNS, else
    the host's own).
    """

    config_path: Path
    state_dir: Path
    secret_key: bytes | None = None
    tls: bool = False
    idle_timeout: timedelta = timedelta(minutes=30)
    session_lifetime: timedelta = timedelta(hours=12)
    csrf: bool = True
    testing: bool = False
    clock: Callable[[], float] = time.time
    #: history retention: a revision is kept while among the newest ``history_keep`` or
    #: younger than ``history_days`` (whichever keeps more), as long as the copies together
    #: stay under ``history_bytes`` (the newest few always stay)
    history_keep: int = 200
    history_days: float = 90.0
    history_bytes: int = HISTORY_BYTES
    netns: str | None = field(default_factory=lambda: os.environ.get("PIRANHA_NETNS") or None)
    #: the port served on (part of the cookie names; None in tests without a server)
    port: int | None = None

    def cookie_name(self, base: str, *, whole_site: bool = True) -> str:
        """The name of this instance's cookie ``base``.

        Browsers keep cookies per host, not per port: two instances on one host with one
        cookie name would overwrite each other's session.  The name carries a short hash of
        the lvs.cf path, the state directory and the port.  Under TLS it gets the ``__Host-``
        prefix (Secure, Path=/, no Domain: set by no other site or path) when the cookie is
        for the whole site, else ``__Secure-``.
        """
        where = f"{self.config_path.resolve()}\0{self.state_dir.resolve()}\0{self.port or ''}"
        name = f"{base}_{hashlib.sha256(where.encode()).hexdigest()[:10]}"
        if not self.tls:
            return name
        return ("__Host-" if whole_site else "__Secure-") + name

    def resolved_secret(self) -> bytes:
        """The session key: the given one, else the one stored in the state directory."""
        if self.secret_key is not None:
            return self.secret_key
        return load_or_create_secret(self.state_dir)

    def default_services(self) -> Services:
        """Store, passwords, login throttle, netinfo, backup-router sync and the traffic
        history (sampled once ``serve`` starts it) for these settings."""
        store = ConfigStore(self.config_path, keep=self.history_keep,
                            keep_days=self.history_days, max_bytes=self.history_bytes)
        netinfo = NetInfo(self.netns)
        return Services(
            store=store,
            state_dir=self.state_dir,
            passwords=PasswordFile(self.state_dir / PASSWORD_FILE),
            login_throttle=LoginThrottle(),
            netinfo=netinfo,
            syncer=SyncService(self.config_path, self.state_dir, store=store),
            traffic=TrafficHistory(lambda: netinfo.ipvs().table),
        )
