"""Pieces shared by the panel blueprints: the hidden revision, findings per block, field edits.

Forms are filled from the document (``initial`` values: raw lvs.cf values, or the value the
daemons assume when a key is absent) and applied by comparing each submitted value with the
value the form was rendered with: only changed fields are written, so untouched lines stay
byte-identical, and a field left blank removes its key.

The rendered values travel with the form (hidden ``initial``, beside ``revision``).  When the
file changed meanwhile, :func:`rebase` shows the form again with the current file's values
plus the user's changes, so ACCEPT re-applies exactly what the user changed and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from flask import abort, g, redirect, request
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, Field, HiddenField
from wtforms.fields.choices import SelectChoice

# the Flask-free pieces every panel uses, re-exported for the panels
from piranha_web.edits.common import NAME_RE as NAME_RE
from piranha_web.edits.common import Edit as Edit
from piranha_web.edits.common import Problems as Problems
from piranha_web.edits.common import check_new_name as check_new_name
from piranha_web.edits.common import set_or_unset as set_or_unset
from piranha_web.edits.common import shown_value as shown_value
from piranha_web.errors import DuplicateNameError, EditError, EditErrors
from piranha_web.lvscf import Config, Document
from piranha_web.lvscf.validate import Finding
from piranha_web.store import Loaded
from piranha_web.web.saving import FieldMapper, SaveOutcome, remember
from piranha_web.web.services import services

#: what a panel's view returns: a redirect, or a page with its status
Page = Response | str | tuple[str, int]


class RevisionForm(FlaskForm):
    """Any POST form: CSRF token plus the revision of lvs.cf the page was rendered from."""

    revision = HiddenField()
    initial = HiddenField()

    class Meta:
        """Fields a role may not change are shown locked (``templating.field_lock``)."""

        locked_by_role = True


def load() -> Loaded:
    """lvs.cf as it is now, as a document of its own (ParseError goes to the error page)."""
    return services().store.load()


def config() -> tuple[str, Config]:
    """``(revision, typed model)`` of lvs.cf now, for pages that only read it."""
    return services().store.config()


def arg(name: str) -> str:
    """A required query argument (the virtual or real server's name); 400 when missing."""
    value = request.args.get(name)
    if not value:
        abort(400)
    return value


def action() -> str:
    """The button that submitted the form (``name="action"``)."""
    return request.form.get("action", "")


def field_findings(where: str, fields: FieldMapper) -> list[Finding]:
    """Findings lvs.cf on disk has in block ``where`` (errors and warnings).

    Those that belong to a form field are shown beside it (template helper ``findings_for``);
    the others are returned, for the top of the form.
    """
    by_field: dict[str, list[Finding]] = {}
    rest: list[Finding] = []
    for finding in services().store.findings():
        if finding.where != where:
            continue
        target = fields(finding.where, finding.key, finding.code)
        if target is None:
            rest.append(finding)
        else:
            by_field.setdefault(target, []).append(finding)
    g.field_findings = by_field
    return rest


def mapper(where: str, fields: Iterable[str], renames: Mapping[str, str] | None = None
           ) -> FieldMapper:
    """Map findings of block ``where`` (and edit errors) to the form's fields.

    A key that is a field name maps to itself; ``renames`` maps keys or finding codes to
    other fields (``missing-device`` -> ``device``).  Findings of other blocks stay general.
    """
    known = set(fields)
    extra = dict(renames or {})

    def field_for(found_where: str, key: str | None, code: str) -> str | None:
        if found_where not in ("", where) or key is None:
            return None
        if code in extra:
            return extra[code]
        key = extra.get(key, key)
        return key if key in known else None

    return field_for


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs as the options of a select or radio field."""
    return [SelectChoice(value, label) for value, label in pairs]


def add_choice(field: Any, value: str | None) -> None:
    """Offer ``value`` in a select/radio field when the file holds a value not in its list."""
    if value is not None and value not in [c.value for c in field.choices]:
        field.choices = [*field.choices, SelectChoice(value, value)]


def fill(form: FlaskForm, initial: Mapping[str, str], revision: str) -> None:
    """Set the form's fields to the initial values and remember them in the form."""
    for name, value in initial.items():
        getattr(form, name).data = value
    form.revision.data = revision
    form.initial.data = json.dumps(dict(initial), sort_keys=True)


def submitted(field: Field) -> str:
    """A field's submitted value: text without surrounding blanks; checkboxes "1" or ""."""
    if isinstance(field, BooleanField):
        return "1" if field.data else ""
    data = field.data
    return data.strip() if isinstance(data, str) else ("" if data is None else str(data))


def rendered_with(form: FlaskForm, current: Mapping[str, str]) -> dict[str, str]:
    """The values the submitted form was rendered with (``current`` if it does not say)."""
    try:
        found = json.loads(form.initial.data or "")
    except ValueError:
        return dict(current)
    if (not isinstance(found, dict) or set(found) != set(current)
            or not all(isinstance(v, str) for v in found.values())):
        return dict(current)
    return found


#: the box beside a field's inline-comment finding (``_macros.render_field``)
FIX_COMMENT = "fix_comment"


def changed(form: FlaskForm, current: Mapping[str, str]) -> dict[str, str]:
    """Fields the user changed: submitted values that differ from those the form showed, and
    the fields whose "comment on its own line" box is ticked (their line is written again, so
    its inline comment goes above it: the way to fix that error without changing the value)."""
    shown = rendered_with(form, current)
    fix = set(request.form.getlist(FIX_COMMENT))
    return {
        name: submitted(getattr(form, name))
        for name in current
        if submitted(getattr(form, name)) != shown[name] or name in fix
    }


def rebase(form: FlaskForm, current: Mapping[str, str], todo: Mapping[str, str],
           revision: str) -> None:
    """After a conflict: the current file's values plus the user's changes, at ``revision``."""
    fill(form, current, revision)
    for name, value in todo.items():
        getattr(form, name).data = value


def answer_accept(form: FlaskForm, outcome: SaveOutcome, saved_to: str,
               render: Callable[[SaveOutcome, int], Page],
               rebase: Callable[[str], None] | None = None) -> Page:
    """What an ACCEPT answers: after a save, a redirect to ``saved_to`` (303, the outcome shown
    there); otherwise the form again with the user's input, the errors beside their fields, and
    ``render``'s page with 409 for a conflict (rebased onto the new revision by ``rebase``,
    when given) or 400."""
    if outcome.status in ("saved", "unchanged"):
        remember(outcome)
        return redirect(saved_to, code=303)
    for field, messages in outcome.field_errors.items():
        getattr(form, field).errors = list(messages)
    if outcome.status != "conflict":
        return render(outcome, 400)
    if rebase is not None:
        rebase(outcome.revision)
    form.revision.data = outcome.revision
    return render(outcome, 409)


def refused_by_form(form: FlaskForm, fields: Iterable[str]) -> dict[str, list[str]] | None:
    """What ``form.validate()`` refused, when every refusal is one of the edit's ``fields``
    (a value outside a list): the edit then runs without those fields (see
    :func:`with_refusals`), so that every other field's error shows at once.  None when
    anything else failed (a CSRF token): the form is answered as it is."""
    known = set(fields)
    refused = {name: [_in_words(getattr(form, name), message) for message in errors]
               for name, errors in form.errors.items() if errors}
    return refused if refused and set(refused) <= known else None


def _in_words(field: Field, message: str) -> str:
    """WTForms' "Not a valid choice." says which value and what to do instead."""
    if message != "Not a valid choice." or not isinstance(field.data, str):
        return message
    return f"{field.data!r} is not one of the choices of this list: pick one."


def with_refusals(edit: Edit, refused: Mapping[str, Sequence[str]]) -> Edit:
    """``edit`` whose end is always refused: its own errors plus ``refused`` (field ->
    messages), as one :class:`EditErrors`; ``saving.save_edit`` adds the new findings."""

    def run(doc: Document) -> None:
        errors = [EditError(key, message) for key, messages in refused.items()
                  for message in messages]
        try:
            edit(doc)
        except EditErrors as err:
            errors = [*err.errors, *errors]
        except EditError as err:
            errors.insert(0, err)
        except DuplicateNameError as err:
            errors.insert(0, EditError("name", str(err)))
        raise EditErrors(errors)

    return run


def renamed_to(virtual: str, revision: str) -> str | None:
    """The name the virtual server ``virtual`` of the form's ``revision`` has now, when it was
    renamed since: the one virtual server added since, or else the new name at its place.
    None when it was deleted, or the revision is no longer known (the caller says "gone")."""
    base = services().store.load_revision(revision)
    now = load().document.virtual_names()
    if base is None or virtual not in base.virtual_names() or virtual in now:
        return None
    before = base.virtual_names()
    added = [name for name in now if name not in before]
    if len(added) == 1:
        return added[0]
    place = before.index(virtual)
    return now[place] if place < len(now) and now[place] in added else None


def gone(what: str, revision: str) -> SaveOutcome:
    """The conflict of an ACCEPT whose block was renamed or deleted meanwhile (input kept)."""
    return SaveOutcome(
        "gone", revision,
        f"{what} is no longer in lvs.cf: someone renamed or deleted it since you loaded this "
        "page, so nothing was written.",
    )
