"""A real backup router for tests: OpenSSH sshd inside a network namespace of its own.

:meth:`BackupRouter.start` creates

* a network namespace ``pwsy<pid>n<k>`` joined to ours by a veth pair (``...a`` on our side,
  ``...b`` inside) with a /30 out of 169.254.192.0/18, so the backup has an address of its own;
* a root sshd on ``<address>:22`` with a private tmpfs ``/run`` (its privilege-separation
  directory) in a mount namespace of its own;
* an unprivileged sshd (uid 4242, known only to an overlaid ``/etc/passwd``) on
  ``<address>:2222``: root ignores directory modes, so this is the only way to get a genuine
  ``EACCES`` from the backup;
* throwaway keys: host keys, the client key, a key the backup does not accept, and keys whose
  sessions see a special ``PATH`` (``tamper``: a ``sha256sum`` that first changes the file it is
  asked about; ``nosha``: no ``sha256sum`` at all, only ``cat``).

Everything is removed by :meth:`BackupRouter.stop`.  Namespaces left behind by a killed test
process are removed by the next start.  The ``backup_router`` fixture shares one router per
test session (per xdist worker); tests give each case its own remote directory.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.netns import (
    PREFIX,
    Namespace,
    die_with_parent,
    run,
    wait_for_port,
)

USER_UID = 4242
USER_NAME = "pwsyuser"
USER_PORT = 2222
TOOLS = ("ssh", "sftp", "ssh-keyscan", "ssh-keygen", "ip", "unshare", "setpriv", "nsenter")
SSHD = "/usr/sbin/sshd"
EXAMPLE = Path(__file__).resolve().parents[2] / "lvs.cf.example"

SSHD_CONFIG = """\
ListenAddress {address}:{port}
HostKey {host_key}
PidFile none
AuthorizedKeysFile {authorized_keys}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PermitUserEnvironment PATH
MaxStartups 100:30:200
Subsystem sftp internal-sftp
LogLevel VERBOSE
"""
TAMPER_SHA256SUM = """\
#!/bin/sh
# The backup's file changes behind the syncer's back, just before it is checksummed.
for f in "$@"; do
  case "$f" in -*) ;; *) printf '# changed on the backup\\n' >> "$f" ;; esac
done
exec /usr/bin/sha256sum "$@"
"""


def require_root() -> None:
    """Skip (developer machine) or fail (CI=true) unless root with OpenSSH and iproute2."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if not Path(SSHD).exists():
        missing.append(SSHD)
    problem = None
    if os.geteuid() != 0:
        problem = "needs root (network namespaces, sshd)"
    elif missing:
        problem = f"missing {', '.join(missing)} (scripts/test.sh installs them)"
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"backup-router tests: {problem}")
    pytest.skip(f"backup-router tests: {problem}")


@dataclass(frozen=True)
class Keys:
    """Throwaway ed25519 key pairs in ``directory`` (private key path; ``.pub`` beside it)."""

    directory: Path

    def __getitem__(self, name: str) -> Path:
        return self.directory / name

    def public(self, name: str) -> str:
        return (self.directory / f"{name}.pub").read_text().strip()

    def create(self, *names: str) -> None:
        for name in names:
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(self[name]))


