"""HISTORY: who changed what, hand edits as their own entries, compare, RESTORE, UNDO."""

from __future__ import annotations

import html
import re
import time

from flask.testing import FlaskClient

from piranha_web.accounts import Role
from piranha_web.lvscf import parse
from tests.web.conftest import Web, form_of, no_errors

EDIT = "/virtual/edit?virtual=web"
RS1 = "/virtual/servers/edit?virtual=web&server=rs1"


def login(web: Web, name: str, role: Role) -> FlaskClient:
    web.services.accounts.add(name, f"{name} password", role)
    client = web.app.test_client()
    assert client.post("/login", data={"username": name, "password": f"{name} password"}
                       ).status_code == 303
    return client


def rows(page: str) -> list[tuple[str, str, str]]:
    """(who, cause, summary) of every history row, newest first."""
    found = []
    for row in re.findall(r'<tr id="rev-[0-9a-f]{12}".*?</tr>', page, re.S):
        cells = {name: re.sub(r"<[^>]+>", " ", text)
                 for name, text in re.findall(r'<td class="(who|cause|summary)">(.*?)</td>',
                                              row, re.S)}
        found.append(tuple(html.unescape(" ".join(cells[k].split()))
                           for k in ("who", "cause", "summary")))
    return found  # type: ignore[return-value]


def test_two_users_and_a_hand_edit_are_separate_entries_with_summaries(web: Web) -> None:
    ann = login(web, "ann", Role.ADMIN)
    otto = login(web, "otto", Role.OPERATOR)
    assert ann.post(EDIT, data={**form_of(ann, EDIT), "port": "8080", "action": "ACCEPT"}
                    ).status_code == 303
    time.sleep(0.01)
    web.config.write_text(web.config.read_text().replace("scheduler = wlc", "scheduler = rr"))
    assert otto.post(RS1, data={**form_of(otto, RS1), "weight": "7", "action": "ACCEPT"}
                     ).status_code == 303
    page = otto.get("/history/").get_data(as_text=True)
    assert rows(page) == [
        ("otto", "web", "server rs1 of virtual web: weight 1 -> 7"),
        ("hand edit", "hand edit", "virtual web: scheduler wlc -> rr"),
        ("ann", "web", "virtual web: port 80 -> 8080"),
        ("first seen", "first seen", "-"),
    ]
    assert "RESTORE" not in otto.get("/history/").get_data(as_text=True)  # operators cannot


def test_a_hand_edit_is_noticed_when_the_history_is_read(web: Web, client: FlaskClient) -> None:
    client.get("/history/")
    web.config.write_text(web.config.read_text().replace("port = 80", "port = 81"))
    assert rows(client.get("/history/").get_data(as_text=True))[0] == (
        "hand edit", "hand edit", "virtual web: port 80 -> 81")
    noticed = web.services.audit.entries(kind="hand-edit")[0]
    assert (noticed.user, noticed.details["noticed_by"]) == (None, "piranha")
    # the hand-edited text is kept: a later hand edit cannot lose it
    web.config.write_text(web.config.read_text().replace("port = 81", "port = 82"))
    history = web.services.history
    history.notice()
    texts = [history.text_of(r.revision) for r in history.revisions()]
    assert all(t is not None for t in texts) and len(texts) == 3
    assert "port = 81" in str(texts[1])


def test_compare_shows_the_summary_then_the_lines_under_their_blocks(
    web: Web, client: FlaskClient
) -> None:
    # following the redirects shows (and so consumes) each ACCEPT's own summary
    client.post(EDIT, data={**form_of(client, EDIT), "port": "8080", "action": "ACCEPT"},
                follow_redirects=True)
    client.post(RS1, data={**form_of(client, RS1), "weight": "3", "action": "ACCEPT"},
                follow_redirects=True)
    newest, _, oldest = web.services.history.revisions()
    page = client.get(f"/history/compare?a={oldest.revision}&b={newest.revision}"
                      ).get_data(as_text=True)
    summary = page.index("virtual web: port 80 -&gt; 8080")
    assert summary < page.index("server rs1 of virtual web: weight 1 -&gt; 3")
    assert summary < page.index("<caption>virtual web</caption>") < page.index(
        "<caption>virtual web / server rs1</caption>")
    assert "<code>     port = 8080</code>" in page


