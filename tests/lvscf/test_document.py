"""Document edits change only the lines they must, and can never inject syntax.

Every edit is checked against the exact text before and after: which lines changed, that the
result parses again to the same model, and that inverse edits restore the original bytes.
"""

from __future__ import annotations

import difflib

import pytest

from piranha_web.errors import AmbiguousNameError, DuplicateNameError, EditError, NotFoundError
from piranha_web.lvscf import Document, parse
from piranha_web.lvscf.syntax import Statement

BASE = """serial_no = 3
primary = 192.0.2.1
keepalive   =   6
network = direct

# the web service
virtual web {
  active = 0
  address = 198.51.100.10 eth0:1
  port = 80
  send = "GET / HTTP/1.0\\r\\n\\r\\n"
  # first real server
  server rs1 {
    address = 10.0.0.1
    active = 1
  }
  server rs2 {
    address = 10.0.0.2
    active = 1
    weight = 2
  }
}
# mail
virtual mail {
  port = 25
}
"""


def diff(before: str, after: str) -> list[str]:
    """The changed lines as ``-old`` / ``+new`` (no context)."""
    return [
        line
        for line in difflib.ndiff(before.splitlines(), after.splitlines())
        if line[:1] in "+-"
    ]


def edited(edit: str, *args: object, **kwargs: object) -> tuple[Document, list[str]]:
    """Apply ``Document.<edit>(*args, **kwargs)`` to BASE; return the doc and its diff."""
    doc = parse(BASE)
    getattr(doc, edit)(*args, **kwargs)
    after = doc.dumps()
    assert parse(after).model() == doc.model(), "the result must read back as edited"
    return doc, diff(BASE, after)


# ---------------------------------------------------------------- set / unset


def test_set_existing_key_replaces_only_the_value_and_keeps_spacing() -> None:
    doc, changes = edited("set", "keepalive", "7")
    assert changes == ["- keepalive   =   6", "+ keepalive   =   7"]
    assert doc.model().globals.keepalive == 7


def test_set_in_a_real_server_touches_only_that_line() -> None:
    _, changes = edited("set", "weight", "5", virtual="web", server="rs2")
    assert changes == ["-     weight = 2", "+     weight = 5"]


def test_set_two_word_address_from_a_string_or_a_list() -> None:
    for value in ("198.51.100.11 eth0:2", ["198.51.100.11", "eth0:2"]):
        doc, changes = edited("set", "address", value, virtual="web")
        assert changes == [
            "-   address = 198.51.100.10 eth0:1",
            "+   address = 198.51.100.11 eth0:2",
        ]
        vs = doc.model().virtual("web")
        assert (vs.address, vs.device) == ("198.51.100.11", "eth0:2")


def test_set_quoted_string_keeps_it_quoted() -> None:
    doc, changes = edited("set", "send", "HEAD / HTTP/1.0\\r\\n\\r\\n", virtual="web")
    assert changes[1] == '+   send = "HEAD / HTTP/1.0\\r\\n\\r\\n"'
    assert doc.get("send", virtual="web") == "HEAD / HTTP/1.0\\r\\n\\r\\n"


def test_new_key_goes_to_its_gui_order_place_with_the_neighbours_indent() -> None:
    _, changes = edited("set", "scheduler", "rr", virtual="web")
    assert changes == ["+   scheduler = rr"]
    doc = parse(BASE)
    doc.set("scheduler", "rr", virtual="web")
    lines = doc.dumps().splitlines()
    assert lines[lines.index("  scheduler = rr") - 1] == '  send = "GET / HTTP/1.0\\r\\n\\r\\n"'


def test_new_global_key_goes_between_its_gui_order_neighbours() -> None:
    doc, changes = edited("set", "backup", "192.0.2.2")
    assert changes == ["+ backup = 192.0.2.2"]
    assert doc.dumps().splitlines()[2] == "backup = 192.0.2.2"


def test_new_key_in_a_real_server_uses_the_server_key_indent() -> None:
    _, changes = edited("set", "weight", "3", virtual="web", server="rs1")
    assert changes == ["+     weight = 3"]


def test_unset_removes_only_that_line_and_none_means_unset() -> None:
    _, changes = edited("unset", "network")
    assert changes == ["- network = direct"]
    _, same = edited("set", "network", None)
    assert same == changes


def test_unset_of_an_absent_key_changes_nothing() -> None:
    _, changes = edited("unset", "backup")
    assert changes == []


