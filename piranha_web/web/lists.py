"""The VIRTUAL SERVERS and REAL SERVER list pages: what both panels (and CHECK NOW) render.

A list page shows one page of rows (:mod:`.listing`) with the configured values, the
findings that name each row and the live state (:mod:`.list_rows`).  The search, sort and
order travel in the query string, also through the list form's POST (its action URL) and the
redirect after it; the last ones used are kept in the session, so a list seen again after
EDIT, ACCEPT or CANCEL keeps its filter.  The row acted on (``selected``) stays selected and
its page is shown.  Without a selection the first row shown is selected, as in Piranha.

Bulk ACTIVATE MARKED / DEACTIVATE MARKED set ``active`` of every marked row in one
revision-checked save (:func:`set_marked`).  Marks are kept across pages in the session
(:mod:`.marks`) and the page says how many are marked; MARK ALL MATCHING marks every row the
search finds (:func:`marks_button`).  Every way to another view of the list submits the list
form, so the boxes ticked on this page are kept: the pager's buttons (action PAGE), the sort
headings (SORT), "Show all" (SEARCH) and, with JavaScript, SEARCH (``static/forms.js``; without
it SEARCH is a plain GET form).  SORT and SEARCH show the new view from its first page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from piranha_web.lvscf import Document
from piranha_web.lvscf.model import Config
from piranha_web.web import marks, panel
from piranha_web.web.list_rows import (
    SERVER_SEARCH,
    SERVER_SORTS,
    VIRTUAL_SEARCH,
    VIRTUAL_SORTS,
    rs_texts,
    server_rows,
    virtual_rows,
    vs_texts,
)
from piranha_web.web.listing import ListQuery, view
from piranha_web.web.live_state import read_live
from piranha_web.web.saving import FieldMapper, SaveOutcome, save_edit
from piranha_web.web.services import services

#: session keys of the last search/sort of each list
VIRTUAL_LIST = "piranha_list_virtual"
SERVER_LIST = "piranha_list_server"
#: session keys of the marks of each list
VIRTUAL_MARKS = "piranha_marks_virtual"
SERVER_MARKS = "piranha_marks_server"
_VIEW_ARGS = ("q", "sort", "order", "page")
#: buttons that show another view of the list (after keeping this page's marks)
VIEW_BUTTONS = ("PAGE", "SORT", "SEARCH")
#: of those, the ones that start the new view at its first page (the selection not followed)
NEW_VIEW = ("SORT", "SEARCH")
#: bulk buttons -> the ``active`` value they set
BULK = {"ACTIVATE MARKED": True, "DEACTIVATE MARKED": False}


def list_query(key: str, sorts: Iterable[str], scope: str = "") -> ListQuery:
    """The view the query string asks for, else the one last used for this list (``scope``:
    the virtual server of a REAL SERVER list)."""
    if any(name in request.args for name in _VIEW_ARGS):
        query = ListQuery.of(request.args, sorts)
        session[key] = {"scope": scope, **query.args(page=0)}
        return query
    kept = session.get(key)
    if isinstance(kept, dict) and kept.get("scope") == scope:
        return ListQuery.of({k: str(v) for k, v in kept.items()}, sorts)
    return ListQuery()


def posted_query(sorts: Iterable[str]) -> dict[str, str]:
    """The list view of a list form's POST (from its action URL), for the redirect after it."""
    return ListQuery.of(request.args, sorts).args()


def _chosen(names: list[str], shown: list[str], selected: str | None) -> str | None:
    if selected:
        return selected if selected in names else None
    return shown[0] if shown else None


def virtual_list(selected: str | None = None, status: int = 200) -> tuple[str, int]:
    """The VIRTUAL SERVERS page."""
    store = services().store
    revision, config = store.config()
    findings = store.findings()
    live = read_live(config)
    rows = virtual_rows(config, findings, live)
    query = list_query(VIRTUAL_LIST, VIRTUAL_SORTS)
    listing = view(rows, query, search=VIRTUAL_SEARCH, sorts=VIRTUAL_SORTS,
                   selected=(lambda r: r.name == selected) if selected else None)
    chosen = _chosen([r.name for r in rows], [r.name for r in listing.rows], selected)
    form = panel.RevisionForm(formdata=None, revision=revision)
    marked = set(marks.load(VIRTUAL_MARKS, "").names(virtual_items(config)))
    page = render_template("virtual/index.html", listing=listing, selected=chosen, form=form,
                           live=live.comparison is not None, live_problem=live.problem,
                           marked=marked)
    return page, status


