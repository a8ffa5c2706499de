"""The real ``keepalived -t`` for tests, run in a fresh network namespace.

keepalived checks that every interface a configuration names exists; the namespace gets a
bridge device for each one (the ``dummy`` module is not loadable everywhere), so the verdict
does not depend on the test machine's interfaces.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

DEVICE = re.compile(r"^[ \t]*(?:interface|lvs_sync_daemon)[ \t]+(\S+)|[ \t]dev[ \t]+(\S+)", re.M)


def keepalived_binary() -> str:
    found = shutil.which("keepalived") or (
        "/usr/sbin/keepalived" if Path("/usr/sbin/keepalived").exists() else None)
    if found is None:
        pytest.fail("keepalived is missing (scripts/test.sh installs Debian's package)")
    return found


def devices_of(text: str) -> list[str]:
    config = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return sorted({a or b for a, b in DEVICE.findall(config)})


def config_test(text: str, directory: Path) -> subprocess.CompletedProcess[str]:
    """``keepalived -t`` on ``text`` (exit 0 clean, 5 warnings, 3/4 errors)."""
    path = directory / "keepalived.conf"
    path.write_text(text)
    links = "".join(f"ip link add {dev} type bridge && " for dev in devices_of(text))
    script = f'ip link set lo up && {links}exec "$0" -t -f "$1"'
    return subprocess.run(["unshare", "-n", "sh", "-c", script, keepalived_binary(), str(path)],
                          capture_output=True, text=True, timeout=60)


def assert_accepted(text: str, directory: Path) -> None:
    done = config_test(text, directory)
    assert done.returncode == 0, f"keepalived -t exit {done.returncode}:\n{done.stderr}\n{text}"
