"""USERS (admins): add, set role, set password, delete; each ends the user's sessions."""

from __future__ import annotations

import html
import re

import pytest
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


def errors_of(page: str) -> dict[str, str]:
    """Field id -> the text of its error message on the page (``_macros.render_field``)."""
    found = {}
    for field, text in re.findall(r'id="([\w-]+)-error"[^>]*>(.*?)</', page, re.S):
        found[field] = html.unescape(re.sub(r"<[^>]+>|\s+", " ", text)).strip()
    return found


def test_add_with_a_role_outside_the_list_shows_every_error_at_once(
    web: Web, client: FlaskClient,
) -> None:
    """Issue 27 item 2: a role outside the list hid the user name's and password's errors."""
    answer = client.post("/users/", data={"name": "bad name", "role": "root", "action": "ADD",
                                          "password": "short", "repeat": "short"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    errors = errors_of(page)
    assert "'root' is not one of the choices" in errors["role"], errors
    assert "invalid user name 'bad name'" in errors["name"].lower(), errors
    assert "at least 8 characters" in errors["password"], errors
    assert web.services.accounts.list() == [Account("piranha", Role.ADMIN)]
    assert web.services.audit.entries(kind="user") == []


@pytest.mark.parametrize(("form", "field", "words"), [
    ({"name": "piranha", "password": "long enough!", "repeat": "long enough!"}, "name",
     "User piranha exists already."),
    ({"name": "olga", "password": "long enough!", "repeat": "other one!!"}, "password",
     "The two passwords differ."),
    ({"name": "", "password": "long enough!", "repeat": "long enough!"}, "name",
     "invalid user name ''"),
    ({"name": "ol:ga", "password": "long\renough!", "repeat": "long\renough!"}, "password",
     "A password is one line."),
])
def test_add_with_a_valid_role_still_names_each_error(
    web: Web, client: FlaskClient, form: dict[str, str], field: str, words: str,
) -> None:
    answer = client.post("/users/", data={**form, "role": "viewer", "action": "ADD"})
    assert answer.status_code == 400
    errors = errors_of(answer.get_data(as_text=True))
    assert words.lower() in errors[field].lower(), errors
    assert "role" not in errors
    assert web.services.accounts.list() == [Account("piranha", Role.ADMIN)]


def test_add_with_only_a_role_outside_the_list_adds_nobody(
    web: Web, client: FlaskClient,
) -> None:
    answer = client.post("/users/", data={"name": "olga", "role": "superuser", "action": "ADD",
                                          "password": "long enough!",
                                          "repeat": "long enough!"})
    assert answer.status_code == 400
    assert list(errors_of(answer.get_data(as_text=True))) == ["role"]
    assert web.services.accounts.role_of("olga") is None


def test_set_role_outside_the_list_says_which_value_was_refused(
    web: Web, client: FlaskClient,
) -> None:
    web.services.accounts.add("olga", "olga's password", Role.OPERATOR)
    answer = client.post("/users/", data={"user": "olga", "role": "<b>god</b>",
                                          "action": "SET ROLE"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert ("Nothing changed for olga: '&lt;b&gt;god&lt;/b&gt;' is not one of the choices "
            "of this list: pick one.") in page.replace("&#39;", "'")
    assert "<b>god</b>" not in page
    assert web.services.accounts.role_of("olga") is Role.OPERATOR


def test_create_token_for_a_user_outside_the_list_shows_the_label_error_too(
    web: Web, client: FlaskClient,
) -> None:
    answer = client.post("/users/", data={"user": "nobody", "label": "tab\there" * 30,
                                          "action": "CREATE TOKEN"})
    assert answer.status_code == 400
    errors = errors_of(answer.get_data(as_text=True))
    assert "'nobody' is not one of the choices" in errors["token-user"], errors
    assert "printable text of at most 200 characters" in errors["token-label"], errors
    assert not (web.state_dir / "api-tokens").exists()
