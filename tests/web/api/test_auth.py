"""Bearer tokens on every operation and method; roles per operation; no session, no CSRF."""

from __future__ import annotations

from pathlib import Path

from werkzeug.test import TestResponse

from piranha_web.accounts import Role
from piranha_web.tokens import TokenStore
from piranha_web.web import policy
from piranha_web.web.api import auth
from tests.web.api.conftest import Api, build_api
from tests.web.conftest import PASSWORD

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def operations(api: Api) -> list[tuple[str, str]]:
    spec = api.get("/openapi.json").json
    assert spec is not None
    found: list[tuple[str, str]] = []
    for path, item in spec["paths"].items():
        concrete = path.replace("{virtual}", "web").replace("{server}", "rs1")
        found.extend((method.upper(), concrete) for method in item)
    assert len(found) >= 25
    return found


def test_no_token_is_401_problem_on_every_operation_and_method(api: Api) -> None:
    paths = {path for _, path in operations(api)} | {"/api/v1/openapi.json", "/api/v1/nothing",
                                                      "/api/v1/", "/api/v2/config"}
    before = api.web.config.read_bytes()
    for path in sorted(paths):
        for method in METHODS:
            response = api.client.open(path, method=method, json={"text": ""},
                                       headers={"If-Match": '"x"'})
            assert response.status_code == 401, (method, path)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            if method != "HEAD":
                assert response.content_type == "application/problem+json"
    assert api.web.config.read_bytes() == before


def test_a_wrong_or_revoked_token_is_401_and_repeated_failures_are_throttled(
        tmp_path: Path) -> None:
    api = build_api(tmp_path)
    store = TokenStore(api.web.state_dir)
    info, token = store.create("piranha")
    assert api.client.get("/api/v1/config", headers=api.headers(token=token)).status_code == 200
    assert store.revoke("piranha", info.id)
    assert api.client.get("/api/v1/config", headers=api.headers(token=token)).status_code == 401
    statuses = [api.client.get("/api/v1/config", headers=api.headers(token=f"pwt_{n}")
                               ).status_code for n in range(5)]
    assert statuses[:3] == [401, 401, 401] and statuses[-1] == 429
    locked = api.client.get("/api/v1/config", headers=api.headers(token="pwt_x"))
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
    # a valid token from the same address is never refused for the wrong ones
    assert api.client.get("/api/v1/config", headers=api.headers()).status_code == 200


def test_the_session_cookie_is_never_accepted_by_the_api(tmp_path: Path) -> None:
    api = build_api(tmp_path)
    client = api.web.client()  # logged in through the login form
    assert client.get("/virtual/").status_code == 200
    assert client.get("/api/v1/config").status_code == 401
    response = client.get("/api/v1/config", headers=api.headers())
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_writes_need_no_csrf_token_but_the_web_still_does(tmp_path: Path) -> None:
    api = build_api(tmp_path, csrf=True)
    assert api.write("PATCH", "/virtual-servers/web", {"port": "81"}).status_code == 200
    browser = api.web.app.test_client()
    response = browser.post("/login", data={"username": "piranha", "password": PASSWORD})
    assert response.status_code == 400  # the login form itself needs its CSRF token


def test_a_token_of_a_user_without_a_password_is_refused(api: Api) -> None:
    api.web.services.accounts.add("ghost", "long enough password", Role.ADMIN)
    _, token = TokenStore(api.web.state_dir).create("ghost")
    api.web.services.passwords.remove("ghost")  # behind the tool's back: no account any more
    assert api.client.get("/api/v1/config", headers=api.headers(token=token)).status_code == 401


def test_every_api_route_is_in_the_webs_one_role_table(api: Api) -> None:
    app = api.web.app
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        assert rule.endpoint in policy.POLICY, rule.rule
        declared = auth.DECLARED[rule.endpoint]
        reads_only = rule.endpoint == "api.check_findings"  # validates a posted text
        if not reads_only and (rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}:
            assert declared != Role.VIEWER, rule.rule


def user_token(api: Api, user: str, role: Role) -> str:
    api.web.services.accounts.add(user, "long enough password", role)
    return TokenStore(api.web.state_dir).create(user)[1]


