"""Run a command inside the limits a systemd unit's [Service] section sets.

With systemd as PID 1 the command runs under ``systemd-run --pipe --wait`` with the unit's own
properties.  Without it (this container, most CI runners) the same file-system, capability and
privilege limits are built by hand: a private mount namespace (``unshare --mount``) in which
``python -m tests.helpers.unit_sandbox`` makes every mount read-only except the
``ReadWritePaths=`` (``ProtectSystem=strict``), mounts empty inaccessible directories over /home,
/root and /run/user (``ProtectHome=yes``), a fresh /tmp and /var/tmp (``PrivateTmp=yes``) and a
/dev with only the pseudo devices (``PrivateDevices=yes``), then ``setpriv`` drops every
capability outside ``CapabilityBoundingSet=`` (also from the inheritable set) and sets
``NoNewPrivileges=``.  The seccomp-based settings (``RestrictAddressFamilies=``,
``SystemCallArchitectures=``...) are not rebuilt; ``systemd-analyze verify`` checks them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

#: properties that are about starting and restarting, not about limits
_NOT_LIMITS = {"ExecStart", "Type", "Restart", "RestartSec", "ConfigurationDirectory",
               "ConfigurationDirectoryMode", "StateDirectory", "StateDirectoryMode"}
_API_FILESYSTEMS = ("/proc", "/sys", "/dev")
#: PrivateDevices=yes: the pseudo devices systemd leaves (name, major, minor)
_DEVICES = (("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8),
            ("urandom", 1, 9), ("tty", 5, 0))


def service_properties(unit: str) -> list[tuple[str, str]]:
    """The ``Key=value`` lines of the unit's [Service] section, in order (keys repeat)."""
    out, section = [], ""
    for raw in unit.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, _, value = line.partition("=")
            out.append((key.strip(), value.strip()))
    return out


def limits(unit: str) -> dict[str, str]:
    """The unit's limits as one value per key (the last line wins, lists joined)."""
    found: dict[str, str] = {}
    for key, value in service_properties(unit):
        if key in _NOT_LIMITS:
            continue
        if key in ("ReadWritePaths", "CapabilityBoundingSet") and key in found:
            found[key] = f"{found[key]} {value}"
        else:
            found[key] = value
    return found


def systemd_is_running() -> bool:
    return Path("/run/systemd/system").is_dir()


def confined(unit: str, argv: Sequence[str]) -> list[str]:
    """An argv that runs ``argv`` inside the limits of ``unit``."""
    if systemd_is_running():
        props = [f"--property={k}={v}" for k, v in limits(unit).items()]
        return ["systemd-run", "--quiet", "--pipe", "--wait", "--collect", *props, "--",
                *argv]
    root = str(Path(__file__).resolve().parents[2])
    return ["unshare", "--mount", "--propagation", "private", "--", sys.executable,
            "-c", f"import sys; sys.path.insert(0, {root!r}); "
            "from tests.helpers.unit_sandbox import main; main()",
            json.dumps(limits(unit)), *argv]


def main() -> None:
    """Inside the new mount namespace: build the limits, then exec the command."""
    settings, argv = json.loads(sys.argv[1]), sys.argv[2:]
    writable = settings.get("ReadWritePaths", "").split()
    for path in writable:
        _mount("--bind", path, path)
    if settings.get("ProtectSystem") == "strict":
        _read_only_except(writable)
    if settings.get("PrivateTmp") == "yes":
        for path in ("/tmp", "/var/tmp"):
            _mount("-t", "tmpfs", "-o", "mode=1777,nosuid,nodev", "tmpfs", path)
    # ProtectHome=read-only: already read-only, as everything under ProtectSystem=strict
    if settings.get("ProtectHome") == "yes":
        for path in ("/home", "/root", "/run/user"):
            if os.path.isdir(path):
                _mount("-t", "tmpfs", "-o", "mode=000,ro", "tmpfs", path)
    if settings.get("PrivateDevices") == "yes":
        _private_dev()
    caps = [c.removeprefix("CAP_").lower() for c in settings.get(
        "CapabilityBoundingSet", "").split()]
    setpriv = ["setpriv", "--inh-caps", "-all",
               "--bounding-set", ",".join(["-all", *(f"+{c}" for c in caps)])]
    if settings.get("NoNewPrivileges") == "yes":
        setpriv.append("--no-new-privs")
    os.execvp("setpriv", [*setpriv, "--", *argv])  # noqa: S606 (a test's own argv)


def _read_only_except(writable: Sequence[str]) -> None:
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].replace("\\040", " ")
        if point in writable or any(point == a or point.startswith(a + "/")
                                    for a in _API_FILESYSTEMS):
            continue
        points.append(point)
    for point in sorted(set(points), key=len):
        subprocess.run(["mount", "-o", "remount,bind,ro", point], check=False,
                       capture_output=True)


def _private_dev() -> None:
    _mount("-t", "tmpfs", "-o", "mode=755,nosuid,noexec", "tmpfs", "/dev")
    for name, major, minor in _DEVICES:
        os.mknod(f"/dev/{name}", 0o666 | 0o020000, os.makedev(major, minor))
        os.chmod(f"/dev/{name}", 0o666)  # noqa: S103 (the pseudo devices are for everyone)
    os.mkdir("/dev/shm", 0o1777)
    _mount("-t", "tmpfs", "-o", "mode=1777,nosuid,nodev", "tmpfs", "/dev/shm")


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True)
