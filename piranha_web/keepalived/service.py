"""keepalived as the engine of this router: settings, generate, ``keepalived -t``, apply, reload.

* :class:`EngineSettings` live in the state directory (``keepalived.json``, mode 600, atomic),
  like the sync settings: the engine (``piranha`` or ``keepalived``), auto-apply, the installed
  file (default /etc/keepalived/keepalived.conf), keepalived's pid file and an optional reload
  command (an argv list, never run through a shell).
* :class:`KeepalivedService` regenerates keepalived.conf for both routers into the state
  directory (``keepalived/primary.conf``, ``keepalived/backup.conf``), validates with the real
  ``keepalived -t``, and applies: the file is replaced atomically only when the test passes,
  then keepalived is reloaded (SIGHUP to the pid in its pid file, checked to be keepalived, or
  the reload command), and the outcome is reported in plain words.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from piranha_web.atomic import replace_file
from piranha_web.errors import KeepalivedError
from piranha_web.lvscf.document import Document
from piranha_web.lvscf.keepalived import DEFAULT_CHECK_COMMAND, ROUTERS, Export, export_keepalived
from piranha_web.lvscf.line_diff import unified

SETTINGS_FILE = "keepalived.json"
ENGINES = ("piranha", "keepalived")
DEFAULT_CONF = "/etc/keepalived/keepalived.conf"
DEFAULT_PID_FILE = "/run/keepalived.pid"
TEST_TIMEOUT = 30  # seconds for keepalived -t
RELOAD_TIMEOUT = 30  # seconds for a reload command
#: generated files kept in memory: both routers' of the newest revision asked for (12 MB each
#: at 1,000 virtual servers, so one) and ``keepalived -t`` verdicts of the newest few texts
KEPT_EXPORTS = 1
KEPT_VERDICTS = 4


@dataclass(frozen=True)
class EngineSettings:
    """How this router runs LVS, and where keepalived's files are."""

    engine: str = "piranha"
    auto_apply: bool = False
    conf_path: str = DEFAULT_CONF
    pid_file: str = DEFAULT_PID_FILE
    reload_command: tuple[str, ...] = ()
    keepalived: str = "keepalived"
    check_command: str = ""  # piranha-web for MISC_CHECK; empty: found at run time

    def problems(self) -> list[str]:
        out = []
        if self.engine not in ENGINES:
            out.append(f"engine must be one of {', '.join(ENGINES)}")
        for name in ("conf_path", "pid_file"):
            if not os.path.isabs(getattr(self, name)):
                out.append(f"{name} must be an absolute path")
        if self.reload_command and not os.path.isabs(self.reload_command[0]):
            out.append("reload_command must start with an absolute program path")
        return out


def load_settings(state_dir: Path) -> EngineSettings:
    """The stored settings (defaults when none are stored); KeepalivedError when unreadable."""
    path = state_dir / SETTINGS_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return EngineSettings()
    except (OSError, ValueError) as err:
        raise KeepalivedError(f"cannot read {path}: {err}") from err
    if not isinstance(data, dict):
        raise KeepalivedError(f"{path} does not hold a JSON object")
    known = {k: v for k, v in data.items() if k in EngineSettings.__dataclass_fields__}
    if "reload_command" in known:
        known["reload_command"] = tuple(str(w) for w in known["reload_command"] or ())
    try:
        settings = EngineSettings(**known)
    except TypeError as err:
        raise KeepalivedError(f"{path}: {err}") from err
    if settings.problems():
        raise KeepalivedError(f"{path}: {'; '.join(settings.problems())}")
    return settings


