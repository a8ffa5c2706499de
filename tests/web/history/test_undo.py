"""UNDO of one change and RESTORE's preview (``web.history.undo``: pure functions of texts),
then through the app: another user's save since the change no longer refuses the UNDO."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from piranha_web.accounts import Role
from piranha_web.web.history.undo import restore_preview, revert
from tests.conftest import ROOT
from tests.web.conftest import Web, form_of
from tests.web.history.test_views import EDIT, RS1, login

EXAMPLE = (ROOT / "lvs.cf.example").read_text()


def serial(text: str, number: int) -> str:
    return re.sub(r"serial_no = \d+", f"serial_no = {number}", text, count=1)


#: the change to undo: port 80 -> 8080 of www (serial 1 -> 2)
BEFORE = serial(EXAMPLE, 1)
SAVED = serial(BEFORE.replace("port = 80", "port = 8080", 1), 2)


def test_undo_with_nobody_else_saving_is_the_text_before_with_the_current_serial() -> None:
    assert revert(SAVED, BEFORE, SAVED) == serial(BEFORE, 2)


def test_undo_keeps_what_others_saved_elsewhere_since() -> None:
    other = serial(SAVED.replace("weight = 1", "weight = 5", 1), 3)  # www1, lines away
    undone = revert(SAVED, BEFORE, other)
    assert undone == serial(BEFORE.replace("weight = 1", "weight = 5", 1), 3)


def test_undo_is_refused_when_the_same_line_changed_again() -> None:
    assert revert(SAVED, BEFORE, serial(SAVED.replace("port = 8080", "port = 9090"), 3)) is None


def test_undo_is_refused_when_the_lines_right_beside_changed() -> None:
    beside = serial(SAVED.replace("port = 8080\n", "port = 8080\n     # moved to 8080\n"), 3)
    assert revert(SAVED, BEFORE, beside) is None


def test_undo_of_a_block_added_keeps_a_block_added_elsewhere_not_one_right_after_it() -> None:
    block = "virtual extra {\n     address = 198.51.100.99 eth0:9\n}\n"
    added = serial(BEFORE + block, 2)
    other = block.replace("extra", "more").replace(".99", ".98")
    first = serial(added.replace("virtual www {", other + "virtual www {"), 3)
    assert revert(added, BEFORE, first) == serial(
        BEFORE.replace("virtual www {", other + "virtual www {"), 3)
    # right after it: the two changes touch; taken back only by hand (like diff3, git)
    assert revert(added, BEFORE, serial(added + other, 3)) is None


def test_undo_when_the_change_was_already_taken_back_by_hand_changes_nothing_else() -> None:
    by_hand = serial(BEFORE, 3)
    assert revert(SAVED, BEFORE, by_hand) == by_hand


def test_restore_preview_writes_the_kept_text_one_serial_above_and_says_what_changes() -> None:
    current = serial(SAVED.replace("weight = 1", "weight = 5", 1), 7)
    preview = restore_preview(current, BEFORE)
    assert preview.text == serial(BEFORE, 8)
    assert preview.summary == ["virtual www: port 8080 -> 80",
                               "server www1 of virtual www: weight 5 -> 1"]
    assert restore_preview(current, current).summary == ["serial_no 7 -> 8"]


def undo_form(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(revision|target|csrf_token)" '
                           r'value="([^"]+)">', page[page.index('id="undo-form"'):]))


def test_undo_after_another_users_save_takes_back_only_that_change(
    web: Web, client: FlaskClient
) -> None:
    page = client.post(EDIT, data={**form_of(client, EDIT), "port": "8080", "action": "ACCEPT"},
                       follow_redirects=True).get_data(as_text=True)
    undo = undo_form(page)
    ann = login(web, "ann", Role.ADMIN)
    ann.post(RS1, data={**form_of(ann, RS1), "weight": "3", "action": "ACCEPT"})
    response = client.post("/history/undo", data=undo, follow_redirects=True)
    assert "was undone" in response.get_data(as_text=True)
    model = web.services.store.load().document.model()
    assert model.virtual("web").port == 80
    assert model.virtual("web").server("rs1").weight == 3  # ann's change stays
    newest = web.services.history.revisions()[0]
    assert (newest.cause, newest.summary) == ("undo", ("virtual web: port 8080 -> 80",))


def test_undo_after_the_same_line_changed_again_explains_and_writes_nothing(
    web: Web, client: FlaskClient
) -> None:
    page = client.post(EDIT, data={**form_of(client, EDIT), "port": "8080", "action": "ACCEPT"},
                       follow_redirects=True).get_data(as_text=True)
    undo = undo_form(page)
    client.post(EDIT, data={**form_of(client, EDIT), "port": "9090", "action": "ACCEPT"})
    before = web.config.read_bytes()
    response = client.post("/history/undo", data=undo, follow_redirects=True)
    assert "UNDO refused: the lines this change touched were changed again" in (
        response.get_data(as_text=True))
    assert web.config.read_bytes() == before


def test_restore_confirmation_page_shows_the_change_relative_to_now(
    web: Web, client: FlaskClient
) -> None:
    client.post(EDIT, data={**form_of(client, EDIT), "port": "8080", "action": "ACCEPT"})
    oldest = web.services.history.revisions()[-1]
    before = web.config.read_bytes()
    page = client.get(f"/history/restore?target={oldest.revision}").get_data(as_text=True)
    assert "virtual web: port 8080 -&gt; 80" in page and 'id="restore-confirm"' in page
    assert web.config.read_bytes() == before
    viewer = login(web, "vera", Role.VIEWER)
    assert viewer.get(f"/history/restore?target={oldest.revision}").status_code == 403
    assert client.get("/history/restore?target=0123456789ab").status_code == 404