def test_set_then_set_back_restores_the_original_bytes() -> None:
    doc = parse(BASE)
    doc.set("port", "8080", virtual="web")
    doc.set("keepalive", "9")
    doc.set("port", "80", virtual="web")
    doc.set("keepalive", "6")
    assert doc.dumps() == BASE


def test_set_then_unset_a_new_key_restores_the_original_bytes() -> None:
    doc = parse(BASE)
    doc.set("persistent", "300", virtual="web")
    doc.unset("persistent", virtual="web")
    assert doc.dumps() == BASE


def test_set_active_toggles_only_the_active_line() -> None:
    doc, changes = edited("set_active", True, virtual="web")
    assert changes == ["-   active = 0", "+   active = 1"]
    assert doc.model().virtual("web").active
    _, changes = edited("set_active", False, virtual="web", server="rs1")
    assert changes == ["-     active = 1", "+     active = 0"]


def test_set_refuses_unknown_keys_and_wrong_word_counts() -> None:
    doc = parse(BASE)
    with pytest.raises(EditError):
        doc.set("nmask", "255.255.255.0", virtual="web", server="rs1")
    with pytest.raises(EditError):
        doc.set("address", "198.51.100.10", virtual="web")  # the device is missing
    assert doc.dumps() == BASE


def test_edits_of_missing_blocks_raise_not_found() -> None:
    doc = parse(BASE)
    with pytest.raises(NotFoundError):
        doc.set("port", "80", virtual="nope")
    with pytest.raises(NotFoundError):
        doc.set("weight", "1", virtual="web", server="nope")
    with pytest.raises(NotFoundError):
        doc.remove_virtual("nope")


def test_get_returns_the_last_value_without_quotes_or_none() -> None:
    doc = parse(BASE + "keepalive = 8\n")
    assert doc.get("keepalive") == "8"
    assert doc.get("send", virtual="web") == "GET / HTTP/1.0\\r\\n\\r\\n"
    assert doc.get("backup") is None


# ---------------------------------------------------------------- blocks


def test_add_virtual_appends_a_gui_layout_block_after_the_last_virtual() -> None:
    doc, changes = edited("add_virtual", "ftp", {"port": "21", "active": "0"})
    assert changes == ["+ virtual ftp {", "+      active = 0", "+      port = 21", "+ }"]
    assert doc.virtual_names() == ["web", "mail", "ftp"]


def test_add_virtual_before_another_one() -> None:
    doc, _ = edited("add_virtual", "ftp", {"port": "21"}, before="mail")
    assert doc.virtual_names() == ["web", "ftp", "mail"]
    assert doc.dumps().index("virtual ftp {") < doc.dumps().index("# mail")


def test_add_then_remove_virtual_restores_the_original_bytes() -> None:
    doc = parse(BASE)
    doc.add_virtual("ftp", {"port": "21"})
    doc.remove_virtual("ftp")
    assert doc.dumps() == BASE


def test_add_virtual_refuses_a_taken_name_and_unknown_keys_without_leftovers() -> None:
    doc = parse(BASE)
    with pytest.raises(DuplicateNameError):
        doc.add_virtual("web")
    with pytest.raises(EditError):
        doc.add_virtual("ftp", {"port": "21", "nmask": "255.0.0.0"})
    assert doc.dumps() == BASE


def test_add_server_goes_after_the_last_real_server() -> None:
    doc, changes = edited("add_server", "web", "rs3", {"address": "10.0.0.3", "weight": "1"})
    assert changes == [
        "+   server rs3 {",
        "+     address = 10.0.0.3",  # indented like the keys of rs1 and rs2
        "+     weight = 1",
        "+   }",
    ]
    assert [rs.name for rs in doc.model().virtual("web").servers] == ["rs1", "rs2", "rs3"]


def test_add_server_to_a_virtual_without_servers_uses_the_gui_layout() -> None:
    _, changes = edited("add_server", "mail", "mx1", {"address": "10.0.0.9"})
    assert changes == ["+   server mx1 {", "+       address = 10.0.0.9", "+   }"]


def test_add_then_remove_server_restores_the_original_bytes() -> None:
    doc = parse(BASE)
    doc.add_server("web", "rs3", {"address": "10.0.0.3"}, before="rs2")
    assert [rs.name for rs in doc.model().virtual("web").servers] == ["rs1", "rs3", "rs2"]
    doc.remove_server("web", "rs3")
    assert doc.dumps() == BASE


