"""Role x route x method against a served process: the status, and lvs.cf untouched if refused.

The expected roles below are written out from the specification (issue 13), not read from
``web.policy``, so a policy change that loosens a rule fails here.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.exceptions import MethodNotAllowed

from piranha_web.accounts import Accounts, Role
from piranha_web.auth import PasswordFile
from piranha_web.web import WebSettings, create_app
from tests.conftest import ROOT
from tests.helpers.served import ServeProcess as Server
from tests.helpers.served import start_serve as start

PASSWORD = "matrix password"
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
QUERY = "?virtual=www&server=www1"
V, OP, A = Role.VIEWER, Role.OPERATOR, Role.ADMIN
#: (endpoint, method) -> the lowest role allowed; POSTs carry ACCEPT, lists (DE)ACTIVATE
EXPECTED: dict[tuple[str, str], Role] = {
    ("home", "GET"): V,
    ("control.index", "GET"): V,
    ("control.password", "GET"): V, ("control.password", "POST"): V,
    ("login.logout", "POST"): V,
    ("global_settings.index", "GET"): V, ("global_settings.index", "POST"): A,
    ("redundancy.index", "GET"): V, ("redundancy.index", "POST"): A,
    ("virtual.index", "GET"): V, ("virtual.index_action", "POST"): OP,
    ("virtual.new", "GET"): V, ("virtual.new", "POST"): A,
    ("virtual.edit", "GET"): V, ("virtual.edit", "POST"): A,
    ("virtual.delete", "GET"): V, ("virtual.delete", "POST"): A,
    ("server.index", "GET"): V, ("server.index_action", "POST"): OP,
    ("server.new", "GET"): V, ("server.new", "POST"): A,
    ("server.edit", "GET"): V, ("server.edit", "POST"): A,  # more than the weight
    ("server.delete", "GET"): V, ("server.delete", "POST"): A,
    ("monitoring.edit", "GET"): V, ("monitoring.edit", "POST"): A,
    ("probe.check", "POST"): OP, ("probe.test", "POST"): A,
    ("sync.index", "GET"): V, ("sync.status", "GET"): V, ("sync.hostkey", "GET"): V,
    ("sync.now", "POST"): OP, ("sync.save_settings", "POST"): A, ("sync.confirm", "POST"): A,
    ("keepalived.index", "GET"): V, ("keepalived.apply", "POST"): A,
    ("keepalived.download_file", "GET"): V, ("keepalived.download_warnings", "GET"): V,
    ("keepalived.download_diff", "GET"): V,
    ("keepalived.save_engine", "POST"): A,
    ("history.index", "GET"): V, ("history.view", "GET"): V, ("history.compare", "GET"): V,
    ("history.text", "GET"): V,
    ("history.restore", "POST"): A, ("history.confirm_restore", "GET"): A,
    ("history.undo", "POST"): A,
    ("users.index", "GET"): A, ("users.index", "POST"): A,
    ("users.password", "GET"): A, ("users.password", "POST"): A,
    ("users.delete", "GET"): A, ("users.delete", "POST"): A,
    ("audit.index", "GET"): A,
    ("apidocs.index", "GET"): V, ("apidocs.openapi_download", "GET"): V,
    ("findings.index", "GET"): V,
    ("maintenance.index", "GET"): V, ("maintenance.drain", "POST"): OP,
    ("maintenance.put_back", "POST"): OP, ("maintenance.quiesce", "POST"): OP,
}


def routes() -> dict[str, dict[str, str]]:
    """Every URL path of the app -> {method: endpoint} (logout last: it ends the session)."""
    app = create_app(WebSettings(Path("/nonexistent/lvs.cf"), Path("/nonexistent"),
                                 secret_key=b"k" * 32))
    adapter = app.url_map.bind("localhost")
    found: dict[str, dict[str, str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "login.login") or rule.rule.startswith("/api/"):
            continue  # the REST API takes tokens, not sessions: tests/web/api/test_auth.py
        if rule.endpoint == "metrics.metrics":
            continue  # a token of any role, never a session: tests/web/test_metrics.py
        for method in METHODS:
            try:
                endpoint, _ = adapter.match(rule.rule, method)
            except MethodNotAllowed:
                continue
            found.setdefault(rule.rule, {})[method] = str(endpoint)
    return dict(sorted(found.items(), key=lambda item: item[0] == "/logout"))


class Browser:
    def __init__(self, url: str, user: str) -> None:
        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            NoRedirect())
        page = self.send("GET", "login")[1]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token
        status, _ = self.send("POST", "login", {"csrf_token": token.group(1),
                                                 "username": user, "password": PASSWORD})
        assert status == 303
        page = self.send("GET", "control/")[1]
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found, page
        self.token = found.group(1)

    def send(self, method: str, path: str, form: dict[str, str] | None = None
             ) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            with err:
                return err.code, err.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    config = tmp_path / "lvs.cf"
    # no backup router: SYNC NOW and the host-key page answer at once
    config.write_text((ROOT / "lvs.cf.example").read_text().replace(
        "backup_active = 1", "backup_active = 0"))
    passwords = PasswordFile(tmp_path / "state" / "passwords")
    passwords.set_password("piranha", PASSWORD)  # the pre-roles admin
    accounts = Accounts(passwords)
    accounts.add("olga", PASSWORD, Role.OPERATOR)
    accounts.add("vera", PASSWORD, Role.VIEWER)
    server = start("--config", str(config), "--state-dir", str(tmp_path / "state"))
    yield server, config
    server.stop()


@pytest.mark.parametrize(("user", "role"), [("vera", V), ("olga", OP), ("piranha", A)])
def test_every_route_and_method_answers_by_role(
    served: tuple[Server, Path], user: str, role: Role
) -> None:
    server, config = served
    table = routes()
    assert {(e, m) for methods in table.values() for m, e in methods.items()} == set(EXPECTED)
    browser = Browser(server.url, user)
    for path, methods in table.items():
        for method in sorted(METHODS, key=lambda m: path == "/logout" and m == "POST"):
            before = config.read_bytes()
            form = {"csrf_token": browser.token, "action": "ACCEPT"}
            if path in ("/virtual/", "/virtual/servers/"):
                form.update(action="(DE)ACTIVATE", selected="www" if path == "/virtual/"
                            else "www1")
            status, page = browser.send(method, path.lstrip("/") + QUERY,
                                        None if method == "GET" else form)
            where = f"{user} {method} {path}: {status}"
            if method not in methods:
                assert status == 405, where
            elif role < EXPECTED[methods[method], method]:
                assert status == 403, where
                assert "Not allowed for your role" in page, where
                assert config.read_bytes() == before, where
            else:
                assert status not in (401, 403, 405, 500), where
