"""A request must have its operation's documented shape before its role is decided.

The role policy is property-tested: for every operation that changes lvs.cf, every role and
every body shape, lvs.cf changes only when this file's own statement of the policy allows it
(``SPEC``), and a body that is not one JSON object is refused with 400/415 for every role.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from piranha_web.accounts import Role
from piranha_web.tokens import TokenStore
from piranha_web.web import policy
from piranha_web.web.api import auth
from tests.web.api.conftest import Api, build_api
from tests.web.conftest import BASE

RS1 = "/virtual-servers/web/real-servers/rs1"


def _weight_only(changed: set[str]) -> Role:
    return Role.OPERATOR if changed <= {"weight"} else Role.ADMIN


#: (method, path) -> the role needed, or a function of the keys whose value the body changes;
#: the field values a body may draw for it
SPEC: dict[tuple[str, str], tuple[Role | Callable[[set[str]], Role], dict[str, list[object]]]] = {
    ("PATCH", RS1): (_weight_only, {
        "weight": ["1", "7", 3], "address": ["10.0.0.1", "10.9.9.9"],
        "port": [None, "8080"], "name": ["rs1"], "bogus": ["x"]}),
    ("PATCH", "/virtual-servers/web"): (Role.ADMIN, {"port": ["80", "81"], "timeout": ["7"]}),
    ("PATCH", "/global-settings"): (Role.ADMIN, {"tcp_timeout": ["5", "6"]}),
    ("PATCH", "/redundancy"): (Role.ADMIN, {"keepalive": ["3", "4"]}),
    ("PATCH", "/virtual-servers/web/monitoring"): (Role.ADMIN, {"expect": ["x", "HTTP"]}),
    ("POST", "/virtual-servers/web/real-servers"): (Role.ADMIN, {
        "name": ["n1", "n2"], "address": ["10.0.0.50", "10.0.0.51"]}),
    ("PUT", "/config"): (Role.ADMIN, {"text": [BASE, BASE.replace("port = 80", "port = 82")]}),
    ("POST", "/virtual-servers"): (Role.ADMIN, {
        "name": ["v1", "v2"], "address": ["192.0.2.41 eth0:4", "192.0.2.42 eth0:5"]}),
    ("POST", "/findings"): (Role.VIEWER, {"text": ["serial_no = 1\n"]}),
    ("POST", "/virtual-servers/mail/activate"): (Role.OPERATOR, {}),
    ("POST", "/virtual-servers/mail/deactivate"): (Role.OPERATOR, {}),
    ("POST", "/virtual-servers/web/real-servers/rs2/activate"): (Role.OPERATOR, {}),
    ("POST", "/virtual-servers/web/real-servers/rs2/deactivate"): (Role.OPERATOR, {}),
    ("DELETE", "/virtual-servers/mail"): (Role.ADMIN, {}),
    ("DELETE", "/virtual-servers/web/real-servers/rs2"): (Role.ADMIN, {}),
    ("POST", "/history/FIRST/restore"): (Role.ADMIN, {}),
    ("POST", "/sync"): (Role.OPERATOR, {}),
    ("POST", "/addresses/10.0.0.2/deactivate"): (Role.OPERATOR, {}),
    ("POST", "/addresses/10.0.0.2/activate"): (Role.OPERATOR, {}),
}
#: operations left out: they change no file and would contact the real servers
NOT_HERE = {("POST", "/virtual-servers/{virtual}/probe"),
            ("POST", "/virtual-servers/{virtual}/real-servers/{server}/probe"),
            # each of a batch's operations is judged by the same table as when sent alone
            # (test_batch_and_dry_run.py)
            ("POST", "/batch"),
            # tokens, not lvs.cf: admins only (test_contract.py's token test)
            ("POST", "/tokens"), ("DELETE", "/tokens/{token_id}"),
            # keepalived.conf, not lvs.cf: admins only (test_keepalived_apply.py)
            ("POST", "/keepalived/apply"),
            # sync settings and host keys, not lvs.cf: admins only (test_host_key.py)
            ("PATCH", "/sync/settings"), ("POST", "/sync/host-key")}
SHAPES = ("object", "string", "array", "number", "null", "not-json", "nested", "form",
          "text/plain", "none")


def tokens_of(api: Api) -> dict[Role, str]:
    found = {Role.ADMIN: api.token}
    for name, role in (("vera", Role.VIEWER), ("otto", Role.OPERATOR)):
        api.web.services.accounts.add(name, "long enough password", role)
        found[role] = TokenStore(api.web.state_dir).create(name)[1]
    return found


def send(api: Api, token: str, method: str, path: str, shape: str,
         fields: dict[str, object]) -> TestResponse:
    """``fields`` sent in the body shape ``shape`` (with If-Match of the current revision)."""
    headers = api.headers(api.revision(), token=token)
    as_json = json.dumps(fields)
    bodies: dict[str, tuple[str, str]] = {
        "object": (as_json, "application/json"),
        "string": (json.dumps(as_json), "application/json"),
        "array": (json.dumps([fields]), "application/json"),
        "number": ("5", "application/json"),
        "null": ("null", "application/json"),
        "not-json": ("{'weight': 5}", "application/json"),
        "nested": ("[" * 100_000 + "]" * 100_000, "application/json"),
        "form": ("&".join(f"{k}={v}" for k, v in fields.items()) or "a=b",
                 "application/x-www-form-urlencoded"),
        "text/plain": (as_json, "text/plain"),
    }
    if "FIRST" in path:  # the oldest revision in the history
        path = path.replace("FIRST", api.web.services.history.revisions()[-1].revision)
    if shape == "none":
        return api.client.open(f"/api/v1{path}", method=method, headers=headers)
    data, content_type = bodies[shape]
    return api.client.open(f"/api/v1{path}", method=method, headers=headers, data=data,
                           content_type=content_type)


def current_rs1(api: Api) -> dict[str, object]:
    body = api.get(RS1).json
    assert isinstance(body, dict)
    return body


@st.composite
def requests(draw: st.DrawFn) -> tuple[tuple[str, str], Role, str, dict[str, object]]:
    operation = draw(st.sampled_from(sorted(SPEC)))
    choices = SPEC[operation][1]
    keys = draw(st.lists(st.sampled_from(sorted(choices)), unique=True)) if choices else []
    fields = {k: draw(st.sampled_from(choices[k])) for k in keys}
    documented = "object" if choices else "none"  # drawn half of the time
    shape = draw(st.one_of(st.just(documented), st.sampled_from(SHAPES)))
    return operation, draw(st.sampled_from(list(Role))), shape, fields


@pytest.fixture(scope="module")
def policy_api(tmp_path_factory: pytest.TempPathFactory) -> tuple[Api, dict[Role, str]]:
    api = build_api(tmp_path_factory.mktemp("policy"))
    saved = api.write("PATCH", "/virtual-servers/web", {"timeout": "7"})  # history: 2 entries
    assert saved.status_code == 200 and len(api.web.services.history.revisions()) == 2
    return api, tokens_of(api)


@settings(max_examples=200, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=requests())
def test_lvs_cf_changes_only_when_the_policy_allows_it(
        policy_api: tuple[Api, dict[Role, str]],
        request: tuple[tuple[str, str], Role, str, dict[str, object]]) -> None:
    api, tokens = policy_api
    (method, path), role, shape, fields = request
    rule, choices = SPEC[(method, path)]
    if isinstance(rule, Role):
        needed = rule
    else:
        now = current_rs1(api)
        needed = rule({k for k, v in fields.items()
                       if ("" if v is None else str(v)) != (now.get(k) or "")})
    before = api.web.config.read_bytes()
    response = send(api, tokens[role], method, path, shape, fields)
    changed = api.web.config.read_bytes() != before
    event(f"{response.status_code} {shape} changed={changed}")
    takes_body = bool(choices)
    well_formed = shape == "object" if takes_body else shape == "none"
    if not well_formed:
        assert response.status_code in (400, 415), (response.status_code, response.json)
        assert response.content_type == "application/problem+json"
    elif role < needed:  # a rule on the changes decides after the schema (422 first)
        refusals = (403,) if isinstance(rule, Role) else (403, 422)
        assert response.status_code in refusals, (response.status_code, response.json)
    assert not changed or (well_formed and role >= needed), response.json
    valid = all(v != "x" or k == "expect" for k, v in fields.items()) and not any(
        isinstance(v, int) for v in fields.values())
    if well_formed and role >= needed and valid:
        assert response.status_code < 500 and response.status_code not in (400, 403, 415)
        if takes_body and method == "PATCH":  # the values drawn are valid ones
            assert response.status_code == 200, response.json


def template(path: str) -> str:
    path = re.sub(r"/virtual-servers/(web|mail)\b", "/virtual-servers/{virtual}", path)
    path = re.sub(r"/real-servers/rs\d", "/real-servers/{server}", path)
    path = path.replace("/addresses/10.0.0.2", "/addresses/{address}")
    return path.replace("/history/FIRST", "/history/{revision}")


def test_the_policy_test_covers_every_operation_that_may_write(api: Api) -> None:
    document = api.get("/openapi.json").json
    assert document is not None
    writes = {(method.upper(), path.removeprefix("/api/v1"))
              for path, item in document["paths"].items() for method in item
              if method != "get"}
    assert writes == {(m, template(p)) for m, p in SPEC} | NOT_HERE
    urls = api.web.app.url_map.bind("localhost")
    for (method, path), (rule, _) in SPEC.items():  # the code's table says the same
        endpoint, _ = urls.match(f"/api/v1{path}", method)
        if isinstance(rule, Role):
            assert policy.POLICY[endpoint][method] == rule, (method, path)
        else:
            assert policy.POLICY[endpoint][method] == Role.OPERATOR
            assert auth.CHANGE_RULES[endpoint](frozenset({"weight"})) == Role.OPERATOR
            assert auth.CHANGE_RULES[endpoint](frozenset({"weight", "port"})) == Role.ADMIN

def test_a_json_string_holding_an_object_is_400_for_every_role_and_writes_nothing(
        tmp_path: Path) -> None:
    api = build_api(tmp_path)
    before = api.web.config.read_bytes()
    for token in tokens_of(api).values():
        response = send(api, token, "PATCH", RS1, "string", {"address": "10.9.9.9"})
        assert response.status_code == 400, response.json
        assert response.content_type == "application/problem+json"
        assert "one JSON object" in response.get_data(as_text=True)
    assert api.web.config.read_bytes() == before


def test_an_operator_changes_a_weight_but_nothing_beside_it(tmp_path: Path) -> None:
    api = build_api(tmp_path)
    operator = tokens_of(api)[Role.OPERATOR]
    before = api.web.config.read_bytes()
    both = send(api, operator, "PATCH", RS1, "object", {"weight": "4", "address": "10.9.9.9"})
    assert both.status_code == 403 and "address" in both.get_data(as_text=True)
    assert api.web.config.read_bytes() == before
    renamed = send(api, operator, "PATCH", RS1, "object", {"name": "rs9"})
    assert renamed.status_code == 403
    # a field sent with the value it has already is no change: the weight alone is written
    same = send(api, operator, "PATCH", RS1, "object", {"weight": 4.5, "address": "10.0.0.1"})
    assert same.status_code == 422  # strict schema: a weight is an integer (or its text)
    saved = send(api, operator, "PATCH", RS1, "object", {"weight": "4", "address": "10.0.0.1",
                                                         "name": "rs1"})
    assert saved.status_code == 200, saved.json
    assert current_rs1(api)["weight"] == 4


@pytest.mark.parametrize("body", ["[" * 50_000 + "]" * 50_000,
                                  '{"text": ' + "[" * 5_000 + "]" * 5_000 + "}",
                                  '{"a":' * 40 + "1" + "}" * 40])
def test_deeply_nested_json_is_400_not_a_server_error(api: Api, body: str) -> None:
    for path in ("/findings", "/config"):
        response = api.client.open(f"/api/v1{path}", method="POST" if path == "/findings"
                                   else "PUT", data=body, content_type="application/json",
                                   headers=api.headers(api.revision()))
        assert response.status_code == 400, response.get_data(as_text=True)[:200]
        assert "nests deeper" in response.get_data(as_text=True)


def test_json_just_within_the_nesting_bound_reaches_schema_validation(api: Api) -> None:
    body = '{"text": ' + "[" * 31 + "]" * 31 + "}"
    response = api.client.post("/api/v1/findings", data=body, content_type="application/json",
                               headers=api.headers())
    assert response.status_code == 422  # parsed, then refused by the schema


@pytest.mark.parametrize(("method", "path"), [
    ("PATCH", "/virtual-servers/web?dryRun=All"),
    ("PUT", "/config?validate_only=1"),
    ("POST", "/virtual-servers/mail/activate?dry-run=true"),
    ("DELETE", "/virtual-servers/mail?force=1"),
    ("GET", "/config?x=1"),
    ("GET", "/virtual-servers?active=true&sort=name"),
    ("POST", "/sync?force=false&dry=1"),
])
def test_an_unknown_query_parameter_is_400_and_nothing_is_done(
        api: Api, method: str, path: str) -> None:
    before = api.web.config.read_bytes()
    body = {"text": "serial_no = 1\n"} if path.startswith("/config") else (
        {"port": "81"} if method == "PATCH" else None)
    response = api.write(method, path, body)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    assert "Unknown query parameter" in response.get_data(as_text=True)
    assert api.web.config.read_bytes() == before


def test_documented_query_parameters_still_work(api: Api) -> None:
    listed = api.get("/virtual-servers?active=true").json
    assert listed is not None and [v["name"] for v in listed["virtual_servers"]] == ["web"]
    assert api.get("/keepalived?router=backup").status_code == 200


def test_an_operation_without_a_body_refuses_one(api: Api) -> None:
    before = api.web.config.read_bytes()
    response = api.write("POST", "/virtual-servers/mail/activate", {"active": False})
    assert response.status_code == 400 and "takes no body" in response.get_data(as_text=True)
    assert api.web.config.read_bytes() == before


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "application/json-patch+json", ""])
def test_a_body_of_another_media_type_is_415(api: Api, content_type: str) -> None:
    before = api.web.config.read_bytes()
    response = api.client.patch("/api/v1/virtual-servers/web", data='{"port": "81"}',
                                content_type=content_type or None,
                                headers=api.headers(api.revision()))
    assert response.status_code == 415, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    assert api.web.config.read_bytes() == before
