"""panel.after_save: what every panel's ACCEPT answers after save_edit."""

from __future__ import annotations

from flask import session
from wtforms import StringField

from piranha_web.web import panel
from piranha_web.web.saving import SESSION_KEY, SaveOutcome
from tests.web.conftest import Web


class _Form(panel.RevisionForm):
    port = StringField("Port")


def _answer(web: Web, outcome: SaveOutcome, *, with_rebase: bool = True
            ) -> tuple[panel.Page, list[tuple[SaveOutcome, int]], list[str], _Form]:
    """after_save in a request, with a render and a rebase that record their calls; the
    remembered outcome's message is put in the rendered list as ``(message, 0)``."""
    rendered: list[tuple[SaveOutcome, int]] = []
    rebased: list[str] = []

    def render(shown: SaveOutcome, status: int) -> tuple[str, int]:
        rendered.append((shown, status))
        return "page", status

    with web.app.test_request_context("/virtual/edit", method="POST"):
        form = _Form(formdata=None)
        form.revision.data = "old"
        answer = panel.after_save(form, outcome, "/virtual/edit?virtual=web", render,
                                  rebased.append if with_rebase else None)
        if SESSION_KEY in session:
            rendered.append((SaveOutcome("remembered", "", session[SESSION_KEY]["message"]), 0))
    return answer, rendered, rebased, form


def test_a_save_redirects_to_the_saved_panel_and_remembers_the_outcome(web: Web) -> None:
    answer, rendered, rebased, _ = _answer(web, SaveOutcome("saved", "new", "Saved."))
    assert not isinstance(answer, (str, tuple))
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/virtual/edit?virtual=web"
    assert rendered == [(SaveOutcome("remembered", "", "Saved."), 0)] and rebased == []


def test_a_conflict_rebases_onto_the_new_revision_and_answers_409(web: Web) -> None:
    outcome = SaveOutcome("conflict", "new", "Changed meanwhile.",
                          field_errors={"port": ["Someone changed it."]})
    answer, rendered, rebased, form = _answer(web, outcome)
    assert answer == ("page", 409)
    assert rendered == [(outcome, 409)] and rebased == ["new"]
    assert form.port.errors == ["Someone changed it."]
    assert form.revision.data == "new"


def test_a_conflict_without_a_rebase_still_carries_the_new_revision(web: Web) -> None:
    _, _, _, form = _answer(web, SaveOutcome("conflict", "new"), with_rebase=False)
    assert form.revision.data == "new"


def test_a_refused_save_shows_the_form_again_with_400_and_keeps_the_revision(web: Web) -> None:
    outcome = SaveOutcome("invalid", "old", field_errors={"port": ["Not a port."]})
    answer, rendered, rebased, form = _answer(web, outcome)
    assert answer == ("page", 400)
    assert rendered == [(outcome, 400)] and rebased == []
    assert form.port.errors == ["Not a port."]
    assert form.revision.data == "old"