def remove_stale_workdirs() -> None:
    """Delete backup-router work directories of test processes that are gone (killed runs)."""
    for workdir in Path(tempfile.gettempdir()).glob(f"{PREFIX}-backup-*-*"):
        pid = workdir.name.split("-")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class Sshd:
    """One sshd process (its log in ``log``)."""

    process: subprocess.Popen[bytes]
    address: str
    port: int
    host_key: Path
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class BackupRouter:
    """The backup router of the tests (see the module docstring)."""

    workdir: Path
    namespace: Namespace
    keys: Keys
    root_sshd: Sshd
    user_sshd: Sshd
    user_home: Path

    @property
    def address(self) -> str:
        return self.namespace.address

    def known_hosts_line(self, port: int = 22, key: str = "host") -> str:
        """The known_hosts line an administrator would confirm for this router."""
        marker = self.address if port == 22 else f"[{self.address}]:{port}"
        kind, blob = self.keys.public(key).split()[:2]
        return f"{marker} {kind} {blob}\n"

    def new_dir(self, name: str, owner: int = 0, mode: int = 0o755) -> Path:
        """A fresh directory on the backup (the file system is shared with the tests)."""
        path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.workdir / "remote"))
        os.chown(path, owner, owner)
        os.chmod(path, mode)
        return path

    @contextlib.contextmanager
    def tiny_filesystem(self, path: Path, size_kib: int) -> Iterator[None]:
        """A ``size_kib`` tmpfs over ``path`` as the root sshd sees it (for a real ENOSPC)."""
        self.as_sshd_sees("mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=755",
                          "pwsy-full", str(path))
        try:
            yield
        finally:
            self.as_sshd_sees("umount", str(path))

    def as_sshd_sees(self, *argv: str) -> str:
        """Output of a command run in the root sshd's mount namespace (its view of files)."""
        enter = ["nsenter", "-t", str(self.root_sshd.process.pid), "-m"]
        return run(*enter, *argv).stdout

    def run_inside(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run a command inside the backup's network namespace."""
        return subprocess.run([*self.namespace.exec_prefix(), *argv], capture_output=True,
                              text=True, timeout=timeout, check=False)

    def popen_inside(self, *argv: str) -> subprocess.Popen[str]:
        return subprocess.Popen([*self.namespace.exec_prefix(), *argv], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, preexec_fn=die_with_parent)

    @classmethod
    def start(cls) -> BackupRouter:
        remove_stale_workdirs()
        workdir = Path(tempfile.mkdtemp(prefix=f"{PREFIX}-backup-{os.getpid()}-"))
        os.chmod(workdir, 0o755)  # noqa: S103 - the unprivileged sshd must reach its files
        namespace: Namespace | None = None
        started: list[Sshd] = []
        try:
            keys = Keys(workdir / "keys")
            keys.directory.mkdir(mode=0o755)
            keys.create("host", "user_host", "client", "wrong", "tamper", "nosha", "other_host")
            (workdir / "remote").mkdir(mode=0o755)
            shims = workdir / "shims"
            (shims / "tamper").mkdir(parents=True)
            (shims / "nosha").mkdir(parents=True)
            tamper = shims / "tamper" / "sha256sum"
            tamper.write_text(TAMPER_SHA256SUM)
            tamper.chmod(0o755)
            (shims / "nosha" / "cat").symlink_to("/bin/cat")
            authorized = workdir / "authorized_keys"
            authorized.write_text(
                keys.public("client") + "\n"
                + f'environment="PATH={shims / "tamper"}:/usr/bin:/bin" '
                + keys.public("tamper") + "\n"
                + f'environment="PATH={shims / "nosha"}" ' + keys.public("nosha") + "\n"
            )
            authorized.chmod(0o644)
            home = workdir / "home"
            home.mkdir(mode=0o755)
            os.chown(home, USER_UID, USER_UID)
            write_passwd(workdir, home)
            namespace = Namespace.create()
            root_sshd = start_root_sshd(workdir, namespace, keys["host"], authorized)
            started.append(root_sshd)
            user_sshd = start_user_sshd(workdir, namespace, keys, authorized, home)
            started.append(user_sshd)
            return cls(workdir, namespace, keys, root_sshd, user_sshd, home)
        except BaseException:
            for sshd in started:
                sshd.stop()
            if namespace is not None:
                namespace.delete()
            shutil.rmtree(workdir, ignore_errors=True)
            raise

    def restart_root_sshd(self, host_key: str, sftp: bool = True) -> None:
        """Replace the root sshd by one presenting ``host_key`` (the router was reinstalled),
        without an sftp subsystem when ``sftp`` is False."""
        self.root_sshd.stop()
        self.root_sshd = start_root_sshd(self.workdir, self.namespace, self.keys[host_key],
                                         self.workdir / "authorized_keys", sftp=sftp)

    def stop(self) -> None:
        for sshd in (self.root_sshd, self.user_sshd):
            sshd.stop()
        self.namespace.delete()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _sshd_config(workdir: Path, name: str, address: str, port: int, host_key: Path,
                 authorized: Path, sftp: bool = True) -> Path:
    config = workdir / f"{name}.sshd_config"
    text = SSHD_CONFIG.format(address=address, port=port, host_key=host_key,
                              authorized_keys=authorized)
    if not sftp:
        text = text.replace("Subsystem sftp internal-sftp\n", "")
    config.write_text(text)
    config.chmod(0o644)
    return config


def write_passwd(workdir: Path, home: Path) -> Path:
    """The backup's /etc/passwd: ours plus the unprivileged user, root with a plain home.

    A plain root home keeps this machine's shell start-up files (pyenv and such, sourced by
    bash for every ssh command) off the backup router, as on a real router.
    """
    root_home = workdir / "root-home"
    root_home.mkdir(mode=0o700, exist_ok=True)
    lines = []
    for line in Path("/etc/passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == "root" and len(fields) == 7:
            fields[5] = str(root_home)
        lines.append(":".join(fields))
    lines.append(f"{USER_NAME}:x:{USER_UID}:{USER_UID}:piranha-web test:{home}:/bin/sh")
    passwd = workdir / "passwd"
    passwd.write_text("\n".join(lines) + "\n")
    passwd.chmod(0o644)
    return passwd


def start_root_sshd(workdir: Path, namespace: Namespace, host_key: Path,
                    authorized: Path, sftp: bool = True) -> Sshd:
    config = _sshd_config(workdir, "root", namespace.address, 22, host_key, authorized, sftp)
    log = workdir / "root-sshd.log"
    script = ("mount -t tmpfs -o mode=755 pwsy-run /run && mkdir -m 755 /run/sshd && "
              f'mount --bind "$2" /etc/passwd && exec {SSHD} -D -e -f "$1"')
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*namespace.exec_prefix(), "unshare", "--mount", "--propagation", "private",
             "sh", "-c", script, "sh", str(config), str(workdir / "passwd")],
            stdout=out, stderr=out, start_new_session=True, preexec_fn=die_with_parent,
        )
    sshd = Sshd(process, namespace.address, 22, host_key, log)
    _wait_started(sshd)
    return sshd


