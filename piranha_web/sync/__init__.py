"""Copy lvs.cf to the backup router over SSH, safely, after every change (I/O module).

Public API (see :mod:`piranha_web.sync.service`)::

    service = SyncService(config_path, state_dir)
    service.after_save() -> SyncOutcome   # after each ACCEPT; respects auto-sync; never raises
    service.sync_now()   -> SyncOutcome   # .ok .message .reason .detail .checksum .time
    service.status()     -> SyncStatus    # .state: in sync | differs | unreachable | no backup
    service.last()       -> SyncOutcome | None
    service.settings() / service.save_settings(SyncSettings(...))
    service.scan_host_key() -> [HostKey(.key_type, .fingerprint)]
    service.trust_host_key(fingerprint) -> HostKey

The pieces: :mod:`.settings` (``<state_dir>/sync.json``), :mod:`.target` (which host, from
lvs.cf's ``backup``), :mod:`.hostkeys` (confirm, then trust), :mod:`.openssh` (the system ssh
and sftp clients), :mod:`.push` (temp file, keep previous, atomic rename, verify),
:mod:`.failures` (plain-words reasons), :mod:`.outcome` (results and the last-sync record).
No Flask here; the web layer is ``piranha_web/web/sync/``.
"""

from piranha_web.sync.hostkeys import HostKey
from piranha_web.sync.outcome import SyncOutcome, SyncStatus
from piranha_web.sync.service import SyncService
from piranha_web.sync.settings import SyncSettings

__all__ = ["HostKey", "SyncOutcome", "SyncService", "SyncSettings", "SyncStatus"]
