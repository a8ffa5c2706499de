"""Summaries in words of what changed between two configurations (from the typed models)."""

from __future__ import annotations

from piranha_web.lvscf import parse
from piranha_web.lvscf.changes import summarize

BASE = """\
serial_no = 3
primary = 192.0.2.1
network = direct
virtual www {
     active = 1
     address = 192.0.2.10 eth0:1
     port = 80
     send = "GET / HTTP/1.0\\r\\n\\r\\n"
     expect = "HTTP"
     server rs1 {
         address = 10.0.0.1
         active = 1
         weight = 1
     }
}
virtual mail {
     active = 0
     address = 192.0.2.20 eth0:2
     port = 25
}
"""


def changes(old: str, new: str) -> list[str]:
    return summarize(parse(old).model(), parse(new).model())


def test_values_servers_and_states_are_named_in_words() -> None:
    new = (BASE.replace("port = 80", "port = 8080")
           .replace("weight = 1", "weight = 5")
           .replace("network = direct", "network = nat")
           .replace("     active = 0\n", "     active = 1\n")
           .replace("         weight = 5\n     }\n", "         weight = 5\n     }\n"
                    "     server rs2 {\n         address = 10.0.0.2\n     }\n")
           .replace("serial_no = 3", "serial_no = 4"))
    assert changes(BASE, new) == [
        "global settings: network direct -> nat",
        "virtual www: port 80 -> 8080",
        "server rs1 of virtual www: weight 1 -> 5",
        "server rs2 added to virtual www",
        "virtual mail activated",
    ]


def test_formatting_and_comments_are_no_change_but_a_lone_serial_bump_is_said() -> None:
    reformatted = BASE.replace("port = 80", "port   =   80  ").replace(
        "virtual www {", "# the web farm\nvirtual www {")
    assert changes(BASE, reformatted) == []
    assert changes(BASE, BASE.replace("serial_no = 3", "serial_no = 4")) == ["serial_no 3 -> 4"]


def test_removal_rename_and_order() -> None:
    without_mail = BASE[: BASE.index("virtual mail")]
    assert changes(BASE, without_mail) == ["virtual mail removed"]
    assert changes(BASE, BASE.replace("virtual mail {", "virtual smtp {")) == [
        "virtual mail renamed to smtp"]
    mail = BASE[BASE.index("virtual mail"):]
    swapped = BASE[: BASE.index("virtual www")] + mail + BASE[BASE.index("virtual www"):
                                                              BASE.index("virtual mail")]
    assert changes(BASE, swapped) == ["virtual servers reordered"]
    assert changes(BASE, BASE.replace("         active = 1\n", "         active = 0\n")) == [
        "server rs1 of virtual www deactivated"]
    assert changes(BASE, BASE.replace('expect = "HTTP"', 'expect = "200 OK"')) == [
        'virtual www: expect HTTP -> "200 OK"']


def test_private_addresses_that_follow_the_public_ones_are_not_a_second_change() -> None:
    old = "primary = 192.0.2.1\nbackup = 192.0.2.2\n"
    new = "primary = 192.0.2.9\nbackup = 192.0.2.2\n"
    assert summarize(parse(old).model(), parse(new).model()) == [
        "global settings: primary 192.0.2.1 -> 192.0.2.9"]
    own = "primary = 192.0.2.1\nprimary_private = 10.0.0.1\n"
    assert summarize(parse(own).model(), parse(own.replace("10.0.0.1", "10.0.0.9")).model()) == [
        "global settings: primary_private 10.0.0.1 -> 10.0.0.9"]


def words(old: str, new: str) -> list[str]:
    from piranha_web.lvscf.changes import summarize_documents

    return summarize_documents(parse(old), parse(new))


def test_an_unknown_scheduler_is_a_change_in_words_not_nothing() -> None:
    """Issue 27: the model reads an unknown scheduler as wlc; the summary must not be empty."""
    added = BASE.replace("     port = 80\n", "     port = 80\n     scheduler = wlc\n")
    odd = added.replace("scheduler = wlc", "scheduler = sed")
    assert words(added, odd) == [
        "virtual www: scheduler wlc -> sed (sed is not a scheduler pulse knows)"]
    assert words(odd, added) == [
        "virtual www: scheduler sed -> wlc (sed is not a scheduler pulse knows)"]
    assert words(BASE, odd) == [  # absent -> unknown: still both read as wlc
        "virtual www: scheduler (unset) -> sed (sed is not a scheduler pulse knows)"]
    assert words(odd.replace("serial_no = 3", "serial_no = 4"), odd) == ["serial_no 4 -> 3"]
    assert words(added, added.replace("scheduler = wlc", "scheduler = rr")) == [
        "virtual www: scheduler wlc -> rr"]
    assert words(odd, odd.replace("scheduler = sed", "scheduler = rr")) == [  # not "wlc -> rr"
        "virtual www: scheduler sed -> rr (sed is not a scheduler pulse knows)"]
    assert words(BASE, BASE.replace("network = direct", "network = NAT")) == [
        "global settings: network direct -> NAT (NAT is not a network pulse knows)"]


def test_a_rename_with_other_changes_or_to_a_repeated_name_is_a_rename() -> None:
    """Issue 27: 'server rs1 removed' for a rename hid what happened."""
    two = BASE.replace("         weight = 1\n     }\n", "         weight = 1\n     }\n"
                       "     server rs2 {\n         address = 10.0.0.2\n     }\n", 1)
    renamed = two.replace("server rs1 {", "server web1 {").replace("weight = 1", "weight = 4")
    assert words(two, renamed) == ["server rs1 of virtual www renamed to web1",
                                   "server web1 of virtual www: weight 1 -> 4"]
    repeated = two.replace("server rs2 {", "server rs1 {")
    assert words(two, repeated) == ["server rs2 of virtual www renamed to rs1 (#2)"]
    moved = two.replace("address = 10.0.0.2", "address = 10.0.0.9").replace(
        "server rs2 {", "server rs9 {")
    assert words(two, moved) == ["server rs2 removed from virtual www",
                                 "server rs9 added to virtual www"]
    virtual = BASE.replace("virtual mail {", "virtual post {").replace("active = 0", "active = 1")
    assert words(BASE, virtual) == ["virtual mail renamed to post", "virtual post activated"]
