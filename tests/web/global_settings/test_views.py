"""GLOBAL SETTINGS: fields, ACCEPT, network type buttons, validation, conflicts, and what this
router's real interfaces (a network namespace) make the panel warn about."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from piranha_web.lvscf import parse
from piranha_web.netinfo import NetInfo
from tests.helpers.router_ns import RouterNamespace
from tests.web.conftest import BASE, Web, build_web, file_diff, form_of

URL = "/global/"
NAT = BASE.replace("network = direct", "network = nat\nnat_router = 10.0.0.254 eth1:1\n"
                   "nat_nmask = 255.255.255.0\nprimary_private = 10.0.0.1\n"
                   "backup_private = 10.0.0.2")


def accept(client: FlaskClient, button: str = "ACCEPT", **changes: str) -> TestResponse:
    """Submit the panel as a browser would, with ``changes`` typed in and ``button`` pressed."""
    return client.post(URL, data={**form_of(client, URL), **changes, "action": button})


@pytest.fixture(scope="module")
def router() -> Iterator[RouterNamespace]:
    ns = RouterNamespace.create()
    yield ns
    ns.delete()


def test_panel_shows_piranhas_fields_with_the_files_values(client: FlaskClient) -> None:
    page = client.get(URL).get_data(as_text=True)

    for label in ("Primary server public IP", "Primary server private IP: (May be blank)",
                  "TCP timeout (seconds)", "TCP FIN timeout (seconds)", "UDP timeout (seconds)",
                  "Use network type:"):
        assert label in page
    assert form_of(client, URL)["primary"] == "192.0.2.1"
    assert "(Current type is: <strong>direct</strong>)" in page
    for button in ("NAT", "Direct Routing", "Tunneling", "ACCEPT"):
        assert f">{button}</button>" in page
    assert "NAT Router IP" not in page  # only for NAT


def test_viewing_never_writes_even_without_a_network_key(tmp_path: Path) -> None:
    """Piranha wrote 'network = direct' on view; the daemons' default is nat, and we say so."""
    text = BASE.replace("network = direct\n", "")
    web = build_web(tmp_path, text)

    page = web.client().get(URL).get_data(as_text=True)

    assert "Current type is: <strong>nat</strong>; not set in lvs.cf" in page
    assert "NAT Router IP" in page
    assert web.config.read_text() == text


def test_accept_writes_only_the_changed_field(web: Web, client: FlaskClient) -> None:
    before = web.config.read_text()

    response = accept(client, tcp_timeout="900")

    assert response.status_code == 303 and response.headers["Location"] == URL
    assert file_diff(before, web.config.read_text()) == (
        ["serial_no = 7"], ["serial_no = 8", "tcp_timeout = 900"])
    page = client.get(URL).get_data(as_text=True)
    assert "Global settings saved." in page
    assert form_of(client, URL)["tcp_timeout"] == "900"


def test_unchanged_form_writes_nothing(web: Web, client: FlaskClient) -> None:
    before = web.config.read_bytes()

    accept(client)

    assert web.config.read_bytes() == before
    assert "Nothing changed" in client.get(URL).get_data(as_text=True)


def test_enter_in_a_field_means_accept_not_a_network_button(client: FlaskClient) -> None:
    """Browsers submit with the first submit button of the form when Enter is pressed."""
    page = client.get(URL).get_data(as_text=True)
    form = page[page.index('id="global-settings-form"'):]

    first = re.search(r'<button type="submit" name="action" value="([^"]+)"', form)

    assert first is not None and first.group(1) == "ACCEPT"


def test_network_button_switches_type_and_leaving_nat_drops_the_nat_router(
        tmp_path: Path) -> None:
    web = build_web(tmp_path, NAT)
    client = web.client()
    before = web.config.read_text()

    response = accept(client, "network:tunnel")

    assert response.status_code == 303
    removed, added = file_diff(before, web.config.read_text())
    assert removed == ["serial_no = 7", "network = nat", "nat_router = 10.0.0.254 eth1:1",
                       "nat_nmask = 255.255.255.0"]  # the NAT router's netmask goes with it
    assert added == ["serial_no = 8", "network = tunnel"]
    page = client.get(URL).get_data(as_text=True)
    assert "network type is now Tunneling" in page
    assert "NAT Router IP" not in page


