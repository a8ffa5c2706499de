"""Host-key confirmation through the API against the test backup router (real sshd)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from piranha_web.sync import SyncService, SyncSettings
from piranha_web.tokens import TokenStore
from tests.helpers.sshd import BackupRouter, control_masters, lvs_cf_text
from tests.web.api.conftest import Api
from tests.web.conftest import build_web


@pytest.fixture
def api(tmp_path: Path, backup_router: BackupRouter) -> Iterator[Api]:
    web = build_web(tmp_path, lvs_cf_text(backup_router.address))
    service = SyncService(web.config, web.state_dir)
    service.save_settings(SyncSettings(identity_file=str(backup_router.keys["client"]),
                                       remote_path=str(backup_router.new_dir("api") / "lvs.cf")))
    web.services.syncer = service
    yield Api(web, web.app.test_client(), TokenStore(web.state_dir).create("piranha")[1])
    assert control_masters(str(web.state_dir)) == []


def test_a_host_key_is_shown_then_trusted_by_its_fingerprint_in_if_match(api: Api) -> None:
    refused = api.client.post("/api/v1/sync", headers=api.headers())
    assert refused.status_code == 502  # not confirmed yet: nothing copied
    shown = api.get("/sync/host-key").json
    assert shown is not None and shown["trusted"] == [] and shown["offered"]
    fingerprint = shown["offered"][0]["fingerprint"]
    assert fingerprint.startswith("SHA256:")
    assert api.client.post("/api/v1/sync/host-key", headers=api.headers()).status_code == 428
    wrong = api.client.post("/api/v1/sync/host-key", headers={
        **api.headers(), "If-Match": '"SHA256:not-the-key"'})
    assert wrong.status_code == 409 and api.get("/sync/host-key").json["trusted"] == []  # type: ignore[index]
    trusted = api.client.post("/api/v1/sync/host-key", headers={
        **api.headers(), "If-Match": f'"{fingerprint}"'})
    assert trusted.status_code == 200 and trusted.json is not None
    assert trusted.json["fingerprint"] == fingerprint
    assert [k["fingerprint"] for k in api.get("/sync/host-key").json["trusted"]  # type: ignore[index]
            ] == [fingerprint]
    copied = api.client.post("/api/v1/sync", headers=api.headers())
    assert copied.status_code == 200 and copied.json is not None and copied.json["ok"] is True
    audit = api.get("/audit?kind=host-key").json
    assert audit is not None and [e["details"]["fingerprint"] for e in audit["entries"]] == [
        fingerprint, "SHA256:not-the-key"]


def test_sync_settings_are_read_and_changed_by_merge_patch_and_audited(api: Api) -> None:
    shown = api.get("/sync/settings").json
    assert shown is not None and shown["user"] == "root" and shown["host"] is None
    changed = api.client.patch("/api/v1/sync/settings", json={"connect_timeout": 9,
                                                               "reload_command": ["true"]},
                               headers=api.headers())
    assert changed.status_code == 200 and changed.json is not None
    assert changed.json["connect_timeout"] == 9 and changed.json["user"] == "root"
    assert api.get("/sync/settings").json["reload_command"] == ["true"]  # type: ignore[index]
    for body in ({"port": 0}, {"user": None}, {"host": "bad host!"}, {"port": "22"}):
        refused = api.client.patch("/api/v1/sync/settings", json=body, headers=api.headers())
        assert refused.status_code == 422, body
    assert api.get("/sync/settings").json["connect_timeout"] == 9  # type: ignore[index]
    entries = api.get("/audit?kind=sync-settings").json
    assert entries is not None and len(entries["entries"]) == 1
    assert any("connect_timeout" in c for c in entries["entries"][0]["details"]["changes"])
