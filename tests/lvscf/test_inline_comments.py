"""Issue 27: editing (or removing) a value whose line ends in an inline ``# comment`` keeps the
comment's text on its own line above, and the document says so in :attr:`Document.notes`.

pulse reads ``port = 80 # web`` as three values, so the edited line is written without it;
every other byte of the file stays as it was.
"""

from __future__ import annotations

from piranha_web.lvscf import parse
from piranha_web.lvscf.validate import check_text

TEXT = """serial_no = 3
keepalive = 6   # seconds between heartbeats
network = direct

virtual web {
     active = 1
     address = 198.51.100.10 eth0:1
     port = 80 # the shop's front door
     send = "GET / # not a comment"
     server rs1 {
         address = 10.0.0.1
         weight = 2	#	tab before it
     }
}
"""


def lines(text: str) -> list[str]:
    return text.splitlines()


def test_a_virtual_server_value_edit_keeps_the_comment_above_with_its_indent() -> None:
    doc = parse(TEXT)
    doc.set("port", "8080", virtual="web")
    out = lines(doc.dumps())
    at = out.index("     # the shop's front door")
    assert out[at + 1] == "     port = 8080"
    assert lines(TEXT)[:7] == out[:7] and lines(TEXT)[8:] == out[9:], "no other line changes"
    assert len(doc.notes) == 1
    assert "# the shop's front door" in doc.notes[0] and "port" in doc.notes[0]
    assert "virtual web" in doc.notes[0]


def test_a_global_value_edit_keeps_the_comment_and_only_trailing_blanks_go() -> None:
    doc = parse(TEXT)
    doc.set("keepalive", "2")
    out = lines(doc.dumps())
    assert out[1:3] == ["# seconds between heartbeats", "keepalive = 2"]
    assert "global" in doc.notes[0]


def test_a_real_server_edit_keeps_a_tab_separated_comment_verbatim() -> None:
    doc = parse(TEXT)
    doc.set("weight", "5", virtual="web", server="rs1")
    out = lines(doc.dumps())
    at = out.index("         #\ttab before it")
    assert out[at + 1] == "         weight = 5"
    assert "server rs1" in doc.notes[0]


def test_the_result_has_no_inline_comment_error_and_reads_back_the_same() -> None:
    doc = parse(TEXT)
    doc.set("port", "8080", virtual="web")
    new = doc.dumps()
    before = {(f.key, f.where) for f in check_text(TEXT) if f.code == "inline-comment"}
    after = {(f.key, f.where) for f in check_text(new) if f.code == "inline-comment"}
    assert ("port", "virtual web") in before and before - after == {("port", "virtual web")}
    assert parse(new).model().virtual("web").port == 8080
    doc.reread_changes()  # the changed block parses back with the same structure and words


def test_removing_a_value_keeps_its_comment() -> None:
    doc = parse(TEXT)
    doc.unset("port", virtual="web")
    out = lines(doc.dumps())
    assert "     # the shop's front door" in out
    assert not any(line.strip().startswith("port") for line in out)
    assert len(doc.notes) == 1


def test_a_hash_inside_quotes_is_part_of_the_value_not_a_comment() -> None:
    doc = parse(TEXT)
    doc.set("send", "HEAD / # still the value", virtual="web")
    out = lines(doc.dumps())
    assert '     send = "HEAD / # still the value"' in out
    assert len(out) == len(lines(TEXT)) and doc.notes == []


def test_a_line_without_a_comment_adds_no_note_and_no_line() -> None:
    doc = parse(TEXT)
    doc.set("network", "nat")
    assert doc.notes == [] and len(lines(doc.dumps())) == len(lines(TEXT))


def test_a_line_with_only_a_comment_after_the_equals_sign_gets_its_value() -> None:
    doc = parse("serial_no = 1\nkeepalive = # fill in\n")
    doc.set("keepalive", "4")
    assert doc.dumps() == "serial_no = 1\n# fill in\nkeepalive = 4\n"


def test_a_copy_starts_without_notes_and_a_second_edit_adds_no_second_comment() -> None:
    doc = parse(TEXT)
    doc.set("port", "8080", virtual="web")
    doc.set("port", "8081", virtual="web")
    out = lines(doc.dumps())
    assert out.count("     # the shop's front door") == 1 and "     port = 8081" in out
    assert len(doc.notes) == 1
    assert doc.copy().notes == []
