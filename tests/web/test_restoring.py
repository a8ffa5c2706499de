"""restoring: RESTORE of a kept revision, the one service of the HISTORY panel and the API."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from piranha_web.errors import ParseError, StaleRevisionError
from piranha_web.lvscf import parse
from piranha_web.web import restoring
from tests.web.conftest import Web, form_of

EDIT = "/virtual/edit?virtual=web"


def _two_revisions(web: Web, client: FlaskClient) -> tuple[str, str]:
    """The revision before a port change and the one after it (the current one)."""
    client.get("/history/")
    before = web.services.store.revision()
    assert client.post(EDIT, data={**form_of(client, EDIT), "port": "8080",
                                   "action": "ACCEPT"}).status_code == 303
    return before, web.services.store.revision()


def test_a_kept_revision_is_found_by_its_first_12_characters_and_not_by_fewer(
        web: Web, client: FlaskClient) -> None:
    before, _ = _two_revisions(web, client)
    with web.app.test_request_context():
        found = restoring.kept(before[:12])
        assert found is not None and found.entry.revision == before
        assert parse(found.text).get("port", virtual="web") == "80"
        assert restoring.kept(before[:11]) is None
        assert restoring.kept("0" * 64) is None


def test_restore_saves_the_old_text_as_a_new_revision_with_the_next_serial(
        web: Web, client: FlaskClient) -> None:
    before, now = _two_revisions(web, client)
    serial = int(web.services.store.load().document.get("serial_no") or "0")
    with web.app.test_request_context():
        chosen = restoring.kept(before)
        assert chosen is not None
        previous, result = restoring.restore(chosen, now, "restore")
    assert previous == now and result is not None
    doc = web.services.store.load().document
    assert doc.get("port", virtual="web") == "80"
    assert doc.get("serial_no") == str(serial + 1)
    assert web.services.history.revisions()[0].restored_from == before


def test_restoring_the_current_revision_writes_nothing(web: Web, client: FlaskClient) -> None:
    _, now = _two_revisions(web, client)
    with web.app.test_request_context():
        chosen = restoring.kept(now)
        assert chosen is not None
        assert restoring.restore(chosen, now, "restore") == (now, None)
    assert web.services.store.revision() == now


def test_a_restore_from_a_page_older_than_the_file_is_refused(web: Web, client: FlaskClient
                                                             ) -> None:
    before, now = _two_revisions(web, client)
    text = web.config.read_bytes()
    with web.app.test_request_context():
        chosen = restoring.kept(before)
        assert chosen is not None
        with pytest.raises(StaleRevisionError) as refused:
            restoring.restore(chosen, before, "restore")
    assert refused.value.actual == now
    assert web.config.read_bytes() == text


def test_a_kept_text_that_cannot_be_read_is_refused_before_anything_is_written(
        web: Web, client: FlaskClient) -> None:
    before, now = _two_revisions(web, client)
    text = web.config.read_bytes()
    with web.app.test_request_context():
        chosen = restoring.kept(before)
        assert chosen is not None
        with pytest.raises(ParseError):
            restoring.restore(chosen._replace(text="virtual web {\n"), now, "restore")
    assert web.config.read_bytes() == text
