"""The real ``keepalived -t`` for tests, run in a fresh network namespace.

keepalived checks that every interface a configuration names exists; the namespace gets a
bridge device for each one (the ``dummy`` module is not loadable everywhere), so the verdict
does not depend on the test machine's interfaces.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
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


@contextlib.contextmanager
def running_keepalived(directory: Path, conf: Path, devices: tuple[str, ...] = ()
                       ) -> Iterator[tuple[Path, Path]]:
    """A real keepalived on ``conf`` in its own network namespace (with a bridge per name in
    ``devices``); yields (pid file, log).  Stopped with SIGTERM afterwards."""
    pid_file, log = directory / "keepalived.pid", directory / "keepalived.log"
    links = "".join(f"ip link add {dev} type bridge && ip link set {dev} up && "
                    for dev in devices)
    script = f'ip link set lo up && {links}exec "$0" -n -l -G -D -f "$1" -p "$2" -r "$3" -c "$4"'
    with open(log, "w") as out:
        process = subprocess.Popen(
            ["unshare", "-n", "sh", "-c", script, keepalived_binary(), str(conf), str(pid_file),
             str(directory / "vrrp.pid"), str(directory / "checkers.pid")],
            stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield pid_file, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def in_namespace_wrapper(directory: Path, devices: tuple[str, ...]) -> Path:
    """A ``keepalived`` program for EngineSettings that runs the real one in a fresh network
    namespace holding ``devices``, so that ``keepalived -t`` sees the interfaces a file names."""
    links = "".join(f"ip link add {dev} type bridge; " for dev in devices)
    path = directory / "keepalived-in-netns"
    path.write_text(f"#!/bin/sh\nexec unshare -n sh -c 'ip link set lo up; {links}"
                    f"exec {keepalived_binary()} \"$@\"' keepalived \"$@\"\n")
    path.chmod(0o755)
    return path


def wait_for(path: Path, text: str, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in path.read_text():
            return True
        time.sleep(0.05)
    return False
