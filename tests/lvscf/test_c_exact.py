"""Where lvsconfig.c derives or drops values, the model and the edits follow it exactly.

Rules from docs/reference/piranha.md §1 (lvsconfig.c): the private heartbeat addresses, the
99-token line limit, ``pmask`` read with inet_aton (all ones = no mask, unreadable = skipped),
``syncd_id & 0xff``, service-name ports, failover blocks edited like virtual ones, and the
tokenizer that has no escape inside quotes.
"""

from __future__ import annotations

import pytest

from piranha_web.errors import EditError, NotFoundError
from piranha_web.lvscf import check_text, parse
from piranha_web.lvscf.keepalived import export_keepalived
from piranha_web.lvscf.syntax import MAX_TOKENS, tokenize
from piranha_web.lvscf.values import DOUBLE_QUOTE_ADVICE

# ---------------------------------------------------------------- private heartbeat addresses


@pytest.mark.parametrize(
    ("text", "primary_private", "backup_private"),
    [
        # primary set, primary_private absent: both copied, the backup_private line overwritten
        ("primary = 10.0.0.1\nbackup = 10.0.0.2\nbackup_private = 10.9.0.2\n",
         "10.0.0.1", "10.0.0.2"),
        ("primary = 10.0.0.1\nbackup_private = 10.9.0.2\n", "10.0.0.1", None),
        ("primary = 10.0.0.1\nbackup = 10.0.0.2\n", "10.0.0.1", "10.0.0.2"),
        # primary_private set: both as written (backup_private may stay unset)
        ("primary = 10.0.0.1\nprimary_private = 10.9.0.1\nbackup = 10.0.0.2\n"
         "backup_private = 10.9.0.2\n", "10.9.0.1", "10.9.0.2"),
        ("primary = 10.0.0.1\nprimary_private = 10.9.0.1\nbackup = 10.0.0.2\n",
         "10.9.0.1", None),
        # no primary: nothing is copied
        ("backup = 10.0.0.2\nbackup_private = 10.9.0.2\n", None, "10.9.0.2"),
    ],
)
def test_private_addresses_are_the_ones_pulse_uses(
    text: str, primary_private: str | None, backup_private: str | None
) -> None:
    g = parse(text).model().globals
    assert (g.primary_private, g.backup_private) == (primary_private, backup_private)


def test_an_overwritten_backup_private_line_is_a_warning_on_its_line() -> None:
    text = "primary = 10.0.0.1\nbackup = 10.0.0.2\nbackup_private = 10.9.0.2\n"
    (found,) = [f for f in check_text(text) if f.code == "backup-private-ignored"]
    assert (found.severity, found.line, found.key) == ("warning", 3, "backup_private")
    assert found.message == ("ignored by pulse because primary_private is not set; set "
                             "primary_private or remove this line")
    with_private = text.replace("backup =", "primary_private = 10.9.0.1\nbackup =")
    assert not [f for f in check_text(with_private) if f.code == "backup-private-ignored"]


# ---------------------------------------------------------------- 99 tokens per line


def _dirs(tokens: int) -> str:
    """A ``dirs = [ ... ]`` line of exactly ``tokens`` tokens."""
    return "dirs = [ " + "d " * (tokens - 4) + "]"


def test_a_line_of_99_tokens_is_fine_and_100_is_an_error_with_its_line() -> None:
    head = "primary = 10.0.0.1\nvirtual web {\n"
    assert len(tokenize(_dirs(MAX_TOKENS))) == MAX_TOKENS == 99
    fine = check_text(head + _dirs(99) + "\n}\n")
    assert not [f for f in fine if f.code == "too-many-tokens"]
    (found,) = [f for f in check_text(head + _dirs(100) + "\n}\n") if f.is_error]
    assert (found.code, found.line, found.key) == ("too-many-tokens", 3, "dirs")
    assert "100 words" in found.message


def test_an_edit_that_would_write_more_than_99_tokens_is_refused() -> None:
    doc = parse("virtual web {\n     active = 1\n}\n")
    before = doc.dumps()
    doc.set("dirs", _dirs(99).split(" ")[2:], virtual="web")
    assert len(tokenize(doc.dumps().splitlines()[2])) == 99
    doc.set("dirs", None, virtual="web")
    assert doc.dumps() == before
    with pytest.raises(EditError, match="keeps only the first 99"):
        doc.set("dirs", _dirs(100).split(" ")[2:], virtual="web")
    assert doc.dumps() == before


# ---------------------------------------------------------------- pmask, syncd_id, ports


@pytest.mark.parametrize(
    ("lines", "pmask"),
    [
        (["pmask = 255.255.255.0"], "255.255.255.0"),
        (["pmask = 255.255.255.255"], None),  # all ones: no persistence mask
        (["pmask = 0.0.0.0"], None),
        (["pmask = 255.255.0"], "255.255.0.0"),  # inet_aton's short form
        (["pmask = 255.255.255.0", "pmask = bogus"], "255.255.255.0"),  # unreadable: skipped
        (["pmask = bogus"], None),
        (["pmask = 255.255.255.0", "pmask = 255.255.255.255"], None),
    ],
)
def test_pmask_is_the_mask_lvsconfig_c_keeps(lines: list[str], pmask: str | None) -> None:
    body = "".join(f"     {line}\n" for line in lines)
    text = f"virtual web {{\n     persistent = 60\n{body}}}\n"
    assert parse(text).model().virtual("web").pmask == pmask


