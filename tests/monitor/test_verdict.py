"""nanny's verdict and the strict one on hand-made observations: one row per rule.

Each row gives the monitoring strings, what a driver observed, and both verdicts.  The rows
marked "differs" are every way nanny's answer differs from a careful checker's.
"""

from __future__ import annotations

from typing import Any

import pytest

from piranha_web.monitor.observations import Ended, Exchange, ProgramRun, Stage
from piranha_web.monitor.spec import CheckSpec, build_spec
from piranha_web.monitor.verdict import judge_exchange, judge_program
from tests.monitor.conftest import virtual


def spec(expect: str | None = "HTTP", protocol: str = "tcp", use_regex: bool = False,
         send_program: str | None = None) -> CheckSpec:
    vs = virtual(("127.0.0.1", 8080), port=8080, protocol=protocol, send="GET",
                 expect=expect, use_regex=use_regex, send_program=send_program)
    return build_spec(vs, vs.servers[0])


def reply(first: bytes, full: bytes | None = None, ended: Ended = Ended.SETTLED) -> Exchange:
    return Exchange(first=first, reply=first if full is None else full, ended=ended)


EXCHANGES = [
    # (case, spec kwargs, observation, nanny, strict, words in nanny's reason)
    ("prefix match", {}, reply(b"HTTP/1.0 200 OK"), "up", "up", "as expected"),
    ("case matters", {}, reply(b"http/1.0 200"), "down", "down", "expected"),
    ("expect is a prefix, not a substring", {"expect": "200 OK"},
     reply(b"HTTP/1.0 200 OK", ended=Ended.SETTLED), "down", "down", "expected"),
    ("differs: segmented reply", {}, reply(b"HT", b"HTTP/1.0 200 OK"), "down", "up",
     "returned 2 of 4 bytes"),
    ("closed before replying", {}, reply(b"", ended=Ended.EOF), "down", "down", "closed"),
    ("short reply then close", {}, reply(b"HT", ended=Ended.EOF), "down", "down", "2 of 4"),
    ("star takes any byte", {"expect": "*"}, reply(b"\x00"), "up", "up", "any byte"),
    ("differs: star passes a close without a byte (nanny's buffer becomes \"*\")",
     {"expect": "*"}, reply(b"", ended=Ended.EOF), "up", "down", "without a byte"),
    ("star still needs the read to return", {"expect": "*"}, Exchange(Stage.READ, "timeout"),
     "down", "down", "no reply"),
    ("regex anywhere in the first read", {"expect": "200 OK", "use_regex": True},
     reply(b"HTTP/1.0 200 OK"), "up", "up", "found"),
    ("differs: regex match only after the first read", {"expect": "200 OK", "use_regex": True},
     reply(b"HTTP/1.0", b"HTTP/1.0 200 OK"), "down", "up", "not found"),
    ("regex stops at NUL", {"expect": "OK", "use_regex": True},
     reply(b"\x00OK", ended=Ended.TIMEOUT), "down", "down", "not found"),
    ("differs: UDP reply without expect crashes nanny", {"expect": None, "protocol": "udp"},
     reply(b"pong", ended=Ended.DATAGRAM), "down", "up", "crashes"),
    ("connect only", {"expect": None}, Exchange(), "up", "up", "whole check"),
    ("refused", {}, Exchange(Stage.CONNECT, "refused"), "down", "down", "refused"),
    ("connect timeout", {}, Exchange(Stage.CONNECT, "timeout"), "down", "down", "timed out"),
    ("no reply", {}, Exchange(Stage.READ, "timeout"), "down", "down", "no reply within 1 s"),
    ("UDP port unreachable", {"protocol": "udp"}, Exchange(Stage.READ, "refused"), "down",
     "down", "unreachable"),
    ("send fails", {}, Exchange(Stage.SEND, "Broken pipe"), "down", "down", "Broken pipe"),
]


@pytest.mark.parametrize(
    ("case", "kwargs", "observed", "nanny", "strict", "words"), EXCHANGES,
    ids=[row[0] for row in EXCHANGES],
)
def test_network_verdicts(case: str, kwargs: dict[str, Any], observed: Exchange,
                          nanny: str, strict: str, words: str) -> None:
    judged = judge_exchange(spec(**kwargs), observed)
    assert (judged.nanny.state, judged.strict.state) == (nanny, strict)
    assert words in judged.nanny.reason


