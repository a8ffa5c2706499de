"""AUDIT (admins): the trail newest first, filtered by user, kind and time."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.web.conftest import Web


def test_the_audit_page_filters_by_user_kind_and_time(web: Web, client: FlaskClient) -> None:
    trail = web.services.audit
    trail.record("login-failed", "mallory", client="192.0.2.66")
    trail.record("check", "ann", virtual="web", verdicts={"rs1": "up: got HTTP"})
    page = client.get("/audit/").get_data(as_text=True)
    assert page.index('"audit-check"') < page.index('"audit-login-failed"') < page.index(
        '"audit-login"')
    assert "rs1 up: got HTTP" in page
    only = client.get("/audit/?user=mallory").get_data(as_text=True)
    assert "audit-login-failed" in only and "audit-check" not in only
    kind = client.get("/audit/?kind=check").get_data(as_text=True)
    assert "audit-check" in kind and '"audit-login"' not in kind
    future = client.get("/audit/?since=2999-01-01").get_data(as_text=True)
    assert "No entries match." in future
