"""Is the backup router ready to take over?  Read over the sync's own SSH connection.

One :class:`~piranha_web.sync.openssh.Session` (the sync's transport, strict host keys):
the backup's lvs.cf is fetched with sftp and checked here (same bytes as ours, its serial_no,
whether the daemons accept it: no error finding), and one fixed command lists the LVS daemons
running in the backup's network namespace (pulse, lvsd, nanny, keepalived) with their age;
under keepalived its VRRP state comes from its data dump (SIGUSR1, ``keepalived.vrrp``).

    readiness = check(session, our_bytes, now)   # Readiness(reachable, serial_no, same_file,
                                                 #   daemons, vrrp_state, file_ok, checked_at,
                                                 #   problem)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from piranha_web.errors import ParseError, SyncError
from piranha_web.keepalived.vrrp import DATA, parse_data
from piranha_web.lvscf import parse
from piranha_web.lvscf.validate import check_text
from piranha_web.sync.failures import classify
from piranha_web.sync.files import read_json, write_json
from piranha_web.sync.openssh import Session
from piranha_web.sync.push import checksum, keepalived_path, remote_checksum

#: the daemons that make a router an LVS router
DAEMONS = ("pulse", "lvsd", "nanny", "keepalived")
#: pid, name and seconds since start of each daemon in the login's own network namespace (a
#: fixed text: nothing of the settings or of lvs.cf reaches the remote shell)
LIST_DAEMONS = (
    'me=$(readlink /proc/self/ns/net); for d in /proc/[0-9]*; do '
    'c=$(cat "$d/comm" 2>/dev/null) || continue; case "$c" in pulse|lvsd|nanny|keepalived) '
    '[ "$(readlink "$d/ns/net" 2>/dev/null)" = "$me" ] || continue; '
    'p=${d#/proc/}; echo "$p $c $(ps -o etimes= -p "$p")";; esac; done'
)
#: the last check, for the header of every page (no SSH on page views)
FILE_NAME = "backup-ready.json"
#: at most this much of the backup keepalived's data dump is read
MAX_DUMP = 4 * 1024 * 1024
#: a backup's lvs.cf larger than this is not fetched (ours are far smaller)
MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class RemoteDaemon:
    """One daemon process on the backup router."""

    name: str
    pid: int
    started: float  # seconds since the epoch


@dataclass(frozen=True)
class Readiness:
    """What the backup router holds and runs, as read at ``checked_at``."""

    reachable: bool
    checked_at: float
    serial_no: int | None = None
    same_file: bool | None = None
    file_ok: bool | None = None
    daemons: tuple[RemoteDaemon, ...] = ()
    vrrp_state: str | None = None  # under keepalived: "VI_1 MASTER" (its data dump)
    problem: str = ""
    errors: tuple[str, ...] = field(default=())
    #: keepalived as the engine: whether the backup's keepalived.conf is the one generated
    #: here for it (None: keepalived is not the engine)
    same_keepalived: bool | None = None

    @property
    def ready(self) -> bool:
        """Reachable, holding our lvs.cf (and keepalived.conf), a file the daemons accept, and
        a daemon running."""
        return bool(self.reachable and self.same_file and self.file_ok and self.daemons
                    and self.same_keepalived is not False)


def summary(found: Readiness) -> str:
    """The readiness in a few words (the page header)."""
    if found.ready:
        return "ready"
    if not found.reachable:
        return "NOT ready: unreachable"
    if not found.same_file:
        return "NOT ready: another lvs.cf"
    if found.same_keepalived is False:
        return "NOT ready: another keepalived.conf"
    if not found.file_ok:
        return "NOT ready: its lvs.cf has errors"
    return "NOT ready: no LVS daemon runs there"


def save(state_dir: Path, found: Readiness) -> None:
    """Keep the last check (``backup-ready.json``) for the header; SyncError when it cannot."""
    write_json(state_dir / FILE_NAME, {"ready": found.ready, "summary": summary(found),
                                       "checked_at": found.checked_at})


def last(state_dir: Path) -> tuple[str, float] | None:
    """(summary, checked_at) of the last check; None when there was none or it is unreadable."""
    try:
        value = read_json(state_dir / FILE_NAME)
    except (ValueError, SyncError):
        return None
    if not value or not isinstance(value.get("summary"), str):
        return None
    checked = value.get("checked_at")
    return value["summary"], float(checked) if isinstance(checked, int | float) else 0.0


def check(session: Session, ours: bytes, now: float,
          keepalived: bytes | None = None) -> Readiness:
    """Read the backup's lvs.cf and daemons through ``session`` (SyncError when it fails);
    ``keepalived``: the keepalived.conf generated here for the backup (keepalived engine)."""
    path = session.target.remote_path
    copy = session.local_file("readiness-lvs.cf", b"")
    fetched = session.sftp([f"get {path} {copy}"])
    if fetched.returncode != 0:
        if fetched.returncode != 255 and ("No such file" in fetched.stderr
                                          or "not found" in fetched.stderr):
            return Readiness(True, now, problem=f"{path} does not exist on the backup router",
                             daemons=_daemons(session, now))
        raise classify(fetched.returncode, fetched.stderr)
    data = copy.read_bytes()[:MAX_BYTES]
    text = data.decode("utf-8", "replace")
    errors = tuple(f.as_line(path) for f in check_text(text) if f.is_error)
    try:
        serial: int | None = parse(text).model().globals.serial_no
    except ParseError:
        serial = None
    daemons = _daemons(session, now)
    same_keepalived = None
    if keepalived is not None:
        same_keepalived = remote_checksum(session, keepalived_path(path)) == checksum(keepalived)
    return Readiness(True, now, serial, checksum(data) == checksum(ours), not errors,
                     daemons, _vrrp(session, daemons), errors=errors[:20],
                     same_keepalived=same_keepalived)


def _vrrp(session: Session, daemons: tuple[RemoteDaemon, ...]) -> str | None:
    """The backup keepalived's VRRP states from its data dump (SIGUSR1, then its /tmp through
    /proc/PID/root); None without keepalived or when it wrote none."""
    pids = [d.pid for d in daemons if d.name == "keepalived"]
    if not pids:
        return None
    pid = min(pids)  # the parent, which starts the others; an integer parsed above
    result = session.ssh(f"kill -USR1 {pid} && sleep 1 && head -c {MAX_DUMP} "
                         f"/proc/{pid}/root/{DATA}")
    states = parse_data(result.stdout.decode("utf-8", "replace")) if result.returncode == 0 \
        else {}
    return ", ".join(f"{name} {state}" for name, state in states.items()) or None


def _daemons(session: Session, now: float) -> tuple[RemoteDaemon, ...]:
    result = session.ssh(LIST_DAEMONS)
    if result.returncode == 255:
        raise classify(result.returncode, result.stderr)
    found = []
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        words = line.split()
        if len(words) == 3 and words[0].isdigit() and words[1] in DAEMONS and words[2].isdigit():
            found.append(RemoteDaemon(words[1], int(words[0]), now - int(words[2])))
    return tuple(sorted(found, key=lambda d: (DAEMONS.index(d.name), d.pid)))
