"""No lvs.cf value can break out of a keepalived.conf comment (issue 20 item 4).

keepalived 2.2.7 reads at most 1023 characters of a line and parses the rest as the next line
(shown below with the real ``keepalived -t``).  Every key of lvs.cf gets values of many lengths
up to 4 KB that repeat a directive (``quorum_up``, a root script, and an ``include``); the
generated lines are read back with keepalived's limit and must hold no such directive, and the
real ``keepalived -t`` must accept the file and name none of them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from piranha_web.lvscf import parse, schema
from piranha_web.lvscf.keepalived import export_keepalived
from piranha_web.lvscf.keepalived.writer import MAX_LINE
from tests.helpers.keepalived import assert_accepted, config_test

#: what keepalived's parser reads of one line (lib/parser.c, MAXBUF 1024 with the NUL)
KEEPALIVED_LINE = 1023
PAYLOAD = " quorum_up /tmp/evil.sh include /tmp/evil.conf notify /tmp/evil.sh "
DIRECTIVE = re.compile(r"(?:^|\s)(?:quorum_up|include|notify)(?:\s|$)")
LENGTHS = [1, 2, 70, 500, *range(985, 1030), 1500, 2046, 2047, 2048, 3071, 4095, 4096]
BASE = """primary = 192.0.2.1
backup_active = 1
backup = 192.0.2.2
network = nat
GLOBAL
virtual web {
    active = 1
    address = 198.51.100.10 eth0:1
    port = 80
    expect = "HTTP"
VIRTUAL
    server a {
        address = 10.0.0.11
        active = 1
SERVER
    }
}
"""


def value(length: int) -> str:
    """``length`` characters: filler with the payload repeated at every offset."""
    unit = "A" * 7 + PAYLOAD
    return (unit * (length // len(unit) + 1))[:length]


def document(scope: str, key: str, length: int) -> str:
    line = f'{key} = "{value(length)}"'
    return (BASE.replace("GLOBAL", line if scope == "global" else "")
            .replace("VIRTUAL", "    " + line if scope == "virtual" else "")
            .replace("SERVER", "        " + line if scope == "server" else ""))


def keepalived_reads(text: str) -> list[str]:
    """The lines keepalived's parser sees: each file line cut into 1023-character pieces,
    comments (``#`` or ``!`` first) dropped."""
    pieces = [line[i:i + KEEPALIVED_LINE] for line in text.split("\n")
              for i in range(0, max(len(line), 1), KEEPALIVED_LINE)]
    return [p for p in pieces if not p.lstrip().startswith(("#", "!"))]


def keys() -> list[tuple[str, str]]:
    return [(scope, key) for scope in ("global", "virtual", "server")
            for key in sorted(schema.KEYS[scope])]


@pytest.mark.parametrize(("scope", "key"), keys(), ids=lambda k: str(k))
def test_no_value_of_any_length_becomes_a_directive(scope: str, key: str) -> None:
    for length in LENGTHS:
        doc = parse(document(scope, key, length))
        for router in ("primary", "backup"):
            text = export_keepalived(doc, router, check_command="/bin/true").text
            longest = max(map(len, text.split("\n")))
            assert longest <= MAX_LINE < KEEPALIVED_LINE, (key, length, longest)
            seen = [line for line in keepalived_reads(text) if DIRECTIVE.search(line)]
            assert not seen, (key, length, seen)


def test_a_comment_keeps_the_start_of_the_value_cut_and_marked() -> None:
    text = export_keepalived(parse(document("global", "debug_level", 4096)),
                             check_command="/bin/true").text
    comment = next(line for line in text.splitlines() if "debug_level" in line)
    assert comment.startswith("# lvs.cf line 5: debug_level = AAAAAAA quorum_up ")
    assert comment.endswith(" [cut]") and len(comment) <= MAX_LINE


@pytest.mark.parametrize("router", ["primary", "backup"])
@pytest.mark.parametrize("scope", ["global", "virtual", "server"])
def test_keepalived_accepts_every_key_with_a_4_kb_value(scope: str, router: str,
                                                       tmp_path: Path) -> None:
    indent = {"global": "", "virtual": "    ", "server": "        "}[scope]
    lines = "\n".join(f'{indent}{key} = "{value(4096)}"' for key in sorted(schema.KEYS[scope])
                      if key not in ("address", "active", "port", "fwmark"))
    text = BASE
    for name in ("global", "virtual", "server"):
        text = text.replace(name.upper(), lines if name == scope else "")
    export = export_keepalived(parse(text), router, check_command="/bin/true")
    assert_accepted(export.text, tmp_path)
    done = config_test(export.text, tmp_path)
    assert "quorum" not in done.stderr.lower() and "evil" not in done.stderr


def test_the_real_keepalived_reads_1023_characters_of_a_line(tmp_path: Path) -> None:
    """What the limit above is: the 1024th character starts a line of its own."""
    def conf(pad: int) -> str:
        return ("global_defs {\n    router_id x\n}\nvirtual_server 192.0.2.10 80 {\n"
                "    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n"
                f"# {'x' * pad}lb_algo nonsense\n"
                "    real_server 10.0.0.1 80 {\n        TCP_CHECK {\n"
                "            connect_timeout 3\n        }\n    }\n}\n")
    fits = conf(KEEPALIVED_LINE - len("# lb_algo nonsense"))
    assert max(map(len, fits.splitlines())) == KEEPALIVED_LINE
    assert config_test(fits, tmp_path).returncode == 0
    spills = config_test(conf(KEEPALIVED_LINE - len("# lb_algo nonsense") + 1), tmp_path)
    assert spills.returncode != 0 and "Unknown keyword 'e'" in spills.stderr
