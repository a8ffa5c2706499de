"""Line rules: each ``key = value`` line checked the way lvsconfig.c and nanny read it.

Unknown keys, a missing ``=``, a wrong number of values (typically an inline ``# comment``) and
values the C parser cannot read make pulse refuse to start: errors.  Values it reads differently
from what they look like (``010`` is octal 8, ``10.1`` is 10.0.0.1) and values the daemons trip
over (an unknown backslash escape hangs nanny, ``timeout = 0`` divides by zero) are reported with
what the daemon would do.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from piranha_web.lvscf import schema
from piranha_web.lvscf.document import Document
from piranha_web.lvscf.schema import KeySpec, Kind
from piranha_web.lvscf.syntax import (
    Block,
    QuotingError,
    Statement,
    Trivia,
    lenient_tokens,
    tokenize,
)
from piranha_web.lvscf.validate import Finding
from piranha_web.lvscf.values import (
    c_int,
    c_port,
    dotted,
    has_leading_zero,
    inet_aton,
    is_dotted_quad,
    netmask_prefix,
)

DEVICE_RE = re.compile(r"[A-Za-z0-9_.-]{1,15}(:[A-Za-z0-9_-]{1,15})?")
HOSTNAME_RE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?")
NANNY_ESCAPES = frozenset("nrt\\'\"")
NON_NEGATIVE = frozenset(
    {
        "serial_no",
        "keepalive",
        "deadtime",
        "timeout",
        "reentry",
        "weight",
        "persistent",
        "fwmark",
        "syncd_id",
        "tcp_timeout",
        "tcpfin_timeout",
        "udp_timeout",
        "monitor_links",
    }
)
REFUSE = "pulse would refuse to start"

Report = Callable[[str, str, str], None]  # (severity, code, message)


def where_of(parents: tuple[Block, ...]) -> str:
    """'global', 'virtual web' or 'virtual web / server rs1'."""
    if not parents:
        return "global"
    return " / ".join(f"{b.kind} {b.name}" for b in parents)


def line_findings(doc: Document) -> list[Finding]:
    findings: list[Finding] = []

    def visit(
        items: list[Trivia | Statement | Block], parents: tuple[Block, ...], line: int
    ) -> int:
        scope = parents[-1].kind if parents else "global"
        seen_keys: dict[str, int] = {}
        for item in items:
            if isinstance(item, Block):
                line = visit(item.body, (*parents, item), line + len(item.leading) + 1)
                if item.closer is not None:
                    line += 1
                    rest = item.closer.raw.strip(" \t")[1:].strip(" \t")
                    if rest:
                        findings.append(
                            Finding(
                                "warning",
                                line,
                                None,
                                f"text after '}}' ({rest!r}) is ignored by the C parser",
                                "closer-text",
                                where_of((*parents, item)),
                            )
                        )
                continue
            line += 1
            if isinstance(item, Trivia):
                continue
            for severity, code, message, key in statement_findings(scope, item.raw):
                findings.append(Finding(severity, line, key, message, code, where_of(parents)))
            pair = item.assignment() if item.quoting_error is None else None
            if pair is None:
                continue
            if pair[0] in seen_keys:
                findings.append(
                    Finding(
                        "warning",
                        line,
                        pair[0],
                        f"{pair[0]!r} is set again (first on line {seen_keys[pair[0]]}); "
                        "the daemons use the last one",
                        "duplicate-key",
                        where_of(parents),
                    )
                )
            else:
                seen_keys[pair[0]] = line
        return line

    visit(doc.items, (), 0)
    return findings


@functools.lru_cache(maxsize=1 << 16)
def statement_findings(scope: str, raw: str) -> tuple[tuple[str, str, str, str], ...]:
    """(severity, code, message, key) of one statement line; depends on nothing else."""
    node = _statement(raw)
    key = node.key
    found: list[tuple[str, str, str, str]] = []

    def report(severity: str, code: str, message: str) -> None:
        found.append((severity, code, message, key))

    if node.quoting_error is not None:
        report(
            "error",
            "bad-quoting",
            f"quotation mismatch at column {node.quoting_error}: {REFUSE}; a quoted value "
            "must end with its quote, has no escape for quotes inside, and a quoted value "
            "without blanks must not be followed by trailing blanks",
        )
        return tuple(found)
    keyspec = schema.spec(scope, key)
    if keyspec is None:
        hint = (
            " (Piranha's GUI wrote it from a hand edit)"
            if key in ("expect_program", "nmask", "deadtime", "heartbeat")
            else ""
        )
        report(
            "error",
            "unknown-key",
            f"unknown key {key!r} in {scope} scope{hint}: {REFUSE} ('unknown command')",
        )
    elif not node.has_equals:
        report(
            "error",
            "equal-expected",
            f"'=' expected after {key!r}: {REFUSE} ('equal (=) expected after command')",
        )
    else:
        _check_values(node, keyspec, report)
    return tuple(found)


def _statement(raw: str) -> Statement:
    """A statement node for ``raw``, with the parser's handling of a quotation mismatch."""
    try:
        return Statement(raw, tokenize(raw))
    except QuotingError as err:
        return Statement(raw, lenient_tokens(raw), err.column + 1)


