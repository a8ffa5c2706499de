"""Dry runs on every write, one strict whole-file ETag rule (RFC 9110 If-Match), batches."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from piranha_web import save_service
from piranha_web.accounts import Role
from piranha_web.lvscf.validate import check_text
from piranha_web.tokens import TokenStore
from tests.web.api.conftest import Api, build_api
from tests.web.conftest import BASE, FakeSyncer, build_web

#: one request of every write operation a batch may hold, as (method, path, body)
WRITES: list[tuple[str, str, Any]] = [
    ("POST", "/virtual-servers", {"name": "ftp", "address": "192.0.2.30 eth0:3", "port": "21"}),
    ("PATCH", "/virtual-servers/web", {"port": "8080"}),
    ("DELETE", "/virtual-servers/mail", None),
    ("POST", "/virtual-servers/mail/activate", None),
    ("POST", "/virtual-servers/web/deactivate", None),
    ("POST", "/virtual-servers/web/real-servers", {"name": "rs3", "address": "10.0.0.3"}),
    ("PATCH", "/virtual-servers/web/real-servers/rs1", {"weight": "9"}),
    ("DELETE", "/virtual-servers/web/real-servers/rs2", None),
    ("POST", "/virtual-servers/web/real-servers/rs1/deactivate", None),
    ("PATCH", "/virtual-servers/web/monitoring", {"expect": "OK"}),
    ("PATCH", "/global-settings", {"network": "nat", "nat_router": "10.0.0.254 eth1:1"}),
    ("PATCH", "/redundancy", {"backup": "192.0.2.2", "backup_active": "1"}),
]
#: the desired-state flow of the issue: a virtual server, three real servers, a health check
DESIRED: list[dict[str, Any]] = [
    {"method": "POST", "path": "/virtual-servers",
     "body": {"name": "ftp", "address": "192.0.2.30 eth0:3", "port": "21"}},
    *({"method": "POST", "path": "/virtual-servers/ftp/real-servers",
       "body": {"name": f"ftp{n}", "address": f"10.0.0.3{n}"}} for n in (1, 2, 3)),
    {"method": "PATCH", "path": "/virtual-servers/ftp/monitoring",
     "body": {"send": "", "expect": "220"}},
    *({"method": "POST", "path": f"/virtual-servers/ftp/real-servers/ftp{n}/activate"}
      for n in (1, 2, 3)),
    {"method": "POST", "path": "/virtual-servers/ftp/activate"},
]


def _state(api: Api) -> tuple[bytes, int, int]:
    """lvs.cf's bytes, how many history entries and audit save lines there are."""
    return (api.web.config.read_bytes(), len(api.web.services.history.revisions()),
            len(api.web.services.audit.entries(kind="save")))


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_every_write_dry_run_answers_what_the_write_then_does_and_writes_nothing(
        api: Api, method: str, path: str, body: Any) -> None:
    syncer = api.web.services.syncer = FakeSyncer()
    before, revision = _state(api), api.revision()
    dry = api.write(method, f"{path}?dry_run=true", body)
    assert dry.status_code in (200, 201), dry.json
    assert dry.json is not None and dry.json["dry_run"] is True
    assert dry.json["status"] == "saved" and dry.json["changes"], dry.json
    assert dry.json["message"].startswith("Dry run")
    assert "Location" not in dry.headers or dry.status_code == 201
    assert _state(api) == before and api.revision() == revision and syncer.calls == []
    real = api.write(method, path, body)
    assert real.status_code == dry.status_code, real.json
    assert real.json is not None and real.json["dry_run"] is False
    assert dry.headers["ETag"] == real.headers["ETag"] == f'"{api.revision()}"'
    for key in ("revision", "summary", "changes"):
        assert dry.json[key] == real.json[key], key
    assert syncer.calls == ["after_save"]


def test_a_dry_run_names_the_findings_the_write_would_add(api: Api) -> None:
    dry = api.write("PATCH", "/virtual-servers/mail?dry_run=true", {"pmask": "255.255.255.0"})
    assert dry.status_code == 200 and dry.json is not None
    assert [f["code"] for f in dry.json["findings"]] == ["pmask-without-persistence"]


