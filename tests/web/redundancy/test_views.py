"""REDUNDANCY: backup status with ENABLE/DISABLE, heartbeat and sync-daemon fields, the checks
between them, conflicts, and the sync daemon interface against a real router namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from piranha_web.lvscf import parse
from piranha_web.netinfo import NetInfo
from piranha_web.sync import SyncService
from tests.helpers.router_ns import RouterNamespace
from tests.web.conftest import BASE, Web, build_web, file_diff, form_of

URL = "/redundancy/"
ACTIVE = BASE.replace("network = direct", "network = direct\nbackup_active = 1\n"
                      "backup = 192.0.2.2\nkeepalive = 6\ndeadtime = 18")


def accept(client: FlaskClient, button: str = "ACCEPT", **changes: str | None) -> TestResponse:
    """Submit the panel as a browser would (unchecked boxes are not sent)."""
    data = {**form_of(client, URL), **changes, "action": button}
    return client.post(URL, data={k: v for k, v in data.items() if v is not None})


@pytest.fixture
def active(tmp_path: Path) -> Web:
    return build_web(tmp_path, ACTIVE)


def test_inactive_backup_shows_status_enable_and_the_daemons_defaults(
        web: Web, client: FlaskClient) -> None:
    """No key set: the fields show what pulse assumes; viewing writes nothing."""
    before = web.config.read_bytes()
    page = client.get(URL).get_data(as_text=True)

    assert re.search(r'id="backup-status">Backup: <span class="status-down">inactive', page)
    assert 'id="enable">ENABLE</button>' in page and 'id="disable"' not in page
    for label in ("Redundant server public IP", "Heartbeat interval (seconds)",
                  "Assume dead after (seconds)", "Heartbeat runs on port",
                  "Monitor NIC links for failures", "Use sync daemon", "Sync daemon interface",
                  "Sync daemon ID"):
        assert label in page
    values = form_of(client, URL)
    assert [values[k] for k in ("backup", "keepalive", "deadtime", "heartbeat_port",
                                "syncd_iface", "syncd_id")] == ["", "2", "5", "539", "eth0", "0"]
    assert "monitor_links" not in values and "syncdaemon" not in values  # unchecked
    assert "Redundant server private IP" not in page  # no primary_private
    assert web.config.read_bytes() == before


def test_enable_with_the_backup_address_typed_in(web: Web, client: FlaskClient) -> None:
    before = web.config.read_text()

    response = accept(client, "ENABLE", backup="192.0.2.2")

    assert response.status_code == 303
    assert file_diff(before, web.config.read_text())[1] == [
        "serial_no = 8", "backup_active = 1", "backup = 192.0.2.2"]
    page = client.get(URL).get_data(as_text=True)
    assert "Backup router enabled." in page
    assert 'class="status-up">active' in page and 'id="disable">DISABLE</button>' in page


def test_enable_without_a_backup_address_is_refused(web: Web, client: FlaskClient) -> None:
    """pulse would switch redundancy off again without one."""
    before = web.config.read_bytes()

    response = accept(client, "ENABLE")

    assert response.status_code == 400
    assert re.search(r'id="backup-error">[^<]*without a backup router address',
                     response.get_data(as_text=True))
    assert web.config.read_bytes() == before


def test_disable_sets_backup_active_to_zero_and_keeps_the_rest(active: Web) -> None:
    before = active.config.read_text()

    accept(active.client(), "DISABLE")

    assert file_diff(before, active.config.read_text()) == (
        ["serial_no = 7", "backup_active = 1"], ["serial_no = 8", "backup_active = 0"])


def test_accept_writes_only_changed_fields_and_checkboxes_as_0_or_1(active: Web) -> None:
    client = active.client()
    before = active.config.read_text()

    accept(client, keepalive="3", monitor_links="y", syncdaemon="y", syncd_id="7")

    assert file_diff(before, active.config.read_text())[1] == [
        "serial_no = 8", "keepalive = 3", "monitor_links = 1", "syncdaemon = 1", "syncd_id = 7"]
    middle = active.config.read_text()
    values = form_of(client, URL)
    assert values["monitor_links"] == "y" and values["syncdaemon"] == "y"

    accept(client, monitor_links=None)

    assert file_diff(middle, active.config.read_text()) == (
        ["serial_no = 8", "monitor_links = 1"], ["serial_no = 9", "monitor_links = 0"])


def test_private_ip_field_appears_only_with_a_primary_private_ip(tmp_path: Path) -> None:
    web = build_web(tmp_path, ACTIVE.replace("primary = 192.0.2.1",
                                             "primary = 192.0.2.1\nprimary_private = 10.9.0.1"))
    client = web.client()
    assert "Redundant server private IP" in client.get(URL).get_data(as_text=True)

    accept(client, backup_private="10.9.0.2")

    assert "backup_private = 10.9.0.2" in web.config.read_text()


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"deadtime": "6"}, "deadtime", "must be longer than the heartbeat interval (6 s)"),
    ({"keepalive": "20"}, "deadtime", "Assume dead after (18 s) must be longer"),
    ({"heartbeat_port": "70000"}, "heartbeat_port", "from 1 to 65535"),
    ({"heartbeat_port": "0"}, "heartbeat_port", "from 1 to 65535"),
    ({"backup": "192.0.2.1"}, "backup", "cannot have the primary router's address"),
    ({"backup": "backup.example"}, "backup", "is not an IPv4 address"),
    ({"backup": ""}, "backup", "Enter the backup router's public IP"),
    ({"syncd_id": "256"}, "syncd_id", "from 0 to 255"),
    ({"keepalive": "0"}, "keepalive", "at least 1"),
    ({"syncd_iface": "eth0:1:2"}, "syncd_iface", "is not a device name"),
    ({"syncd_iface": "averyveryverylongname"}, "syncd_iface", "too long"),
])
def test_inconsistent_or_bad_values_are_refused_next_to_their_field(
        active: Web, changes: dict[str, str], field: str, message: str) -> None:
    before = active.config.read_bytes()

    response = accept(active.client(), **changes)

    assert response.status_code == 400
    error = re.search(rf'id="{field}-error">([^<]*)<', response.get_data(as_text=True))
    assert error is not None and message in error.group(1).replace("&#39;", "'")
    assert active.config.read_bytes() == before


def test_a_conflicting_accept_writes_nothing(active: Web) -> None:
    client = active.client()
    stale = {**form_of(client, URL), "deadtime": "30", "action": "ACCEPT"}
    doc = parse(active.config.read_text())
    doc.set("keepalive", "5")
    doc.set("deadtime", "24")  # the same key the user changes
    active.config.write_text(doc.dumps())
    edited = active.config.read_text()

    response = client.post(URL, data=stale)

    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    assert form_of(client, URL)["keepalive"] == "5"
    assert active.config.read_text() == edited


def test_backup_sync_settings_section_is_part_of_the_panel(web: Web, client: FlaskClient
                                                           ) -> None:
    """The sync module's settings form sits below the REDUNDANCY form, not inside it."""
    web.services.syncer = SyncService(web.config, web.state_dir)

    page = client.get(URL).get_data(as_text=True)

    form_end = page.index("</form>", page.index('id="redundancy-form"'))

    assert page.index('id="sync-settings"') > form_end


