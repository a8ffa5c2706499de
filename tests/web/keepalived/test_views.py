"""The KEEPALIVED tab and the keepalived engine on ACCEPT, with a real keepalived process."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from piranha_web.keepalived.service import EngineSettings, load_settings, save_settings
from piranha_web.web.saving import save_edit
from tests.helpers.keepalived import in_namespace_wrapper, running_keepalived, wait_for
from tests.web.conftest import Web, build_web
from tests.web.test_saving import no_fields

PLACEHOLDER = "global_defs {\n    router_id before\n}\n"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[tuple[Web, Path, Path]]:
    """The web app with the keepalived engine; a real keepalived runs on the installed file."""
    web = build_web(tmp_path)
    installed = tmp_path / "etc" / "keepalived.conf"
    installed.parent.mkdir()
    installed.write_text(PLACEHOLDER)
    with running_keepalived(tmp_path, installed, ("eth0",)) as (pid_file, log):
        save_settings(web.state_dir, EngineSettings(
            engine="keepalived", conf_path=str(installed), pid_file=str(pid_file),
            keepalived=str(in_namespace_wrapper(tmp_path, ("eth0",))),
            check_command="/usr/bin/piranha-web"))
        yield web, installed, log


def page_text(data: bytes) -> str:
    return html.unescape(data.decode())


def test_the_tab_shows_both_files_warnings_verdicts_and_the_diff(
    engine: tuple[Web, Path, Path]
) -> None:
    web, installed, _ = engine
    page = page_text(web.client().get("/keepalived/").data)
    assert 'id="tab-keepalived"' in page and 'class="current"' in page
    assert "keepalived.conf for the PRIMARY router" in page
    assert "keepalived.conf for the BACKUP router" in page
    assert re.search(r'id="verdict-primary" class="flash success">keepalived -t: '
                     r"configuration OK", page)
    assert re.search(r'id="verdict-backup" class="flash success">', page)
    assert "lvs.cf line 18: virtual web: reentry = 15 not translated" in page
    assert "-    router_id before" in page and "+    router_id piranha_primary" in page
    assert installed.read_text() == PLACEHOLDER  # viewing never writes


def test_what_will_differ_from_piranha_is_listed_before_the_apply_button(
    engine: tuple[Web, Path, Path]
) -> None:
    web, _, _ = engine
    page = page_text(web.client().get("/keepalived/").data)
    warnings = page.index('id="apply-warnings"')
    assert warnings < page.index('id="apply"') < page.index('id="router-primary"')
    listed = page[warnings:page.index('id="apply-form"')]
    assert "keepalived does" in listed and "differently from pulse, lvsd and nanny" in listed
    assert "lvs.cf line 18: virtual web: reentry = 15 not translated" in listed


def test_apply_writes_the_shown_file_and_reloads_keepalived(
    engine: tuple[Web, Path, Path]
) -> None:
    web, installed, log = engine
    client = web.client()
    digest = re.search(r'name="digest" type="hidden" value="([0-9a-f]+)"',
                       client.get("/keepalived/").data.decode())
    assert digest is not None
    response = client.post("/keepalived/apply", data={"digest": digest.group(1)},
                           follow_redirects=True)
    page = page_text(response.data)
    assert "written. keepalived (pid" in page and "reloaded with SIGHUP" in page
    assert "router_id piranha_primary" in installed.read_text()
    assert wait_for(log, "Reloading"), log.read_text()
    assert "The installed file is the generated one." in page


def test_apply_of_a_page_older_than_lvs_cf_changes_nothing(
    engine: tuple[Web, Path, Path]
) -> None:
    web, installed, log = engine
    response = web.client().post("/keepalived/apply", data={"digest": "0" * 64},
                                 follow_redirects=True)
    assert "lvs.cf changed since the page was shown" in page_text(response.data)
    assert installed.read_text() == PLACEHOLDER
    assert "Reloading" not in log.read_text()


def test_accept_regenerates_and_with_auto_apply_applies(engine: tuple[Web, Path, Path]) -> None:
    web, installed, log = engine
    save_settings(web.state_dir, EngineSettings(**{
        **load_settings(web.state_dir).__dict__, "auto_apply": True}))
    with web.app.test_request_context():
        outcome = save_edit(lambda doc: doc.set("weight", "7", virtual="web", server="rs1"),
                            web.services.store.revision(), no_fields)
    assert outcome.saved and outcome.sync is not None
    assert outcome.sync.ok, outcome.sync.message
    assert "keepalived.conf regenerated" in outcome.sync.message
    assert "weight 7" in (web.state_dir / "keepalived" / "primary.conf").read_text()
    backup = (web.state_dir / "keepalived" / "backup.conf").read_text()
    # the backup is inactive (backup_active = 0): its file never takes the VIPs
    assert "backup_active = 0: pulse on the backup router exits" in backup
    assert "vrrp_instance" not in backup and "virtual_server" not in backup
    assert "weight 7" in installed.read_text()
    assert wait_for(log, "Reloading")


def test_the_piranha_engine_leaves_keepalived_alone(tmp_path: Path) -> None:
    web = build_web(tmp_path)
    with web.app.test_request_context():
        outcome = save_edit(lambda doc: doc.set("port", "81", virtual="web"),
                            web.services.store.revision(), no_fields)
    assert outcome.saved and outcome.sync is None
    assert not (web.state_dir / "keepalived").exists()


def test_the_engine_setting_is_saved_from_the_page(tmp_path: Path) -> None:
    web = build_web(tmp_path)
    response = web.client().post("/keepalived/settings", data={"engine": "keepalived",
                                                                "auto_apply": "y"})
    assert response.status_code in (302, 303)
    assert load_settings(web.state_dir) == EngineSettings(engine="keepalived", auto_apply=True)
    bad = web.client().post("/keepalived/settings", data={"engine": "ldirectord"},
                            follow_redirects=True)
    assert "were not saved" in page_text(bad.data)


def test_apply_and_auto_apply_are_recorded_first_and_refused_unrecorded(
    engine: tuple[Web, Path, Path]
) -> None:
    """Issue 20 #10: APPLY and auto-apply left no audit record."""
    web, installed, log = engine
    client = web.client()
    digest = re.search(r'name="digest" type="hidden" value="([0-9a-f]+)"',
                       client.get("/keepalived/").data.decode())
    assert digest is not None
    trail = web.services.audit.path
    trail.unlink(missing_ok=True)
    trail.mkdir()  # appending now fails
    refused = client.post("/keepalived/apply", data={"digest": digest.group(1)})
    assert refused.status_code == 503
    assert installed.read_text() == PLACEHOLDER
    trail.rmdir()
    client.post("/keepalived/apply", data={"digest": digest.group(1)})
    applied = web.services.audit.entries(kind="apply")[0]
    assert (applied.user, applied.details["trigger"], applied.details["ok"],
            applied.details["commit"]) == ("piranha", "APPLY", True, "done")
    save_settings(web.state_dir, EngineSettings(**{
        **load_settings(web.state_dir).__dict__, "auto_apply": True}))
    with web.app.test_request_context():
        outcome = save_edit(lambda doc: doc.set("weight", "7", virtual="web", server="rs1"),
                            web.services.store.revision(), no_fields)
    assert outcome.saved
    auto = web.services.audit.entries(kind="apply")[0]
    assert auto.details["trigger"] == "auto-apply after ACCEPT", auto.details
    assert outcome.sync is not None and auto.details["ok"] == outcome.sync.ok
    assert auto.details["message"] in outcome.sync.message
    assert "weight 7" in installed.read_text()


@pytest.mark.parametrize("engine_value", ["ldirectord", "<i>x</i>", ""])
def test_an_engine_outside_the_list_is_named_and_nothing_is_saved(
    tmp_path: Path, engine_value: str,
) -> None:
    """Issue 27 item 2: the refusal said "please correct the errors" and named nothing."""
    web = build_web(tmp_path)
    before = load_settings(web.state_dir)
    bad = web.client().post("/keepalived/settings", data={"engine": engine_value,
                                                          "auto_apply": "y"},
                            follow_redirects=True)
    text = page_text(bad.data)
    assert (f"The engine settings were not saved: {engine_value!r} is not one of the choices "
            "of this list: pick one.") in text, text
    assert "<i>x</i>" not in bad.data.decode()
    assert load_settings(web.state_dir) == before
    assert web.services.audit.entries(kind="keepalived-settings") == []