def test_a_dry_run_is_refused_like_the_write(api: Api) -> None:
    before = _state(api)
    invalid = api.write("PATCH", "/virtual-servers/web?dry_run=true", {"timeout": "0"})
    assert invalid.status_code == 422 and invalid.json is not None
    assert invalid.json["findings"][0]["key"] == "timeout"
    old = api.revision()
    assert api.write("PATCH", "/virtual-servers/web", {"port": "81"}).status_code == 200
    stale = api.write("PATCH", "/virtual-servers/web?dry_run=true", {"port": "82"}, old)
    assert stale.status_code == 412
    missing = api.write("DELETE", "/virtual-servers/nothing?dry_run=true")
    assert missing.status_code == 404
    assert api.write("DELETE", "/virtual-servers/mail?dry_run=2").status_code == 422
    assert _state(api)[2] == before[2] + 1


# ------------------------------------------------------------------ If-Match (RFC 9110)

def _if_match(api: Api, value: str, port: str = "8080") -> int:
    return api.client.patch("/api/v1/virtual-servers/web", json={"port": port}, headers={
        **api.headers(), "If-Match": value}).status_code


def test_if_match_star_a_list_and_weak_tags_follow_rfc_9110(api: Api) -> None:
    current = api.revision()
    assert _if_match(api, f'W/"{current}"') == 412  # strong comparison: weak never matches
    assert _if_match(api, f'"nothing", W/"{current}"') == 412
    assert _if_match(api, current) == 400  # not a quoted entity-tag
    assert _if_match(api, '"a" junk') == 400
    assert api.revision() == current
    assert _if_match(api, f'"nothing", "{current}"', "8081") == 200
    assert _if_match(api, "*", "8082") == 200  # lvs.cf exists: any revision
    assert "port = 8082" in api.web.config.read_text()


class SignallingLock:
    """The save lock, telling when somebody waits for it (so a test knows a request is
    between its If-Match check and its save)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waiting = threading.Event()

    def __enter__(self) -> None:
        self.waiting.set()
        self.lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


def test_two_writes_based_on_one_revision_conflict_whenever_they_land(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole-file ETags, strictly: the second write based on a revision is 412 whether it
    arrives after the first saved or while the first is saving (no rebase)."""
    revision = api.revision()
    first = api.write("PATCH", "/virtual-servers/web", {"port": "8080"}, revision)
    assert first.status_code == 200
    other = api.write("PATCH", "/virtual-servers/mail", {"port": "26"}, revision)
    assert other.status_code == 412 and other.json is not None
    assert other.json["revision"] == api.revision()
    # the same at the same moment: the request passes If-Match, then a save of another
    # block lands before it holds the save lock
    lock = SignallingLock()
    monkeypatch.setattr(save_service, "SAVING", lock)
    revision = api.revision()
    results: dict[str, Any] = {}
    lock.lock.acquire()
    try:
        thread = threading.Thread(target=lambda: results.setdefault("mail", api.write(
            "PATCH", "/virtual-servers/mail", {"port": "27"}, revision)))
        thread.start()
        assert lock.waiting.wait(10)
        text = api.web.config.read_text().replace("port = 8080", "port = 8090")
        api.web.config.write_text(text)
    finally:
        lock.lock.release()
    thread.join(10)
    assert results["mail"].status_code == 412, results["mail"].json
    assert results["mail"].json["revision"] == api.revision()
    assert "port = 27" not in api.web.config.read_text()


def test_a_404_carries_the_current_revision(api: Api) -> None:
    for response in (api.get("/virtual-servers/nothing"),
                     api.write("PATCH", "/virtual-servers/nothing", {"port": "1"})):
        assert response.status_code == 404 and response.json is not None
        assert response.json["revision"] == api.revision()
        assert response.headers["ETag"] == f'"{api.revision()}"'


