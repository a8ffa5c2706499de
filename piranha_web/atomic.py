"""One way to replace a file the tool owns (temp file beside it, fsync, rename, fsync the folder),
and one way to hold a cross-process lock on it.

lvs.cf (through the store) and its history copies, the history metadata, the state directory's
passwords, roles, tokens, revoked sessions, sync settings and known_hosts, and keepalived.conf
are all written by :func:`replace_file`, so a reader, a SIGKILL or a power cut sees the old or
the new version, never a part of one.  Read-modify-write of the state directory's files happens
under :func:`locked` (``flock`` on a lock file beside them), so two processes or threads never
interleave.  Lock files are opened with ``O_NOFOLLOW`` and :func:`refuse_symlink` guards the
folders written as root: a symbolic link planted beside lvs.cf or in the state directory is
refused, never followed.  Callers map :class:`OSError` to their own error class.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def replace_file(
    path: Path,
    data: bytes,
    *,
    mode: int = 0o600,
    keep_mode: bool = False,
    prefix: str | None = None,
    make_parent: bool = False,
) -> None:
    """Replace ``path`` with ``data`` so that it is either the old or the new file.

    A new file gets ``mode``.  With ``keep_mode`` an existing file keeps its mode and owner, and
    a symlinked ``path`` keeps its link (the file it names is replaced): for files an
    administrator owns, such as lvs.cf and keepalived.conf.  ``prefix`` names the temp file
    (default ``.<name>.``, suffix ``.tmp``); ``make_parent`` creates a missing folder (mode 700).
    Raises OSError, after removing the temp file; a failing fsync of the folder is ignored (the
    file is replaced; only durability across a crash is weaker).
    """
    target = path.resolve() if keep_mode else path
    if make_parent:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    old: os.stat_result | None = None
    if keep_mode:
        with contextlib.suppress(FileNotFoundError):
            old = target.stat()
    fd, tmp = tempfile.mkstemp(prefix=prefix or f".{target.name}.", suffix=".tmp",
                               dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if old is None:
                os.fchmod(handle.fileno(), mode)
            else:
                os.fchmod(handle.fileno(), old.st_mode & 0o7777)
                if os.geteuid() == 0:
                    os.fchown(handle.fileno(), old.st_uid, old.st_gid)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def refuse_symlink(path: Path) -> None:
    """Raise OSError (ELOOP) when ``path`` is a symbolic link.

    For the folders the tool writes into as root (the history folder beside lvs.cf): a link
    planted there would make it write wherever the link points.
    """
    if path.is_symlink():
        raise OSError(errno.ELOOP, "refusing to follow a symbolic link", str(path))


def open_lock_file(lock_file: Path) -> int:
    """Open ``lock_file`` for :func:`holding` (created mode 600, a missing folder mode 700).

    A symbolic link in place of the lock file is refused (OSError), never followed.
    """
    lock_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)


@contextlib.contextmanager
def holding(fd: int) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the open lock file ``fd``, and close it afterwards.

    The one way every state file of the tool is locked: the save lock beside lvs.cf, the
    history, sync, accounts and token locks in the state folder.
    """
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``lock_file`` (see :func:`open_lock_file`)."""
    with holding(open_lock_file(lock_file)):
        yield
