"""VIRTUAL SERVERS list and VIRTUAL SERVER subsection: every button, field edit, error, conflict.

Every mutation test checks the status/Location, the message the user sees next, and the exact
lines of lvs.cf that changed on disk.
"""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from piranha_web.lvscf import parse
from tests.web.conftest import (
    Web,
    file_diff,
    form_of,
    form_values,
    headings,
    no_errors,
    row_cells,
)

EDIT = "/virtual/edit?virtual=web"


def accept(client: FlaskClient, url: str, **changes: str) -> TestResponse:
    """Submit the form on ``url`` as a browser would, with ``changes`` typed in."""
    data = {**form_of(client, url), **changes, "action": "ACCEPT"}
    return client.post(url, data=data)


def test_list_shows_each_virtual_server_with_piranhas_columns(client: FlaskClient) -> None:
    page = client.get("/virtual/").get_data(as_text=True)
    assert headings(page)[1:8] == [
        "STATUS", "NAME", "VIP", "NETMASK", "PORT", "PROTOCOL", "INTERFACE"]
    assert row_cells(page, "web")[:7] == [
        "up", "web", "192.0.2.10", "255.255.255.0", "80", "tcp", "eth0:1"]
    assert row_cells(page, "mail")[:7] == [
        "down", "mail", "192.0.2.20", "Unused", "25", "tcp", "eth0:2"]
    for button in ("ADD", "DELETE", "EDIT", "(DE)ACTIVATE"):
        assert f">{button}</button>" in page