def test_segmented_reply_warns_that_nanny_reads_only_once() -> None:
    judged = judge_exchange(spec(), reply(b"HT", b"HTTP/1.0 200 OK"))
    assert any("in pieces" in w and '"HT"' in w for w in judged.warnings)


def test_expect_found_later_in_the_reply_warns_about_prefix_matching() -> None:
    judged = judge_exchange(spec(expect="OK"), reply(b"* hello\r\nOK ready\r\n"))
    assert any("appears at byte 9" in w for w in judged.warnings)


def test_udp_without_expect_warns_that_nanny_crashes() -> None:
    judged = judge_exchange(spec(expect=None, protocol="udp"),
                            reply(b"x", ended=Ended.DATAGRAM))
    assert any("hard_shutdown" in w for w in judged.warnings)


def run(output: bytes = b"OK\n", **kwargs: Any) -> ProgramRun:
    return ProgramRun(("/bin/check", "127.0.0.1"), output=output, **kwargs)


PROGRAMS = [
    ("output matches", "OK", run(status=0), "up", "up"),
    ("other output", "OK", run(b"FAIL\n", status=0), "down", "down"),
    ("match is exact, not a prefix", "OK", run(b"OK then more\n", status=0), "down", "down"),
    ("differs: no final newline, nanny chops a real byte", "OK", run(b"OK", status=0),
     "down", "up"),
    ("nanny reads the output after the exit", "OK", run(b"OK\n", status=0), "up", "up"),
    ("differs: beyond 4095 bytes", "x" * 4094, run(b"x" * 4095 + b"OK\n", status=0), "up",
     "down"),
    ("differs: more than a pipe holds blocks nanny's program: a timeout", "OK",
     run(b"x" * 65537, status=0), "up", "down"),
    ("more than a pipe holds without expect", None, run(b"x" * 65537, status=0), "down",
     "down"),
    ("exactly a pipe's worth is read", "x" * 4094, run(b"x" * 65536, status=0), "up", "down"),
    ("differs: non-zero exit counts as up", "OK", run(b"FAIL\n", status=2), "up", "down"),
    ("differs: killed by a signal counts as up", "OK", run(b"", status=-9), "up", "down"),
    ("differs: timeout counts as up", "OK", run(b"", timed_out=True), "up", "down"),
    ("differs: cannot start counts as up", "OK",
     ProgramRun(("/nonexistent",), start_error="No such file or directory"), "up", "down"),
    ("no expect string", None, run(status=0), "down", "down"),
    ("failure without expect is down (both NULL)", None, run(b"", status=1), "down", "down"),
    ("timeout without expect is down", None, run(b"", timed_out=True), "down", "down"),
    ("cannot start without expect is down", None,
     ProgramRun(("/nonexistent",), start_error="No such file or directory"), "down", "down"),
    ("expect is not regex for programs", "O.", run(b"OK\n", status=0), "down", "down"),
]


@pytest.mark.parametrize(("case", "expect", "observed", "nanny", "strict"), PROGRAMS,
                         ids=[row[0] for row in PROGRAMS])
def test_program_verdicts(case: str, expect: str | None, observed: ProgramRun,
                          nanny: str, strict: str) -> None:
    judged = judge_program(spec(expect=expect, send_program="/bin/check %h", use_regex=True),
                           observed)
    assert (judged.nanny.state, judged.strict.state) == (nanny, strict)


def test_failing_program_warns_that_nanny_keeps_the_server() -> None:
    judged = judge_program(spec(expect="OK", send_program="/bin/check"), run(status=1))
    assert "exited with status 1" in judged.nanny.reason
    assert any("as UP" in w for w in judged.warnings)


def test_missing_newline_warning_shows_what_nanny_compares() -> None:
    judged = judge_program(spec(expect="OK", send_program="/bin/check"), run(b"OK", status=0))
    assert any('"OK" becomes "O"' in w for w in judged.warnings)
