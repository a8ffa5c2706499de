"""`piranha-web serve` as a real process, race-free: the one way tests start it.

The server is started with ``--port 0``: the kernel picks a free port when serve binds its
listener, and serve prints it in its "Log in at URL" line, which is read back here.  (Picking a
port in the test by binding port 0, closing it and passing the number is racy: another test can
take the port in between, and serve then fails with "address in use", or the test talks to the
other test's server.)

A reader thread drains the process's output into :attr:`ServeProcess.lines` for its whole life,
so a chatty server never blocks on a full pipe, and what it printed is there for assertions.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import ROOT

START_SECONDS = 90.0  # generous: 7 engineers share 2 cores, an import can take 20 s under load
LOGIN_LINE = re.compile(r"Log in at (\S+)")


@dataclass
class ServeProcess:
    """A running `piranha-web serve` and every line it printed so far (stdout and stderr)."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _reader: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The address from the "Log in at" line, with its trailing slash."""
        match = LOGIN_LINE.search("\n".join(self.lines))
        assert match, self.lines
        return match.group(1)

    @property
    def port(self) -> int:
        """The port serve bound (the one ``--port 0`` left to the kernel)."""
        return int(self.url.rsplit(":", 1)[1].strip("/"))

    def _read(self) -> None:
        assert self.process.stdout is not None
        with contextlib.suppress(ValueError, OSError):  # the pipe closed by a test
            for line in self.process.stdout:
                with self._changed:
                    self.lines.append(line.rstrip("\n"))
                    self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def _started(self) -> bool:
        """The login line is printed, and the hint after a generated password too."""
        for number, line in enumerate(self.lines):
            if LOGIN_LINE.match(line):
                return "with password" not in line or number + 1 < len(self.lines)
        return False

    def wait_started(self, seconds: float) -> None:
        """Wait for the login line; fail with the output when serve exits or takes too long."""
        deadline = time.monotonic() + seconds
        with self._changed:
            while not self._started():
                left = deadline - time.monotonic()
                if left <= 0 or (self._reader is not None and not self._reader.is_alive()):
                    break
                self._changed.wait(min(left, 1.0))
            if self._started():
                return
        stop_serve(self)
        raise AssertionError(f"piranha-web serve did not start: {self.lines}")

    def stop(self) -> None:
        """Terminate the process (kill it if it does not stop) and close its pipe."""
        stop_serve(self)


def start_serve(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None,
                argv: Sequence[str] | None = None,
                seconds: float = START_SECONDS) -> ServeProcess:
    """Start `piranha-web serve --port 0 ARGS` (or ``argv``, which must carry its own
    ``--port 0``) and return once it printed where to log in."""
    command = list(argv) if argv is not None else [
        sys.executable, "-m", "piranha_web.cli", "serve", "--port", "0", *args]
    process = subprocess.Popen(command, cwd=cwd, env={**os.environ, **(env or {})},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    server = ServeProcess(process)
    server._reader = threading.Thread(target=server._read, name="serve-output", daemon=True)
    server._reader.start()
    server.wait_started(seconds)
    return server


def stop_serve(server: ServeProcess) -> None:
    """Terminate ``server`` and wait for it and for its output reader."""
    process = server.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if server._reader is not None:
        server._reader.join(timeout=20)
    if process.stdout is not None:
        process.stdout.close()
