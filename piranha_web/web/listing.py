"""Search, sort and pages for the long lists (VIRTUAL SERVERS, REAL SERVER): pure, no Flask.

A list view is described by its query string: ``q`` (search words), ``sort`` (a column key),
``order`` (``asc`` or ``desc``) and ``page`` (1-based).  :func:`view` filters, sorts and cuts
the rows; every word of ``q`` must occur (case-insensitively) in one of a row's searchable
texts.  Without ``sort`` rows keep the file's order, as Piranha lists them.  When a row is
selected and no page is asked for, the page holding that row is shown, so the row acted on
stays in sight after an action.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

Row = TypeVar("Row")

#: the most rows one page of a list shows
PAGE_SIZE = 100
#: the longest search text kept (longer input is cut)
MAX_QUERY = 200
_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class ListQuery:
    """What the admin asked to see: search words, sort column and order, page (0: not asked)."""

    q: str = ""
    sort: str = ""
    order: str = "asc"
    page: int = 0

    @classmethod
    def of(cls, args: Mapping[str, str], sorts: Iterable[str]) -> ListQuery:
        """Read a query string leniently: unknown sorts, bad orders and bad pages are ignored."""
        q = " ".join((args.get("q") or "").split())[:MAX_QUERY]
        sort = args.get("sort") or ""
        order = args.get("order") or "asc"
        page_text = args.get("page") or ""
        page = int(page_text) if page_text.isascii() and page_text.isdigit() else 0
        return cls(
            q=q,
            sort=sort if sort in set(sorts) else "",
            order=order if order in ("asc", "desc") else "asc",
            page=min(page, 10**6),
        )

    def args(self, **changes: Any) -> dict[str, str]:
        """The query string of this view (with ``changes``), without its default values."""
        wanted = replace(self, **changes)
        found = {"q": wanted.q, "sort": wanted.sort,
                 "order": wanted.order if wanted.sort and wanted.order != "asc" else "",
                 "page": str(wanted.page) if wanted.page > 1 else ""}
        return {key: value for key, value in found.items() if value}

    def sorted_by(self, key: str) -> dict[str, str]:
        """The query string that sorts by column ``key`` (again: the other way round)."""
        order = "desc" if self.sort == key and self.order == "asc" else "asc"
        return self.args(sort=key, order=order, page=0)


@dataclass(frozen=True)
class ListPage(Generic[Row]):
    """One page of a list: its rows and where it stands among the matching rows."""

    rows: tuple[Row, ...]
    query: ListQuery
    total: int  # rows before the search
    matched: int  # rows the search kept
    page: int  # 1-based
    pages: int  # at least 1

    @property
    def first(self) -> int:
        """Position (1-based) of the page's first row among the matching rows."""
        return (self.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def filtered(self) -> bool:
        return bool(self.query.q)


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting ``vs2`` before ``vs10`` and ``10.0.0.2`` before ``10.0.0.10``."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.casefold())
                 for part in _DIGITS.split(text) if part)


def matches(words: Sequence[str], texts: Iterable[str]) -> bool:
    """Whether every word occurs in one of ``texts`` (case-insensitively)."""
    haystack = [t.casefold() for t in texts]
    return all(any(word.casefold() in text for text in haystack) for word in words)


def view(
    rows: Sequence[Row],
    query: ListQuery,
    *,
    search: Callable[[Row], Iterable[str]],
    sorts: Mapping[str, Callable[[Row], Any]],
    selected: Callable[[Row], bool] | None = None,
) -> ListPage[Row]:
    """The page of ``rows`` that ``query`` asks for (see the module docstring).

    ``search`` gives a row's searchable texts, ``sorts`` a sort key per column key and
    ``selected`` tells the selected row (whose page is shown when no page is asked for).
    """
    words = query.q.split()
    kept = [row for row in rows if matches(words, search(row))] if words else list(rows)
    if query.sort in sorts:
        kept.sort(key=sorts[query.sort], reverse=query.order == "desc")
    pages = max(1, -(-len(kept) // PAGE_SIZE))
    page = query.page
    if page == 0 and selected is not None:
        at = next((i for i, row in enumerate(kept) if selected(row)), 0)
        page = at // PAGE_SIZE + 1
    page = min(max(page, 1), pages)
    start = (page - 1) * PAGE_SIZE
    return ListPage(tuple(kept[start:start + PAGE_SIZE]), query, len(rows), len(kept), page,
                    pages)