def _check_values(node: Statement, keyspec: KeySpec, report: Report) -> None:
    tokens = node.values
    words = [t.text for t in tokens]
    if keyspec.kind is Kind.LIST:
        if len(words) < 2 or words[0] != "[" or words[-1] != "]":
            report("error", "list-expected", f"expected '= [ a b ]': {REFUSE}")
        return
    arity = keyspec.arity or 1
    if len(words) > arity:
        extra = words[arity:]
        if any(w.startswith("#") for w in extra):
            report(
                "error",
                "inline-comment",
                f"'#' after a value is not a comment for Piranha: {REFUSE} "
                "('unexpected arguments'); comments must be on their own line",
            )
        elif keyspec.kind is Kind.STRING:
            report(
                "error",
                "extra-args",
                f"{len(words)} words where one value is expected: {REFUSE} "
                "('unexpected arguments'); put the value in double quotes",
            )
        else:
            report(
                "error",
                "extra-args",
                f"{len(words)} values where {arity} expected: {REFUSE} ('unexpected arguments')",
            )
        return
    if len(words) < arity:
        if keyspec.kind is Kind.ADDRESS and len(words) == 1:
            report(
                "error",
                "missing-device",
                f"{node.key} needs an address AND a device (e.g. '{words[0]} eth0:1'): {REFUSE} "
                "('missing arguments')",
            )
        else:
            report("error", "missing-args", f"a value is missing: {REFUSE} ('missing arguments')")
        return
    quoted = any(t.quote for t in tokens)
    if quoted and keyspec.kind is not Kind.STRING and keyspec.kind is not Kind.WORD:
        report("warning", "quoted-value", "this value is quoted; the C parser removes the quotes")
    CHECKS[keyspec.kind](node.key, words, tokens[0].quote, report)


def _int(key: str, words: list[str], quote: str, report: Report) -> None:
    value = c_int(words[0])
    if value is None:
        report(
            "error",
            "integer-expected",
            f"{words[0]!r} is not an integer: {REFUSE} ('integer expected')",
        )
        return
    if has_leading_zero(words[0]):
        report("warning", "octal", f"{words[0]} has a leading 0: Piranha reads it as octal {value}")
    if key in NON_NEGATIVE and value < 0:
        report("error", "negative", f"{key} must not be negative (got {value})")
    elif key == "timeout" and value == 0:
        report(
            "error",
            "timeout-zero",
            "timeout = 0 makes nanny divide by zero and crash; use at least 1 second",
        )
    elif key == "port" and not 1 <= value <= 65535:
        report("error", "port-range", f"port {value} is outside 1-65535")
    elif key in ("persistent", "fwmark") and value > 0xFFFFFFFF:
        report("error", "too-large", f"{key} {value} does not fit in 32 bits")


def _bool(key: str, words: list[str], quote: str, report: Report) -> None:
    value = c_int(words[0])
    if value is None:
        report(
            "error",
            "integer-expected",
            f"{words[0]!r} is not 0 or 1: {REFUSE} ('integer expected')",
        )
    elif value not in (0, 1):
        report("error", "boolean-expected", f"{key} must be 0 or 1: {REFUSE} ('boolean expected')")


def _port(key: str, words: list[str], quote: str, report: Report) -> None:
    value = c_port(words[0])
    if value is None:
        report(
            "error",
            "bad-port",
            f"{words[0]!r} is neither a port number nor a known service name: {REFUSE}",
        )
        return
    if has_leading_zero(words[0]):
        report("warning", "octal", f"{words[0]} has a leading 0: Piranha reads it as octal {value}")
    if not 1 <= value <= 65535:
        report("error", "port-range", f"port {value} is outside 1-65535")


def _address_part(key: str, text: str, report: Report, *, hostname_ok: bool) -> None:
    value = inet_aton(text)
    if value is not None:
        if not is_dotted_quad(text):
            report("warning", "legacy-ip", f"{text!r} is read as {dotted(value)}; write it out")
        elif key == "primary" and value == 0:
            report("error", "bad-ip", f"primary 0.0.0.0 is rejected: {REFUSE}")
        return
    if hostname_ok and HOSTNAME_RE.fullmatch(text) and not text.replace(".", "").isdigit():
        report(
            "warning",
            "hostname",
            f"{text!r} is not an IP address; it is resolved by DNS when pulse starts",
        )
        return
    report("error", "bad-ip", f"{text!r} is not a valid IPv4 address: {REFUSE}")