def test_network_button_also_applies_the_fields_typed_before_it(web: Web,
                                                                client: FlaskClient) -> None:
    before = web.config.read_text()

    accept(client, "network:nat", udp_timeout="60")

    removed, added = file_diff(before, web.config.read_text())
    assert "network = nat" in added and "udp_timeout = 60" in added
    assert "network = direct" in removed


def test_nat_router_ip_and_device_are_one_key(tmp_path: Path) -> None:
    web = build_web(tmp_path, NAT)
    client = web.client()
    values = form_of(client, URL)
    assert (values["nat_router_ip"], values["nat_router_device"], values["nat_nmask"]) == (
        "10.0.0.254", "eth1:1", "255.255.255.0")
    before = web.config.read_text()

    accept(client, nat_router_device="eth2:1", nat_nmask="255.255.254.0")

    assert file_diff(before, web.config.read_text())[1] == [
        "serial_no = 8", "nat_router = 10.0.0.254 eth2:1", "nat_nmask = 255.255.254.0"]


def test_nat_router_without_a_device_is_refused_next_to_the_field(tmp_path: Path) -> None:
    web = build_web(tmp_path, NAT)
    client = web.client()
    before = web.config.read_bytes()

    response = accept(client, nat_router_device="")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'id="nat_router_device-error">Enter the device the NAT router IP', page)
    assert web.config.read_bytes() == before


def test_hidden_nat_fields_never_touch_the_nat_router(tmp_path: Path) -> None:
    """With Direct Routing the NAT fields are not shown; ACCEPT must not read them as blank."""
    text = BASE.replace("network = direct", "network = direct\nnat_router = 10.0.0.254 eth1:1")
    web = build_web(tmp_path, text)

    accept(web.client(), primary="192.0.2.3")

    assert "nat_router = 10.0.0.254 eth1:1" in web.config.read_text()


def test_clearing_the_private_ip_clears_the_backups_too(tmp_path: Path) -> None:
    """Piranha's rule: no private heartbeat network on one side means none on the other."""
    web = build_web(tmp_path, NAT)
    before = web.config.read_text()

    accept(web.client(), primary_private="")

    removed, _ = file_diff(before, web.config.read_text())
    assert "primary_private = 10.0.0.1" in removed and "backup_private = 10.0.0.2" in removed


@pytest.mark.parametrize(("field", "value", "message"), [
    ("primary", "192.0.2.300", "is not an IPv4 address"),
    ("primary", "", "Enter the primary router"),
    ("primary_private", "0.0.0.0", "0.0.0.0 is not an address"),
    ("tcp_timeout", "-5", "is not a whole number"),
    ("udp_timeout", "010", "is not a whole number"),
    ("tcpfin_timeout", "ten", "is not a whole number"),
])
def test_bad_values_are_refused_next_to_their_field(
        web: Web, client: FlaskClient, field: str, value: str, message: str) -> None:
    before = web.config.read_bytes()

    response = accept(client, **{field: value})

    assert response.status_code == 400
    error = re.search(rf'id="{field}-error">([^<]*)<', response.get_data(as_text=True))
    assert error is not None and message in error.group(1)
    assert web.config.read_bytes() == before


def test_a_bad_nat_device_label_is_refused(tmp_path: Path) -> None:
    web = build_web(tmp_path, NAT)

    response = accept(web.client(), nat_router_device="eth1:1:2")

    assert response.status_code == 400
    assert 'id="nat_router_device-error"' in response.get_data(as_text=True)


