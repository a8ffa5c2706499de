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


def test_details_are_in_words_revisions_link_to_history_and_names_are_escaped(
    web: Web, client: FlaskClient
) -> None:
    trail = web.services.audit
    old, new = "a" * 64, "b" * 64
    entry = trail.record_pending("save", "ann", old=old, new=new, cause="web",
                                 summary=["virtual web: port 80 -> 8080"])
    trail.commit(entry)
    trail.record_pending("save", "ann", old=new, new="c" * 64, cause="web")
    trail.record("sync", "ann", ok=False, message="unreachable")
    trail.record("login-failed", "evil\n\x1b[31mpiranha", client="192.0.2.66")
    page = client.get("/audit/").get_data(as_text=True)
    assert '<a href="/history/view?revision=aaaaaaaaaaaa">aaaaaaaaaaaa</a>' in page
    assert "from revision:" in page and "to revision:" in page
    assert old not in page and "True" not in page and "False" not in page
    assert "succeeded: no" in page
    assert "completed: yes" in page and "completed: no: the save or change did not" in page
    assert "changes: virtual web: port 80 -&gt; 8080" in page
    assert "\x1b" not in page and "evil\\n\\x1b[31mpiranha" in page