def test_syncd_id_keeps_only_its_low_byte() -> None:
    assert parse("syncd_id = 300\n").model().globals.syncd_id == 44


def test_a_service_name_port_warns_and_suggests_the_number() -> None:
    text = "primary = 10.0.0.1\nvirtual web {\n     active = 1\n     port = https\n}\n"
    assert parse(text).model().virtual("web").port == 443
    (found,) = [f for f in check_text(text) if f.code == "service-name"]
    assert (found.severity, found.line, found.key) == ("warning", 4, "port")
    assert "write port = 443" in found.message and "/etc/services" in found.message


# ---------------------------------------------------------------- failover blocks


def test_every_edit_works_on_failover_blocks() -> None:
    doc = parse("primary = 10.0.0.1\nvirtual web {\n     active = 1\n}\n")
    doc.add_virtual("web", {"port": "25", "start_cmd": "/bin/up"}, kind="failover")
    doc.set("active", "1", virtual="web", kind="failover")
    doc.set_active(False, virtual="web", kind="failover")
    doc.set("timeout", "6", virtual="web", kind="failover")
    doc.unset("port", virtual="web", kind="failover")
    doc.add_server("web", "rs1", {"address": "10.0.0.5"}, kind="failover")
    doc.add_server("web", "rs2", kind="failover")
    doc.set("weight", "3", virtual="web", server="rs1", kind="failover")
    doc.move_server("web", "rs2", "rs1", kind="failover")
    doc.rename_server("web", "rs2", "rs3", kind="failover")
    doc.remove_server("web", "rs3", kind="failover")
    assert doc.get("timeout", virtual="web", kind="failover") == "6"
    assert doc.get("timeout", virtual="web") is None  # the virtual server is untouched
    config = parse(doc.dumps()).model()
    failover = config.virtual("web", kind="failover")
    assert (failover.active, failover.timeout, failover.port) == (False, 6, 80)
    assert [(rs.name, rs.weight) for rs in failover.servers] == [("rs1", 3)]
    assert config.virtual("web").servers == ()
    doc.remove_virtual("web", kind="failover")
    assert doc.dumps() == "primary = 10.0.0.1\nvirtual web {\n     active = 1\n}\n"
    with pytest.raises(NotFoundError, match="no failover server called 'web'"):
        doc.set("active", "1", virtual="web", kind="failover")


# ---------------------------------------------------------------- double quotes


def test_double_quote_advice_is_true_for_both_spellings() -> None:
    """Neither ``"`` nor ``\\"`` after a blank can be written; the advice says so and what works."""
    doc = parse("virtual web {\n     active = 1\n}\n")
    for value in ('say "hi"', 'say \\"hi\\"'):
        with pytest.raises(EditError) as refused:
            doc.set("send", value, virtual="web")
        assert refused.value.message == DOUBLE_QUOTE_ADVICE
    assert "write \\\"" not in DOUBLE_QUOTE_ADVICE  # no advice that is refused in turn
    # what the advice offers does work: a double quote before the first blank is kept
    doc.set("send", '\\"hi\\" there', virtual="web")
    line = doc.dumps().splitlines()[2]
    assert line == '     send = "\\"hi\\" there"'
    assert [t.text for t in tokenize(line)] == ["send", "=", '\\"hi\\" there']
    assert not [f for f in check_text(doc.dumps()) if f.key == "send"]


def test_keepalived_export_uses_a_private_heartbeat_only_where_pulse_has_one() -> None:
    """Without primary_private pulse's private addresses are the public ones: no warning."""
    text = ("primary = 192.0.2.1\nbackup_active = 1\nbackup = 192.0.2.2\n"
            "virtual web {\n     active = 1\n     address = 192.0.2.10 eth0:1\n}\n")
    public = export_keepalived(parse(text), check_command="/usr/bin/piranha-web")
    assert "unicast_src_ip 192.0.2.1" in public.text
    assert not [w for w in public.warnings if "private addresses" in w.message]
    private = text.replace("backup =", "primary_private = 10.9.0.1\nbackup_private = 10.9.0.2\n"
                           "backup =")
    exported = export_keepalived(parse(private), check_command="/usr/bin/piranha-web")
    assert "unicast_src_ip 10.9.0.1" in exported.text
    assert [w.line for w in exported.warnings if "private addresses" in w.message] == [3]


def test_the_send_fields_help_offers_a_double_quote_only_where_it_works() -> None:
    from piranha_web.lvscf.schema import spec

    keyspec = spec("virtual", "send")
    assert keyspec is not None
    escapes, _, rest = keyspec.help.partition(";")
    assert '\\"' not in escapes and "only before the first blank" in rest


def test_a_change_summary_does_not_repeat_the_derived_private_addresses() -> None:
    from piranha_web.lvscf.changes import summarize_documents

    old = parse("primary = 192.0.2.1\nbackup = 192.0.2.2\n")
    new = parse("primary = 192.0.2.9\nbackup = 192.0.2.2\n")
    assert summarize_documents(old, new) == ["global settings: primary 192.0.2.1 -> 192.0.2.9"]
    private = parse("primary = 192.0.2.1\nprimary_private = 10.9.0.1\nbackup = 192.0.2.2\n")
    assert "global settings: primary_private 192.0.2.1 -> 10.9.0.1" in summarize_documents(
        old, private)
