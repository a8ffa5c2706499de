"""The VRRP state of this router's keepalived (MASTER, BACKUP, FAULT), from its data dump.

keepalived writes its state to ``/tmp/keepalived.data`` when it gets SIGUSR1 (``--signum=DATA``).
The file is read through ``/proc/PID/root`` so that it is keepalived's /tmp, not this
service's private one (the systemd unit has PrivateTmp).  Bounded: one signal, at most
:data:`WAIT` seconds for a file newer than the one before, at most :data:`MAX_BYTES` read.

    states = vrrp_states(pid)      # {"VI_1": "MASTER"}; {} when keepalived wrote none in time
    parse_data(text)               # pure: the instances and their states in a dump
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

DATA = "tmp/keepalived.data"
WAIT = 2.0
MAX_BYTES = 4 * 1024 * 1024
_INSTANCE = re.compile(r"^ VRRP Instance = (\S+)\n(?:   .*\n)*?   State = (\S+)", re.M)


def parse_data(text: str) -> dict[str, str]:
    """VRRP instance name -> state, from a keepalived data dump."""
    return dict(_INSTANCE.findall(text))


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def vrrp_states(pid: int, wait: float = WAIT) -> dict[str, str]:
    """Ask keepalived ``pid`` for its data dump and read its VRRP states ({} when it wrote
    none within ``wait`` seconds, or cannot be signalled)."""
    path = Path(f"/proc/{pid}/root") / DATA
    before = _mtime(path)
    try:
        os.kill(pid, signal.SIGUSR1)
    except OSError:
        return {}
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        now = _mtime(path)
        if now is not None and now != before:
            time.sleep(0.05)  # the dump is written in one go, but let it finish
            try:
                with path.open("rb") as dump:
                    return parse_data(dump.read(MAX_BYTES).decode("utf-8", "replace"))
            except OSError:
                return {}
        time.sleep(0.05)
    return {}
