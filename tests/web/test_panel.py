"""panel.answer_accept: what every panel's ACCEPT answers after save_edit."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import session
from wtforms import StringField

from piranha_web.web import panel
from piranha_web.web.saving import SESSION_KEY, SaveOutcome
from tests.web.conftest import Web


class _Form(panel.RevisionForm):
    port = StringField("Port")


@dataclass
class _Answer:
    """What answer_accept returned and did: pages rendered, rebases, the remembered message."""

    page: panel.Page | None = None
    rendered: list[tuple[SaveOutcome, int]] = field(default_factory=list)
    rebased: list[str] = field(default_factory=list)
    remembered: str | None = None
    form: _Form | None = None


def _answer(web: Web, outcome: SaveOutcome, *, with_rebase: bool = True) -> _Answer:
    """answer_accept in a request, with a render and a rebase that record their calls."""
    seen = _Answer()

    def render(shown: SaveOutcome, status: int) -> tuple[str, int]:
        seen.rendered.append((shown, status))
        return "page", status

    with web.app.test_request_context("/virtual/edit", method="POST"):
        seen.form = _Form(formdata=None)
        seen.form.revision.data = "old"
        seen.page = panel.answer_accept(seen.form, outcome, "/virtual/edit?virtual=web", render,
                                     seen.rebased.append if with_rebase else None)
        if SESSION_KEY in session:
            seen.remembered = session[SESSION_KEY]["message"]
    return seen


def test_a_save_redirects_to_the_saved_panel_and_remembers_the_outcome(web: Web) -> None:
    seen = _answer(web, SaveOutcome("saved", "new", "Saved."))
    assert not isinstance(seen.page, (str, tuple)) and seen.page is not None
    assert seen.page.status_code == 303
    assert seen.page.headers["Location"] == "/virtual/edit?virtual=web"
    assert seen.remembered == "Saved."
    assert seen.rendered == [] and seen.rebased == []


def test_a_conflict_rebases_onto_the_new_revision_and_answers_409(web: Web) -> None:
    outcome = SaveOutcome("conflict", "new", "Changed meanwhile.",
                          field_errors={"port": ["Someone changed it."]})
    seen = _answer(web, outcome)
    assert seen.page == ("page", 409)
    assert seen.rendered == [(outcome, 409)] and seen.rebased == ["new"]
    assert seen.form is not None and seen.form.port.errors == ["Someone changed it."]
    assert seen.form.revision.data == "new"
    assert seen.remembered is None


def test_a_conflict_without_a_rebase_still_carries_the_new_revision(web: Web) -> None:
    seen = _answer(web, SaveOutcome("conflict", "new"), with_rebase=False)
    assert seen.form is not None and seen.form.revision.data == "new"


def test_a_refused_save_shows_the_form_again_with_400_and_keeps_the_revision(web: Web) -> None:
    outcome = SaveOutcome("invalid", "old", field_errors={"port": ["Not a port."]})
    seen = _answer(web, outcome)
    assert seen.page == ("page", 400)
    assert seen.rendered == [(outcome, 400)] and seen.rebased == []
    assert seen.form is not None and seen.form.port.errors == ["Not a port."]
    assert seen.form.revision.data == "old"
    assert seen.remembered is None