def test_a_conflicting_accept_writes_nothing_and_keeps_the_users_change(
        web: Web, client: FlaskClient) -> None:
    stale = {**form_of(client, URL), "tcp_timeout": "900", "action": "ACCEPT"}
    doc = parse(web.config.read_text())
    doc.set("serial_no", "70")
    doc.set("tcp_timeout", "100")  # the same key the user changes
    web.config.write_text(doc.dumps())
    edited = web.config.read_text()

    response = client.post(URL, data=stale)

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "changed by someone else" in page
    assert web.config.read_text() == edited
    again = {**stale, **{k: v for k, v in re.findall(
        r'name="(revision|initial)" type="hidden" value="([^"]*)"', page)}}
    again["initial"] = again["initial"].replace("&#34;", '"')
    assert again["tcp_timeout"] == "900"
    assert client.post(URL, data=again).status_code == 303
    assert file_diff(edited, web.config.read_text())[1] == ["serial_no = 71", "tcp_timeout = 900"]


def test_warns_when_the_primary_ip_is_not_an_address_of_this_router(
        web: Web, client: FlaskClient, router: RouterNamespace) -> None:
    """192.0.2.1 is on pwni0 in the router namespace; 192.0.2.5 is on no interface."""
    web.services.netinfo = NetInfo(router.name)
    assert 'id="primary-warning"' not in client.get(URL).get_data(as_text=True)

    accept(client, primary="192.0.2.5")

    page = client.get(URL).get_data(as_text=True)
    assert "192.0.2.5 is not an address of this router: pulse started here would act as the " \
           "backup router" in page


def test_nat_device_field_suggests_this_routers_devices_and_warns_about_others(
        tmp_path: Path, router: RouterNamespace) -> None:
    web = build_web(tmp_path, NAT)
    web.services.netinfo = NetInfo(router.name)
    client = web.client()

    page = client.get(URL).get_data(as_text=True)

    datalist = re.search(r'<datalist id="device-suggestions">(.*?)</datalist>', page, re.S)
    assert datalist is not None
    assert re.findall(r'<option value="([^"]+)">', datalist.group(1)) == [
        "pwni0", "pwni1", "pwni2", "pwni3", "pwni0:1", "pwni0:2"]
    assert 'list="device-suggestions"' in page
    assert "This router has no device eth1 (it has: " in page
    accept(client, nat_router_device="pwni1:1")
    assert 'id="nat_router_device-warning"' not in client.get(URL).get_data(as_text=True)


def test_blank_private_ip_shows_what_pulse_uses_and_the_ignored_backup_private_line(
        tmp_path: Path) -> None:
    web = build_web(tmp_path, BASE.replace("network = direct", "network = direct\n"
                                           "backup = 192.0.2.2\nbackup_private = 10.9.0.2"))
    page = web.client().get(URL).get_data(as_text=True)

    assert re.search(r'id="primary_private-effective">Blank: pulse uses the public IP '
                     r"\(192\.0\.2\.1\) as the primary&#39;s private IP and the "
                     r"backup&#39;s public IP \(192\.0\.2\.2\)", page)
    assert re.search(r'id="primary_private-warning">Warning \(line \d+, backup_private\): '
                     r"ignored by pulse because primary_private is not set", page)


def test_a_set_private_ip_shows_no_effective_value_note(tmp_path: Path) -> None:
    page = build_web(tmp_path, NAT).client().get(URL).get_data(as_text=True)
    assert 'id="primary_private-effective"' not in page
    assert 'id="primary_private-warning"' not in page


# ---------------------------------------------------------------- issue 27: a broken file

NEGATIVE = Path(__file__).parents[2] / "data" / "corpus" / (
    "NEGATIVE__blog-portal-dr-inline-comments-cn__fsid70284062048.cf")


@pytest.fixture
def broken(tmp_path: Path) -> Web:
    """The corpus file pulse refuses (inline '#' comments, one on the network line)."""
    return build_web(tmp_path, NEGATIVE.read_text())


def test_a_broken_file_accepts_an_unchanged_form(broken: Web) -> None:
    client = broken.client()
    before = broken.config.read_text()
    assert accept(client).status_code == 303
    assert broken.config.read_text() == before


