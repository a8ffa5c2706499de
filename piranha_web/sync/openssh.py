"""The system OpenSSH client (``ssh``, ``sftp``) as the only way to the backup router.

Always argv lists, never a local shell.  Every call gets the same strict options: no user or
system ssh config (``-F none``), no prompts (``BatchMode``), host keys only from the managed
known_hosts file (``StrictHostKeyChecking=yes``, no global file, never updated by ssh), only the
configured identity, a connect timeout and keep-alives so a dead link is noticed.

A :class:`Session` shares one SSH connection (``ControlMaster``) between the ssh/sftp calls
of one operation, then closes it: the master lives in a private temporary directory and is
told to exit when the session ends (``ControlPersist`` only bounds its life if this process
dies first).  No connection outlives an operation, so a host key change is always seen by the
next operation's fresh connection, and nothing stale is left behind.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from piranha_web.errors import SyncError
from piranha_web.sync.failures import CLIENT_MISSING, TIMEOUT, classify
from piranha_web.sync.target import Target

#: seconds a master outlives its last client if this process dies without closing it
CONTROL_PERSIST = 30
#: seconds a whole ssh/sftp call may take beyond the connect timeout
TRANSFER_ALLOWANCE = 60


@dataclass(frozen=True)
class Result:
    """What one ssh/sftp call returned."""

    returncode: int
    stdout: bytes
    stderr: str

    def raise_for_failure(self) -> None:
        """:class:`SyncError` with the plain-words reason when the call failed."""
        if self.returncode != 0:
            raise classify(self.returncode, self.stderr)


def base_options(target: Target) -> list[str]:
    """The options every ssh/sftp call to ``target`` gets (see the module docstring)."""
    options = {
        "BatchMode": "yes",
        "StrictHostKeyChecking": "yes",
        "UserKnownHostsFile": str(target.known_hosts),
        "GlobalKnownHostsFile": "/dev/null",
        "UpdateHostKeys": "no",
        "CheckHostIP": "no",
        "IdentitiesOnly": "yes",
        "ConnectTimeout": str(target.connect_timeout),
        "ServerAliveInterval": str(target.connect_timeout),
        "ServerAliveCountMax": "2",
        "User": target.user,
        "Port": str(target.port),
    }
    if target.identity_file:
        options["IdentityFile"] = target.identity_file
    argv = ["-F", "none"]
    for name, value in options.items():
        argv += ["-o", f"{name}={value}"]
    return argv


class Session:
    """ssh/sftp calls to one target over one shared connection; use as a context manager."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._dir = Path(tempfile.mkdtemp(prefix="piranha-web-ssh-"))
        self._control = [
            "-o", "ControlMaster=auto",
            "-o", f"ControlPath={self._dir / 'master'}",
            "-o", f"ControlPersist={CONTROL_PERSIST}",
        ]
        self._options = base_options(target) + self._control
        self.timeout = target.connect_timeout + TRANSFER_ALLOWANCE

    def __enter__(self) -> Session:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def local_file(self, name: str, data: bytes, mode: int = 0o600) -> Path:
        """A file only this process can reach, e.g. the bytes to upload."""
        path = self._dir / name
        path.write_bytes(data)
        path.chmod(mode)
        return path

    def ssh(self, command: str, stdin: bytes = b"") -> Result:
        """Run ``command`` (one string, as ssh hands it to the remote shell) on the target."""
        return self._run(["ssh", "-T", *self._options, "--", self.target.host, command], stdin)

    def sftp(self, commands: Sequence[str]) -> Result:
        """Run sftp batch ``commands`` (a leading ``-`` lets one fail without stopping)."""
        host = self.target.host
        destination = f"[{host}]" if ":" in host else host
        batch = "".join(f"{line}\n" for line in commands).encode()
        return self._run(["sftp", *self._options, "-b", "-", "--", destination], batch)

    def _run(self, argv: list[str], stdin: bytes) -> Result:
        try:
            done = subprocess.run(argv, input=stdin, capture_output=True, timeout=self.timeout,
                                  check=False)
        except subprocess.TimeoutExpired as err:
            raise SyncError(TIMEOUT, f"no answer within {self.timeout} seconds") from err
        except OSError as err:
            raise SyncError(CLIENT_MISSING, f"cannot run {argv[0]}: {err}") from err
        return Result(done.returncode, done.stdout, done.stderr.decode("utf-8", "replace"))

    def close(self) -> None:
        """Tell the shared connection to exit and remove the private directory."""
        if (self._dir / "master").exists():
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                subprocess.run(["ssh", *self._options, "-O", "exit", "--", self.target.host],
                               capture_output=True, timeout=10, check=False)
        shutil.rmtree(self._dir, ignore_errors=True)
