"""CHANGE PASSWORD (reached from CONTROL/MONITORING): it really changes the login password."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.web.conftest import PASSWORD, Web, build_web, form_of

URL = "/control/password"
NEW = "a much better secret"


def change(client: FlaskClient, current: str = PASSWORD, new: str = NEW,
           repeat: str | None = None) -> TestResponse:
    return client.post(URL, data={"current": current, "new": new,
                                  "repeat": new if repeat is None else repeat,
                                  "action": "CHANGE PASSWORD"})


def logs_in(web: Web, password: str) -> bool:
    response = web.app.test_client().post(
        "/login", data={"username": "piranha", "password": password})
    return response.status_code == 303


def test_control_panel_offers_change_password(client: FlaskClient) -> None:
    page = client.get("/control/").get_data(as_text=True)

    assert 'action="/control/password"' in page
    assert 'id="change-password">CHANGE PASSWORD</button>' in page
    form = client.get(URL).get_data(as_text=True)
    for label in ("Current password", "New password", "Repeat new password"):
        assert label in form
    assert 'type="password"' in form


def test_the_new_password_replaces_the_old_one(web: Web, client: FlaskClient) -> None:
    response = change(client)

    assert response.status_code == 303 and response.headers["Location"] == "/control/"
    assert "Password changed." in client.get("/control/").get_data(as_text=True)
    assert logs_in(web, NEW)
    assert not logs_in(web, PASSWORD)


def test_other_sessions_end_but_this_one_continues(web: Web) -> None:
    """A stolen session must not survive a password change; the changer's own does."""
    other = web.client()
    mine = web.client()

    change(mine)

    assert mine.get("/control/").status_code == 200
    assert other.get("/control/").status_code == 302
    assert other.post("/global/", data={}).status_code == 401


def test_a_wrong_current_password_changes_nothing(web: Web, client: FlaskClient) -> None:
    before = (web.state_dir / "passwords").read_bytes()

    response = change(client, current="not it")

    assert response.status_code == 400
    assert re.search(r'id="current-error">This is not your current password',
                     response.get_data(as_text=True))
    assert (web.state_dir / "passwords").read_bytes() == before
    assert logs_in(web, PASSWORD)


def test_repeated_wrong_current_passwords_are_slowed_down(web: Web,
                                                         client: FlaskClient) -> None:
    """Guessing the password through this form is throttled like the login."""
    statuses = [change(client, current=f"guess {n}").status_code for n in range(5)]

    assert statuses[:3] == [400, 400, 400]
    assert 429 in statuses[3:]
    web.clock.advance(60)
    assert change(client).status_code == 303


def test_the_new_password_must_be_long_enough_and_typed_twice(web: Web,
                                                             client: FlaskClient) -> None:
    short = change(client, new="short")
    differ = change(client, repeat=NEW + "x")

    assert short.status_code == differ.status_code == 400
    assert "Use at least 8 characters." in short.get_data(as_text=True)
    assert "The two new passwords differ." in differ.get_data(as_text=True)
    assert logs_in(web, PASSWORD)


def test_change_password_needs_the_forms_csrf_token_and_a_login(tmp_path: Path) -> None:
    """As in production (CSRF on): without the token nothing changes; with it, it works."""
    web = build_web(tmp_path, csrf=True)
    client = web.app.test_client()
    token = form_of(client, "/login")["csrf_token"]
    client.post("/login", data={"username": "piranha", "password": PASSWORD,
                                "csrf_token": token})
    anonymous = web.app.test_client()

    assert change(client).status_code == 400
    assert change(anonymous).status_code == 401
    assert logs_in_with_csrf(web, PASSWORD)
    data = {"current": PASSWORD, "new": NEW, "repeat": NEW,
            "csrf_token": form_of(client, URL)["csrf_token"]}
    assert client.post(URL, data=data).status_code == 303
    assert logs_in_with_csrf(web, NEW)


def logs_in_with_csrf(web: Web, password: str) -> bool:
    client = web.app.test_client()
    token = form_of(client, "/login")["csrf_token"]
    response = client.post("/login", data={"username": "piranha", "password": password,
                                           "csrf_token": token})
    return response.status_code == 303