def save_settings(state_dir: Path, settings: EngineSettings) -> None:
    """Store ``settings`` (mode 600, atomic); refuses settings with problems."""
    if settings.problems():
        raise KeepalivedError("; ".join(settings.problems()))
    data = asdict(settings)
    data["reload_command"] = list(settings.reload_command)
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    replace_file(state_dir / SETTINGS_FILE,
                 (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())


def generated_path(state_dir: Path, router: str) -> Path:
    """Where the generated keepalived.conf of ``router`` is kept in the state directory (the
    one place that names it: the sync copies the backup's from here)."""
    return state_dir / "keepalived" / f"{router}.conf"


def check_command(settings: EngineSettings) -> str:
    """The absolute path of the program keepalived's MISC_CHECK runs (``piranha-web check``):
    the configured one, else the ``piranha-web`` beside this Python, else the one on PATH, else
    the translation's default.  Every export (KEEPALIVED tab, ACCEPT, REST API) asks here."""
    if settings.check_command:
        return settings.check_command
    beside = Path(sys.executable).parent / "piranha-web"
    if beside.exists():
        return str(beside)
    return shutil.which("piranha-web") or DEFAULT_CHECK_COMMAND


@dataclass(frozen=True)
class EngineFile:
    """The backup router's keepalived.conf as one save generated it, handed to the sync
    (``data`` None: keepalived is not the engine, nothing to copy beside lvs.cf)."""

    data: bytes | None


@dataclass(frozen=True)
class TestVerdict:
    """What ``keepalived -t`` said: exit 0 is clean, anything else (5: warnings) is refused."""

    code: int
    output: str

    @property
    def ok(self) -> bool:
        return self.code == 0

    @property
    def summary(self) -> str:
        if self.ok:
            return "keepalived -t: configuration OK"
        if self.code == 5:
            return "keepalived -t: warnings (exit 5), refused"
        return f"keepalived -t: exit {self.code}, refused"


@dataclass(frozen=True)
class ApplyResult:
    """The outcome of APPLY, in plain words."""

    ok: bool
    message: str
    verdict: TestVerdict | None = None


@dataclass(frozen=True)
class KeepalivedState:
    """keepalived on this router: running or not, its pid; VRRP state when known."""

    running: bool
    pid: int | None
    vrrp_state: str | None = None
    problem: str | None = None


class _Kept:
    """The newest ``size`` results by key, shared by the threads that serve pages.

    Generating both routers' keepalived.conf of a 1,000 x 32 lvs.cf takes seconds and
    ``keepalived -t`` on it most of one; a page view of an unchanged lvs.cf reuses both.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, ...], object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> object | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, ...], value: object) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_EXPORTS = _Kept(KEPT_EXPORTS)
_VERDICTS = _Kept(KEPT_VERDICTS)
_DIFFS = _Kept(1)


@functools.lru_cache(maxsize=len(ROUTERS))
def text_digest(text: str) -> str:
    """sha256 of ``text`` (UTF-8) in hex: what APPLY checks and the kept results are keyed by
    (kept for the newest few texts: a string's hash is computed once, the sha256 is not)."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class KeepalivedService:
    """keepalived.conf for this router, from lvs.cf (see the module docstring)."""

    state_dir: Path
    settings: EngineSettings = field(default_factory=EngineSettings)

    @classmethod
    def load(cls, state_dir: Path) -> KeepalivedService:
        return cls(state_dir, load_settings(state_dir))

    def check_command(self) -> str:
        """Absolute path of piranha-web for MISC_CHECK (see :func:`check_command`)."""
        return check_command(self.settings)

    def generated_path(self, router: str) -> Path:
        return generated_path(self.state_dir, router)

    def generate(self, document: Document) -> dict[str, Export]:
        """keepalived.conf of both routers (raises KeepalivedValueError for a bad setting)."""
        return {router: export_keepalived(document, router, check_command=self.check_command())
                for router in ROUTERS}

    def generate_kept(self, document: Document, revision: str) -> dict[str, Export]:
        """:meth:`generate` of lvs.cf at ``revision``, reused while it is the newest asked for."""
        key = ("exports", revision, self.check_command())
        kept = _EXPORTS.get(key)
        if isinstance(kept, dict):
            return kept
        exports = self.generate(document)
        _EXPORTS.put(key, exports)
        return exports

    def config_test_kept(self, text: str, digest: str | None = None) -> TestVerdict:
        """:meth:`config_test` of ``text`` (whose sha256 is ``digest``), reused for the same
        text and keepalived program."""
        key = ("verdict", self.settings.keepalived, digest or text_digest(text))
        kept = _VERDICTS.get(key)
        if isinstance(kept, TestVerdict):
            return kept
        verdict = self.config_test(text)
        _VERDICTS.put(key, verdict)
        return verdict

    def regenerate(self, document: Document) -> dict[str, Export]:
        """:meth:`generate` and keep both files in the state directory (what ACCEPT does)."""
        exports = self.generate(document)
        for router, export in exports.items():
            path = self.generated_path(router)
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            replace_file(path, export.text.encode())
        return exports

    def config_test(self, text: str) -> TestVerdict:
        """The real ``keepalived -t`` on ``text`` (from a private temporary file)."""
        with tempfile.TemporaryDirectory(prefix="keepalived-test-") as directory:
            path = Path(directory) / "keepalived.conf"
            path.write_text(text)
            try:
                done = subprocess.run(
                    [self.settings.keepalived, "-t", "-f", str(path)], capture_output=True,
                    text=True, timeout=TEST_TIMEOUT, check=False)
            except FileNotFoundError:
                return TestVerdict(127, f"{self.settings.keepalived}: not found")
            except subprocess.TimeoutExpired:
                return TestVerdict(124, f"keepalived -t did not finish in {TEST_TIMEOUT} s")
        output = (done.stdout + done.stderr).replace(str(path), "keepalived.conf")
        return TestVerdict(done.returncode, output.strip())

    def installed_text(self) -> str | None:
        try:
            return Path(self.settings.conf_path).read_text("utf-8", "replace")
        except FileNotFoundError:
            return None
        except OSError as err:
            raise KeepalivedError(f"cannot read {self.settings.conf_path}: {err}") from err

    def diff(self, text: str) -> list[str]:
        """Unified diff installed → ``text`` (empty when equal)."""
        old = self.installed_text() or ""
        return unified(old.splitlines(), text.splitlines(), self.settings.conf_path, "generated")

    def diff_kept(self, text: str, digest: str | None = None,
                  limit: int = 400) -> tuple[list[str], int]:
        """The first ``limit`` lines of :meth:`diff` and the number of all, reused while
        ``text`` (sha256 ``digest``) and the installed file (its inode, size and modification
        time) stay the same; only those lines are kept (a 12 MB file's whole diff is one)."""
        try:
            seen = os.stat(self.settings.conf_path)
            installed = f"{seen.st_ino}:{seen.st_size}:{seen.st_mtime_ns}"
        except OSError:
            installed = "none"
        key = ("diff", self.settings.conf_path, installed, digest or text_digest(text),
               str(limit))
        kept = _DIFFS.get(key)
        if isinstance(kept, tuple):
            return kept
        lines = self.diff(text)
        head = (lines[:limit], len(lines))
        _DIFFS.put(key, head)
        return head

    def apply(self, text: str) -> ApplyResult:
        """Write ``text`` to the installed path only if ``keepalived -t`` passes, then reload."""
        verdict = self.config_test(text)
        if not verdict.ok:
            return ApplyResult(False, f"Not applied: {verdict.summary}.", verdict)
        try:
            replace_file(Path(self.settings.conf_path), text.encode(), mode=0o644,
                         keep_mode=True)
        except OSError as err:
            return ApplyResult(False, f"Not applied: cannot write {self.settings.conf_path}: "
                               f"{err.strerror or err}.", verdict)
        reloaded = self.reload()
        return replace(reloaded, message=f"{self.settings.conf_path} written. "
                       f"{reloaded.message}", verdict=verdict)

    def reload(self) -> ApplyResult:
        """The reload command, else SIGHUP to the keepalived whose pid is in the pid file."""
        if self.settings.reload_command:
            try:
                done = subprocess.run(list(self.settings.reload_command), capture_output=True,
                                      text=True, timeout=RELOAD_TIMEOUT, check=False)
            except (OSError, subprocess.TimeoutExpired) as err:
                return ApplyResult(False, f"The reload command failed: {err}.")
            if done.returncode:
                return ApplyResult(False, f"The reload command exited with {done.returncode}: "
                                   f"{(done.stderr or done.stdout).strip()[:300]}")
            return ApplyResult(True, "keepalived reloaded (reload command).")
        state = self.state()
        if not state.running or state.pid is None:
            return ApplyResult(False, f"keepalived is not running ({state.problem}): the new "
                               "file takes effect when it starts.")
        try:
            os.kill(state.pid, signal.SIGHUP)
        except OSError as err:
            return ApplyResult(False, f"Cannot signal keepalived (pid {state.pid}): "
                               f"{err.strerror or err}.")
        return ApplyResult(True, f"keepalived (pid {state.pid}) reloaded with SIGHUP.")

    def state(self) -> KeepalivedState:
        """Running or not, from the pid file and /proc (the pid must be keepalived's)."""
        try:
            pid = int(Path(self.settings.pid_file).read_text().strip())
        except FileNotFoundError:
            return KeepalivedState(False, None, problem=f"no pid file {self.settings.pid_file}")
        except (OSError, ValueError) as err:
            return KeepalivedState(False, None, problem=f"unreadable pid file: {err}")
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            return KeepalivedState(False, pid, problem=f"no process {pid}")
        if name != "keepalived":
            return KeepalivedState(False, pid, problem=f"process {pid} is {name}, not keepalived")
        return KeepalivedState(True, pid)

