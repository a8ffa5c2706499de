"""Issue 21: nanny checks that can never pass are errors of ``check`` and of every save.

* UDP with neither send nor expect: nanny sends nothing (every real server stays down) and
  crashes on any reply (it dereferences the missing expect string), and with
  ``hard_shutdown = 1`` lvsd then stops all of LVS; on port 80 nanny's HTTP default applies;
* ``use_regex = 1`` with an expect regex that starts with a repetition (``"*"``): glibc's
  regcomp() refuses it, nanny only logs that and every check fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from piranha_web.cli import main
from piranha_web.lvscf import check_text


def config(*lines: str, port: int = 53) -> str:
    body = "".join(f"     {line}\n" for line in lines)
    return f"""primary = 192.0.2.1
virtual dns {{
     active = 1
     address = 198.51.100.10 eth0:1
     port = {port}
{body}     server rs1 {{
         address = 10.0.0.1
         active = 1
     }}
}}
"""


def codes(text: str) -> dict[str, tuple[str, int, str | None]]:
    return {f.code: (f.severity, f.line, f.key) for f in check_text(text)}


def test_udp_with_neither_send_nor_expect_is_an_error_on_the_protocol_line() -> None:
    found = codes(config("protocol = udp"))
    assert found["udp-without-send-or-expect"] == ("error", 6, "protocol")
    assert "udp-without-expect" not in found
    (finding,) = [f for f in check_text(config("protocol = udp"))
                  if f.code == "udp-without-send-or-expect"]
    assert "crashes" in finding.message and "hard_shutdown" in finding.message


def test_udp_with_send_but_no_expect_stays_a_warning() -> None:
    found = codes(config('send = "ping"', "protocol = udp"))
    assert found["udp-without-expect"][0] == "warning"
    assert "udp-without-send-or-expect" not in found


@pytest.mark.parametrize("lines", [
    pytest.param(("protocol = udp", 'expect = "pong"'), id="expect set"),
    pytest.param(("protocol = udp", 'send_program = "/bin/check %h"'), id="sending program"),
    pytest.param(("protocol = tcp",), id="tcp"),
])
def test_udp_rules_stay_quiet_when_nanny_has_an_answer_to_compare(lines: tuple[str, ...]) -> None:
    found = codes(config(*lines))
    assert "udp-without-send-or-expect" not in found and "udp-without-expect" not in found


def test_udp_on_port_80_gets_nannys_http_default_so_no_udp_finding() -> None:
    found = codes(config("protocol = udp", port=80))
    assert "udp-without-send-or-expect" not in found and "udp-without-expect" not in found


@pytest.mark.parametrize("expect", ["*", "+x", "?", "{1}a", "^*a"])
def test_an_expect_regex_glibc_refuses_is_an_error(expect: str) -> None:
    text = config(f'expect = "{expect}"', "use_regex = 1")
    assert codes(text)["regex-does-not-compile"] == ("error", 6, "expect")


@pytest.mark.parametrize("lines", [
    pytest.param(('expect = "*"',), id="star without regex"),
    pytest.param(('expect = "a*"', "use_regex = 1"), id="a valid regex"),
    pytest.param(('expect = "\\\\*"', "use_regex = 1"), id="an escaped star"),
    pytest.param(('expect = "*"', "use_regex = 1", 'send_program = "/bin/check %h"'),
                 id="programs ignore use_regex"),
])
def test_no_regex_finding_where_nanny_compiles_or_needs_no_regex(lines: tuple[str, ...]) -> None:
    assert "regex-does-not-compile" not in codes(config(*lines))


def test_check_command_reports_both_as_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "lvs.cf"
    path.write_text(config("protocol = udp") + config('expect = "*"', "use_regex = 1")
                    .split("\n", 1)[1].replace("virtual dns", "virtual web")
                    .replace("198.51.100.10", "198.51.100.11").replace("eth0:1", "eth0:2"))
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr()
    text = out.out + out.err
    assert "udp-without-send-or-expect" in text or "neither send nor expect" in text
    assert "regcomp() refuses" in text