def test_add_server_refuses_a_taken_name() -> None:
    doc = parse(BASE)
    with pytest.raises(DuplicateNameError):
        doc.add_server("web", "rs1")
    assert doc.dumps() == BASE


def test_remove_virtual_takes_its_comments_and_servers_along() -> None:
    _, changes = edited("remove_virtual", "web")
    assert changes[:2] == ["- ", "- # the web service"]
    assert "-   # first real server" in changes and changes[-1] == "- }"
    assert len(changes) == 18


def test_remove_server_takes_the_comment_directly_above_it() -> None:
    _, changes = edited("remove_server", "web", "rs1")
    assert changes == [
        "-   # first real server",
        "-   server rs1 {",
        "-     address = 10.0.0.1",
        "-     active = 1",
        "-   }",
    ]


def test_rename_changes_only_the_opener_line_and_can_be_undone() -> None:
    _, changes = edited("rename_virtual", "web", "www")
    assert changes == ["- virtual web {", "+ virtual www {"]
    _, changes = edited("rename_server", "web", "rs1", "node1")
    assert changes == ["-   server rs1 {", "+   server node1 {"]
    doc = parse(BASE)
    doc.rename_virtual("web", "www")
    doc.rename_virtual("www", "web")
    assert doc.dumps() == BASE


def test_rename_refuses_taken_names() -> None:
    doc = parse(BASE)
    with pytest.raises(DuplicateNameError):
        doc.rename_virtual("web", "mail")
    with pytest.raises(DuplicateNameError):
        doc.rename_server("web", "rs1", "rs2")
    assert doc.dumps() == BASE


def test_move_virtual_moves_its_comments_and_moving_back_restores_bytes() -> None:
    doc = parse(BASE)
    doc.move_virtual("mail", before="web")
    text = doc.dumps()
    assert text.index("# mail\nvirtual mail {") < text.index("# the web service\nvirtual web {")
    assert doc.virtual_names() == ["mail", "web"]
    doc.move_virtual("mail", before=None)
    assert doc.dumps() == BASE


def test_move_server_reorders_real_servers_with_their_comments() -> None:
    doc = parse(BASE)
    doc.move_server("web", "rs1", before=None)
    assert [rs.name for rs in doc.model().virtual("web").servers] == ["rs2", "rs1"]
    text = doc.dumps()
    assert text.index("  # first real server\n  server rs1 {") > text.index("server rs2 {")
    doc.move_server("web", "rs1", before="rs2")
    assert doc.dumps() == BASE


def test_walk_and_line_of_give_current_line_numbers() -> None:
    doc = parse(BASE)
    web = doc.find_virtual("web")
    assert doc.line_of(web) == 7
    doc.add_virtual("ftp", before="web")
    assert doc.line_of(web) == 7 + 2
    numbers = [n for n, _, _ in doc.walk()]
    assert numbers == list(range(1, len(doc.dumps().splitlines()) + 1))


# ---------------------------------------------------------------- hostile values

HOSTILE = ["a\nprimary = 1.2.3.4", 'x"y', "x{", "}", "# c", "a\x00b", "caf\u00e9", "a\tb", "a b"]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(
    ("key", "scope"),
    [
        ("send", {"virtual": "web"}),
        ("expect", {"virtual": "mail"}),
        ("scheduler", {"virtual": "web"}),
        ("address", {"virtual": "web", "server": "rs1"}),
        ("primary", {}),
    ],
)
def test_hostile_values_are_refused_or_written_only_inside_quotes(
    value: str, key: str, scope: dict[str, str]
) -> None:
    doc = parse(BASE)
    try:
        doc.set(key, value, **scope)
    except EditError as err:
        assert err.key == key
        assert doc.dumps() == BASE, "a refused edit leaves the document untouched"
        return
    text = doc.dumps()
    reread = parse(text)
    assert reread.model() == doc.model()
    assert reread.get(key, **scope) == value
    (line,) = [s for s in reread.statements(**scope) if s.key == key]
    assert isinstance(line, Statement) and line.values[0].quote == '"'
    assert len(text.splitlines()) == len(BASE.splitlines()) + (key == "expect")


