"""USERS (admins): add, set role, set password, delete; each ends the user's sessions."""

from __future__ import annotations

from flask.testing import FlaskClient

from piranha_web.accounts import Account, Role
from tests.web.conftest import Web


def test_an_admin_adds_changes_and_deletes_users(web: Web, client: FlaskClient) -> None:
    added = client.post("/users/", data={"name": "olga", "role": "operator", "action": "ADD",
                                         "password": "olga's password",
                                         "repeat": "olga's password"})
    assert added.status_code == 303
    olga = web.app.test_client()
    assert olga.post("/login", data={"username": "olga", "password": "olga's password"}
                     ).status_code == 303
    assert olga.get("/users/").status_code == 403
    assert client.post("/users/", data={"user": "olga", "role": "viewer",
                                        "action": "SET ROLE"}).status_code == 303
    assert olga.get("/virtual/").status_code == 302  # her session ended
    assert client.post("/users/password?user=olga", data={
        "user": "olga", "password": "new password!", "repeat": "new password!"}
    ).status_code == 303
    assert web.services.accounts.passwords.verify("olga", "new password!")
    page = client.get("/users/delete?user=olga").get_data(as_text=True)
    assert page.index('value="CANCEL"') < page.index('value="DELETE"')  # Enter cancels
    assert client.post("/users/delete?user=olga", data={"action": "CANCEL"}).status_code == 303
    assert web.services.accounts.role_of("olga") is Role.VIEWER
    assert client.post("/users/delete?user=olga", data={"action": "DELETE"}).status_code == 303
    assert web.services.accounts.list() == [Account("piranha", Role.ADMIN)]
    actions = [e.details["action"] for e in reversed(web.services.audit.entries(kind="user"))]
    assert actions == ["add", "role", "passwd", "del"]


def test_refusals_change_nothing(web: Web, client: FlaskClient) -> None:
    short = client.post("/users/", data={"name": "x", "role": "admin", "action": "ADD",
                                         "password": "short", "repeat": "short"})
    assert short.status_code == 400 and "at least 8 characters" in short.get_data(as_text=True)
    last = client.post("/users/", data={"user": "piranha", "role": "viewer",
                                        "action": "SET ROLE"})
    assert last.status_code == 400 and "last admin" in last.get_data(as_text=True)
    assert web.services.accounts.list() == [Account("piranha", Role.ADMIN)]