# ------------------------------------------------------------------ batches

def _batch(api: Api, operations: list[dict[str, Any]], query: str = "",
           revision: str | None = None) -> Any:
    return api.write("POST", f"/batch{query}", {"operations": operations}, revision)


def test_the_desired_state_flow_is_one_revision_one_history_entry_one_sync(api: Api) -> None:
    syncer = api.web.services.syncer = FakeSyncer()
    before = _state(api)
    dry = _batch(api, DESIRED, "?dry_run=true")
    assert dry.status_code == 200 and dry.json is not None, dry.json
    assert dry.json["dry_run"] is True and _state(api) == before and syncer.calls == []
    response = _batch(api, DESIRED)
    assert response.status_code == 200, response.json
    body = response.json
    assert body is not None and body["status"] == "saved"
    assert body["revision"] == dry.json["revision"] == api.revision()
    assert body["changes"] == dry.json["changes"]
    assert [op["location"] for op in body["operations"][:2]] == [
        "/api/v1/virtual-servers/ftp", "/api/v1/virtual-servers/ftp/real-servers/ftp1"]
    after = _state(api)
    assert before[1] == 0 and after[1] == 2  # the original and one saved revision
    assert after[2] == before[2] + 1  # one save in the audit trail
    assert syncer.calls == ["after_save"]  # one copy to the backup router
    assert "server ftp3 {" in api.web.config.read_text()
    assert not [f for f in check_text(api.web.config.read_text()) if f.is_error]
    ftp = api.get("/virtual-servers/ftp").json
    assert ftp is not None and ftp["active"] is True
    monitoring = api.get("/virtual-servers/ftp/monitoring").json
    assert monitoring is not None and monitoring["expect"] == "220"
    servers = api.get("/virtual-servers/ftp/real-servers").json
    assert servers is not None and [s["active"] for s in servers["real_servers"]] == [True] * 3


