"""Viewing pages never writes: Piranha rewrote lvs.cf on every page view, this tool must not."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.web.conftest import Web

#: query arguments for the pages that show one virtual or real server
ARGS = {
    "virtual.edit": {"virtual": "web"},
    "virtual.delete": {"virtual": "web"},
    "server.index": {"virtual": "web"},
    "server.new": {"virtual": "web"},
    "server.edit": {"virtual": "web", "server": "rs1"},
    "server.delete": {"virtual": "web", "server": "rs1"},
    "monitoring.edit": {"virtual": "web"},
}
MINE = ("virtual.", "server.", "monitoring.", "login.", "home")


def test_viewing_every_page_leaves_the_file_and_its_folder_untouched(
    web: Web, client: FlaskClient
) -> None:
    folder = sorted(p.name for p in web.config.parent.iterdir())
    before, mtime = web.config.read_bytes(), web.config.stat().st_mtime_ns
    seen = []
    for rule in web.app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        for method in ("GET", "HEAD"):
            response = client.open(rule.rule, method=method,
                                   query_string=ARGS.get(rule.endpoint, {}))
            if rule.endpoint.startswith(MINE):
                assert response.status_code in (200, 302), (rule.rule, response.status_code)
        seen.append(rule.endpoint)
    assert set(ARGS) <= set(seen)
    assert web.config.read_bytes() == before
    assert web.config.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in web.config.parent.iterdir()) == folder


def test_opening_add_forms_and_delete_confirmations_writes_nothing(
    web: Web, client: FlaskClient
) -> None:
    before = web.config.read_bytes()
    for button, url in (("ADD", "/virtual/"), ("EDIT", "/virtual/"), ("DELETE", "/virtual/")):
        response = client.post(url, data={"action": button, "selected": "web"})
        assert response.status_code == 303
        assert client.get(response.headers["Location"]).status_code == 200
    assert web.config.read_bytes() == before
