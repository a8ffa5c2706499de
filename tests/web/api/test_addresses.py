"""/api/v1/addresses/{address}: search, DRAIN (deactivate) and RETURN (activate), If-Match."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from werkzeug.test import TestResponse

from piranha_web.accounts import Role
from piranha_web.lvscf import parse
from piranha_web.tokens import TokenStore
from tests.web.api.conftest import Api, build_api

M2 = ("     reentry = 15\n}", "     reentry = 15\n     server m2 {\n"
      "         address = 10.0.0.2\n         active = 0\n         weight = 4\n     }\n}")


def of(response: TestResponse) -> Any:
    """The JSON body of an answer (there must be one)."""
    found = response.json
    assert found is not None
    return found


def _api(tmp_path: Path) -> Api:
    api = build_api(tmp_path)
    api.web.config.write_text(api.web.config.read_text().replace(*M2))
    return api


def test_get_lists_every_real_server_of_the_address(tmp_path: Path) -> None:
    api = _api(tmp_path)
    response = api.get("/addresses/10.0.0.2")
    assert response.status_code == 200
    body = of(response)
    assert body["address"] == "10.0.0.2" and body["drained"] is False
    assert [(r["virtual"], r["server"], r["port"], r["weight"], r["active"])
            for r in body["real_servers"]] == [("web", "rs2", 80, 2, True),
                                               ("mail", "m2", 25, 4, False)]
    assert response.headers["ETag"] == f'"{body["revision"]}"'
    assert of(api.get("/addresses/rs1"))["address"] == "10.0.0.1"
    missing = api.get("/addresses/10.9.9.9")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/problem+json"


def test_deactivate_then_activate_each_one_revision(tmp_path: Path) -> None:
    api = _api(tmp_path)
    before = api.web.config.read_text()
    drained = api.write("POST", "/addresses/10.0.0.2/deactivate")
    assert drained.status_code == 200, drained.json
    assert of(drained)["summary"] == ["server rs2 of virtual web deactivated"]
    assert of(api.get("/addresses/10.0.0.2"))["drained"] is True
    assert of(api.get("/addresses/10.0.0.2"))["kept"] == [
        {"virtual": "web", "server": "rs2", "active": True, "weight": "2"},
        {"virtual": "mail", "server": "m2", "active": False, "weight": "4"}]
    returned = api.write("POST", "/addresses/10.0.0.2/activate")
    assert returned.status_code == 200, returned.json
    assert of(returned)["summary"] == ["server rs2 of virtual web activated"]
    assert api.web.config.read_text() == before.replace("serial_no = 7", "serial_no = 9")
    causes = [r.cause for r in api.web.services.history.revisions()]
    assert causes.count("api") == 2
    assert of(api.get("/addresses/10.0.0.2"))["drained"] is False


def test_writes_need_if_match_and_a_current_revision(tmp_path: Path) -> None:
    api = _api(tmp_path)
    before = api.web.config.read_bytes()
    bare = api.client.post("/api/v1/addresses/10.0.0.2/deactivate", headers=api.headers())
    assert bare.status_code == 428
    stale = api.write("POST", "/addresses/10.0.0.2/deactivate", revision="0" * 64)
    assert stale.status_code == 412
    assert api.web.config.read_bytes() == before
    assert of(api.get("/addresses/10.0.0.2"))["drained"] is False  # no record either


def test_activate_without_a_drain_is_404(tmp_path: Path) -> None:
    api = _api(tmp_path)
    response = api.write("POST", "/addresses/10.0.0.1/activate")
    assert response.status_code == 404
    assert "was not drained here" in of(response)["detail"]


def test_operators_may_viewers_may_not(tmp_path: Path) -> None:
    api = _api(tmp_path)
    accounts = api.web.services.accounts
    accounts.add("vic", "viewer password", Role.VIEWER)
    accounts.add("otto", "operator password", Role.OPERATOR)
    tokens = TokenStore(api.web.state_dir)
    _, viewer = tokens.create("vic", "t")
    _, operator = tokens.create("otto", "t")
    revision = api.revision()
    headers = api.headers(revision, token=viewer)
    assert api.client.get("/api/v1/addresses/10.0.0.2", headers=headers).status_code == 200
    refused = api.client.post("/api/v1/addresses/10.0.0.2/deactivate", headers=headers)
    assert refused.status_code == 403
    done = api.client.post("/api/v1/addresses/10.0.0.2/deactivate",
                           headers=api.headers(revision, token=operator))
    assert done.status_code == 200
    assert not parse(api.web.config.read_text()).model().virtual("web").server("rs2").active
