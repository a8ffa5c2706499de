"""The sync pages and the ACCEPT path, with a real SyncService copying to a real sshd."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import render_template_string
from flask.testing import FlaskClient

from piranha_web.sync import SyncService, SyncSettings
from piranha_web.sync.outcome import SyncOutcome, save_outcome
from tests.helpers.sshd import BackupRouter, control_masters, lvs_cf_text
from tests.web.conftest import Web, build_web, form_of
from tests.web.test_csrf import logged_in


@pytest.fixture
def remote(backup_router: BackupRouter) -> Path:
    return backup_router.new_dir("web") / "lvs.cf"


def with_syncer(web: Web, router: BackupRouter, remote: Path, trusted: bool = True) -> Web:
    """``web`` with a SyncService whose settings reach the test backup router."""
    service = SyncService(web.config, web.state_dir)
    service.save_settings(SyncSettings(identity_file=str(router.keys["client"]),
                                       remote_path=str(remote)))
    if trusted:
        (web.state_dir / "known_hosts").write_text(router.known_hosts_line())
    web.services.syncer = service
    return web


@pytest.fixture
def synced(tmp_path: Path, backup_router: BackupRouter, remote: Path) -> Iterator[Web]:
    web = build_web(tmp_path, lvs_cf_text(backup_router.address))
    yield with_syncer(web, backup_router, remote)
    assert control_masters(str(web.state_dir)) == []


def accept_port(client: FlaskClient, port: str) -> str:
    """ACCEPT a new port for virtual server www on its panel; the page shown afterwards."""
    form = form_of(client, "/virtual/edit?virtual=www")
    form.update(port=port, action="ACCEPT")
    response = client.post("/virtual/edit?virtual=www", data=form, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def keygen_fingerprint(public_key: Path) -> str:
    return subprocess.run(["ssh-keygen", "-lf", str(public_key)], capture_output=True,
                          text=True, check=True).stdout.split()[1]


def test_accept_saves_then_copies_the_exact_file_to_the_backup(
    synced: Web, remote: Path
) -> None:
    """After ACCEPT the page reports the verified copy; the backup has the saved bytes."""
    page = accept_port(synced.client(), "8080")
    assert "port = 8080" in synced.config.read_text()
    assert remote.read_bytes() == synced.config.read_bytes()
    assert "copied to the backup router" in page and "verified" in page
    assert 'id="sync-banner"' not in page


def test_failed_sync_keeps_the_save_and_shows_a_compact_status_until_sync_now_succeeds(
    tmp_path: Path, backup_router: BackupRouter, remote: Path
) -> None:
    """Unconfirmed host key: the save stands and says why once; every page has a compact
    "has no lvs.cf from here" in its header (no full-width banner); after CONFIRM the header
    no longer says "host key unknown"; SYNC NOW copies."""
    web = with_syncer(build_web(tmp_path, lvs_cf_text(backup_router.address)), backup_router,
                      remote, trusted=False)
    client = web.client()
    page = accept_port(client, "8081")
    assert "port = 8081" in web.config.read_text()
    assert not remote.exists()
    assert page.count("host key unknown (confirm it first)") == 2  # the outcome + its details
    assert 'id="sync-banner"' not in page
    assert re.search(r'id="sync-indicator-text">Backup: has no lvs.cf from here<', page)
    for url in ("/virtual/", "/control/", "/global/"):
        other = client.get(url).get_data(as_text=True)
        assert 'id="sync-banner"' not in other
        assert re.search(r'id="sync-indicator-text">Backup: has no lvs.cf from here<', other)
    hostkey_page = client.get("/sync/hostkey").get_data(as_text=True)
    fingerprint = keygen_fingerprint(backup_router.keys.directory / "host.pub")
    assert fingerprint in hostkey_page
    assert not (web.state_dir / "known_hosts").exists(), "viewing the key must not trust it"
    confirmed = client.post("/sync/hostkey", data={"fingerprint": fingerprint},
                            follow_redirects=True).get_data(as_text=True)
    assert "is now trusted" in confirmed
    assert "host key unknown" not in client.get("/virtual/").get_data(as_text=True)
    assert "host key confirmed, not copied yet" in confirmed
    after = client.post("/sync/now", data={"back": "/control/"})
    assert after.status_code == 303 and after.headers["Location"] == "/control/"
    control = client.get("/control/").get_data(as_text=True)
    assert re.search(r'id="sync-indicator-text">Backup: in sync<', control)
    assert "verified" in control
    assert remote.read_bytes() == web.config.read_bytes()


def test_settings_form_saves_valid_settings_and_refuses_bad_ones(synced: Web) -> None:
    client = synced.client()
    page = client.get("/sync/").get_data(as_text=True)
    assert 'name="sync-user"' in page and 'value="root"' in page
    saved_before = (synced.state_dir / "sync.json").read_text()
    form = form_of(client, "/sync/")
    form.update({"sync-port": "0", "sync-host": "-oProxyCommand=id",
                 "sync-user": "<script>x</script>"})
    refused = client.post("/sync/settings", data=form)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert 'id="sync-port-error"' in text and 'id="sync-host-error"' in text
    assert "<script>x" not in text and "&lt;script&gt;x" in text
    # announced like every refused form (issue 27): title, summary linking the fields
    assert re.search(r"<title>Error \(\d problems\): ", text)
    assert 'href="#sync-port"' in text and 'href="#sync-host"' in text
    assert (synced.state_dir / "sync.json").read_text() == saved_before
    form = form_of(client, "/sync/")
    form.update({"sync-reload_command": "service pulse reload", "sync-back": "/redundancy/"})
    form.pop("sync-auto_sync", None)
    accepted = client.post("/sync/settings", data=form)
    assert accepted.status_code == 303 and accepted.headers["Location"] == "/redundancy/"
    saved = json.loads((synced.state_dir / "sync.json").read_text())
    assert saved["reload_command"] == ["service", "pulse", "reload"]
    assert saved["auto_sync"] is False


def test_status_fragment_shows_in_sync_then_differs(synced: Web) -> None:
    client = synced.client()
    client.post("/sync/now", data={})
    fragment = client.get("/sync/status").get_data(as_text=True)
    assert "IN SYNC" in fragment and "Last sync:" in fragment and "OK" in fragment
    synced.config.write_text(synced.config.read_text() + "# edited by hand\n")
    assert "DIFFERS" in client.get("/sync/status").get_data(as_text=True)


def test_settings_partial_can_be_included_by_another_panel(synced: Web) -> None:
    """REDUNDANCY includes sync/_settings.html; it posts to the sync blueprint and comes back."""
    with synced.app.test_request_context("/redundancy/"):
        html = render_template_string('{% include "sync/_settings.html" %}')
    assert 'action="/sync/settings"' in html
    assert 'name="sync-back" type="hidden" value="/redundancy/"' in html


def test_sync_now_needs_login_and_the_pages_csrf_token(
    tmp_path: Path, backup_router: BackupRouter, remote: Path
) -> None:
    """Only a logged-in user's POST with the page's token copies anything."""
    web = with_syncer(build_web(tmp_path, lvs_cf_text(backup_router.address), csrf=True),
                      backup_router, remote)
    anonymous = web.app.test_client()
    assert anonymous.post("/sync/now", data={}).status_code == 401
    assert anonymous.get("/sync/").status_code == 302
    client = logged_in(web)
    assert client.post("/sync/now", data={"back": "/control/"}).status_code == 400
    assert not remote.exists()
    form = form_of(client, "/sync/status")
    assert client.post("/sync/now", data=form).status_code == 303
    assert remote.read_bytes() == web.config.read_bytes()


def test_only_a_changed_host_key_gets_a_full_width_alert_on_every_page(synced: Web) -> None:
    client = synced.client()
    for reason, alert in (("backup router unreachable", False), ("host key CHANGED", True)):
        save_outcome(synced.state_dir, SyncOutcome(False, "failed", reason=reason, time=1.0))
        page = client.get("/virtual/").get_data(as_text=True)
        assert ('id="sync-banner"' in page) is alert, reason
        assert 'id="sync-indicator"' in page


def test_sync_now_of_a_file_with_errors_asks_first_and_copies_after_confirmation(
    synced: Web, remote: Path
) -> None:
    synced.config.write_text(synced.config.read_text() + "keepalive = 4 # inline\n")
    client = synced.client()
    asked = client.post("/sync/now", data={"back": "/control/"})
    assert asked.status_code == 200 and 'id="sync-confirm"' in asked.get_data(as_text=True)
    assert not remote.exists()
    copied = client.post("/sync/now", data={"back": "/control/", "confirm": "copy"})
    assert copied.status_code == 303
    assert remote.read_bytes() == synced.config.read_bytes()


def test_settings_changes_and_host_key_trust_are_recorded_first_or_refused(
    tmp_path: Path, backup_router: BackupRouter, remote: Path
) -> None:
    """Issue 20 #10: a new reload command (run as root on the backup) or a trusted host key
    left no audit record, and trust went ahead when the record could not be written."""
    web = with_syncer(build_web(tmp_path, lvs_cf_text(backup_router.address)), backup_router,
                      remote, trusted=False)
    client = web.client()
    form = form_of(client, "/sync/")
    form.update({"sync-reload_command": "service pulse reload", "sync-back": "/redundancy/"})
    assert client.post("/sync/settings", data=form).status_code == 303
    entry = web.services.audit.entries(kind="sync-settings")[0]
    assert entry.details["changes"] == ["reload_command: (none) -> service pulse reload"]
    assert (entry.user, entry.details["commit"]) == ("piranha", "done")
    trail = web.services.audit.path
    trail.unlink()
    trail.mkdir()  # appending now fails
    fingerprint = keygen_fingerprint(backup_router.keys.directory / "host.pub")
    refused = client.post("/sync/hostkey", data={"fingerprint": fingerprint})
    assert refused.status_code == 503
    assert not (web.state_dir / "known_hosts").exists()
    form = form_of(client, "/sync/")
    form.update({"sync-reload_command": "reboot"})
    assert client.post("/sync/settings", data=form).status_code == 503
    assert json.loads((web.state_dir / "sync.json").read_text())["reload_command"] == [
        "service", "pulse", "reload"]
    trail.rmdir()
    client.post("/sync/hostkey", data={"fingerprint": fingerprint})
    trusted = web.services.audit.entries(kind="host-key")[0]
    assert (trusted.details["fingerprint"], trusted.details["ok"]) == (fingerprint, True)
    assert (web.state_dir / "known_hosts").exists()