@pytest.mark.parametrize("name", HOSTILE + ["", "="])
def test_hostile_block_names_are_refused(name: str) -> None:
    doc = parse(BASE)
    for edit in (
        lambda: doc.add_virtual(name),
        lambda: doc.add_server("web", name),
        lambda: doc.rename_virtual("web", name),
        lambda: doc.rename_server("web", "rs1", name),
    ):
        with pytest.raises(EditError):
            edit()
    assert doc.dumps() == BASE


def test_new_document_starts_empty_and_grows_in_gui_order() -> None:
    doc = Document()
    assert doc.dumps() == ""
    doc.set("network", "direct")
    doc.set("primary", "192.0.2.1")
    assert doc.dumps() == "primary = 192.0.2.1\nnetwork = direct\n"


def test_moving_the_only_block_to_the_end_leaves_trailing_comments_after_it() -> None:
    """Found by the property tests: the block used to jump below the file's last comment."""
    text = "virtual a {\n  server s {\n  }\n  # after the servers\n}\n# end of file"
    doc = parse(text)
    doc.move_virtual("a", None)
    doc.move_server("a", "s", None)
    assert doc.dumps() == text


def test_edits_address_the_named_block_even_when_an_identical_copy_exists() -> None:
    """Two identical real servers (duplicate names) must not be confused with each other."""
    text = "virtual v {\n server a {\n }\n server b {\n }\n server a {\n }\n}\n"
    doc = parse(text)
    doc.move_server("v", "b", None)
    assert doc.dumps() == "virtual v {\n server a {\n }\n server a {\n }\n server b {\n }\n}\n"


def test_model_of_an_unedited_copy_is_shared_and_an_edit_recomputes_it() -> None:
    """Copies share what was derived from the same content; any edit drops it for that copy."""
    from piranha_web.lvscf import parse

    original = parse("virtual web {\n     port = 80\n}\n")
    first = original.model()
    copy = original.copy()
    assert copy.model() is first
    copy.set("port", "81", virtual="web")
    assert copy.model().virtual("web").port == 81
    assert original.model().virtual("web").port == 80


def test_renaming_a_block_with_a_quoted_name_writes_the_new_name_bare() -> None:
    from piranha_web.lvscf import parse

    doc = parse('virtual "my web" {\n     active = 1\n}\n')
    doc.rename_virtual("my web", "web")
    assert doc.dumps() == "virtual web {\n     active = 1\n}\n"


def test_a_move_before_an_unknown_block_changes_nothing() -> None:
    import pytest

    from piranha_web.errors import NotFoundError
    from piranha_web.lvscf import parse

    text = "virtual a {\n}\nvirtual b {\n     server r {\n     }\n}\n"
    doc = parse(text)
    with pytest.raises(NotFoundError):
        doc.move_virtual("a", "nope")
    with pytest.raises(NotFoundError):
        doc.move_server("b", "r", "nope")
    assert doc.dumps() == text


def test_a_name_two_blocks_share_is_refused_with_their_lines() -> None:
    doc = parse("virtual web {\n}\nvirtual web {\n     server a {\n     }\n     server a {\n"
                "     }\n}\n")
    with pytest.raises(AmbiguousNameError, match=r"2 blocks .* \(lines 1, 3\)"):
        doc.find_virtual("web")
    with pytest.raises(AmbiguousNameError):
        doc.set("port", "81", virtual="web")


def test_lookups_by_name_follow_copies_edits_renames_and_deletions() -> None:
    """The name index is shared by unedited copies and dropped by every edit: an edit after a
    lookup changes the copy's own block, never the block it shares with the original."""
    original = parse(BASE)
    copy = original.copy()
    assert copy.find_virtual("web") is original.find_virtual("web")  # one index, shared
    copy.set("port", "81", virtual="web")
    copy.set("port", "82", virtual="web")
    assert copy.find_virtual("web") is not original.find_virtual("web")
    assert copy.get("port", virtual="web") == "82"
    assert original.dumps() == BASE
    copy.rename_virtual("web", "www")
    assert copy.find_virtual("www").name == "www"
    with pytest.raises(NotFoundError):
        copy.find_virtual("web")
    assert original.find_virtual("web").name == "web"
    copy.remove_virtual("mail")
    with pytest.raises(NotFoundError):
        copy.find_virtual("mail")
    copy.add_virtual("mail", {"port": "26"})
    assert copy.get("port", virtual="mail") == "26"
    assert original.get("port", virtual="mail") == "25"
