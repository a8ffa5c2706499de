"""The marks of the long lists (ACTIVATE MARKED / DEACTIVATE MARKED), kept across pages.

A list page shows 100 rows; its mark boxes travel with every POST of the list form (the
pager's buttons are buttons of that form), and :func:`remember` merges them into the
session: a name whose box is ticked is added, one shown unticked is dropped.  MARK ALL
MATCHING keeps the search instead of the names (``query``; "" = every row), so marking 1,000
rows does not fill the session cookie; the rows it stands for are worked out when the marks
are used (:meth:`Marks.names`).  Names marked one by one are capped at :data:`MAX_NAMES`.
Works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from flask import request, session

from piranha_web.web.listing import matches

#: names kept beyond MARK ALL MATCHING (each way); more: use the search and MARK ALL MATCHING
MAX_NAMES = 150


@dataclass
class Marks:
    """What is marked in one list (``scope``: "" or the virtual server of a REAL SERVER list)."""

    scope: str = ""
    query: str | None = None  # MARK ALL MATCHING's search, None: not used
    add: list[str] = field(default_factory=list)
    drop: list[str] = field(default_factory=list)

    def names(self, items: Iterable[tuple[str, Iterable[str]]]) -> list[str]:
        """The marked names among ``items`` ((name, searchable texts), in list order)."""
        words = self.query.split() if self.query is not None else None
        added, dropped = set(self.add), set(self.drop)
        return [name for name, texts in items if name not in dropped and (
            name in added or (words is not None and matches(words, texts)))]

    @property
    def empty(self) -> bool:
        """Nothing marked (the session entry can go)."""
        return self.query is None and not self.add


def load(key: str, scope: str) -> Marks:
    """The marks of list ``key`` for ``scope`` (none when the session has others)."""
    kept = session.get(key)
    if not isinstance(kept, dict) or kept.get("scope") != scope:
        return Marks(scope)
    query = kept.get("query")
    return Marks(scope, query if isinstance(query, str) else None,
                 [n for n in kept.get("add", []) if isinstance(n, str)],
                 [n for n in kept.get("drop", []) if isinstance(n, str)])


def _save(key: str, marks: Marks) -> None:
    if marks.empty:
        session.pop(key, None)
    else:
        session[key] = asdict(marks)


def remember(key: str, scope: str) -> Marks:
    """Merge the posted page's boxes into the marks: ``marked`` names (ticked) are added,
    ``shown`` names not ticked are dropped."""
    marks = load(key, scope)
    ticked = [n for n in dict.fromkeys(request.form.getlist("marked")) if n]
    seen = set(ticked) | set(request.form.getlist("shown"))
    add = [n for n in marks.add if n not in seen] + ticked
    drop = [n for n in marks.drop if n not in seen]
    if marks.query is not None:
        drop += [n for n in request.form.getlist("shown") if n and n not in ticked]
    marks = Marks(scope, marks.query, add[:MAX_NAMES], drop[:MAX_NAMES])
    _save(key, marks)
    return marks


def mark_matching(key: str, scope: str, query: str) -> None:
    """MARK ALL MATCHING: every row the search ``query`` finds ("" = every row)."""
    _save(key, Marks(scope, query))


def clear(key: str) -> None:
    """Nothing marked any more (CLEAR MARKS, and after a bulk action)."""
    session.pop(key, None)

