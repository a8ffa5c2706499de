"""Login on every route and method, sessions that end, slowed-down guessing, safe headers."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.web.conftest import PASSWORD, Web, build_web, form_of

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
PUBLIC = {("/login", "GET"), ("/login", "HEAD"), ("/static/style.css", "GET"),
          ("/static/style.css", "HEAD")}


def every_url(web: Web) -> list[str]:
    """Every URL rule of the app (teammates' blueprints included) plus unknown ones."""
    rules = [rule.rule.replace("<path:filename>", "style.css")
             for rule in web.app.url_map.iter_rules()]
    assert "/virtual/edit" in rules and "/control/" in rules
    return [*rules, "/virtual/edit?virtual=web", "/no/such/page", "/virtual/nope"]


def login(client: FlaskClient, password: str = PASSWORD, user: str = "piranha",
          client_address: str = "127.0.0.1") -> int:
    response = client.post("/login", data={"username": user, "password": password},
                           environ_base={"REMOTE_ADDR": client_address})
    return response.status_code


def test_every_route_and_method_is_refused_without_login(web: Web) -> None:
    """CVE-2013-6492: no URL answers or writes anything for any method without a login."""
    before, mtime = web.config.read_bytes(), web.config.stat().st_mtime_ns
    client = web.client(login=False)
    checked = 0
    for url in every_url(web):
        for method in METHODS:
            if (url, method) in PUBLIC:
                continue
            data = {"username": "piranha", "password": "x"} if url == "/login" else {
                "action": "DELETE", "selected": "web", "revision": "x"}
            response = client.open(url, method=method, data=data)
            body = response.get_data(as_text=True)
            checked += 1
            if url == "/login" and method == "POST":
                assert response.status_code == 401, body
                continue
            assert response.status_code in (302, 401), (method, url, response.status_code)
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/login?next="), (method, url)
            assert "192.0.2.10" not in body and "rs1" not in body, (method, url)
    assert checked > 100
    assert web.config.read_bytes() == before and web.config.stat().st_mtime_ns == mtime


def test_login_page_and_stylesheet_are_public(web: Web) -> None:
    client = web.client(login=False)
    page = client.get("/login").get_data(as_text=True)
    assert "Welcome to Piranha" in page and 'id="password"' in page
    assert "192.0.2.10" not in page
    with client.get("/static/style.css") as response:
        assert response.status_code == 200
        assert b".titlebar" in response.get_data()


def test_login_then_the_requested_page(web: Web) -> None:
    client = web.client(login=False)
    response = client.get("/virtual/edit?virtual=web")
    assert response.headers["Location"] == "/login?next=/virtual/edit?virtual%3Dweb"
    response = client.post(response.headers["Location"],
                           data={"username": "piranha", "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == "/virtual/edit?virtual=web"
    assert client.get("/virtual/edit?virtual=web").status_code == 200


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil", "/\r\nX-Injected: 1"]
)
def test_login_never_redirects_off_site(web: Web, target: str) -> None:
    client = web.client(login=False)
    response = client.post("/login", query_string={"next": target},
                           data={"username": "piranha", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_wrong_password_and_unknown_user_get_the_same_answer(web: Web) -> None:
    client = web.client(login=False)
    for user, password in (("piranha", "wrong"), ("root", PASSWORD)):
        response = client.post("/login", data={"username": user, "password": password})
        assert response.status_code == 401
        assert "Wrong user name or password." in response.get_data(as_text=True)
    assert client.get("/virtual/").status_code == 302


def test_repeated_failures_lock_that_user_from_that_client_for_a_growing_time(
    web: Web,
) -> None:
    client = web.client(login=False)
    assert [login(client, "bad") for _ in range(3)] == [401, 401, 401]
    response = client.post("/login", data={"username": "piranha", "password": "bad"})
    assert "wait 2 seconds" in response.get_data(as_text=True)
    response = client.post("/login", data={"username": "piranha", "password": PASSWORD})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert "Too many failed logins" in response.get_data(as_text=True)
    assert login(web.client(login=False), client_address="192.0.2.99") == 303  # other client
    web.clock.advance(2.5)
    assert login(client, "bad") == 401  # fifth failure: locked twice as long
    web.clock.advance(3)
    assert login(client) == 429
    web.clock.advance(1.5)
    assert login(client) == 303


def test_sessions_end_after_idle_time(web: Web, client: FlaskClient) -> None:
    web.clock.advance(20 * 60)
    assert client.get("/virtual/").status_code == 200
    web.clock.advance(20 * 60)
    assert client.get("/virtual/").status_code == 200  # 40 min logged in, 20 min idle
    web.clock.advance(31 * 60)
    response = client.get("/virtual/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "Your session has expired" in client.get("/login").get_data(as_text=True)


def test_auto_update_reloads_do_not_keep_an_idle_session_alive(
    web: Web, client: FlaskClient
) -> None:
    """A CONTROL/MONITORING tab left on auto update still logs out after 30 idle minutes."""
    page = client.get("/control/?auto_update=1&rate=10").get_data(as_text=True)
    assert "refresh=auto" in page
    for _ in range(3):
        web.clock.advance(10 * 60)
        assert client.get("/control/?auto_update=1&rate=10&refresh=auto").status_code == 200
    web.clock.advance(60)
    assert client.get("/control/?auto_update=1&rate=10&refresh=auto").status_code == 302


def test_sessions_end_after_their_lifetime_even_when_active(tmp_path: Path) -> None:
    web = build_web(tmp_path, session_lifetime=timedelta(hours=1))
    client = web.client()
    for _ in range(3):
        web.clock.advance(20 * 60)
        assert client.get("/virtual/").status_code == 200
    web.clock.advance(20 * 60)
    assert client.get("/virtual/").status_code == 302


def test_changing_the_password_ends_existing_sessions(web: Web, client: FlaskClient) -> None:
    web.services.passwords.set_password("piranha", "new password")
    assert client.get("/virtual/").status_code == 302


def test_logout_ends_the_session(client: FlaskClient) -> None:
    response = client.post("/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert "You have logged out." in client.get("/login").get_data(as_text=True)
    assert client.get("/virtual/").status_code == 302


def test_pages_carry_the_security_headers(client: FlaskClient) -> None:
    for url in ("/virtual/", "/virtual/edit?virtual=web", "/no/such/page", "/login"):
        headers = client.get(url).headers
        assert headers["Content-Security-Policy"].startswith("default-src 'self'; script-src")
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"


def test_templates_have_no_inline_script_or_style(client: FlaskClient) -> None:
    for url in ("/virtual/", "/virtual/edit?virtual=web", "/virtual/monitoring/?virtual=web",
                "/virtual/servers/?virtual=web"):
        page = client.get(url).get_data(as_text=True)
        assert "style=" not in page and "<style" not in page
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
        # the one script, from /static on every page (it does nothing without an edit form)
        assert scripts == [(' src="/static/forms.js" defer', "")]


def test_session_cookie_is_httponly_strict_and_secure_with_tls(tmp_path: Path) -> None:
    for tls in (False, True):
        (tmp_path / str(tls)).mkdir()
        web = build_web(tmp_path / str(tls), tls=tls)
        response = web.app.test_client().post(
            "/login", data={"username": "piranha", "password": PASSWORD},
            base_url="https://localhost" if tls else "http://localhost")
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert ("Secure" in cookie) is tls


def test_a_post_from_another_site_is_refused(web: Web, client: FlaskClient) -> None:
    before = web.config.read_bytes()
    response = client.post("/virtual/", data={"action": "(DE)ACTIVATE", "selected": "web"},
                           headers={"Origin": "http://evil.example"})
    assert response.status_code == 403
    assert web.config.read_bytes() == before


def test_unknown_pages_and_methods_after_login(client: FlaskClient) -> None:
    assert client.get("/no/such/page").status_code == 404
    assert client.put("/virtual/").status_code == 405


def test_a_session_cookie_copied_before_logout_is_useless_after_it(web: Web) -> None:
    """Sessions live in signed cookies; LOGOUT revokes the id so a stolen copy stops working."""
    client = web.client()
    cookie = web.app.config["SESSION_COOKIE_NAME"]
    stolen = client.get_cookie(cookie)
    assert stolen is not None
    token = form_of(client, "/virtual/").get("csrf_token", "")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    thief = web.app.test_client()
    thief.set_cookie(cookie, stolen.value)
    response = thief.get("/virtual/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert web.client().get("/virtual/").status_code == 200  # a new login still works


def test_strict_transport_security_is_sent_under_tls_only(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "tls").mkdir()
    plain = build_web(tmp_path / "plain").client(login=False).get("/login")
    assert "Strict-Transport-Security" not in plain.headers
    tls = build_web(tmp_path / "tls", tls=True).client(login=False).get("/login")
    assert tls.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_cookie_names_are_per_instance_and_host_prefixed_under_tls(tmp_path: Path) -> None:
    """Cookies are per host, not per port: each instance names its own (issue 27)."""
    names = []
    for folder, tls in (("a", False), ("b", False), ("c", True)):
        (tmp_path / folder).mkdir()
        client = build_web(tmp_path / folder, tls=tls).client(login=False)
        response = client.post("/login", data={"username": "piranha", "password": PASSWORD})
        assert response.status_code == 303
        names.append([h.split("=", 1)[0] for h in response.headers.getlist("Set-Cookie")])
    session_a, session_b, session_tls = (
        next(n for n in found if "piranha_session" in n) for found in names)
    assert session_a.startswith("piranha_session_") and session_a != session_b
    assert session_tls.startswith("__Host-piranha_session_")
    assert any(n.startswith("__Secure-piranha_device_") for n in names[2])


def slow_verification(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make each password check take 50 ms, about what the real scrypt cost takes."""
    verify = web.services.passwords.verify

    def slow(user: str, password: str) -> bool:
        time.sleep(0.05)
        return verify(user, password)

    monkeypatch.setattr(web.services.passwords, "verify", slow)


def test_64_parallel_guesses_from_one_address_get_only_the_allowed_tries(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_verification(web, monkeypatch)
    with ThreadPoolExecutor(64) as pool:
        codes = list(pool.map(lambda _: login(web.client(login=False), "bad"), range(64)))
    assert codes.count(401) == 4  # three free tries and the one that starts the lock
    assert codes.count(429) == 60


def test_guesses_from_many_addresses_are_slowed_down_per_user(web: Web) -> None:
    codes = [login(web.client(login=False), "bad", client_address=f"10.9.{n}.1")
             for n in range(100) for _ in range(4)]
    assert codes.count(401) == 11  # the user's ten free failures and the one that locks
    assert codes.count(429) == 389
    web.clock.advance(1.5)
    assert login(web.client(login=False), client_address="10.9.200.1") == 303  # slowed only


def test_an_attacker_on_the_admins_address_cannot_keep_the_admins_browser_out(
    web: Web,
) -> None:
    browser = web.client()  # logged in before: holds the device cookie
    browser.post("/logout")
    attacker = web.client(login=False)
    for _ in range(40):  # same address (127.0.0.1): both locks are on for untrusted clients
        login(attacker, "bad")
    assert login(attacker) == 429
    assert login(web.client(login=False)) == 429  # a new browser waits too
    assert login(browser) == 303  # the admin's own browser is let in
    assert browser.get("/virtual/").status_code == 200


def test_a_device_cookie_of_another_user_or_forged_earns_no_trust(web: Web) -> None:
    browser = web.client(login=False)
    device = web.app.extensions["piranha_web.settings"].cookie_name("piranha_device",
                                                                     whole_site=False)
    browser.set_cookie(device, "forged.value.sig", path="/login")
    for _ in range(4):
        login(browser, "bad")
    assert login(browser) == 429


def test_logout_fails_closed_when_the_state_directory_cannot_record_it(web: Web) -> None:
    """Issue 20 #12: LOGOUT answered 500 and the cookie kept working when the revocation list
    could not be written."""
    client = web.client()
    cookie = web.app.config["SESSION_COOKIE_NAME"]
    stolen = client.get_cookie(cookie)
    assert stolen is not None
    (web.state_dir / ".auth.lock").mkdir()  # as on a read-only state directory: no writing
    token = form_of(client, "/virtual/").get("csrf_token", "")
    answer = client.post("/logout", data={"csrf_token": token}, follow_redirects=True)
    assert answer.status_code == 200
    assert "cannot record it" in answer.get_data(as_text=True)
    assert client.get("/virtual/").status_code == 302  # this browser is logged out
    thief = web.app.test_client()
    thief.set_cookie(cookie, stolen.value)
    response = thief.get("/virtual/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    (web.state_dir / ".auth.lock").rmdir()
    second = web.client()
    token = form_of(second, "/virtual/").get("csrf_token", "")
    assert second.post("/logout", data={"csrf_token": token}).status_code == 303
    saved = (web.state_dir / "revoked-sessions").read_text()
    assert len(saved.splitlines()) == 2  # the unsaved revocation was written with this one
