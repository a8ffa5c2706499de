"""APPLY through the API against a real keepalived (the KEEPALIVED tab's fixture)."""

from __future__ import annotations

from pathlib import Path

from piranha_web.keepalived.service import EngineSettings, save_settings
from piranha_web.tokens import TokenStore
from tests.web.api.conftest import Api, build_api
from tests.web.conftest import Web
from tests.web.keepalived.test_views import PLACEHOLDER, engine

__all__ = ["engine"]  # the fixture, used by name


def _api(web: Web) -> Api:
    return Api(web, web.app.test_client(), TokenStore(web.state_dir).create("piranha")[1])


def test_apply_writes_this_routers_keepalived_conf_as_of_if_match(
        engine: tuple[Web, Path, Path]) -> None:
    web, installed, _ = engine
    api = _api(web)
    old = api.revision()
    assert api.write("PATCH", "/virtual-servers/web", {"port": 8080}).status_code == 200
    stale = api.write("POST", "/keepalived/apply", None, old)
    assert stale.status_code == 412 and installed.read_text() == PLACEHOLDER
    assert api.client.post("/api/v1/keepalived/apply",
                           headers=api.headers()).status_code == 428
    applied = api.write("POST", "/keepalived/apply")
    assert applied.status_code == 200, applied.json
    assert applied.json is not None and applied.json["ok"] is True
    assert "8080" in installed.read_text()
    assert [e["details"]["trigger"] for e in api.get("/audit?kind=apply").json[  # type: ignore[index]
        "entries"]] == ["API APPLY"]


def test_a_failed_apply_is_502_with_the_outcome(tmp_path: Path) -> None:
    api = build_api(tmp_path)
    installed = tmp_path / "keepalived.conf"
    installed.write_text("unchanged\n")
    save_settings(api.web.state_dir, EngineSettings(
        engine="keepalived", conf_path=str(installed), pid_file=str(tmp_path / "none.pid"),
        keepalived=str(tmp_path / "no-such-keepalived"), check_command="/usr/bin/piranha-web"))
    failed = api.write("POST", "/keepalived/apply")
    assert failed.status_code == 502 and failed.content_type == "application/problem+json"
    assert failed.json is not None and failed.json["outcome"]["ok"] is False
    assert installed.read_text() == "unchanged\n"
