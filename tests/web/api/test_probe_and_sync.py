"""Checks now (probe) against real loopback servers; sync status and SYNC NOW through the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from piranha_web import monitor
from piranha_web.audit import AuditLog
from piranha_web.sync import SyncService
from piranha_web.sync.settings import SyncSettings
from piranha_web.tokens import TokenStore
from tests.monitor import loopback
from tests.web.api.conftest import Api
from tests.web.api.test_served import closed_port
from tests.web.conftest import build_web


def probe_api(tmp_path: Path, http: int, banner: int) -> Api:
    text = f"""serial_no = 1
virtual web {{
     active = 1
     address = 127.0.0.1 lo:1
     port = 80
     send = "GET / HTTP/1.0\\r\\n\\r\\n"
     expect = "HTTP"
     timeout = 1
     server www {{
         address = 127.0.0.1
         active = 1
         port = {http}
     }}
     server ftp {{
         address = 127.0.0.1
         active = 1
         port = {banner}
     }}
}}
"""
    web = build_web(tmp_path, text)
    _, token = TokenStore(web.state_dir).create("piranha")
    return Api(web, web.app.test_client(), token)


def test_probe_checks_every_real_server_as_nanny_would_and_writes_nothing(
        tmp_path: Path, http_server: loopback.TcpServer,
        banner_server: loopback.TcpServer) -> None:
    api = probe_api(tmp_path, http_server.port, banner_server.port)
    before = api.web.config.read_bytes()
    response = api.client.post("/api/v1/virtual-servers/web/probe", headers=api.headers())
    assert response.status_code == 200 and response.json is not None
    verdicts = {r["server"]: (r["port"], r["nanny"]["state"]) for r in response.json["results"]}
    assert verdicts == {"www": (http_server.port, "up"), "ftp": (banner_server.port, "down")}
    one = api.client.post("/api/v1/virtual-servers/web/real-servers/www/probe",
                          headers=api.headers())
    assert one.json is not None and [r["server"] for r in one.json["results"]] == ["www"]
    missing = api.client.post("/api/v1/virtual-servers/web/real-servers/nope/probe",
                              headers=api.headers())
    assert missing.status_code == 404
    assert api.web.config.read_bytes() == before


def test_sync_reports_an_unreachable_backup_and_sync_now_says_why(tmp_path: Path) -> None:
    web = build_web(tmp_path)
    service = SyncService(web.config, web.state_dir)
    service.save_settings(SyncSettings(host="127.0.0.1", port=closed_port(), auto_sync=False,
                                       connect_timeout=2))
    web.services.syncer = service
    _, token = TokenStore(web.state_dir).create("piranha")
    api = Api(web, web.app.test_client(), token)
    status = api.get("/sync")
    assert status.status_code == 200 and status.json is not None
    assert status.json["state"] == "unreachable" and status.json["reason"]
    outcome = api.client.post("/api/v1/sync", headers=api.headers())
    assert outcome.status_code == 502 and outcome.json is not None
    assert outcome.content_type == "application/problem+json"
    assert outcome.json["outcome"]["ok"] is False and outcome.json["outcome"]["reason"]
    assert api.get("/sync").json["last"]["ok"] is False  # type: ignore[index]


def test_sync_is_404_where_the_app_has_no_sync(api: Api) -> None:
    response = api.get("/sync")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_sync_now_of_a_file_with_errors_needs_force(tmp_path: Path) -> None:
    web = build_web(tmp_path)
    web.config.write_text(web.config.read_text().replace("timeout = 6", "timeout = 0", 1))
    service = SyncService(web.config, web.state_dir)
    service.save_settings(SyncSettings(host="127.0.0.1", port=closed_port(), auto_sync=False,
                                       connect_timeout=2))
    web.services.syncer = service
    _, token = TokenStore(web.state_dir).create("piranha")
    api = Api(web, web.app.test_client(), token)
    refused = api.client.post("/api/v1/sync", headers=api.headers())
    assert refused.status_code == 409 and service.last() is None
    forced = api.client.post("/api/v1/sync?force=true", headers=api.headers())
    assert forced.status_code == 502 and forced.json is not None
    assert forced.json["outcome"]["ok"] is False  # tried (the backup is unreachable), as asked


def test_an_api_probe_is_recorded_before_it_runs_and_refused_unrecorded(
        tmp_path: Path, http_server: loopback.TcpServer,
        banner_server: loopback.TcpServer) -> None:
    """Issue 20 #10: the API's CHECK NOW was recorded only after the program ran; now the
    record comes first, the verdicts are added after, and without a record nothing runs."""
    api = probe_api(tmp_path, http_server.port, banner_server.port)
    real = monitor.probe_virtual
    seen: list[int] = []

    class Prober:
        def probe_virtual(self, vs: Any, overrides: Any = None) -> Any:
            seen.append(len(AuditLog(api.web.state_dir).entries(kind="check")))
            return real(vs, overrides)

    api.web.services.prober = Prober()
    assert api.client.post("/api/v1/virtual-servers/web/probe",
                           headers=api.headers()).status_code == 200
    assert seen == [1]  # the record existed while the checks ran
    entry = AuditLog(api.web.state_dir).entries(kind="check")[0]
    assert set(entry.details["verdicts"]) == {"www", "ftp"}  # added once the checks ran
    (api.web.state_dir / "audit.log").unlink()
    (api.web.state_dir / "audit.log").mkdir()  # appending now fails
    refused = api.client.post("/api/v1/virtual-servers/web/probe", headers=api.headers())
    assert refused.status_code == 503 and refused.content_type == "application/problem+json"
    assert seen == [1]  # nothing ran unrecorded
