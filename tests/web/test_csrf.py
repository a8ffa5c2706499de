"""With CSRF protection on (as in production): a POST without the form's token changes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.web.conftest import PASSWORD, Web, build_web, form_of


@pytest.fixture
def web(tmp_path: Path) -> Web:
    return build_web(tmp_path, csrf=True)


def logged_in(web: Web) -> FlaskClient:
    client = web.app.test_client()
    token = form_of(client, "/login")["csrf_token"]
    response = client.post("/login", data={"username": "piranha", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 303
    return client


def test_login_without_the_token_is_refused(web: Web) -> None:
    client = web.app.test_client()
    response = client.post("/login", data={"username": "piranha", "password": PASSWORD})
    assert response.status_code == 400
    assert "security token is missing" in response.get_data(as_text=True)
    assert client.get("/virtual/").status_code == 302


def test_every_post_without_the_token_is_refused_and_writes_nothing(web: Web) -> None:
    client = logged_in(web)
    before = web.config.read_bytes()
    # the REST API takes Bearer tokens, never the session (tests/web/api/test_auth.py)
    posts = [rule.rule for rule in web.app.url_map.iter_rules()
             if "POST" in (rule.methods or ()) and rule.rule != "/login"
             and not rule.rule.startswith("/api/")]
    assert "/virtual/edit" in posts and "/logout" in posts
    for url in posts:
        query = {"virtual": "web", "server": "rs1"}
        data = {"action": "DELETE", "selected": "web", "name": "x", "port": "1",
                "revision": web.services.store.revision()}
        response = client.post(url, query_string=query, data=data)
        assert response.status_code == 400, url
        assert "Nothing was changed" in response.get_data(as_text=True)
    assert web.config.read_bytes() == before


def test_a_token_of_another_session_is_refused(web: Web) -> None:
    stranger = web.app.test_client()
    foreign = form_of(stranger, "/login")["csrf_token"]
    client = logged_in(web)
    before = web.config.read_bytes()
    data = {**form_of(client, "/virtual/edit?virtual=web"), "port": "81", "action": "ACCEPT",
            "csrf_token": foreign}
    assert client.post("/virtual/edit?virtual=web", data=data).status_code == 400
    assert web.config.read_bytes() == before


def test_forms_carry_the_token_and_accept_works_with_it(web: Web) -> None:
    client = logged_in(web)
    page = client.get("/virtual/edit?virtual=web").get_data(as_text=True)
    assert re.search(r'name="csrf_token" type="hidden" value="[^"]+"', page)
    data = {**form_of(client, "/virtual/edit?virtual=web"), "port": "81", "action": "ACCEPT"}
    assert client.post("/virtual/edit?virtual=web", data=data).status_code == 303
    assert "     port = 81\n" in web.config.read_text()
    logout = form_of(client, "/virtual/")["csrf_token"]
    assert client.post("/logout", data={"csrf_token": logout}).status_code == 303