def test_edit_button_opens_the_subsection_of_the_selected_server(client: FlaskClient) -> None:
    response = client.post("/virtual/", data={"action": "EDIT", "selected": "mail"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/virtual/edit?virtual=mail"


def test_a_button_without_a_selection_explains_the_radio_buttons(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_bytes()
    response = client.post("/virtual/", data={"action": "DELETE"})
    assert response.status_code == 400
    assert "Use the radio button on the side" in response.get_data(as_text=True)
    assert web.config.read_bytes() == before


def test_subsection_shows_values_labels_help_and_links(client: FlaskClient) -> None:
    page = client.get(EDIT).get_data(as_text=True)
    for label in ("Name", "Application port", "Protocol", "Virtual IP Address",
                  "Virtual IP Network Mask", "Sorry Server", "Firewall Mark", "Device",
                  "Re-entry Time", "Service Timeout", "Quiesce server",
                  "Load monitoring tool", "Scheduling", "Persistence",
                  "Persistence Network Mask"):
        assert f">{label}</label>" in page
    for link in ("VIRTUAL SERVER", "REAL SERVER", "MONITORING SCRIPTS"):
        assert f">{link}</a>" in page
    assert "<details class=\"help\"><summary>Do not enter a firewall mark" in page
    assert 'list="device-suggestions"' in page and '<datalist id="device-suggestions">' in page
    assert '<option selected value="wlc">Weighted least-connections</option>' in page
    assert '<option value="">Unused</option>' in page
    assert "ACCEPT" in page and "CANCEL" in page


def test_changing_the_port_rewrites_only_that_line_and_shows_the_diff(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_text()
    response = accept(client, EDIT, port="8080")
    assert response.status_code == 303
    assert response.headers["Location"] == EDIT
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 7", "     port = 80"], ["serial_no = 8", "     port = 8080"]
    )
    page = client.get(EDIT).get_data(as_text=True)
    assert "Virtual server web saved." in page
    assert "<code>     port = 8080</code>" in page and "<code>     port = 80</code>" in page
    assert 'id="port" inputmode="numeric" name="port" type="text" value="8080"' in page


def test_accept_without_changes_writes_nothing(web: Web, client: FlaskClient) -> None:
    before = web.config.read_bytes()
    mtime = web.config.stat().st_mtime_ns
    response = accept(client, EDIT)
    assert response.status_code == 303
    assert web.config.read_bytes() == before and web.config.stat().st_mtime_ns == mtime
    assert "Nothing changed" in client.get(EDIT).get_data(as_text=True)


def test_untouched_oddly_spaced_lines_stay_byte_identical(web: Web, client: FlaskClient) -> None:
    before = web.config.read_text()
    response = accept(client, "/virtual/edit?virtual=mail", timeout="9")
    assert response.status_code == 303
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 7", "     timeout = 6"], ["serial_no = 8", "     timeout = 9"]
    )
    assert "     port  =  25\n" in web.config.read_text()


def test_renaming_changes_only_the_block_line_and_follows_the_new_name(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_text()
    response = accept(client, EDIT, name="http")
    assert response.status_code == 303
    assert response.headers["Location"] == "/virtual/edit?virtual=http"
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 7", "virtual web {"], ["serial_no = 8", "virtual http {"]
    )


def test_blank_mask_means_unused_and_removes_the_key(web: Web, client: FlaskClient) -> None:
    before = web.config.read_text()
    response = accept(client, EDIT, vip_nmask="")
    assert response.status_code == 303
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 7", "     vip_nmask = 255.255.255.0"], ["serial_no = 8"]
    )


def test_several_fields_are_written_in_piranhas_key_order(web: Web, client: FlaskClient) -> None:
    before = web.config.read_text()
    response = accept(client, EDIT, fwmark="80", persistent="300", pmask="255.255.255.0",
                      scheduler="rr", quiesce_server="1", sorry_server="10.0.0.99")
    assert response.status_code == 303
    removed, added = file_diff(before, web.config.read_text())
    assert removed == ["serial_no = 7", "     scheduler = wlc", "     quiesce_server = 0"]
    assert added == ["serial_no = 8", "     sorry_server = 10.0.0.99", "     fwmark = 80",
                     "     persistent = 300", "     pmask = 255.255.255.0",
                     "     scheduler = rr", "     quiesce_server = 1"]
    assert no_errors(web.config.read_text())


def test_invalid_port_is_shown_next_to_the_field_and_nothing_is_written(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_bytes()
    response = accept(client, EDIT, port="eighty", timeout="7")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'id="port-error">[^<]+</p>', page)
    assert 'value="eighty"' in page
    assert 'id="timeout" inputmode="numeric" name="timeout" type="text" value="7"' in page
    assert "Nothing was saved" in page
    assert web.config.read_bytes() == before


def test_vip_without_device_is_refused_at_the_device_field(web: Web, client: FlaskClient) -> None:
    before = web.config.read_bytes()
    response = accept(client, EDIT, device="")
    assert response.status_code == 400
    assert re.search(r'id="device-error">Enter the device', response.get_data(as_text=True))
    assert web.config.read_bytes() == before


def test_renaming_onto_an_existing_name_is_refused_at_the_name_field(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_bytes()
    response = accept(client, EDIT, name="mail")
    assert response.status_code == 400
    assert 'id="name-error">' in response.get_data(as_text=True)
    assert web.config.read_bytes() == before


def test_a_service_already_used_by_another_virtual_server_is_refused(
    web: Web, client: FlaskClient
) -> None:
    """An inactive twin is only a warning; activating it next to the original is refused."""
    response = accept(client, "/virtual/edit?virtual=mail", address="192.0.2.10", port="80")
    assert response.status_code == 303
    page = client.get("/virtual/edit?virtual=mail").get_data(as_text=True)
    assert "could not run both once active" in page
    before = web.config.read_bytes()
    data = {**form_of(client, "/virtual/"), "selected": "mail", "action": "(DE)ACTIVATE"}
    response = client.post("/virtual/", data=data)
    assert response.status_code == 400
    assert "tcp 192.0.2.10:80 is already the service" in response.get_data(as_text=True)
    assert web.config.read_bytes() == before


def test_warnings_are_shown_but_do_not_block_the_save(web: Web, client: FlaskClient) -> None:
    before = web.config.read_text()
    response = accept(client, EDIT, fwmark="80")
    assert response.status_code == 303
    assert file_diff(before, web.config.read_text())[1] == ["serial_no = 8", "     fwmark = 80"]
    page = client.get(EDIT).get_data(as_text=True)
    # the warning is on fwmark's line: it is shown beside the Firewall Mark field
    assert re.search(r'id="fwmark-finding-1">lvs.cf line \d+, warning: a firewall mark without '
                     'persistence', page)


def test_stale_form_is_refused_keeping_the_input_and_can_be_reapplied(
    web: Web, client: FlaskClient
) -> None:
    data = {**form_of(client, EDIT), "timeout": "9", "action": "ACCEPT"}
    doc = parse(web.config.read_text())
    doc.set("reentry", "20", virtual="web")
    doc.set("timeout", "7", virtual="web")  # the same key the user changes
    changed_by_hand = doc.dumps()
    web.config.write_text(changed_by_hand)
    response = client.post(EDIT, data=data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "nothing was written" in page and 'id="reload"' in page
    assert 'id="timeout" inputmode="numeric" name="timeout" type="text" value="9"' in page
    # the file's value now
    assert 'id="reentry" inputmode="numeric" name="reentry" type="text" value="20"' in page
    assert "<code>     timeout = 9</code>" in page  # what ACCEPT would change now
    assert web.config.read_text() == changed_by_hand
    again = client.post(EDIT, data={**form_values(page), "action": "ACCEPT"})
    assert again.status_code == 303
    assert file_diff(changed_by_hand, web.config.read_text()) == (
        ["serial_no = 7", "     timeout = 7"], ["serial_no = 8", "     timeout = 9"]
    )


def test_cancel_returns_to_the_list_without_writing(web: Web, client: FlaskClient) -> None:
    before = web.config.read_bytes()
    response = client.post(EDIT, data={**form_of(client, EDIT), "port": "1", "action": "CANCEL"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/virtual/?selected=web"
    assert web.config.read_bytes() == before


def test_add_opens_a_new_form_with_piranhas_defaults_and_writes_nothing(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_bytes()
    response = client.post("/virtual/", data={"action": "ADD"})
    assert response.status_code == 303 and response.headers["Location"] == "/virtual/new"
    values = form_of(client, "/virtual/new")
    assert {k: values[k] for k in ("name", "address", "device", "port", "protocol", "timeout",
                                   "reentry", "quiesce_server", "load_monitor", "scheduler",
                                   "vip_nmask")} == {
        "name": "", "address": "", "device": "eth0:1", "port": "80", "protocol": "tcp",
        "timeout": "6", "reentry": "15", "quiesce_server": "0", "load_monitor": "none",
        "scheduler": "wlc", "vip_nmask": "",
    }
    assert web.config.read_bytes() == before


def test_accepting_a_new_virtual_server_appends_piranhas_block(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_text()
    response = accept(client, "/virtual/new", name="ftp", address="192.0.2.30",
                      device="eth0:3", port="21")
    assert response.status_code == 303
    assert response.headers["Location"] == "/virtual/edit?virtual=ftp"
    assert file_diff(before, web.config.read_text()) == (["serial_no = 7"], [
        "serial_no = 8",
        "virtual ftp {",
        "     active = 0",
        "     address = 192.0.2.30 eth0:3",
        "     port = 21",
        '     send = "GET / HTTP/1.0\\r\\n\\r\\n"',
        '     expect = "HTTP"',
        "     use_regex = 0",
        "     load_monitor = none",
        "     scheduler = wlc",
        "     protocol = tcp",
        "     timeout = 6",
        "     reentry = 15",
        "     quiesce_server = 0",
        "}",
    ])
    assert "Virtual server ftp added." in client.get(
        "/virtual/edit?virtual=ftp").get_data(as_text=True)


def test_new_virtual_server_needs_a_name_and_an_address(web: Web, client: FlaskClient) -> None:
    before = web.config.read_bytes()
    response = accept(client, "/virtual/new", name="")
    assert response.status_code == 400
    assert 'id="name-error">Enter a name' in response.get_data(as_text=True)
    response = accept(client, "/virtual/new", name="ftp")
    assert response.status_code == 400
    assert 'id="address-error">Enter the virtual IP address' in response.get_data(as_text=True)
    assert web.config.read_bytes() == before


def test_delete_asks_for_confirmation_then_removes_the_whole_block(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_text()
    response = client.post("/virtual/", data={"action": "DELETE", "selected": "web"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/virtual/delete?virtual=web"
    confirm = client.get("/virtual/delete?virtual=web").get_data(as_text=True)
    assert "Delete virtual server <strong>web</strong>" in confirm
    assert "<code>         address = 10.0.0.2</code>" in confirm
    assert web.config.read_text() == before
    data = form_of(client, "/virtual/delete?virtual=web")
    response = client.post("/virtual/delete?virtual=web", data={**data, "action": "DELETE"})
    assert response.status_code == 303 and response.headers["Location"] == "/virtual/"
    removed, added = file_diff(before, web.config.read_text())
    assert added == ["serial_no = 8"]
    assert removed == ["serial_no = 7", *before.split("\n")[5:31]]
    assert removed[1] == "virtual web {" and removed[-1] == "}"
    assert "Virtual server web deleted." in client.get("/virtual/").get_data(as_text=True)


def test_cancelling_the_delete_confirmation_writes_nothing(web: Web, client: FlaskClient) -> None:
    before = web.config.read_bytes()
    data = form_of(client, "/virtual/delete?virtual=web")
    response = client.post("/virtual/delete?virtual=web", data={**data, "action": "CANCEL"})
    assert response.status_code == 303
    assert web.config.read_bytes() == before


def test_deactivate_toggles_the_active_flag(web: Web, client: FlaskClient) -> None:
    before = web.config.read_text()
    data = {**form_of(client, "/virtual/"), "selected": "mail", "action": "(DE)ACTIVATE"}
    response = client.post("/virtual/", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == "/virtual/?selected=mail"
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 7", "     active = 0"], ["serial_no = 8", "     active = 1"]
    )
    page = client.get("/virtual/?selected=mail").get_data(as_text=True)
    assert "Virtual server mail activated." in page
    data = {**form_of(client, "/virtual/"), "selected": "mail", "action": "(DE)ACTIVATE"}
    client.post("/virtual/", data=data)
    assert "Virtual server mail deactivated." in client.get("/virtual/").get_data(as_text=True)
    assert file_diff(before, web.config.read_text()) == (["serial_no = 7"], ["serial_no = 9"])


def test_toggle_on_a_stale_list_is_refused_when_that_server_was_toggled_meanwhile(
    web: Web, client: FlaskClient
) -> None:
    data = {**form_of(client, "/virtual/"), "selected": "mail", "action": "(DE)ACTIVATE"}
    doc = parse(web.config.read_text())
    doc.set_active(True, virtual="mail")
    web.config.write_text(doc.dumps() + "# edited by hand\n")
    changed = web.config.read_bytes()
    response = client.post("/virtual/", data=data)
    assert response.status_code == 409
    assert "nothing was written" in response.get_data(as_text=True)
    assert web.config.read_bytes() == changed


def test_toggles_of_different_virtual_servers_on_the_same_list_both_apply(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_text()
    first = {**form_of(client, "/virtual/"), "selected": "mail", "action": "(DE)ACTIVATE"}
    second = {**first, "selected": "web"}
    assert client.post("/virtual/", data=first).status_code == 303
    assert client.post("/virtual/", data=second).status_code == 303  # a stale list
    model = parse(web.config.read_text()).model()
    was = parse(before).model()
    assert model.virtual("mail").active != was.virtual("mail").active
    assert model.virtual("web").active != was.virtual("web").active


def test_unknown_virtual_server_is_a_404_page(client: FlaskClient) -> None:
    response = client.get("/virtual/edit?virtual=nope")
    assert response.status_code == 404
    assert "there is no virtual server called &#39;nope&#39;" in response.get_data(as_text=True)


def test_a_failed_sync_is_reported_but_the_save_stands(web: Web, client: FlaskClient) -> None:
    from tests.web.conftest import FakeSyncer

    web.services.syncer = FakeSyncer(error=OSError("no route to host"))
    before = web.config.read_text()
    response = accept(client, EDIT, port="81")
    assert response.status_code == 303
    assert file_diff(before, web.config.read_text())[1] == ["serial_no = 8", "     port = 81"]
    page = client.get(EDIT).get_data(as_text=True)
    assert "copying lvs.cf to the backup router failed: no route to host" in page


def test_a_successful_sync_is_reported_after_the_save(web: Web, client: FlaskClient) -> None:
    from tests.web.conftest import FakeSyncer

    syncer = FakeSyncer()
    web.services.syncer = syncer
    accept(client, EDIT, port="81")
    assert syncer.calls == ["after_save"]
    assert "lvs.cf copied to the backup router 192.0.2.2" in client.get(EDIT).get_data(
        as_text=True)
    accept(client, EDIT)  # nothing changed: no save, no sync
    assert syncer.calls == ["after_save"]