def test_the_current_type_button_rewrites_the_broken_network_line(broken: Web) -> None:
    """Direct Routing on ``network = direct   # DR ...``: the line pulse refuses is fixed."""
    client = broken.client()
    before = broken.config.read_text()
    assert accept(client, "network:direct").status_code == 303
    removed, added = file_diff(before, broken.config.read_text())
    assert [line.split("#")[0].strip() for line in removed] == ["network = direct"]
    assert added[0] == "serial_no = 1" and added[-1] == "network = direct"
    assert added[1].startswith("# DR ")


def test_a_broken_file_saves_a_change_that_adds_no_new_error(broken: Web) -> None:
    client = broken.client()
    before = broken.config.read_text()
    assert accept(client, udp_timeout="30").status_code == 303
    removed, added = file_diff(before, broken.config.read_text())
    assert added == ["serial_no = 1", "udp_timeout = 30"] and removed == []


def test_a_network_type_button_on_a_broken_line_keeps_its_comment_and_says_so(
    broken: Web
) -> None:
    client = broken.client()
    assert accept(client, "network:nat").status_code == 303
    text = broken.config.read_text()
    lines = text.splitlines()
    at = lines.index("network = nat")
    assert lines[at - 1].startswith("# DR ") and "network = direct" not in text
    page = client.get(URL).get_data(as_text=True)
    assert "was kept on its own line above it" in page


def test_a_broken_network_line_says_what_is_written_and_what_the_daemons_read(
    broken: Web
) -> None:
    page = broken.client().get(URL).get_data(as_text=True)
    current = re.search(r'id="network-current">(.*?)</p>', page, re.S)
    assert current
    assert "<strong>direct</strong>, as written" in current.group(1)
    assert "would take <strong>nat</strong>" in current.group(1)


def test_an_unknown_network_type_is_refused_with_a_message(client: FlaskClient) -> None:
    response = accept(client, "network:bogus")
    assert response.status_code == 400
    assert "Unknown network type" in response.get_data(as_text=True)


def test_a_netmask_outside_the_list_hides_no_other_error(tmp_path: Path) -> None:
    """Issue 27: every field's error at once, also beside a select value outside its list."""
    web = build_web(tmp_path, NAT)
    client = web.client()
    before = web.config.read_text()
    response = accept(client, nat_nmask="255.0.255.0", udp_timeout="soon",
                      primary="300.1.1.1")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("nat_nmask", "udp_timeout", "primary"):
        assert f'id="{field}-error"' in page, field
    assert web.config.read_text() == before
    response = accept(client, nat_nmask="255.0.255.0", tcp_timeout="30")
    assert response.status_code == 400 and 'id="nat_nmask-error"' in response.get_data(
        as_text=True)
    assert web.config.read_text() == before


def test_the_comment_box_beside_an_inline_comment_fixes_the_line_keeping_its_value(
    broken: Web
) -> None:
    """The FINDINGS "Fix" link leads here; ticking the box fixes the line without a value
    change (the comment goes above); without the box ACCEPT writes nothing."""
    client = broken.client()
    page = client.get(URL).get_data(as_text=True)
    assert 'name="fix_comment" value="primary_private"' in page
    before = broken.config.read_text()
    assert accept(client).status_code == 303
    assert broken.config.read_text() == before
    assert accept(client, fix_comment="primary_private").status_code == 303
    removed, added = file_diff(before, broken.config.read_text())
    assert [line.split("#")[0].rstrip() for line in removed] == [
        "primary_private = 172.16.0.190"]
    assert added[1:] == ["# lvs 主服务器心跳地址", "primary_private = 172.16.0.190"]
    assert 'value="primary_private"' not in client.get(URL).get_data(as_text=True)


def test_a_comment_box_for_a_field_without_one_changes_nothing(broken: Web) -> None:
    client = broken.client()
    before = broken.config.read_text()
    assert accept(client, fix_comment="primary").status_code == 303
    assert accept(client, fix_comment="no_such_field").status_code == 303
    assert broken.config.read_text() == before
