"""Every validation rule, one table row each: severity, line and key of the finding.

Each row edits a clean two-router configuration (which has no findings at all) and names the
finding the edit must produce; the message must say what pulse/lvsd/nanny would do.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from piranha_web.lvscf import Finding, check_text, parse, validate

BASE = """primary = 192.0.2.1
backup_active = 1
backup = 192.0.2.2
keepalive = 6
deadtime = 18
network = direct
virtual web {
     active = 1
     address = 198.51.100.10 eth0:1
     port = 80
     send = "GET / HTTP/1.0\\r\\n\\r\\n"
     expect = "HTTP"
     server rs1 {
         address = 10.0.0.1
         active = 1
     }
}
"""
SECOND = """virtual {name} {{
     active = 1
     address = {vip} eth0:2
{extra}     server rs9 {{
         address = 10.0.0.9
         active = 1
     }}
}}
"""


def replace(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def after(line: int, *lines: str) -> str:
    """BASE with ``lines`` inserted after its line number ``line``."""
    rows = BASE.splitlines()
    return "\n".join([*rows[:line], *lines, *rows[line:]]) + "\n"


def second(name: str = "web2", vip: str = "198.51.100.20", extra: str = "") -> str:
    """BASE plus another active virtual server (lines 18-25) with optional extra key lines."""
    return BASE + SECOND.format(name=name, vip=vip, extra=extra)


@dataclass(frozen=True)
class Row:
    text: str
    severity: str
    line: int
    key: str | None
    code: str
    says: str  # words the message must contain


SEND_LINE = '     send = "GET / HTTP/1.0\\r\\n\\r\\n"'
FWMARK_PAIR = BASE.replace(
    "     port = 80\n", "     fwmark = 80\n     port = 80\n     persistent = 300\n"
)

ROWS: dict[str, Row] = {
    # ---- syntax the C parser rejects: pulse refuses to start
    "unknown key": Row(after(6, "bogus = 1"), "error", 7, "bogus", "unknown-key",
                       "pulse would refuse to start: unknown command"),
    "missing equals": Row(replace("keepalive = 6", "keepalive 6"), "error", 4, "keepalive",
                          "equal-expected", "equal (=) expected after command"),
    "value missing": Row(replace("keepalive = 6", "keepalive ="), "error", 4, "keepalive",
                         "missing-args", "missing arguments"),
    "two values for one": Row(replace("keepalive = 6", "keepalive = 6 7"), "error", 4,
                              "keepalive", "extra-args", "unexpected arguments"),
    "inline comment": Row(replace("deadtime = 18", "deadtime = 18 # seconds"), "error", 5,
                          "deadtime", "inline-comment", "comments must be on their own line"),
    "unquoted multi-word string": Row(replace(SEND_LINE, "     send = GET / HTTP/1.0"), "error",
                                      11, "send", "extra-args", "double quotes"),
    "integer expected": Row(replace("keepalive = 6", "keepalive = six"), "error", 4,
                            "keepalive", "integer-expected", "integer expected"),
    "integer uses whole token": Row(replace("deadtime = 18", "deadtime = 18s"), "error", 5,
                                    "deadtime", "integer-expected", "integer expected"),
    "boolean 0 or 1": Row(replace("active = 1\n     address", "active = 2\n     address"),
                          "error", 8, "active", "boolean-expected", "boolean expected"),
    "boolean not a word": Row(replace("backup_active = 1", "backup_active = yes"), "error", 2,
                              "backup_active", "integer-expected", "integer expected"),
    "protocol case-sensitive": Row(after(12, "     protocol = TCP"), "error", 13, "protocol",
                                   "bad-choice", "invalid argument"),
    "unknown scheduler": Row(after(12, "     scheduler = fifo"), "error", 13, "scheduler",
                             "bad-choice", "invalid argument"),
    "unknown network": Row(replace("network = direct", "network = dr"), "error", 6, "network",
                           "bad-choice", "invalid argument"),
    "unknown service": Row(after(1, "service = fos2"), "error", 2, "service", "bad-choice",
                           "invalid argument"),
    "vip_nmask unreadable": Row(after(9, "     vip_nmask = 255.255.255.256"), "error", 10,
                                "vip_nmask", "bad-netmask", "Bad subnet mask specified"),
    "nat_nmask unreadable": Row(after(6, "nat_nmask = x"), "error", 7, "nat_nmask",
                                "bad-netmask", "Bad subnet mask specified"),
    "sorry_server must be an IP": Row(after(9, "     sorry_server = sorry.example.com"),
                                      "error", 10, "sorry_server", "bad-ip",
                                      "invalid host name or ip address"),
    "host name resolved by DNS": Row(replace("backup = 192.0.2.2", "backup = lvs-b.example"),
                                     "warning", 3, "backup", "hostname",
                                     "resolved by DNS when pulse starts"),
    "unknown service name as port": Row(replace("port = 80", "port = htp"), "error", 10,
                                        "port", "bad-port", "/etc/services"),
    "real server port numeric only": Row(after(14, "         port = http"), "error", 15,
                                         "port", "integer-expected", "must be a number"),
    "text after closing brace": Row(BASE[:-2] + "} # end of web\n", "warning", 17, None,
                                    "closer-text", "ignored"),
    "quotation mismatch": Row(replace('expect = "HTTP"', 'expect = "HTTP" '), "error", 12,
                              "expect", "bad-quoting", "quotation mismatch"),
    # ---- addresses, devices, masks, numbers
    "invalid IPv4": Row(replace("address = 10.0.0.1", "address = 10.0.0.256"), "error", 14,
                        "address", "bad-ip", "not an IPv4 address"),
    "legacy short address": Row(replace("address = 10.0.0.1", "address = 10.1"), "warning",
                                14, "address", "legacy-ip", "reads it as 10.0.0.1"),
    "primary 0.0.0.0": Row(replace("primary = 192.0.2.1", "primary = 0.0.0.0"), "error", 1,
                           "primary", "bad-ip", "invalid host name or ip address"),
    "VIP without device": Row(replace("198.51.100.10 eth0:1", "198.51.100.10"), "error", 9,
                              "address", "missing-device", "missing arguments"),
    "bad device name": Row(replace("198.51.100.10 eth0:1", "198.51.100.10 eth0/1"), "error", 9,
                           "address", "bad-device", "eth0:1"),
    "sending program in single quotes": Row(after(9, "     send_program = '/bin/chk %h'"),
                                            "warning", 10, "send_program", "single-quotes",
                                            "use double quotes"),
    "number beyond a C int": Row(after(15, "         weight = 4294967297"), "error", 16,
                                 "weight", "too-large", "C int"),
    "device label too long": Row(replace("eth0:1", "eth0:averylonglabel"), "error", 9,
                                 "address", "bad-device", "15 characters"),
    "netmask not offered": Row(after(9, "     vip_nmask = 255.0.0.0"), "error", 10,
                               "vip_nmask", "unusual-netmask", "wrong netmask"),
    "netmask not contiguous": Row(after(9, "     vip_nmask = 255.255.0.255"), "error", 10,
                                  "vip_nmask", "unusual-netmask", "not contiguous"),
    "netmask 0.0.0.0 unused": Row(after(9, "     vip_nmask = 0.0.0.0"), "warning", 10,
                                  "vip_nmask", "unused-netmask", "Unused"),
    "pmask not a netmask": Row(after(10, "     persistent = 60", "     pmask = 1.2.3"),
                                       "warning", 12, "pmask", "unusual-netmask",
                                       "persistence mask"),
    "pmask garbage is ignored": Row(after(10, "     persistent = 60", "     pmask = x"),
                                    "warning", 12, "pmask", "bad-netmask", "silently"),
    "port above 65535": Row(replace("port = 80", "port = 70000"), "error", 10, "port",
                            "port-range", "1-65535"),
    "port 0": Row(replace("port = 80", "port = 0"), "error", 10, "port", "port-range",
                  "1-65535"),
    "real server port above 65535": Row(after(14, "         port = 70000"), "error", 15,
                                        "port", "port-range", "nanny exits"),
    "heartbeat port as a bad name": Row(after(6, "heartbeat_port = pulse"), "error", 7,
                                        "heartbeat_port", "bad-port", "invalid argument"),
    "sync daemon on a bad device": Row(after(6, "syncd_iface = eth 0"), "error", 7,
                                       "syncd_iface", "extra-args", "unexpected arguments"),
    "sync daemon device name": Row(after(6, "syncd_iface = eth0:1:2"), "error", 7,
                                   "syncd_iface", "bad-device", "sync daemon"),
    "negative weight": Row(after(15, "         weight = -1"), "warning", 16, "weight",
                           "negative", "nanny adds the server at weight 1"),
    "negative timeout": Row(after(12, "     timeout = -5"), "error", 13, "timeout", "negative",
                            "wait forever"),
    "negative reentry": Row(after(12, "     reentry = -1"), "error", 13, "reentry", "negative",
                            "-1"),
    "negative fwmark": Row(after(9, "     fwmark = -1"), "error", 10, "fwmark", "negative",
                           "unsigned"),
    "negative keepalive": Row(replace("keepalive = 6", "keepalive = -6"), "error", 4,
                              "keepalive", "negative", "-6"),
    "timeout zero": Row(after(12, "     timeout = 0"), "error", 13, "timeout", "timeout-zero",
                        "divides"),
    "leading zero is octal": Row(replace("keepalive = 6", "keepalive = 010"), "warning", 4,
                                 "keepalive", "octal", "keepalive = 8"),
    "fwmark too large": Row(after(9, "     fwmark = 0x100000000"), "error", 10, "fwmark",
                            "too-large", "32 bits"),
    "syncd_id above 255": Row(after(6, "syncd_id = 300"), "warning", 7, "syncd_id",
                              "syncd-id-range", "low byte (44)"),
    "a line of more than 99 tokens": Row(after(12, "     dirs = [ " + "d " * 97 + "]"), "error",
                                         13, "dirs", "too-many-tokens",
                                         "keeps only the first 99"),
    "closer with more than 99 tokens": Row(replace("     }\n}", "     }\n} " + "x " * 99),
                                           "error", 17, None, "too-many-tokens", "100 words"),
    "service name as port": Row(replace("port = 80", "port = ntp"), "warning", 10, "port",
                                "service-name", "write port = 123"),
    "service name as heartbeat port": Row(after(5, "heartbeat_port = http"), "warning", 6,
                                          "heartbeat_port", "service-name",
                                          "/etc/services"),
    "backup_private ignored without primary_private": Row(
        after(3, "backup_private = 10.9.0.2"), "warning", 4, "backup_private",
        "backup-private-ignored",
        "ignored by pulse because primary_private is not set; set primary_private or remove "
        "this line"),
    "dirs needs a list": Row(after(12, "     dirs = a"), "error", 13, "dirs", "list-expected",
                             "list expected"),
    # ---- names and collisions
    "duplicate virtual name": Row(second(name="web"), "error", 18, None, "duplicate-name",
                                  "already called 'web'"),
    "duplicate real server name": Row(after(16, "     server rs1 {",
                                            "         address = 10.0.0.2", "     }"),
                                      "error", 17, None, "duplicate-name", "rs1"),
    "duplicate real address and port": Row(after(16, "     server rs2 {",
                                                 "         address = 10.0.0.1",
                                                 "         active = 1", "     }"),
                                           "warning", 18, "address", "duplicate-real-server",
                                           "10.0.0.1:80 is already real server 'rs1': lvsd "
                                           "starts one nanny per address and port"),
    "inactive duplicate real server": Row(after(16, "     server rs2 {",
                                                "         address = 10.0.0.1", "     }"),
                                          "warning", 18, "address", "duplicate-real-server",
                                          "once both are active, only the first one is "
                                          "checked"),
    "same VIP, port and protocol": Row(second(vip="198.51.100.10"), "error", 20, "address",
                                       "duplicate-service", "ipvsadm refuses"),
    "same fwmark, different persistence": Row(
        FWMARK_PAIR + SECOND.format(name="web2", vip="198.51.100.10",
                                    extra="     fwmark = 80\n     port = 443\n"
                                    "     persistent = 600\n"),
        "error", 25, "persistent", "fwmark-persistence", "same persistence"),
    "same fwmark twice": Row(
        FWMARK_PAIR + SECOND.format(name="web2", vip="198.51.100.10",
                                    extra="     fwmark = 80\n     port = 443\n"
                                    "     persistent = 300\n"),
        "warning", 23, "fwmark", "shared-fwmark",
        "lvsd's ipvsadm -A -f 80 fails for this one and lvsd starts no monitor for it"),
    "two marks sharing a real server": Row(
        FWMARK_PAIR + SECOND.format(name="web2", vip="198.51.100.10",
                                    extra="     fwmark = 81\n     port = 80\n"
                                    "     persistent = 300\n").replace(
                                        "rs9 {\n         address = 10.0.0.9",
                                        "rs9 {\n         address = 10.0.0.1"),
        "warning", 27, "address", "shared-monitor",
        "lvsd starts one nanny for both (whatever the firewall mark), so mark 81 never"),
    "fwmark without persistence": Row(after(9, "     fwmark = 80"), "warning", 10, "fwmark",
                                      "fwmark-without-persistence", "persistence"),
    "pmask without persistence": Row(after(10, "     pmask = 255.255.255.0"), "warning", 11,
                                     "pmask", "pmask-without-persistence", "lvsd ignores it"),
    "load monitor with weighted scheduler": Row(after(12, "     load_monitor = rup"),
                                                "warning", 13, "load_monitor",
                                                "load-monitor-weighted", "wlc"),
    "unknown load monitor": Row(after(12, "     load_monitor = top",
                                      "     scheduler = rr"), "warning", 13, "load_monitor",
                                "load-monitor", "as a command"),
    # ---- monitoring strings
    "send longer than 255": Row(replace(SEND_LINE, f'     send = "{"x " * 128}"'), "error",
                                11, "send", "too-long", "256 characters"),
    "non-printable expect": Row(replace('expect = "HTTP"', 'expect = "HT\tTP 1"'), "error",
                                12, "expect", "non-printable", "printable ASCII"),
    "non-ASCII expect": Row(replace('expect = "HTTP"', 'expect = "\u00e7a va"'), "error", 12,
                            "expect", "non-printable", "printable ASCII"),
    "unknown escape hangs nanny": Row(replace('expect = "HTTP"', 'expect = "HTTP/1\\.1"'),
                                      "error", 12, "expect", "bad-escape",
                                      "loops forever"),
    "trailing lone backslash": Row(replace('expect = "HTTP"', 'expect = "HTTP \\"'), "error",
                                   12, "expect", "bad-escape", "lone backslash"),
    "single-quoted send": Row(replace(SEND_LINE, "     send = 'GET / HTTP/1.0\\r\\n\\r\\n'"),
                              "warning", 11, "send", "single-quotes", "quote characters"),
    "send_program not absolute": Row(replace(SEND_LINE, '     send_program = "check.sh %h"'),
                                     "warning", 11, "send_program", "program-path",
                                     "not an absolute path"),
    "send_program without %h": Row(replace(SEND_LINE, '     send_program = "/bin/check -h%h"'),
                                   "warning", 11, "send_program", "program-no-host", "%h"),
    "send ignored with a program": Row(after(11, '     send_program = "/bin/check %h"'),
                                       "warning", 11, "send", "send-ignored", "ignored"),
    "active_cmd not absolute": Row(after(6, 'active_cmd = "notify up"'), "warning", 7,
                                   "active_cmd", "program-path", "execv"),
    # ---- keys in the wrong place (Piranha's GUI writes them back from hand edits)
    "expect_program in a virtual": Row(after(12, '     expect_program = "x"'), "error", 13,
                                       "expect_program", "unknown-key", "unknown command"),
    "nmask in a real server": Row(after(14, "         nmask = 255.255.255.0"), "error", 15,
                                  "nmask", "unknown-key", "unknown command"),
    "deadtime in a virtual": Row(after(12, "     deadtime = 10"), "error", 13, "deadtime",
                                 "unknown-key", "unknown command"),
    "duplicate key": Row(after(6, "keepalive = 7"), "warning", 7, "keepalive", "duplicate-key",
                         "line 4"),
    # ---- redundancy and operational pitfalls
    "backup_active without backup": Row(replace("backup = 192.0.2.2\n", ""), "error", 2,
                                        "backup_active", "backup-missing",
                                        "pulse switches redundancy off"),
    "backup 0.0.0.0": Row(replace("backup = 192.0.2.2", "backup = 0.0.0.0"), "error", 2,
                          "backup_active", "backup-missing", "redundancy off"),
    "backup is the primary": Row(replace("backup = 192.0.2.2", "backup = 192.0.2.1"),
                                 "warning", 3, "backup", "backup-is-primary", "itself"),
    "no active virtual server": Row(replace("active = 1\n     address", "active = 0\n     address"),
                                    "warning", 1, None, "no-active-virtual",
                                    "pulse refuses to start"),
    "no primary": Row(replace("primary = 192.0.2.1\n", ""), "warning", 1, None, "no-primary",
                      "backup"),
    "deadtime not above keepalive": Row(replace("deadtime = 18", "deadtime = 6"), "warning", 5,
                                        "deadtime", "deadtime-short", "takes over"),
    "active virtual without address": Row(replace("     address = 198.51.100.10 eth0:1\n", ""),
                                          "warning", 7, None, "no-address", "0.0.0.0"),
    "active virtual with VIP 0.0.0.0": Row(replace("198.51.100.10 eth0:1", "0.0.0.0 eth0:1"),
                                           "warning", 9, "address", "vip-zero", "0.0.0.0"),
    "inactive virtual with VIP 0.0.0.0": Row(
        replace("198.51.100.10 eth0:1", "0.0.0.0 eth0:1").replace(
            "active = 1\n     address", "active = 0\n     address"),
        "warning", 9, "address", "vip-zero", "no address clients can reach"),
    "active real server at 0.0.0.0": Row(replace("address = 10.0.0.1", "address = 0.0.0.0"),
                                         "warning", 14, "address", "no-real-address",
                                         "0.0.0.0"),
    "active virtual without active real server": Row(
        replace("         active = 1\n", "         active = 0\n"), "warning", 7, None,
        "no-real-servers", "every connection"),
    "UDP without expect": Row(replace('     expect = "HTTP"', "     protocol = udp"), "warning",
                              12, "protocol", "udp-without-expect", "nanny crashes"),
    "port mapping under direct routing": Row(after(14, "         port = 8080"), "warning", 15,
                                             "port", "port-mapping",
                                             "nanny exits and, with hard_shutdown = 1"),
    "port below the real servers": Row(replace("     port = 80\n", "")[:-2] + "     port = 81\n}\n",
                                       "warning", 16, "port", "port-after-servers",
                                       "keep the port set above them"),
    "two VIPs on one alias": Row(second(extra="").replace("eth0:2", "eth0:1"), "warning", 20,
                                 "address", "shared-device", "eth0:1"),
    "NAT with backup but no nat_router": Row(replace("network = direct", "network = nat"),
                                             "warning", 6, "network", "nat-router-missing",
                                             "gateway"),
}


def test_base_configuration_has_no_findings() -> None:
    assert check_text(BASE) == []


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_rule(row: Row) -> None:
    findings = check_text(row.text)
    matching = [f for f in findings if f.code == row.code]
    assert matching, f"no {row.code!r} finding in {findings}"
    found = matching[0]
    assert (found.severity, found.line, found.key) == (row.severity, row.line, row.key), found
    assert row.says in found.message, found.message


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(after(14, "         port = 80"), id="real server repeats the port"),
        pytest.param(FWMARK_PAIR.replace("         active = 1\n",
                                         "         active = 1\n         port = 8080\n"),
                     id="real server port with fwmark"),
        pytest.param(replace('     expect = "HTTP"', '     expect = "OK"\n     protocol = udp\n'
                             "     persistent = 60"), id="UDP with persistence and expect"),
        pytest.param(replace('expect = "HTTP"', r'expect = "a\\.b \' \t \r\n"'),
                     id="every escape nanny knows"),
        pytest.param(after(9, "     vip_nmask = 255.255.254.0"), id="offered netmask"),
        pytest.param(replace("network = direct", "network = nat\nnat_router = 10.0.0.254 eth1:1"),
                     id="NAT with nat_router"),
        pytest.param(after(12, '     send_program = "/usr/local/bin/check %h"'),
                     id="send_program replaces send (warning only about send)"),
        pytest.param(FWMARK_PAIR, id="fwmark with persistence"),
    ],
)
def test_correct_settings_give_no_errors(text: str) -> None:
    findings = check_text(text)
    assert [f for f in findings if f.is_error] == []
    assert {f.code for f in findings} <= {"send-ignored"}


def test_empty_file_is_an_error_like_pulse_says() -> None:
    (finding,) = check_text("")
    assert (finding.severity, finding.line, finding.key, finding.code) == (
        "error", 1, None, "empty"
    )
    assert "Empty configuration" in finding.message


def test_parse_errors_become_one_error_finding_per_problem() -> None:
    text = "primary = 192.0.2.1\n}\nvirtual web {\n     port = 80\n"
    findings = check_text(text)
    assert [(f.line, f.code, f.severity) for f in findings] == [
        (2, "syntax", "error"),
        (3, "syntax", "error"),
    ]
    assert findings[1].where == "virtual web"
    assert "never closed" in findings[1].message


def test_crlf_file_is_reported_not_silently_truncated() -> None:
    (finding,) = check_text(BASE.replace("\n", "\r\n"))
    assert (finding.line, finding.code) == (1, "syntax")
    assert "dos2unix" in finding.message


def test_findings_are_sorted_by_line_then_errors_first() -> None:
    text = replace("keepalive = 6", "keepalive = 010 6")
    text = text.replace("deadtime = 18", "deadtime = 018")
    findings = check_text(text)
    keys = [(f.line, f.severity) for f in findings]
    assert keys == sorted(keys)
    assert findings[0].line == 4 and findings[0].is_error


def test_where_names_the_block_and_the_real_server() -> None:
    (finding,) = check_text(replace("address = 10.0.0.1", "address = 10.0.0.256"))
    assert finding.where == "virtual web / server rs1"
    assert check_text(after(6, "bogus = 1"))[0].where == "global"


def test_signature_ignores_the_line_so_moved_findings_stay_the_same() -> None:
    before = check_text(replace("keepalive = 6", "keepalive = six"))
    moved = check_text("# a new comment line\n" + replace("keepalive = 6", "keepalive = six"))
    assert [f.line + 1 for f in before] == [f.line for f in moved]
    assert [f.signature for f in before] == [f.signature for f in moved]
    assert isinstance(before[0], Finding) and before[0].is_error


def test_validate_sees_an_edit_without_re_parsing() -> None:
    doc = parse(BASE)
    doc.set("timeout", "0", virtual="web")
    (finding,) = validate(doc)
    assert (finding.code, finding.line, finding.key) == ("timeout-zero", 13, "timeout")