def test_restore_saves_the_old_text_as_a_new_revision_with_a_higher_serial(
    web: Web, client: FlaskClient
) -> None:
    original = web.config.read_text()
    client.post(EDIT, data={**form_of(client, EDIT), "port": "8080", "action": "ACCEPT"})
    client.post(RS1, data={**form_of(client, RS1), "weight": "3", "action": "ACCEPT"})
    oldest = web.services.history.revisions()[-1]
    current = web.services.store.revision()
    unconfirmed = client.post("/history/restore", data={"target": oldest.revision,
                                                        "revision": current})
    assert unconfirmed.status_code == 303 and "/history/restore?target=" in (
        unconfirmed.headers["Location"])
    assert web.services.store.revision() == current  # nothing without the confirmation
    response = client.post("/history/restore", data={"target": oldest.revision,
                                                     "revision": current, "confirm": "RESTORE"})
    assert response.status_code == 303
    restored = web.config.read_text()
    assert restored == original.replace("serial_no = 7", "serial_no = 10")
    newest = web.services.history.revisions()[0]
    assert (newest.cause, newest.user, newest.restored_from) == ("restore", "piranha",
                                                                  oldest.revision)
    assert newest.summary == ("virtual web: port 8080 -> 80",
                              "server rs1 of virtual web: weight 3 -> 1")
    assert web.services.audit.entries(kind="restore")[0].details["restored_from"] == (
        oldest.revision)
    assert len(web.services.history.revisions()) == 4  # nothing rewritten


def test_restore_is_revision_checked_and_refuses_new_errors(web: Web, client: FlaskClient) -> None:
    client.get("/history/")
    web.config.write_text(web.config.read_text().replace("port = 80", "port = 0"))  # an error
    client.get("/history/")
    broken = web.services.history.revisions()[0]
    client.post(EDIT, data={**form_of(client, EDIT), "port": "81", "action": "ACCEPT"})
    assert no_errors(web.config.read_text())
    before = web.config.read_bytes()
    stale = client.post("/history/restore", data={"target": broken.revision,
                                                  "revision": broken.revision,
                                                  "confirm": "RESTORE"})
    assert stale.status_code == 303 and web.config.read_bytes() == before
    assert "changed by someone else" in client.get("/history/").get_data(as_text=True)
    refused = client.post("/history/restore", data={"target": broken.revision,
                                                    "revision": web.services.store.revision(),
                                                    "confirm": "RESTORE"})
    assert refused.status_code == 303 and web.config.read_bytes() == before
    assert "Nothing was restored" in client.get("/history/").get_data(as_text=True)


def test_undo_last_change_on_the_accept_result_restores_the_replaced_revision(
    web: Web, client: FlaskClient
) -> None:
    before = parse(web.config.read_text()).model()
    response = client.post(EDIT, data={**form_of(client, EDIT), "port": "8080",
                                       "action": "ACCEPT"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert 'id="undo"' in page
    undo = dict(re.findall(r'<input type="hidden" name="(revision|target)" value="([^"]+)">',
                           page[page.index('id="undo-form"'):]))
    assert client.post("/history/undo", data=undo).status_code == 303
    after = parse(web.config.read_text()).model()
    assert after.virtual("web").port == before.virtual("web").port == 80
    assert after.globals.serial_no == before.globals.serial_no + 2


def test_copies_kept_before_the_history_existed_are_listed(web: Web, client: FlaskClient) -> None:
    old = web.config.read_bytes()
    web.services.store.keep_copy(old.replace(b"port = 80", b"port = 79"))
    page = client.get("/history/").get_data(as_text=True)
    assert ("earlier copy", "earlier copy", "(kept before history metadata)") in rows(page)