def call(api: Api, token: str, method: str, path: str, body: object = None) -> TestResponse:
    return api.client.open(f"/api/v1{path}", method=method, json=body,
                           headers=api.headers(api.revision(), token=token))


ADMIN_ONLY = [("PUT", "/config", {"text": "serial_no = 1\n"}),
              ("PATCH", "/global-settings", {"tcp_timeout": "5"}),
              ("PATCH", "/redundancy", {"keepalive": "3"}),
              ("POST", "/virtual-servers", {"name": "x", "address": "192.0.2.9 eth0:9"}),
              ("PATCH", "/virtual-servers/web", {"port": "1"}),
              ("DELETE", "/virtual-servers/mail", None),
              ("POST", "/virtual-servers/web/real-servers", {"name": "x", "address": "10.0.0.9"}),
              ("PATCH", "/virtual-servers/web/real-servers/rs1", {"address": "10.0.0.8"}),
              ("DELETE", "/virtual-servers/web/real-servers/rs1", None),
              ("PATCH", "/virtual-servers/web/monitoring", {"expect": "x"})]
OPERATOR = [("POST", "/virtual-servers/mail/activate", None),
            ("POST", "/virtual-servers/web/real-servers/rs1/deactivate", None),
            ("PATCH", "/virtual-servers/web/real-servers/rs2", {"weight": "5"})]


def test_a_viewer_token_reads_and_gets_403_on_every_write(api: Api) -> None:
    token = user_token(api, "vera", Role.VIEWER)
    before = api.web.config.read_bytes()
    assert call(api, token, "GET", "/virtual-servers/web").status_code == 200
    assert call(api, token, "POST", "/findings", {"text": ""}).status_code == 200
    for method, path, body in ADMIN_ONLY + OPERATOR + [("POST", "/sync", None)]:
        response = call(api, token, method, path, body)
        assert response.status_code == 403, (method, path)
        assert response.content_type == "application/problem+json"
    assert api.web.config.read_bytes() == before


def test_an_operator_token_may_what_the_webs_operator_may(api: Api) -> None:
    token = user_token(api, "otto", Role.OPERATOR)
    before = api.web.config.read_bytes()
    for method, path, body in ADMIN_ONLY:
        assert call(api, token, method, path, body).status_code == 403, (method, path)
    assert api.web.config.read_bytes() == before
    for method, path, body in OPERATOR:
        assert call(api, token, method, path, body).status_code == 200, (method, path)
    text = api.web.config.read_text()
    assert "weight = 5" in text and "address = 10.0.0.8" not in text


def test_deleting_the_user_ends_its_tokens(api: Api) -> None:
    token = user_token(api, "otto", Role.OPERATOR)
    assert call(api, token, "GET", "/config").status_code == 200
    api.web.services.accounts.delete("otto")
    assert api.client.get("/api/v1/config", headers=api.headers(token=token)).status_code == 401


def test_a_valid_token_is_never_refused_for_other_clients_wrong_tokens(api: Api) -> None:
    """Issue 20.6: every wrong token counted against one shared lock, checked before the
    token was looked at, so a junk token every 0.5 s kept a valid admin token at 429."""
    statuses = set()
    for n in range(60):
        for address in ("127.0.0.1", "192.0.2.77", f"198.51.100.{n}"):
            junk = api.client.get("/api/v1/config", headers=api.headers(token=f"pwt_{n}"),
                                  environ_base={"REMOTE_ADDR": address})
            statuses.add(junk.status_code)
        valid = api.client.get("/api/v1/config", headers=api.headers())
        assert valid.status_code == 200, (n, valid.json)
    assert statuses == {401, 429}  # the wrong ones are still slowed down


def test_routing_and_media_type_errors_are_problems(api: Api) -> None:
    for method, path, status in (("GET", "/api/v1/nothing", 404),
                                 ("DELETE", "/api/v1/config", 405),
                                 ("PUT", "/api/v1/findings", 405)):
        response = api.client.open(path, method=method, headers=api.headers())
        assert response.status_code == status, (method, path)
        assert response.content_type == "application/problem+json"
        assert response.json is not None and response.json["status"] == status
    response = api.client.post("/api/v1/findings", data="serial_no = 1\n",
                               content_type="text/plain", headers=api.headers())
    assert response.status_code == 415 and response.content_type == "application/problem+json"
