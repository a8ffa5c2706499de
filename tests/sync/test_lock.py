"""The sync lock in the state directory is taken through atomic's one lock helper."""

from __future__ import annotations

from pathlib import Path

from piranha_web.sync import failures
from piranha_web.sync.service import LOCK_FILE, SyncService


def test_a_symlink_in_place_of_the_sync_lock_is_refused_not_followed(tmp_path: Path) -> None:
    """A link planted where the tool, running as root, creates its lock must not make it create
    (or lock) the file the link names."""
    config = tmp_path / "lvs.cf"
    config.write_text("serial_no = 1\nprimary = 192.0.2.1\nservice = lvs\n")
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    target = tmp_path / "elsewhere"
    (state / LOCK_FILE).symlink_to(target)

    outcome = SyncService(config, state).sync_now()

    assert not outcome.ok
    assert outcome.reason == failures.STATE_UNUSABLE
    assert not target.exists()
