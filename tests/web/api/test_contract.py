"""The published contract as generated clients read it: read and write shapes agree, PATCH is
JSON Merge Patch without null defaults, names, ETag/Location headers and servers declared."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from piranha_web.accounts import Role
from piranha_web.tokens import TokenStore
from tests.web.api.conftest import Api
from tests.web.conftest import BASE, build_web

RESOURCES = ["/virtual-servers/web", "/virtual-servers/web/real-servers/rs1",
             "/virtual-servers/web/monitoring", "/global-settings", "/redundancy"]


def _document(api: Api) -> dict[str, Any]:
    found: dict[str, Any] | None = api.get("/openapi.json").json
    assert found is not None
    return found


@pytest.mark.parametrize("path", RESOURCES)
def test_a_get_body_patched_back_unchanged_changes_nothing(api: Api, path: str) -> None:
    before = api.web.config.read_bytes()
    body = api.get(path).json
    response = api.write("PATCH", path, body)
    assert response.status_code == 200, response.json
    assert response.json is not None and response.json["status"] == "unchanged"
    assert api.web.config.read_bytes() == before


@pytest.mark.parametrize(("path", "field", "value", "line"), [
    ("/global-settings", "debug_level", "LOW", "debug_level = LOW"),
    ("/global-settings", "service", "fos", "service = fos"),
    ("/redundancy", "heartbeat", 1, "heartbeat = 1"),
    ("/virtual-servers/mail", "active", True, "     active = 1"),
    ("/virtual-servers/web/real-servers/rs1", "active", False, "         active = 0"),
])
def test_the_keys_a_get_shows_can_be_changed(api: Api, path: str, field: str, value: Any,
                                             line: str) -> None:
    response = api.write("PATCH", path, {field: value})
    assert response.status_code == 200, response.json
    assert line in api.web.config.read_text().splitlines()
    assert api.get(path).json[field] == value  # type: ignore[index]


def test_a_merge_patch_leaves_out_keys_unchanged_and_null_removes_one(api: Api) -> None:
    response = api.client.patch(
        "/api/v1/virtual-servers/web/monitoring", data='{"expect": null}',
        content_type="application/merge-patch+json", headers=api.headers(api.revision()))
    assert response.status_code == 200, response.json
    text = api.web.config.read_text()
    assert 'expect = "HTTP"' not in text and 'send = "GET / HTTP/1.0' in text
    assert api.client.post("/api/v1/virtual-servers", data='{"name": "x"}',
                           content_type="application/merge-patch+json",
                           headers=api.headers(api.revision())).status_code == 415


def test_patch_models_have_no_null_defaults_and_patch_is_a_merge_patch(api: Api) -> None:
    document = _document(api)
    schemas = document["components"]["schemas"]
    patches = [name for name in schemas if name.endswith("Patch")]
    assert len(patches) == 6
    for name in patches:
        for key, prop in schemas[name]["properties"].items():
            assert "default" not in prop, (name, key)
    for item in document["paths"].values():
        if "patch" in item:
            assert "application/merge-patch+json" in item["patch"]["requestBody"]["content"]


def test_operations_have_readable_ids_descriptions_headers_and_a_server(api: Api) -> None:
    document = _document(api)
    assert document["servers"] == [{"url": "/", "description": "This router's piranha-web."}]
    ids = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            ids.append(operation["operationId"])
            assert operation["description"], (method, path)
            for status, response in operation["responses"].items():
                if status in ("200", "201") and path != "/api/v1/openapi.json":
                    assert "ETag" in response["headers"], (method, path)
                if status == "201":
                    assert "Location" in response["headers"], (method, path)
    assert len(ids) == len(set(ids))
    assert {"list_virtual_servers", "update_real_server", "batch"} <= set(ids)
    assert max(len(i) for i in ids) <= 40


def test_numbers_are_integers_and_choices_are_enums(api: Api) -> None:
    response = api.write("PATCH", "/virtual-servers/web/real-servers/rs1", {"weight": 5})
    assert response.status_code == 200, response.json
    assert "         weight = 5" in api.web.config.read_text().splitlines()  # as the GUI writes
    assert api.get("/virtual-servers/web/real-servers/rs1").json["weight"] == 5  # type: ignore[index]
    before = api.web.config.read_bytes()
    for body in ({"scheduler": "fastest"}, {"protocol": "sctp"}, {"timeout": 1.5},
                 {"quiesce_server": True}):
        refused = api.write("PATCH", "/virtual-servers/web", body)
        assert refused.status_code == 422, body
    assert api.write("PATCH", "/global-settings", {"network": "bridge"}).status_code == 422
    assert api.web.config.read_bytes() == before
    schemas = _document(api)["components"]["schemas"]
    patch = schemas["VirtualServerPatch"]["properties"]
    assert {"type": "integer"} in patch["timeout"]["anyOf"]
    assert {"enum": ["rr", "wlc", "wrr", "lc", "lblc", "lblcr", "dh", "sh", "sed", "nq"],
            "type": "string"} in patch["scheduler"]["anyOf"] or "enum" in str(patch["scheduler"])


def test_a_value_that_is_not_a_plain_integer_is_read_as_its_text(api: Api) -> None:
    text = api.web.config.read_text().replace("weight = 2", "weight = 010")
    assert api.write("PUT", "/config", {"text": text}).status_code == 200
    rs2 = api.get("/virtual-servers/web/real-servers/rs2").json
    assert rs2 is not None and rs2["weight"] == "010"
    before = api.web.config.read_bytes()
    back = api.write("PATCH", "/virtual-servers/web/real-servers/rs2", rs2)
    assert back.status_code == 200 and api.web.config.read_bytes() == before


# ------------------------------------------------------------------ lists: paging and q

def _many_virtuals(count: int) -> str:
    blocks = "".join(
        f"virtual v{n} {{\n     active = {n % 2}\n     address = 192.0.2.{100 + n % 100} "
        f"eth0:{n}\n     port = {1000 + n}\n     server r{n} {{\n         address = 10.1.0.{n}"
        f"\n     }}\n}}\n" for n in range(count))
    return BASE + blocks


def test_lists_page_with_limit_and_a_next_link_keeping_the_filters(tmp_path: Path) -> None:
    web = build_web(tmp_path, _many_virtuals(25))
    api = Api(web, web.app.test_client(), TokenStore(web.state_dir).create("piranha")[1])
    names: list[str] = []
    url: str | None = "/api/v1/virtual-servers?limit=10&active=false"
    pages = 0
    while url is not None:
        page = api.client.get(url, headers=api.headers()).json
        assert page is not None
        assert len(page["virtual_servers"]) <= 10
        names += [vs["name"] for vs in page["virtual_servers"]]
        url, pages = page["next"], pages + 1
    assert names == ["mail", *(f"v{n}" for n in range(0, 25, 2))] and pages == 2
    exact = api.get("/virtual-servers?limit=2&q=eth0:1").json
    assert exact is not None and [vs["name"] for vs in exact["virtual_servers"]] == ["web", "v1"]
    assert exact["next"] is not None and "q=eth0" in exact["next"]
    found = api.get("/virtual-servers?q=1024").json
    assert found is not None and [vs["name"] for vs in found["virtual_servers"]] == ["v24"]
    assert api.get("/virtual-servers?q=V24").json["virtual_servers"][0]["port"] == 1024  # type: ignore[index]
    servers = api.get("/virtual-servers/web/real-servers?limit=1").json
    assert servers is not None and [s["name"] for s in servers["real_servers"]] == ["rs1"]
    following = api.client.get(servers["next"], headers=api.headers()).json
    assert following is not None and [s["name"] for s in following["real_servers"]] == ["rs2"]
    assert following["next"] is None
    assert api.get("/virtual-servers/web/real-servers?q=10.0.0.2").json[  # type: ignore[index]
        "real_servers"][0]["name"] == "rs2"
    for query in ("limit=0", "limit=1001", "cursor=nothing", "limit=x"):
        response = api.get(f"/virtual-servers?{query}")
        assert response.status_code in (400, 422), query
        assert response.content_type == "application/problem+json"


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/virtual-servers", {"name": "mail", "address": "192.0.2.40 eth0:4"}),
    ("POST", "/virtual-servers/web/real-servers", {"name": "rs2", "address": "10.0.0.9"}),
    ("PATCH", "/virtual-servers/web", {"name": "mail"}),
    ("PATCH", "/virtual-servers/web/real-servers/rs1", {"name": "rs2"}),
])
def test_a_duplicate_name_is_409_and_nothing_is_written(api: Api, method: str, path: str,
                                                        body: dict[str, Any]) -> None:
    before = api.web.config.read_bytes()
    response = api.write(method, path, body)
    assert response.status_code == 409, response.json
    assert response.content_type == "application/problem+json"
    assert response.json is not None and response.json["revision"] == api.revision()
    assert api.web.config.read_bytes() == before


# ------------------------------------------------------------------ operations surface

def test_health_says_live_and_whether_lvs_cf_parses(api: Api) -> None:
    healthy = api.get("/health")
    assert healthy.status_code == 200 and healthy.json == {
        "live": True, "parses": True, "revision": api.revision()}
    api.web.config.write_text(api.web.config.read_text() + "virtual broken {\n")
    broken = api.get("/health")
    assert broken.status_code == 503 and broken.content_type == "application/problem+json"
    assert broken.json is not None and broken.json["findings"]


def test_audit_lists_entries_with_filters_for_admins_only(api: Api) -> None:
    assert api.write("PATCH", "/virtual-servers/web", {"port": 81}).status_code == 200
    saves = api.get("/audit?kind=save").json
    assert saves is not None and len(saves["entries"]) == 1
    entry = saves["entries"][0]
    assert entry["user"] == "piranha" and entry["details"]["cause"] == "api"
    assert api.get(f"/audit?since={entry['ts'] + 1}&kind=save").json == {"entries": []}
    assert api.get("/audit?user=nobody").json == {"entries": []}
    assert api.get("/audit?limit=0").status_code == 422
    api.web.services.accounts.add("vera", "long enough password", Role.VIEWER)
    viewer = TokenStore(api.web.state_dir).create("vera")[1]
    response = api.client.get("/api/v1/audit", headers=api.headers(token=viewer))
    assert response.status_code == 403


def test_the_whole_file_reads_and_writes_as_text_plain_byte_for_byte(api: Api) -> None:
    raw = api.client.get("/api/v1/config", headers={**api.headers(), "Accept": "text/plain"})
    assert raw.status_code == 200 and raw.mimetype == "text/plain"
    assert raw.get_data() == api.web.config.read_bytes()
    assert raw.headers["ETag"] == f'"{api.revision()}"'
    text = api.web.config.read_bytes().replace(b"port  =  25", b"port  =  26") + b"# caf\xc3\xa9\n"
    before = api.web.config.read_bytes()
    headers = {**api.headers(api.revision()), "Content-Type": "text/plain"}
    dry = api.client.put("/api/v1/config?dry_run=true", data=text, headers=headers)
    assert dry.status_code == 200 and dry.json is not None and dry.json["dry_run"] is True
    assert api.web.config.read_bytes() == before
    saved = api.client.put("/api/v1/config", data=text, headers=headers)
    assert saved.status_code == 200, saved.json
    assert api.web.config.read_bytes() == text.replace(b"serial_no = 7", b"serial_no = 8")
    assert saved.headers["ETag"] == dry.headers["ETag"]
    broken = api.client.put("/api/v1/config", data=b"virtual x {\n", headers={
        **api.headers(api.revision()), "Content-Type": "text/plain"})
    assert broken.status_code == 422 and broken.content_type == "application/problem+json"
    document = _document(api)
    put = document["paths"]["/api/v1/config"]["put"]["requestBody"]["content"]
    assert set(put) == {"application/json", "text/plain"}


def test_tokens_are_listed_created_once_and_revoked_with_audit_lines(api: Api) -> None:
    api.web.services.accounts.add("otto", "long enough password", Role.OPERATOR)
    created = api.client.post("/api/v1/tokens", json={"user": "otto", "label": "ci"},
                              headers=api.headers())
    assert created.status_code == 201 and created.json is not None
    token, token_id = created.json["token"], created.json["id"]
    assert api.client.get("/api/v1/config", headers=api.headers(token=token)).status_code == 200
    listed = api.get("/tokens?user=otto").json
    assert listed is not None and [t["id"] for t in listed["tokens"]] == [token_id]
    assert "token" not in listed["tokens"][0] and token not in str(api.get("/tokens").json)
    # an operator's token acts with the role of the moment: a role change re-scopes it
    assert api.client.get("/api/v1/tokens", headers=api.headers(token=token)).status_code == 403
    api.web.services.accounts.set_role("otto", Role.ADMIN)
    assert api.client.get("/api/v1/tokens", headers=api.headers(token=token)).status_code == 200
    api.web.services.accounts.set_password("otto", "another long password")
    assert api.client.get("/api/v1/config", headers=api.headers(token=token)).status_code == 401
    again = api.client.post("/api/v1/tokens", json={"user": "otto"}, headers=api.headers())
    assert again.json is not None
    revoked = api.client.delete(f"/api/v1/tokens/{again.json['id']}", headers=api.headers())
    assert revoked.status_code == 200
    assert api.client.get("/api/v1/config", headers=api.headers(
        token=again.json["token"])).status_code == 401
    assert api.client.delete(f"/api/v1/tokens/{again.json['id']}",
                             headers=api.headers()).status_code == 404
    assert api.client.post("/api/v1/tokens", json={"user": "nobody"},
                           headers=api.headers()).status_code == 422
    actions = [e["details"]["action"] for e in api.get("/audit?kind=user").json["entries"]  # type: ignore[index]
               if e["details"].get("via") == "api"]
    assert actions == ["token-revoke", "token-create", "token-create"]


@pytest.mark.parametrize(("method", "path", "accept", "status"), [
    ("GET", "/api/v1/config", "image/png", 406),
    ("PATCH", "/api/v1/virtual-servers/web", "text/html", 406),
    ("GET", "/api/v1/config", "application/*", 200),
    ("GET", "/api/v1/config", "*/*", 200),
    ("GET", "/api/v1/nothing", "application/json", 404),
    ("PUT", "/api/v1/virtual-servers", "application/json", 405),
])
def test_every_refusal_is_a_problem(api: Api, method: str, path: str, accept: str,
                                    status: int) -> None:
    before = api.web.config.read_bytes()
    response = api.client.open(path, method=method,
                               json={"port": 1} if method != "GET" else None,
                               headers={**api.headers(api.revision()), "Accept": accept})
    assert response.status_code == status, response.get_data(as_text=True)
    if status != 200:
        assert response.content_type == "application/problem+json"
        assert response.json is not None and response.json["status"] == status
    assert api.web.config.read_bytes() == before