def test_the_batch_writes_what_the_same_operations_write_one_by_one(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    alone, together = build_api(tmp_path / "a"), build_api(tmp_path / "b")
    for op in DESIRED:
        response = alone.write(op["method"], op["path"], op.get("body"))
        assert response.status_code in (200, 201), response.json
    assert _batch(together, DESIRED).status_code == 200
    alone_text = alone.web.config.read_text().replace("serial_no = 16", "serial_no = 8")
    assert together.web.config.read_text() == alone_text


@pytest.mark.parametrize(("operation", "status", "words"), [
    ({"method": "DELETE", "path": "/virtual-servers/nothing"}, 404, "Operation 1"),
    ({"method": "PATCH", "path": "/virtual-servers/web", "body": {"timeout": "0"}}, 422, ""),
    ({"method": "PATCH", "path": "/virtual-servers/web", "body": {"weight": 5}}, 422,
     "schema"),
    ({"method": "PATCH", "path": "/virtual-servers/web"}, 422, "needs a body"),
    ({"method": "DELETE", "path": "/virtual-servers/web", "body": {}}, 422, "no body"),
    ({"method": "POST", "path": "/sync"}, 422, "cannot be part of a batch"),
    ({"method": "POST", "path": "/batch", "body": {"operations": []}}, 422, "cannot be part"),
    ({"method": "DELETE", "path": "/nothing"}, 422, "no such operation"),
    ({"method": "DELETE", "path": "/virtual-servers/web?dry_run=true"}, 422, "no query"),
    ({"method": "PATCH", "path": "/config", "body": {}}, 422, "no such operation"),
    ({"method": "POST", "path": "/virtual-servers",
      "body": {"name": "web", "address": "192.0.2.9 eth0:9"}}, 409, "already"),
])
def test_one_refused_operation_refuses_the_whole_batch(
        api: Api, operation: dict[str, Any], status: int, words: str) -> None:
    before = _state(api)
    first = {"method": "PATCH", "path": "/virtual-servers/mail", "body": {"port": "26"}}
    response = _batch(api, [first, operation])
    assert response.status_code == status, response.json
    assert response.content_type == "application/problem+json"
    assert response.json is not None and words in response.json["detail"]
    assert _state(api) == before


def test_an_operator_batch_is_judged_operation_by_operation(tmp_path: Path) -> None:
    api = build_api(tmp_path)
    api.web.services.accounts.add("otto", "long enough password", Role.OPERATOR)
    _, token = TokenStore(api.web.state_dir).create("otto")
    before = _state(api)

    def batch(operations: list[dict[str, Any]]) -> Any:
        return api.client.post("/api/v1/batch", json={"operations": operations},
                               headers=api.headers(api.revision(), token))

    allowed: list[dict[str, Any]] = [
               {"method": "POST", "path": "/virtual-servers/mail/activate"},
               {"method": "PATCH", "path": "/virtual-servers/web/real-servers/rs1",
                "body": {"weight": "4"}}]
    refused = batch([*allowed, {"method": "PATCH", "path": "/virtual-servers/web/real-servers/"
                                "rs1", "body": {"address": "10.0.0.9"}}])
    assert refused.status_code == 403 and refused.json is not None
    assert "Operation 2" in refused.json["detail"]
    refused = batch([*allowed, {"method": "DELETE", "path": "/virtual-servers/web"}])
    assert refused.status_code == 403
    assert _state(api) == before
    assert batch(allowed).status_code == 200
    assert "weight = 4" in api.web.config.read_text()


def test_a_batch_needs_if_match_and_is_refused_when_stale(api: Api) -> None:
    old = api.revision()
    no_header = api.client.post("/api/v1/batch", json={"operations": DESIRED},
                                headers=api.headers())
    assert no_header.status_code == 428
    assert api.write("PATCH", "/virtual-servers/web", {"port": "81"}).status_code == 200
    before = _state(api)
    assert _batch(api, DESIRED, revision=old).status_code == 412
    assert _batch(api, []).status_code == 422
    assert _state(api) == before


# ------------------------------------------------------------------ small write answers

def _many_warnings(count: int) -> str:
    """BASE plus ``count`` virtual servers with a pmask but no persistence (one warning
    each)."""
    blocks = "".join(
        f"virtual v{n} {{\n     active = 0\n     address = 192.0.2.{100 + n % 100} eth0:{n}\n"
        f"     port = {1000 + n}\n     pmask = 255.255.255.0\n}}\n" for n in range(count))
    return BASE + blocks


def test_a_one_field_write_answers_what_it_changed_not_every_warning(tmp_path: Path) -> None:
    web = build_web(tmp_path, _many_warnings(300))
    _, token = TokenStore(web.state_dir).create("piranha", "tests")
    api = Api(web, web.app.test_client(), token)
    assert len(check_text(web.config.read_text())) >= 300
    quiet = api.write("PATCH", "/virtual-servers/web", {"port": "8080"})
    assert quiet.status_code == 200 and quiet.json is not None
    assert quiet.json["findings"] == quiet.json["resolved"] == []
    assert quiet.json["warnings"] == [] and quiet.json["warnings_total"] >= 300
    assert len(quiet.get_data()) < 2000
    added = api.write("PATCH", "/virtual-servers/mail", {"pmask": "255.255.255.0"})
    assert added.json is not None and added.json["resolved"] == []
    assert [(f["code"], f["where"]) for f in added.json["findings"]] == [
        ("pmask-without-persistence", "virtual mail")]
    removed = api.write("PATCH", "/virtual-servers/v7", {"persistent": "60"})
    assert removed.json is not None and removed.json["findings"] == []
    assert [(f["code"], f["where"]) for f in removed.json["resolved"]] == [
        ("pmask-without-persistence", "virtual v7")]
    dry = api.write("PATCH", "/virtual-servers/v8?dry_run=true", {"persistent": "60"})
    assert dry.json is not None and [f["where"] for f in dry.json["resolved"]] == ["virtual v8"]
    assert len(api.get("/findings").json["findings"]) >= 300  # type: ignore[index]