def server_list(virtual: str, selected: str | None = None, status: int = 200,
                template: str = "server/index.html", **extra: Any) -> tuple[str, int]:
    """The REAL SERVER page of ``virtual`` (``template``/``extra``: CHECK NOW's version)."""
    store = services().store
    revision, config = store.config()
    vs = config.virtual(virtual)
    findings = store.findings()
    live = read_live(config)
    rows = server_rows(vs, findings, live, services().recent_checks)
    query = list_query(SERVER_LIST, SERVER_SORTS, virtual)
    listing = view(rows, query, search=SERVER_SEARCH, sorts=SERVER_SORTS,
                   selected=(lambda r: r.name == selected) if selected else None)
    chosen = _chosen([r.name for r in rows], [r.name for r in listing.rows], selected)
    form = panel.RevisionForm(formdata=None, revision=revision)
    marked = set(marks.load(SERVER_MARKS, virtual).names(server_items(config, virtual)))
    page = render_template(template, vs=vs, name=virtual, listing=listing, selected=chosen,
                           form=form, live=live.comparison is not None, marked=marked,
                           live_active=vs.active, live_problem=live.problem, **extra)
    return page, status


def virtual_items(config: Config) -> list[tuple[str, list[str]]]:
    """(name, searchable texts) of every virtual server, for the marks."""
    return [(vs.name, vs_texts(vs)) for vs in config.virtuals]


def server_items(config: Config, virtual: str) -> list[tuple[str, list[str]]]:
    """(name, searchable texts) of every real server of ``virtual``, for the marks."""
    return [(rs.name, rs_texts(rs)) for rs in config.virtual(virtual).servers]


def keep_marks(key: str, scope: str) -> None:
    """Every POST of a list form: merge its page's mark boxes into the kept marks."""
    marks.remember(key, scope)


def marked(key: str, scope: str, items: list[tuple[str, list[str]]]) -> list[str]:
    """The names marked in the list, in list order."""
    return marks.load(key, scope).names(items)


def forget_marks(key: str) -> None:
    """After a bulk action: nothing is marked any more."""
    marks.clear(key)


def marks_button(button: str, key: str, scope: str, sorts: Iterable[str]) -> bool:
    """Handle PAGE, SORT and SEARCH (this page's marks are kept, then the asked view), MARK ALL
    MATCHING and CLEAR MARKS; False for other buttons.  The caller then shows the list again
    (:func:`back_to_list`)."""
    if button not in (*VIEW_BUTTONS, "MARK ALL MATCHING", "CLEAR MARKS"):
        return False
    if button == "MARK ALL MATCHING":
        marks.mark_matching(key, scope, ListQuery.of(request.args, sorts).q)
    elif button == "CLEAR MARKS":
        marks.clear(key)
    return True


def set_marked(names: list[str], active: bool, revision: str, fields: FieldMapper,
               set_one: Callable[[Document, str, bool], None],
               is_active: Callable[[Document, str], bool]) -> SaveOutcome:
    """Set ``active`` of every named block in one revision-checked save (unchanged ones are
    left alone, so their lines stay byte-identical)."""

    def edit(doc: Document) -> None:
        for name in names:
            if is_active(doc, name) != active:
                set_one(doc, name, active)

    word = "activated" if active else "deactivated"
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    return save_edit(edit, revision, fields, success=f"{len(names)} {word}: {shown}.")


def back_to_list(endpoint: str, base: Mapping[str, str], sorts: Iterable[str],
                 selected: str | None) -> Response:
    """Redirect after an action to the list as it was (search, sort, page from the POST's
    URL) with the row acted on selected; after SORT or SEARCH, to the new view's first page
    (an empty search is kept as ``q=``: the search kept in the session is replaced)."""
    new_view = panel.action() in NEW_VIEW
    args: dict[str, Any] = {**base, **({"q": ""} if new_view else {}), **posted_query(sorts)}
    if selected and not new_view:
        args["selected"] = selected
    return redirect(url_for(endpoint, **args), code=303)
