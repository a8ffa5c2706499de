"""The pure list helpers: search words, natural sort, pages of at most 100 rows."""

from __future__ import annotations

from piranha_web.web.listing import PAGE_SIZE, ListPage, ListQuery, matches, natural_key, view

SORTS = {"name": lambda r: natural_key(r[0]), "port": lambda r: r[1]}
ROWS = [(f"vs{n}", 80 + n % 3) for n in range(250)]


def search(row: tuple[str, int]) -> list[str]:
    return [row[0], str(row[1])]


def test_query_string_is_read_leniently() -> None:
    query = ListQuery.of({"q": "  web   api ", "sort": "evil", "order": "sideways",
                          "page": "-3"}, SORTS)
    assert query == ListQuery(q="web api", sort="", order="asc", page=0)
    assert ListQuery.of({"sort": "port", "order": "desc", "page": "2"}, SORTS) == ListQuery(
        "", "port", "desc", 2)
    assert len(ListQuery.of({"q": "x" * 5000}, SORTS).q) == 200


def test_query_string_leaves_out_defaults_and_toggles_the_sort_order() -> None:
    query = ListQuery(q="web", sort="name", order="asc", page=3)
    assert query.args() == {"q": "web", "sort": "name", "page": "3"}
    assert query.sorted_by("name") == {"q": "web", "sort": "name", "order": "desc"}
    assert query.sorted_by("port") == {"q": "web", "sort": "port"}
    assert ListQuery().args() == {}


def test_every_search_word_must_match_some_text_case_insensitively() -> None:
    assert matches(["WEB", "10.0"], ["web-api", "10.0.0.1"])
    assert not matches(["web", "mail"], ["web-api", "10.0.0.1"])
    assert matches([], ["anything"])


def test_natural_sort_puts_vs2_before_vs10() -> None:
    names = ["vs10", "vs2", "VS1", "10.0.0.10", "10.0.0.2"]
    assert sorted(names, key=natural_key) == ["10.0.0.2", "10.0.0.10", "VS1", "vs2", "vs10"]


def test_pages_hold_at_most_100_rows_in_file_order_without_sort() -> None:
    first = view(ROWS, ListQuery(), search=search, sorts=SORTS)
    assert len(first.rows) == PAGE_SIZE == 100
    assert first.rows[0][0] == "vs0" and (first.page, first.pages) == (1, 3)
    last = view(ROWS, ListQuery(page=99), search=search, sorts=SORTS)
    assert last.page == 3 and len(last.rows) == 50 and (last.first, last.last) == (201, 250)


def test_search_then_sort_descending() -> None:
    found = view(ROWS, ListQuery(q="vs1", sort="name", order="desc"), search=search,
                 sorts=SORTS)
    assert found.matched == 1 + 10 + 100 and found.total == 250
    assert found.rows[0][0] == "vs199" and found.filtered
    one = view(ROWS, ListQuery(q="vs137"), search=search, sorts=SORTS)
    assert [r[0] for r in one.rows] == ["vs137"]


def test_the_selected_rows_page_is_shown_when_no_page_is_asked_for() -> None:
    shown = view(ROWS, ListQuery(), search=search, sorts=SORTS,
                 selected=lambda r: r[0] == "vs150")
    assert shown.page == 2 and ("vs150", 80) in shown.rows
    asked = view(ROWS, ListQuery(page=1), search=search, sorts=SORTS,
                 selected=lambda r: r[0] == "vs150")
    assert asked.page == 1


def test_an_empty_list_has_one_empty_page() -> None:
    empty: ListPage[tuple[str, int]] = view([], ListQuery(q="x"), search=search, sorts=SORTS)
    assert (empty.rows, empty.page, empty.pages, empty.first, empty.last) == ((), 1, 1, 0, 0)
