"""Roles enforced on the server: viewer reads, operator toggles/weights/checks/syncs, admin all."""

from __future__ import annotations

from flask.testing import FlaskClient

from piranha_web.accounts import Role
from piranha_web.web.policy import POLICY
from piranha_web.web.security import API_PREFIX
from tests.web.conftest import Web, form_of, revision_of

OTHER_PASSWORD = "another password"


def client_as(web: Web, name: str, role: Role) -> FlaskClient:
    web.services.accounts.add(name, OTHER_PASSWORD, role)
    client = web.app.test_client()
    response = client.post("/login", data={"username": name, "password": OTHER_PASSWORD})
    assert response.status_code == 303
    return client


def test_every_route_has_a_declared_policy(web: Web) -> None:
    public = {"login.login", "static"}
    endpoints = {rule.endpoint for rule in web.app.url_map.iter_rules()
                 if not rule.rule.startswith(API_PREFIX)} - public  # the API: api.auth.POLICY
    assert endpoints - set(POLICY) == set()


def test_a_viewer_sees_every_page_and_changes_nothing(web: Web) -> None:
    viewer = client_as(web, "vic", Role.VIEWER)
    before = web.config.read_bytes()
    for url in ("/control/", "/global/", "/redundancy/", "/virtual/", "/virtual/edit?virtual=web",
                "/virtual/servers/?virtual=web", "/virtual/monitoring/?virtual=web",
                "/virtual/servers/edit?virtual=web&server=rs1"):
        assert viewer.get(url).status_code == 200, url
    revision = revision_of(viewer.get("/virtual/").get_data(as_text=True))
    refused = viewer.post("/virtual/", data={"revision": revision, "action": "(DE)ACTIVATE",
                                             "selected": "web"})
    assert refused.status_code == 403
    assert "needs the operator role" in refused.get_data(as_text=True)
    form = form_of(viewer, "/global/")
    assert viewer.post("/global/", data={**form, "action": "CANCEL"}).status_code == 403
    assert viewer.post("/virtual/probe/check?virtual=web",
                       data={"revision": revision}).status_code == 403
    assert web.config.read_bytes() == before


def test_an_operator_toggles_and_changes_weights_but_nothing_else(web: Web) -> None:
    operator = client_as(web, "otto", Role.OPERATOR)
    revision = revision_of(operator.get("/virtual/servers/?virtual=web").get_data(as_text=True))
    toggled = operator.post("/virtual/servers/?virtual=web", data={
        "revision": revision, "action": "(DE)ACTIVATE", "selected": "rs1"})
    assert toggled.status_code == 303
    url = "/virtual/servers/edit?virtual=web&server=rs2"
    form = form_of(operator, url)
    assert operator.post(url, data={**form, "weight": "5", "action": "ACCEPT"}
                         ).status_code == 303
    assert "weight = 5" in web.config.read_text()
    before = web.config.read_bytes()
    form = form_of(operator, url)
    moved = operator.post(url, data={**form, "weight": "6", "address": "10.0.0.9",
                                     "action": "ACCEPT"})
    assert moved.status_code == 403
    assert operator.post("/virtual/probe/test?virtual=web", data={"revision": form["revision"]}
                         ).status_code == 403
    assert operator.post("/sync/settings", data={}).status_code == 403
    assert web.config.read_bytes() == before


def test_a_demoted_or_deleted_user_is_logged_out_at_once(web: Web) -> None:
    ann = client_as(web, "ann", Role.ADMIN)
    bob = client_as(web, "bob", Role.ADMIN)
    assert ann.get("/virtual/").status_code == 200
    web.services.accounts.set_role("ann", Role.VIEWER)
    assert ann.get("/virtual/").status_code == 302  # back to the login page
    web.services.accounts.delete("bob")
    assert bob.get("/virtual/").status_code == 302
    assert bob.post("/sync/now").status_code == 401
