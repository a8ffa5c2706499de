"""USERS lists every user's API tokens and revokes them (CSRF, audited first); the API obeys."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from piranha_web.accounts import Role
from piranha_web.tokens import TokenStore
from tests.web.api.conftest import Api, build_api
from tests.web.conftest import PASSWORD


def revoke_data(page: str, token_id: str) -> dict[str, str]:
    """The REVOKE form of ``token_id`` as a browser submits it (its CSRF token included)."""
    form = re.search(rf'<tr id="token-{token_id}">.*?</tr>', page, re.S)
    assert form, page
    values = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', form.group(0)))
    return {**values, "action": "REVOKE TOKEN"}


@pytest.fixture
def api(tmp_path: Path) -> Api:
    return build_api(tmp_path)


def test_users_lists_tokens_and_revoke_ends_one_at_once(tmp_path: Path) -> None:
    api = build_api(tmp_path, csrf=True)
    api.web.services.accounts.add("otto", "otto's password", Role.OPERATOR)
    info, token = TokenStore(api.web.state_dir).create("otto", "ansible <prod>")
    browser = api.web.app.test_client()
    login = browser.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login)
    assert csrf
    assert browser.post("/login", data={"username": "piranha", "password": PASSWORD,
                                        "csrf_token": csrf.group(1)}).status_code == 303
    page = browser.get("/users/").get_data(as_text=True)
    assert info.id in page and "ansible &lt;prod&gt;" in page and token not in page
    assert info.hash not in page
    data = revoke_data(page, info.id)
    forged = browser.post("/users/", data={k: v for k, v in data.items() if k != "csrf_token"})
    assert forged.status_code == 400
    assert api.client.get("/api/v1/config", headers=api.headers(token=token)).status_code == 200
    done = browser.post("/users/", data=data)
    assert done.status_code == 303
    assert api.client.get("/api/v1/config", headers=api.headers(token=token)).status_code == 401
    entry = api.web.services.audit.entries(kind="user")[0]
    assert (entry.user, entry.details["action"], entry.details["target"],
            entry.details["token_id"]) == ("piranha", "token-revoke", "otto", info.id)
    assert f'id="token-{info.id}"' not in browser.get("/users/").get_data(as_text=True)


def test_revoke_is_refused_when_the_audit_trail_cannot_be_written(tmp_path: Path) -> None:
    api = build_api(tmp_path)
    info, token = TokenStore(api.web.state_dir).create("piranha", "ci")
    client = api.web.client()
    api.web.services.audit.path.unlink(missing_ok=True)
    api.web.services.audit.path.mkdir()
    refused = client.post("/users/", data={"user": "piranha", "token": info.id,
                                           "action": "REVOKE TOKEN"})
    assert refused.status_code == 503 and "audit trail" in refused.get_data(as_text=True)
    assert api.client.get("/api/v1/config", headers=api.headers(token=token)).status_code == 200


def test_revoking_an_unknown_token_or_anothers_changes_nothing(api: Api) -> None:
    api.web.services.accounts.add("otto", "otto's password", Role.OPERATOR)
    info, token = TokenStore(api.web.state_dir).create("otto")
    client = api.web.client()
    for user, token_id in (("piranha", info.id), ("otto", "000000000000"), ("otto", "")):
        response = client.post("/users/", data={"user": user, "token": token_id,
                                               "action": "REVOKE TOKEN"})
        assert response.status_code == 400, (user, token_id)
    assert api.client.get("/api/v1/config", headers=api.headers(token=token)).status_code == 200


def test_only_an_admin_may_see_or_revoke_tokens(api: Api) -> None:
    api.web.services.accounts.add("otto", "otto's password", Role.OPERATOR)
    info, token = TokenStore(api.web.state_dir).create("piranha")
    otto = api.web.app.test_client()
    assert otto.post("/login", data={"username": "otto", "password": "otto's password"}
                     ).status_code == 303
    assert otto.get("/users/").status_code == 403
    assert otto.post("/users/", data={"user": "piranha", "token": info.id,
                                      "action": "REVOKE TOKEN"}).status_code == 403
    assert api.client.get("/api/v1/config", headers=api.headers(token=token)).status_code == 200


def test_deleting_or_setting_the_password_of_a_user_in_users_ends_its_tokens(
        api: Api) -> None:
    for name in ("olga", "otto"):
        api.web.services.accounts.add(name, f"{name}'s password", Role.ADMIN)
    _, olga = TokenStore(api.web.state_dir).create("olga")
    _, otto = TokenStore(api.web.state_dir).create("otto")
    client = api.web.client()
    assert client.post("/users/password?user=olga", data={
        "user": "olga", "password": "new password!", "repeat": "new password!"}
    ).status_code == 303
    assert client.post("/users/delete?user=otto", data={"action": "DELETE"}).status_code == 303
    assert client.post("/users/", data={"name": "otto", "role": "admin", "action": "ADD",
                                        "password": "otto again!", "repeat": "otto again!"}
                       ).status_code == 303
    for token in (olga, otto):
        assert api.client.get("/api/v1/config",
                              headers=api.headers(token=token)).status_code == 401
    assert TokenStore(api.web.state_dir).list() == TokenStore(api.web.state_dir).list("piranha")
    assert "otto" not in (api.web.state_dir / "api-tokens").read_text()


def test_create_token_shows_it_once_and_records_it_first(api: Api) -> None:
    api.web.services.accounts.add("otto", "otto's password", Role.OPERATOR)
    client = api.web.client()
    answer = client.post("/users/", data={"user": "otto", "label": "backup <script>",
                                          "action": "CREATE TOKEN"})
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    shown = re.search(r'<code id="new-token-value">(pwt_[^<]+)</code>', page)
    assert shown and "backup &lt;script&gt;" in page and "<script>" not in page
    token = shown.group(1)
    assert answer.headers["Cache-Control"] == "no-store"
    with client.session_transaction() as session:
        assert token not in str(dict(session))  # never kept for a later page
    assert token not in client.get("/users/").get_data(as_text=True)
    response = api.client.get("/api/v1/config", headers=api.headers(token=token))
    assert response.status_code == 200
    activated = api.client.post("/api/v1/virtual-servers/mail/activate",
                                headers=api.headers(api.revision(), token=token))
    assert activated.status_code == 200  # with otto's role: an operator's change
    entry = api.web.services.audit.entries(kind="user")[0]
    assert (entry.details["action"], entry.details["target"], entry.details["via"]) == (
        "token-create", "otto", "web")
    assert token not in api.web.services.audit.path.read_text()


def test_create_token_is_refused_without_the_audit_trail_or_for_nobody(api: Api) -> None:
    client = api.web.client()
    for data, status in (({"user": "ghost", "label": ""}, 400),
                         ({"user": "piranha", "label": "two\nlines"}, 400)):
        response = client.post("/users/", data={**data, "action": "CREATE TOKEN"})
        assert response.status_code == status, data
        assert "pwt_" not in response.get_data(as_text=True)
    api.web.services.audit.path.unlink(missing_ok=True)
    api.web.services.audit.path.mkdir()
    refused = client.post("/users/", data={"user": "piranha", "label": "",
                                           "action": "CREATE TOKEN"})
    assert refused.status_code == 503 and "pwt_" not in refused.get_data(as_text=True)
    assert len(TokenStore(api.web.state_dir).list()) == 1  # the fixture's own token only