def start_user_sshd(workdir: Path, namespace: Namespace, keys: Keys, authorized: Path,
                    home: Path) -> Sshd:
    host_key = workdir / "user_host_key"
    shutil.copyfile(keys["user_host"], host_key)
    os.chown(host_key, USER_UID, USER_UID)
    host_key.chmod(0o600)
    passwd = workdir / "passwd"
    config = _sshd_config(workdir, "user", namespace.address, USER_PORT, host_key, authorized)
    log = workdir / "user-sshd.log"
    script = (f'mount --bind "$1" /etc/passwd && exec setpriv --reuid={USER_UID} '
              f'--regid={USER_UID} --clear-groups --pdeathsig TERM {SSHD} -D -e -f "$2"')
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*namespace.exec_prefix(), "unshare", "--mount", "--propagation", "private",
             "sh", "-c", script, "sh", str(passwd), str(config)],
            stdout=out, stderr=out, start_new_session=True, preexec_fn=die_with_parent,
        )
    sshd = Sshd(process, namespace.address, USER_PORT, host_key, log)
    _wait_started(sshd)
    return sshd


def _wait_started(sshd: Sshd) -> None:
    try:
        wait_for_port(sshd.address, sshd.port)
    except OSError as err:
        sshd.stop()
        raise RuntimeError(f"sshd did not start: {sshd.log_text()}") from err


def control_masters(mentioning: str, wait: float = 2.0) -> list[str]:
    """Command lines of ssh connection masters whose options mention ``mentioning``.

    A master told to exit may take a moment to go; it is given ``wait`` seconds.
    """
    deadline = time.monotonic() + wait
    while True:
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                argv = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            words = [a.decode(errors="replace") for a in argv if a]
            if (words and Path(words[0]).name == "ssh" and any("ControlPath=" in w for w in words)
                    and any(mentioning in w for w in words)):
                found.append(" ".join(words))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def lvs_cf_text(backup: str, comment: str = "") -> str:
    """A valid lvs.cf (the project's example) whose backup router is ``backup``."""
    text = EXAMPLE.read_text().replace("backup = 192.0.2.2", f"backup = {backup}")
    assert f"backup = {backup}" in text
    return text + (f"# {comment}\n" if comment else "")


@pytest.fixture(scope="session")
def backup_router() -> Iterator[BackupRouter]:
    """The session's backup router (network namespace + sshd); removed at the end."""
    require_root()
    router = BackupRouter.start()
    try:
        yield router
    finally:
        router.stop()