def _host(key: str, words: list[str], quote: str, report: Report) -> None:
    _address_part(key, words[0], report, hostname_ok=True)


def _ip(key: str, words: list[str], quote: str, report: Report) -> None:
    _address_part(key, words[0], report, hostname_ok=False)


def _netmask(key: str, words: list[str], quote: str, report: Report) -> None:
    mask = words[0]
    value = inet_aton(mask)
    ignored = key == "pmask"
    if value is None or (value != 0 and netmask_prefix(dotted(value)) is None):
        if ignored:
            report("warning", "bad-netmask", f"{mask!r} is not a netmask; lvsd silently ignores it")
        else:
            report(
                "error",
                "bad-netmask",
                f"{mask!r} is not a netmask: {REFUSE} ('Bad subnet mask specified')",
            )
        return
    if value == 0:
        report("warning", "unused-netmask", f"{key} 0.0.0.0 means unset; remove the line instead")
    elif mask not in schema.NETMASKS:
        report(
            "warning",
            "unusual-netmask",
            f"{mask} is not one of the netmasks Piranha offers (/16 to /32)",
        )


def _choice(key: str, words: list[str], quote: str, report: Report) -> None:
    keyspec = schema.spec("global", key) or schema.spec("virtual", key)
    choices = keyspec.choices if keyspec else ()
    if words[0] not in choices:
        report(
            "error",
            "bad-choice",
            f"{words[0]!r} is not one of {', '.join(choices)} (case matters): {REFUSE} "
            "('invalid argument')",
        )


def _address(key: str, words: list[str], quote: str, report: Report) -> None:
    _address_part(key, words[0], report, hostname_ok=True)
    _device(key, words[1], report)


def _device(key: str, device: str, report: Report) -> None:
    if not DEVICE_RE.fullmatch(device):
        report(
            "error",
            "bad-device",
            f"{device!r} is not a network device name like eth0 or eth0:1; pulse cannot raise "
            "the address on it",
        )


def _word(key: str, words: list[str], quote: str, report: Report) -> None:
    value = words[0]
    if key == "load_monitor" and value not in schema.LOAD_MONITORS:
        report(
            "warning",
            "load-monitor",
            f"load_monitor {value!r} is none of none/rup/ruptime/uptime; nanny runs it as a "
            "command",
        )
    elif key == "syncd_iface" and not DEVICE_RE.fullmatch(value):
        report("error", "bad-device", f"{value!r} is not a network device name")


def nanny_escape_problem(text: str) -> str | None:
    """Why nanny's convert_str would hang on ``text`` (None when it would not)."""
    if len(text) < 2:
        return None
    i = 0
    while i < len(text):
        if text[i] == "\\":
            if i + 1 >= len(text):
                return "ends with a lone backslash"
            if text[i + 1] not in NANNY_ESCAPES:
                return f"uses the escape \\{text[i + 1]}"
            i += 2
        else:
            i += 1
    return None


def _string(key: str, words: list[str], quote: str, report: Report) -> None:
    text = words[0]
    if quote == "'" and key in ("send", "expect"):
        report(
            "warning",
            "single-quotes",
            f"{key} in single quotes: lvsd strips only double quotes, so nanny uses the "
            "quote characters too",
        )
    if any(not " " <= ch <= "~" for ch in text):
        report(
            "error",
            "non-printable",
            f"{key} contains non-printable or non-ASCII characters; use \\n \\r \\t escapes",
        )
    if len(text) > 255:
        report(
            "error",
            "too-long",
            f"{key} is {len(text)} characters; nanny handles at most 255"
            + (" (longer overflows its buffer)" if key == "send_program" else ""),
        )
    if key in ("send", "expect"):
        problem = nanny_escape_problem(text)
        if problem:
            report(
                "error",
                "bad-escape",
                f"{key} {problem}: nanny knows only \\n \\r \\t \\\\ \\' \\\" and loops "
                "forever on any other escape, so this real server is never checked "
                "(write \\\\ for a literal backslash)",
            )
    if key == "send_program":
        argv = text.split(" ")
        if not argv[0].startswith("/"):
            report(
                "warning",
                "program-path",
                f"sending program {argv[0]!r} is not an absolute path; nanny searches PATH",
            )
        if "%h" not in argv[1:]:
            report(
                "warning",
                "program-no-host",
                "the sending program has no standalone %h argument, so every real server is "
                "checked the same way",
            )


CHECKS: dict[Kind, Callable[[str, list[str], str, Report], None]] = {
    Kind.INT: _int,
    Kind.BOOL: _bool,
    Kind.PORT: _port,
    Kind.HOST: _host,
    Kind.IP: _ip,
    Kind.NETMASK: _netmask,
    Kind.CHOICE: _choice,
    Kind.WORD: _word,
    Kind.STRING: _string,
    Kind.ADDRESS: _address,
}
