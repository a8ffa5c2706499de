"""With the keepalived engine, the sync copies the backup's keepalived.conf beside lvs.cf on the
backup router (real sshd), verified like lvs.cf; with the piranha engine it copies lvs.cf only."""

from __future__ import annotations

from pathlib import Path

from piranha_web.keepalived.service import EngineSettings, KeepalivedService, save_settings
from piranha_web.store import ConfigStore
from tests.sync.conftest import ServiceFactory


def test_the_backups_keepalived_conf_goes_beside_lvs_cf_verified(
    make_service: ServiceFactory, lvs: Path, remote: Path, state_dir: Path
) -> None:
    save_settings(state_dir, EngineSettings(engine="keepalived",
                                            check_command="/usr/bin/piranha-web"))
    exports = KeepalivedService.load(state_dir).regenerate(ConfigStore(lvs).load().document)
    outcome = make_service().sync_now()
    assert outcome.ok, outcome.message
    copied = remote.parent / "keepalived.conf"
    assert copied.read_text() == exports["backup"].text
    assert "state BACKUP" in copied.read_text()
    assert f"with its keepalived.conf ({copied})" in outcome.message
    assert remote.read_bytes() == lvs.read_bytes()


def test_the_piranha_engine_copies_lvs_cf_only(
    make_service: ServiceFactory, lvs: Path, remote: Path, state_dir: Path
) -> None:
    (state_dir / "keepalived").mkdir()
    (state_dir / "keepalived" / "backup.conf").write_text("stale\n")
    outcome = make_service().sync_now()
    assert outcome.ok, outcome.message
    assert not (remote.parent / "keepalived.conf").exists()
    assert "keepalived" not in outcome.message
