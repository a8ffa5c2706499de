"""A real IPVS kernel for tests: scripts/ipvs_vm/run.sh boots Debian's kernel under QEMU (TCG).

:func:`run_job` writes a job script into a fresh directory, runs it as root inside the VM (the
directory is ``/job`` there, and ``/host/tmp/job`` next to the host's read-only root at
``/host``) and returns the directory with whatever the job wrote.  The VM's ``/host/tmp`` is a
tmpfs of its own, but the checkout (wherever it lives, /tmp included) and the ``host_paths``
given stay visible there.  The first run downloads the kernel and tools (about 70 MB) and
builds the initramfs into ``.cache/ipvs_vm`` (``$PIRANHA_VM_CACHE``); a boot takes about 6 s,
about 10 s with Python started inside.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCRIPTS = ROOT / "scripts" / "ipvs_vm"
TOOLS = ("qemu-system-x86_64", "apt-get", "dpkg-deb", "cpio", "depmod", "modprobe", "gzip")


def require_vm_tools() -> None:
    """Skip (developer machine) or fail (CI=true) unless QEMU and the build tools exist."""
    missing = [tool for tool in TOOLS
               if shutil.which(tool) is None and not Path("/sbin", tool).exists()]
    if not missing:
        return
    message = f"IPVS VM tests need {', '.join(missing)} (scripts/test.sh installs them)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def run_job(directory: Path, script: str, *extra: Path, host_paths: tuple[Path, ...] = ()
            ) -> Path:
    """Run ``script`` (busybox sh) in the VM with ``extra`` files beside it; fail on non-zero.

    ``host_paths`` (directories under /tmp) stay visible at ``/host/...`` in the VM.
    """
    require_vm_tools()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "job.sh").write_text(script)
    (directory / "host_paths").write_text("".join(f"{p.resolve()}\n" for p in host_paths))
    for path in extra:
        shutil.copy(path, directory / path.name)
    done = subprocess.run([str(SCRIPTS / "run.sh"), str(directory)], capture_output=True,
                          text=True, timeout=600)
    log = directory / "job.log"
    if done.returncode != 0:
        pytest.fail(f"IPVS VM job failed (rc {done.returncode}): {done.stderr[-2000:]}\n"
                    f"{log.read_text()[-3000:] if log.exists() else ''}")
    return directory


def shared_job(factory: pytest.TempPathFactory, name: str, script: str, *extra: Path,
               host_paths: tuple[Path, ...] = ()) -> Path:
    """:func:`run_job` once per test run, however many xdist workers ask for it.

    The first worker runs the VM (a CPU-heavy boot); the others wait for it and read the same
    directory (the xdist pattern: a lock in the run's shared temporary directory).
    """
    base = factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    directory = shared / name
    directory.mkdir(parents=True, exist_ok=True)
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (directory / "done").exists():
            run_job(directory, script, *extra, host_paths=host_paths)
            (directory / "done").write_text("")
    return directory


def parse_ipvsadm_ln(text: str) -> list[tuple[str, str, list[tuple[str, str, int]]]]:
    """``ipvsadm -Ln`` output as (service, scheduler, [(server, forward, weight)])."""
    services: list[tuple[str, str, list[tuple[str, str, int]]]] = []
    for line in text.splitlines()[3:]:
        words = line.split()
        if words[0] == "->":
            services[-1][2].append((words[1], words[2], int(words[3])))
        else:
            services.append((f"{words[0]} {words[1]}", words[2], []))
    return services