def test_sync_daemon_interface_suggests_and_checks_this_routers_devices(
        tmp_path: Path) -> None:
    ns = RouterNamespace.create()
    try:
        web = build_web(tmp_path, ACTIVE + "syncdaemon = 1\nsyncd_iface = eth7\n")
        web.services.netinfo = NetInfo(ns.name)
        client = web.client()
        page = client.get(URL).get_data(as_text=True)
        assert '<option value="pwni1">' in page and 'list="device-suggestions"' in page
        assert re.search(r'id="syncd_iface-warning">This router has no device eth7', page)

        accept(client, syncd_iface="pwni1")

        assert 'id="syncd_iface-warning"' not in client.get(URL).get_data(as_text=True)
    finally:
        ns.delete()


def test_without_primary_private_the_backups_effective_private_ip_and_the_ignored_line_show(
        tmp_path: Path) -> None:
    """lvsconfig.c overwrites backup_private with backup when primary_private is not set."""
    web = build_web(tmp_path, ACTIVE.replace("backup = 192.0.2.2",
                                             "backup = 192.0.2.2\nbackup_private = 10.9.0.2"))
    page = web.client().get(URL).get_data(as_text=True)

    assert re.search(r'id="backup_private-effective">Private heartbeat address of the backup: '
                     r"pulse uses 192\.0\.2\.2, the public IP", page)
    warning = re.search(r'id="backup_private-warning">Warning \(line (\d+), backup_private\): '
                        r"ignored by pulse because primary_private is not set; set "
                        r"primary_private or remove this line", page)
    assert warning and web.config.read_text().splitlines()[int(warning[1]) - 1] == (
        "backup_private = 10.9.0.2")
    assert page.count("ignored by pulse because") == 1  # next to the field, not twice
