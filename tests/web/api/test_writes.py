"""Writes through the API are ACCEPTs: same text as the panels, revision-checked, validated."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from piranha_web.keepalived.service import EngineSettings, check_command, save_settings
from piranha_web.lvscf.keepalived import export_keepalived
from piranha_web.lvscf.validate import check_text
from tests.web.api.conftest import Api, build_api
from tests.web.conftest import Web, build_web, form_of

VS = {"name": "ftp", "address": "192.0.2.30 eth0:3", "port": "21", "scheduler": "rr",
      "timeout": "9", "persistent": "300", "pmask": "255.255.255.0"}
SERVERS = [{"name": "ftp1", "address": "10.0.0.31", "weight": "3"},
           {"name": "ftp2", "address": "10.0.0.32", "port": "2121"}]
MONITOR = {"send": "", "expect": "220", "send_program": "/usr/local/bin/check-ftp %h",
           "use_regex": False}


def accept(client: FlaskClient, url: str, **changes: str) -> None:
    data = {**form_of(client, url), **changes, "action": "ACCEPT"}
    response = client.post(url, data=data)
    assert response.status_code == 303, response.get_data(as_text=True)


def through_the_panels(web: Web) -> str:
    """NEW virtual server, two NEW real servers, MONITORING SCRIPTS: as a browser does it."""
    client = web.client()
    vip, device = VS["address"].split()
    accept(client, "/virtual/new", **{**VS, "address": vip, "device": device})
    for server in SERVERS:
        accept(client, "/virtual/servers/new?virtual=ftp", **server)
    monitor = {k: str(v) for k, v in MONITOR.items() if k != "use_regex"}
    accept(client, "/virtual/monitoring/?virtual=ftp", **monitor)
    return web.config.read_text()


def through_the_api(api: Api) -> str:
    assert api.write("POST", "/virtual-servers", VS).status_code == 201
    for server in SERVERS:
        response = api.write("POST", "/virtual-servers/ftp/real-servers", server)
        assert response.status_code == 201, response.json
    response = api.write("PATCH", "/virtual-servers/ftp/monitoring", MONITOR)
    assert response.status_code == 200, response.json
    return api.web.config.read_text()


def test_creating_a_virtual_server_writes_exactly_what_the_panels_write(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "api").mkdir()
    by_panels = through_the_panels(build_web(tmp_path / "web"))
    by_api = through_the_api(build_api(tmp_path / "api"))
    assert "virtual ftp {" in by_api and "server ftp2 {" in by_api and "check-ftp" in by_api
    assert by_api == by_panels


def test_the_created_virtual_server_reads_back_with_the_schemas_field_names(api: Api) -> None:
    through_the_api(api)
    response = api.get("/virtual-servers/ftp")
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{api.revision()}"'
    body = response.json
    assert body is not None
    assert body["address"] == "192.0.2.30 eth0:3" and body["port"] == 21
    assert body["active"] is False and body["reentry"] == 15  # Piranha's ADD value
    servers = api.get("/virtual-servers/ftp/real-servers").json
    assert servers is not None
    assert [(s["name"], s["weight"], s["port"]) for s in servers["real_servers"]] == [
        ("ftp1", 3, None), ("ftp2", 1, 2121)]
    monitor = api.get("/virtual-servers/ftp/monitoring").json
    assert monitor == {"send": None, "expect": "220", "use_regex": False,
                       "send_program": "/usr/local/bin/check-ftp %h"}


def test_a_stale_if_match_is_412_with_the_current_revision_and_changes_nothing(api: Api) -> None:
    old = api.revision()
    saved = api.write("PATCH", "/virtual-servers/web", {"port": "8080"}, old)
    assert saved.status_code == 200 and saved.json is not None
    assert any("8080" in line for line in saved.json["summary"]), saved.json
    before = api.web.config.read_bytes()
    response = api.write("PATCH", "/virtual-servers/web", {"port": "8081"}, old)
    assert response.status_code == 412
    assert response.content_type == "application/problem+json"
    assert response.json is not None and response.json["revision"] == api.revision() != old
    assert api.web.config.read_bytes() == before


def test_a_write_without_if_match_is_428_and_changes_nothing(api: Api) -> None:
    before = api.web.config.read_bytes()
    for method, path, body in (("PATCH", "/virtual-servers/web", {"port": "1"}),
                               ("DELETE", "/virtual-servers/mail", None),
                               ("PUT", "/config", {"text": "serial_no = 1\n"}),
                               ("POST", "/virtual-servers/mail/activate", None)):
        response = api.client.open(f"/api/v1{path}", method=method, json=body,
                                   headers=api.headers())
        assert response.status_code == 428, (method, path)
        assert response.json is not None and response.json["revision"] == api.revision()
    assert api.web.config.read_bytes() == before


def test_an_invalid_change_is_422_with_the_findings_and_nothing_is_written(api: Api) -> None:
    before = api.web.config.read_bytes()
    response = api.write("PATCH", "/virtual-servers/web", {"timeout": "0"})
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    problem = response.json
    assert problem is not None and problem["status"] == 422
    finding = problem["findings"][0]
    assert finding["key"] == "timeout" and finding["code"] and finding["line"] > 0
    assert "Traceback" not in response.get_data(as_text=True)
    assert api.web.config.read_bytes() == before


def test_put_config_dry_run_answers_what_the_put_then_does_and_writes_nothing(api: Api) -> None:
    text = api.web.config.read_text().replace("port  =  25", "port = 26").replace(
        "virtual mail {", "virtual mail {\n     pmask = 255.255.255.0")
    before, revision = api.web.config.read_bytes(), api.revision()
    dry = api.write("PUT", "/config?dry_run=true", {"text": text})
    assert dry.status_code == 200 and dry.json is not None, dry.json
    assert dry.json["dry_run"] is True and dry.json["status"] == "saved"
    assert [f["code"] for f in dry.json["findings"]] == ["pmask-without-persistence"]
    assert api.web.config.read_bytes() == before and api.revision() == revision
    assert api.web.services.audit.entries(kind="save") == []
    real = api.write("PUT", "/config", {"text": text})
    assert real.status_code == 200 and real.json is not None
    assert real.json["dry_run"] is False
    assert dry.headers["ETag"] == real.headers["ETag"] == f'"{api.revision()}"'
    for key in ("revision", "summary", "changes", "findings", "resolved"):
        assert dry.json[key] == real.json[key], key
    stale = api.write("PUT", "/config?dry_run=true", {"text": text}, revision=revision)
    assert stale.status_code == 412  # refused like the write itself
    assert api.write("PUT", "/config?dry_run=maybe", {"text": text}).status_code == 422


def test_put_config_replaces_the_text_and_refuses_text_that_adds_errors(api: Api) -> None:
    text = api.web.config.read_text().replace("port  =  25", "port = 26")
    response = api.write("PUT", "/config", {"text": text})
    assert response.status_code == 200 and response.json is not None
    assert response.json["status"] == "saved"
    assert "port = 26" in api.web.config.read_text()
    assert response.headers["ETag"] == f'"{api.revision()}"'
    before = api.web.config.read_bytes()
    response = api.write("PUT", "/config", {"text": "virtual x {\n"})
    assert response.status_code == 422 and response.json is not None
    assert response.json["findings"][0]["code"] == "syntax"
    assert api.web.config.read_bytes() == before


def test_findings_of_a_posted_text_are_reported_without_saving(api: Api) -> None:
    before = api.web.config.read_bytes()
    text = "virtual v {\n  active = 1\n  timeout = 0\n}\n"
    response = api.client.post("/api/v1/findings", json={"text": text}, headers=api.headers())
    assert response.status_code == 200 and response.json is not None
    assert response.json["errors"] == sum(1 for f in check_text(text) if f.is_error) > 0
    assert api.web.config.read_bytes() == before


def test_activate_rename_and_delete_address_blocks_by_name(api: Api) -> None:
    assert api.write("POST", "/virtual-servers/mail/activate").status_code == 200
    assert api.get("/virtual-servers/mail").json["active"] is True  # type: ignore[index]
    assert api.write("PATCH", "/virtual-servers/web/real-servers/rs2",
                     {"name": "rs9"}).status_code == 200
    assert api.get("/virtual-servers/web/real-servers/rs9").status_code == 200
    assert api.write("DELETE", "/virtual-servers/web/real-servers/rs1").status_code == 200
    assert "rs1" not in api.web.config.read_text()
    missing = api.get("/virtual-servers/nope")
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"


def test_list_filters_must_all_match(api: Api) -> None:
    def names(query: str) -> list[str]:
        found = api.get(f"/virtual-servers?{query}").json
        assert found is not None
        return [vs["name"] for vs in found["virtual_servers"]]

    assert names("") == ["web", "mail"]
    assert names("active=true") == ["web"]
    assert names("port=25&protocol=tcp") == ["mail"]
    assert names("vip=192.0.2.10&device=eth0:1") == ["web"]
    assert names("scheduler=lc") == []


def test_global_settings_and_redundancy_use_the_panels_checks(api: Api) -> None:
    response = api.write("PATCH", "/global-settings", {"primary": "300.1.1.1"})
    assert response.status_code == 422 and response.json is not None
    assert response.json["findings"][0]["key"] == "primary"
    response = api.write("PATCH", "/redundancy", {"backup": "192.0.2.2", "keepalive": "3",
                                                  "deadtime": "9", "backup_active": "1"})
    assert response.status_code == 200, response.json
    shown = api.get("/redundancy").json
    assert shown is not None
    assert (shown["backup"], shown["keepalive"], shown["backup_active"]) == (
        "192.0.2.2", 3, 1)
    response = api.write("PATCH", "/redundancy", {"deadtime": "2"})
    assert response.status_code == 422


def test_sending_the_representation_back_unchanged_writes_nothing(api: Api) -> None:
    before = api.web.config.read_bytes()
    body = api.get("/virtual-servers/mail").json
    assert body is not None
    del body["active"]
    response = api.write("PATCH", "/virtual-servers/mail", body)
    assert response.status_code == 200 and response.json is not None
    assert response.json["status"] == "unchanged"
    assert api.web.config.read_bytes() == before


def test_the_keepalived_export_is_the_command_lines_translation(api: Api) -> None:
    expected = export_keepalived(api.web.services.store.load().document, "backup",
                                 check_command=check_command(EngineSettings()))
    response = api.get("/keepalived?router=backup")
    assert response.status_code == 200 and response.json is not None
    assert response.json["text"] == expected.text and "global_defs" in expected.text
    assert response.json["router"] == "backup"
    # this file's backup_active = 0: the backup's pulse exits, so its file runs nothing
    assert "virtual_server" not in expected.text
    primary = api.get("/keepalived?router=primary").json
    assert primary is not None and "virtual_server" in primary["text"]
    assert api.get("/keepalived?router=other").status_code == 422


def test_the_keepalived_export_as_text_plain_is_the_file_alone(api: Api) -> None:
    """Issue 24: a 12 MB file need not come JSON-escaped; Accept: text/plain gets it bare."""
    expected = export_keepalived(api.web.services.store.load().document, "primary",
                                 check_command=check_command(EngineSettings()))
    headers = {**api.headers(), "Accept": "text/plain"}
    response = api.client.get("/api/v1/keepalived?router=primary", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.data.decode() == expected.text
    assert response.headers["X-Export-Warnings"] == str(len(expected.warnings))
    assert response.headers["ETag"] == f'"{api.revision()}"'
    both = {**api.headers(), "Accept": "application/json, text/plain;q=0.5"}
    assert api.client.get("/api/v1/keepalived", headers=both).mimetype == "application/json"
    api.web.config.write_text(api.web.config.read_text().replace("port = 80", "port = 81"))
    again = api.client.get("/api/v1/keepalived?router=primary", headers=headers)
    assert "virtual_server 192.0.2.10 81" in again.data.decode()  # never the kept old file


def test_the_keepalived_export_runs_the_check_command_the_engine_settings_name(api: Api) -> None:
    """The KEEPALIVED tab and ACCEPT honour the ``check_command`` setting; so does the API."""
    save_settings(api.web.state_dir, EngineSettings(check_command="/opt/pw/bin/piranha-web"))
    response = api.get("/keepalived?router=primary")
    assert response.status_code == 200 and response.json is not None
    assert "/opt/pw/bin/piranha-web" in response.json["text"]
    expected = export_keepalived(api.web.services.store.load().document, "primary",
                                 check_command="/opt/pw/bin/piranha-web")
    assert response.json["text"] == expected.text


def test_unreadable_engine_settings_are_a_problem_not_a_guess(api: Api) -> None:
    api.web.state_dir.mkdir(parents=True, exist_ok=True)
    (api.web.state_dir / "keepalived.json").write_text("[1, 2]")
    response = api.get("/keepalived?router=primary")
    assert response.status_code == 500 and response.json is not None
    assert "keepalived.json" in response.json["detail"]


def big_config(virtuals: int, servers: int) -> str:
    lines = ["serial_no = 1", "primary = 192.0.2.1", "service = lvs", "network = direct"]
    for v in range(virtuals):
        lines += [f"virtual vs{v} {{", "     active = 1",
                  f"     address = 10.{v // 250}.{v % 250}.1 eth0:{v}",
                  f"     port = {1000 + v}", "     protocol = tcp"]
        for s in range(servers):
            lines += [f"     server rs{s} {{", f"         address = 172.16.{v % 250}.{s + 1}",
                      "         active = 1", "         weight = 1", "     }"]
        lines.append("}")
    return "\n".join(lines) + "\n"


def test_a_whole_file_larger_than_the_webs_body_limit_goes_through_put(api: Api) -> None:
    text = big_config(400, 32)
    assert len(text) > 1024 * 1024  # more than the web's body limit
    response = api.write("PUT", "/config", {"text": text})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert api.web.config.read_text() == text.replace("serial_no = 1", "serial_no = 2", 1)
    too_big = api.write("PUT", "/config", {"text": "#" * (17 * 1024 * 1024)})
    assert too_big.status_code == 413
    assert too_big.content_type == "application/problem+json"


def test_a_broken_file_on_disk_is_503_with_its_syntax_problems_and_put_can_replace_it(
        api: Api) -> None:
    api.web.config.write_text("virtual web {\n  active = 1\n")
    response = api.get("/virtual-servers")
    assert response.status_code == 503 and response.json is not None
    assert response.json["findings"] and response.json["findings"][0]["code"] == "syntax"
    findings = api.get("/findings").json
    assert findings is not None and findings["errors"] > 0
    revision = api.client.get("/api/v1/findings", headers=api.headers()).headers["ETag"]
    fixed = api.write("PUT", "/config", {"text": "serial_no = 1\n"}, revision.strip('"'))
    assert fixed.status_code == 200, fixed.json
    assert api.get("/virtual-servers").status_code == 200


def test_a_stale_write_that_would_also_be_refused_is_still_412(api: Api) -> None:
    old = api.revision()
    assert api.write("PATCH", "/virtual-servers/web", {"port": "8080"}, old).status_code == 200
    before = api.web.config.read_bytes()
    # two refused fields at once (EditErrors) while previewing the conflict
    response = api.write("POST", "/virtual-servers", {"name": "mail", "address": "192.0.2.9"},
                         old)
    assert response.status_code == 412, response.json
    assert api.web.config.read_bytes() == before


def test_a_stale_if_match_is_412_even_when_the_change_would_not_conflict(api: Api) -> None:
    old = api.revision()
    assert api.write("PATCH", "/virtual-servers/web", {"port": "8080"}, old).status_code == 200
    before = api.web.config.read_bytes()
    response = api.write("PATCH", "/virtual-servers/mail", {"timeout": "9"}, old)
    assert response.status_code == 412
    assert api.web.config.read_bytes() == before
