"""SyncService: copy lvs.cf to the backup router after each save, on demand, and compare.

The web layer (``Services.syncer``) and the ``piranha-web sync`` command use only this class.
Nothing here raises for a failed copy: :meth:`SyncService.after_save` and
:meth:`SyncService.sync_now` return a :class:`SyncOutcome` whose ``ok`` is False and whose
``reason`` says in plain words what went wrong, because a failed copy must never undo or block
the save that came before it.

Syncs are serialised by a file lock in the state directory and always push the local lvs.cf as
it is when the sync gets the lock, so after rapid successive saves the backup ends with the last
version.  A sync that waited while another one pushed exactly the current file returns that
sync's outcome instead of copying it again.  The local lvs.cf is only ever read here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from piranha_web.atomic import holding, open_lock_file
from piranha_web.errors import KeepalivedError, ParseError, StoreIOError, SyncError
from piranha_web.keepalived.service import EngineFile, generated_path
from piranha_web.keepalived.service import load_settings as load_keepalived_settings
from piranha_web.store import ConfigStore, decode
from piranha_web.sync import failures, hostkeys, readiness
from piranha_web.sync.failures import explain
from piranha_web.sync.openssh import Session
from piranha_web.sync.outcome import (
    DIFFERS,
    IN_SYNC,
    NO_BACKUP,
    UNREACHABLE,
    SyncOutcome,
    SyncStatus,
    load_good,
    load_outcome,
    save_outcome,
)
from piranha_web.sync.push import keepalived_path, push, reload, remote_checksum
from piranha_web.sync.readiness import Readiness
from piranha_web.sync.settings import SyncSettings, load_settings, save_settings
from piranha_web.sync.target import Target, backup_address, backup_of, resolve_target

log = logging.getLogger(__name__)
LOCK_FILE = "sync.lock"


class SyncService:
    """Backup-router sync for lvs.cf at ``config_path`` with settings in ``state_dir``.

    ``settings`` replaces the saved settings for this object (the CLI's one-off options);
    ``clock`` exists so that tests can control the recorded times.
    """

    def __init__(self, config_path: Path | str, state_dir: Path | str, *,
                 settings: SyncSettings | None = None,
                 clock: Callable[[], float] = time.time,
                 store: ConfigStore | None = None) -> None:
        self.config_path = Path(config_path)
        self.state_dir = Path(state_dir)
        self._store = store if store is not None else ConfigStore(self.config_path)
        self._settings = settings
        self._clock = clock
        self._cache_lock = threading.Lock()
        self._cached_status: SyncStatus | None = None

    # ------------------------------------------------------------------ settings and target

    def settings(self) -> SyncSettings:
        return self._settings if self._settings is not None else load_settings(self.state_dir)

    def save_settings(self, settings: SyncSettings) -> None:
        """Store ``settings`` in the state directory (refused with SyncSettingsError)."""
        save_settings(self.state_dir, settings)
        if self._settings is not None:
            self._settings = settings
        self._forget_status()

    def target(self) -> Target:
        """The backup router as lvs.cf and the settings describe it now (SyncError if none)."""
        return resolve_target(self.settings(), self.state_dir, self.config_path,
                              self._backup(*self._read_local()))

    def _read_local(self) -> tuple[str, bytes]:
        """``(sha256 hex, bytes)`` of the local lvs.cf: the store's revision is the sha256 of
        the file's bytes (what ``sha256sum`` prints), kept while the file is unchanged."""
        try:
            return self._store.snapshot()
        except StoreIOError as err:
            raise SyncError(failures.LOCAL_UNREADABLE, str(err)) from err

    def _backup(self, revision: str, data: bytes) -> str | None:
        """lvs.cf's backup router for the bytes ``data``.

        The store keeps the model of the current revision (the web app shares its store), so
        a sync after ACCEPT does not parse a large file again.
        """
        try:
            return backup_of(self._store.config(data, revision)[1].globals)
        except ParseError:
            return backup_address(decode(data))

    # ------------------------------------------------------------------ host key

    def scan_host_key(self) -> list[hostkeys.HostKey]:
        """The keys the backup router offers now, to show their fingerprints (trusts nothing)."""
        return hostkeys.scan(self.target())

    def trust_host_key(self, fingerprint: str) -> hostkeys.HostKey:
        """Trust the backup's key with the fingerprint the administrator confirmed."""
        key = hostkeys.trust(self.target(), fingerprint)
        self._forget_status()
        return key

    def trusted_host_keys(self) -> list[hostkeys.HostKey]:
        """The backup's keys the managed known_hosts trusts (empty: none confirmed yet)."""
        return hostkeys.trusted_keys(self.target())

    def host_key_trusted(self) -> bool:
        """Whether a host key is confirmed for the current target (False: no target)."""
        try:
            return hostkeys.is_trusted(self.target())
        except SyncError:
            return False

    # ------------------------------------------------------------------ syncing

    def after_save(self, engine: EngineFile | None = None) -> SyncOutcome:
        """Copy lvs.cf after a save, unless automatic sync is off; never raises.

        ``engine``: the backup's keepalived.conf as the save's pipeline generated it (None:
        look at the engine settings and the generated file, like :meth:`sync_now`).
        """
        try:
            auto = self.settings().auto_sync
        except SyncError as err:
            return self._failed(err, None, None)
        if not auto:
            return SyncOutcome(True, "Automatic copy to the backup router is off; lvs.cf was "
                               "not copied (use SYNC NOW).", skipped=True, time=self._clock())
        errors = self.error_count()
        if errors:
            outcome = SyncOutcome(
                False,
                f"lvs.cf was not copied to the backup router: it has {errors} error"
                f"{'' if errors == 1 else 's'} pulse would refuse to start with, so the backup "
                "router keeps its last good lvs.cf.",
                reason=failures.HAS_ERRORS, time=self._clock(),
            )
            save_outcome(self.state_dir, outcome)
            self._forget_status()
            return outcome
        return self.sync_now(engine)

    def error_count(self) -> int:
        """How many errors the local lvs.cf has (a file with errors is not copied by itself)."""
        try:
            return sum(1 for f in self._store.findings() if f.is_error)
        except StoreIOError:
            return 0  # the copy itself reports the unreadable file

    def sync_now(self, engine: EngineFile | None = None) -> SyncOutcome:
        """Copy the current lvs.cf to the backup router and verify it; never raises.

        ``engine`` as for :meth:`after_save`.
        """
        requested = self._clock()
        try:
            with self._locked():
                outcome = self._sync(requested, engine)
        except SyncError as err:
            outcome = self._failed(err, None, None)
        except Exception as err:  # a sync problem must never reach the save's caller
            log.exception("sync to the backup router failed")
            outcome = self._failed(SyncError(failures.FAILED, repr(err)), None, None)
        self._forget_status()
        return outcome

    def last(self) -> SyncOutcome | None:
        """The last recorded sync attempt (None: never synced)."""
        return load_outcome(self.state_dir)

    def last_good(self) -> SyncOutcome | None:
        """The last attempt that put a verified lvs.cf on the backup router: what it holds
        (None: it never received one from here)."""
        return load_good(self.state_dir)

    def _sync(self, requested: float, engine: EngineFile | None) -> SyncOutcome:
        target: Target | None = None
        sent: str | None = None
        try:
            sent, data = self._read_local()
            last = load_outcome(self.state_dir)
            if (last is not None and last.ok and not last.skipped and last.checksum == sent
                    and last.time >= requested):
                return last  # another sync pushed this very file while we waited
            target = resolve_target(self.settings(), self.state_dir, self.config_path,
                                    self._backup(sent, data))
            self._require_trusted(target)
            mode = os.stat(self.config_path).st_mode & 0o777
            engine_file = (engine or self._keepalived_conf()).data
            with Session(target) as session:
                push(session, data, mode)
                if engine_file is not None:
                    push(session, engine_file, 0o644, keepalived_path(target.remote_path))
                if target.reload_command:
                    reload(session)
        except SyncError as err:
            if err.reason == failures.NO_BACKUP:
                outcome = SyncOutcome(True, f"Nothing copied: {explain(err.reason)}",
                                      reason=err.reason, detail=err.detail, skipped=True,
                                      time=self._clock())
            else:
                outcome = self._failed(self._host_key_changed(err, target), target, sent)
        else:
            reloaded = " and reloaded" if target.reload_command else ""
            also = (f" with its keepalived.conf ({keepalived_path(target.remote_path)})"
                    if engine_file is not None else "")
            errors = self.error_count()
            flawed = (f" It has {errors} error{'' if errors == 1 else 's'} pulse would refuse "
                      "to start with." if errors else "")
            outcome = SyncOutcome(
                True,
                f"lvs.cf copied to the backup router {target.host}{also}{reloaded}; the copy "
                f"was verified (sha256 {sent[:12]}).{flawed}",
                checksum=sent, host=target.host, remote_path=target.remote_path,
                time=self._clock(), errors=errors,
            )
        save_outcome(self.state_dir, outcome)
        return outcome

    def _keepalived_conf(self) -> EngineFile:
        """The backup's generated keepalived.conf when keepalived is the engine."""
        try:
            settings = load_keepalived_settings(self.state_dir)
        except KeepalivedError as err:
            raise SyncError(failures.STATE_UNUSABLE, str(err)) from err
        if settings.engine != "keepalived":
            return EngineFile(None)
        path = generated_path(self.state_dir, "backup")
        try:
            return EngineFile(path.read_bytes())
        except FileNotFoundError:
            return EngineFile(None)  # not generated yet: the next ACCEPT writes it
        except OSError as err:
            raise SyncError(failures.STATE_UNUSABLE, f"cannot read {path}: {err}") from err

    def _failed(self, err: SyncError, target: Target | None,
                sent: str | None) -> SyncOutcome:
        where = f" {target.host}" if target else ""
        return SyncOutcome(
            False,
            f"Copying lvs.cf to the backup router{where} failed: {err.reason}. "
            f"{explain(err.reason)}",
            reason=err.reason, detail=err.detail,
            checksum=sent,
            host=target.host if target else None,
            remote_path=target.remote_path if target else None,
            time=self._clock(),
        )

    @staticmethod
    def _require_trusted(target: Target) -> None:
        if not hostkeys.is_trusted(target):
            raise SyncError(failures.HOST_KEY_UNKNOWN,
                            f"no host key confirmed for {target.known_hosts_name} in "
                            f"{target.known_hosts}")

    @staticmethod
    def _host_key_changed(err: SyncError, target: Target | None) -> SyncError:
        """A trusted host that no longer offers a key of the trusted type has CHANGED keys."""
        if (err.reason == failures.HOST_KEY_UNKNOWN and target is not None
                and hostkeys.is_trusted(target)):
            return SyncError(failures.HOST_KEY_CHANGED, err.detail)
        return err

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        path = self.state_dir / LOCK_FILE
        try:
            fd = open_lock_file(path)
        except OSError as err:
            raise SyncError(failures.STATE_UNUSABLE, f"cannot lock {path}: {err.strerror}") \
                from err
        with holding(fd):
            yield

    # ------------------------------------------------------------------ comparing

    def status(self, max_age: float = 0.0) -> SyncStatus:
        """Compare the backup's lvs.cf with ours now.

        A comparison up to ``max_age`` seconds old is reused while our lvs.cf is unchanged
        (pages showing the status should not each log in to the backup router).
        """
        with self._cache_lock:
            cached = self._cached_status
        if cached is not None and self._clock() - cached.checked_at <= max_age:
            try:
                if self._read_local()[0] == cached.local_checksum:
                    return cached
            except SyncError:
                pass
        status = self._compare()
        with self._cache_lock:
            self._cached_status = status
        return status

    def readiness(self) -> Readiness:
        """Whether the backup router could take over now (over one SSH connection); a backup
        that cannot be reached is ``reachable=False`` with the reason in ``problem``."""
        now = self._clock()
        target: Target | None = None
        try:
            _, data = self._read_local()
            target = self.target()
            self._require_trusted(target)
            with Session(target) as session:
                found = readiness.check(session, data, now, self._keepalived_conf().data)
        except SyncError as err:
            if err.reason == failures.NO_BACKUP:
                return Readiness(False, now, problem=explain(err.reason))
            err = self._host_key_changed(err, target)
            found = Readiness(False, now, problem=f"{err.reason}. {explain(err.reason)}")
        with contextlib.suppress(SyncError):  # the header then keeps the check before
            readiness.save(self.state_dir, found)
        return found

    def last_readiness(self) -> tuple[str, float] | None:
        """(words, when) of the last readiness check, for the header (no SSH)."""
        return readiness.last(self.state_dir)

    def _forget_status(self) -> None:
        with self._cache_lock:
            self._cached_status = None

    def _compare(self) -> SyncStatus:
        now = self._clock()
        target: Target | None = None
        local: str | None = None
        try:
            local, data = self._read_local()
            target = resolve_target(self.settings(), self.state_dir, self.config_path,
                                    self._backup(local, data))
            self._require_trusted(target)
            with Session(target) as session:
                remote = remote_checksum(session)
        except SyncError as err:
            if err.reason == failures.NO_BACKUP:
                return SyncStatus(NO_BACKUP, explain(err.reason), local, reason=err.reason,
                                  detail=err.detail, checked_at=now)
            err = self._host_key_changed(err, target)
            return SyncStatus(UNREACHABLE, f"The backup router cannot be compared: {err.reason}. "
                              f"{explain(err.reason)}", local, reason=err.reason,
                              detail=err.detail, host=target.host if target else None,
                              checked_at=now)
        if remote == local:
            return SyncStatus(IN_SYNC, f"The backup router {target.host} has the same lvs.cf.",
                              local, remote, host=target.host, checked_at=now)
        what = "has no lvs.cf" if remote is None else "has a different lvs.cf"
        return SyncStatus(DIFFERS, f"The backup router {target.host} {what} "
                          f"({target.remote_path}).", local, remote, host=target.host,
                          checked_at=now)
