"""The words summary of an edit compares two typed models, block by block."""

from __future__ import annotations

from piranha_web.lvscf import parse
from piranha_web.lvscf.changes import describe

BASE = """primary = 192.0.2.1
network = nat
virtual www {
     active = 1
     address = 198.51.100.10 eth0:1
     port = 80
     server rs1 {
         address = 10.0.0.1
         active = 1
         weight = 1
     }
     server rs2 {
         address = 10.0.0.2
         active = 1
         weight = 1
     }
}
"""


def words(old: str, new: str) -> list[str]:
    return [str(c) for c in describe(parse(old).model(), parse(new).model())]


def test_no_change_says_nothing() -> None:
    assert words(BASE, BASE) == []


def test_a_weight_change_names_the_virtual_and_real_server() -> None:
    new = BASE.replace("10.0.0.2\n         active = 1\n         weight = 1",
                       "10.0.0.2\n         active = 1\n         weight = 2")
    assert words(BASE, new) == ["virtual www / server rs2: weight 1 -> 2"]


def test_a_new_virtual_server_is_added_not_a_tail_of_the_block_before() -> None:
    new = BASE + "virtual web-api {\n     address = 198.51.100.11 eth0:2\n}\n"
    assert words(BASE, new) == ["virtual web-api added"]


def test_toggle_says_deactivated_and_where() -> None:
    new = BASE.replace("     active = 1\n     address", "     active = 0\n     address")
    assert words(BASE, new) == ["virtual www deactivated"]
    rs = BASE.replace("10.0.0.1\n         active = 1", "10.0.0.1\n         active = 0")
    assert words(BASE, rs) == ["virtual www / server rs1 deactivated"]


def test_deleted_and_renamed_blocks() -> None:
    gone = BASE.replace("     server rs1 {\n         address = 10.0.0.1\n         active = 1\n"
                        "         weight = 1\n     }\n", "")
    assert words(BASE, gone) == ["virtual www / server rs1 deleted"]
    assert words(BASE, BASE.replace("virtual www", "virtual www2")) == [
        "virtual www renamed to www2"]
    assert words(BASE, BASE.replace("server rs2", "server web2")) == [
        "virtual www / server rs2 renamed to web2"]


def test_global_and_virtual_values_as_the_daemons_read_them() -> None:
    new = BASE.replace("network = nat", "network = direct").replace("port = 80", "port = 8080")
    assert words(BASE, new) == ["global: network nat -> direct", "virtual www: port 80 -> 8080"]
    # writing the value the daemons already assumed is no change
    assert words(BASE, BASE.replace("     port = 80\n", "")) == []


def test_monitor_strings_and_unset_values() -> None:
    new = BASE.replace("     port = 80\n", '     port = 80\n     send = "GET / HTTP/1.0"\n')
    assert words(BASE, new) == ['virtual www: send (not set) -> "GET / HTTP/1.0"']
