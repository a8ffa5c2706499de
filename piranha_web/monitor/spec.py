"""The one check nanny runs against one real server, built from the typed model (pure).

lvsd starts one nanny per real server with ``-h RIP -r RPORT -p VPORT [-u] [-e PROGRAM]
[-s SEND] [-x EXPECT] [--regex] -t TIMEOUT`` (docs/reference/piranha.md §3.2), so a check is fully
described by the virtual server's monitoring strings and timeout and by the real server's
address and port (its own, else the virtual's).  :func:`build_spec` turns those into bytes and
argv the way lvsd and nanny do, and raises :class:`MonitorScriptError` for anything nanny would
hang on, crash on or overflow with, instead of running it.

The model holds monitoring strings with their quotes removed, as if they had been written in
double quotes.  A value written in *single* quotes reaches nanny with the quotes (lvsd only
strips double quotes); :func:`~piranha_web.lvscf.nanny.lvsd_monitor` recovers the exact strings
from the document.
"""

from __future__ import annotations

from dataclasses import dataclass

from piranha_web.errors import MonitorScriptError
from piranha_web.lvscf import nanny
from piranha_web.lvscf.model import MonitorScript, RealServer, VirtualServer
from piranha_web.lvscf.values import dotted, inet_aton
from piranha_web.monitor.ere import compile_ere
from piranha_web.monitor.escapes import decode_escapes, quoted, to_bytes
from piranha_web.monitor.expect import NANNY_READ_MAX, Expectation, Mode

#: what nanny sends/expects on port 80 when nothing is configured (§3.3 item 5), as written
DEFAULT_SEND = "GET / HTTP/1.0\\r\\n\\r\\n"
DEFAULT_EXPECT = "HTTP"
#: nanny strcpy()s the command into char[255] and splits it into a 40-slot argv
PROGRAM_MAX_BYTES = 254
PROGRAM_MAX_ARGS = 39
#: Piranha's "no address" for a real server (the GUI's ADD writes it)
UNSET_ADDRESS = "0.0.0.0"  # noqa: S104 - a value read from lvs.cf, never bound


@dataclass(frozen=True)
class CheckSpec:
    """Everything one nanny check needs: target, bytes to send, how to judge the answer."""

    virtual: str
    server: str
    address: str  # the IP address contacted (and passed as %h)
    port: int
    protocol: str  # "tcp" | "udp"
    timeout: int  # seconds: connect timeout, read timeout and program run time
    send: bytes | None  # None: nothing is sent
    expect: bytes | None  # decoded; None: no expect string
    matcher: Expectation  # how a network reply is compared with expect
    program: tuple[str, ...] | None = None  # argv of the sending program (replaces the exchange)
    notes: tuple[str, ...] = ()  # surprising things known before contacting the server

    @property
    def target(self) -> str:
        return f"{self.address}:{self.port}"

    def describe(self) -> str:
        """What the check does, in a few words."""
        if self.program is not None:
            return "program " + " ".join(self.program)
        parts = [f"{self.protocol} connect"]
        if self.send is not None:
            parts.append(f"send {quoted(self.send, 40)}")
        if self.matcher.mode is not Mode.NONE:
            parts.append(f"expect {self.matcher.describe()}")
        return ", ".join(parts)


def numeric_address(text: str) -> str | None:
    """``text`` as a dotted quad when inet_aton() accepts it (``10.1`` → ``10.0.0.1``)."""
    value = inet_aton(text)
    return dotted(value) if value is not None else None


def program_argv(command: str, address: str, port: int) -> tuple[str, ...]:
    """The argv nanny executes: split on spaces (runs count as one), ``%h``/``%p`` substituted.

    Only arguments that are exactly ``%h`` or ``%p`` are replaced.  No shell is involved.
    """
    if len(to_bytes(command)) > PROGRAM_MAX_BYTES:
        raise MonitorScriptError(
            "send_program",
            f"the sending program is {len(to_bytes(command))} bytes long: nanny copies it into "
            f"a 255-byte buffer, so more than {PROGRAM_MAX_BYTES} overflows nanny's stack",
        )
    words = nanny.program_words(command, address, port)
    if len(words) > PROGRAM_MAX_ARGS:
        raise MonitorScriptError(
            "send_program",
            f"the sending program has {len(words)} words: nanny's argv has room for "
            f"{PROGRAM_MAX_ARGS}",
        )
    return tuple(words)


def _matcher(expect: str | None, use_regex: bool, network: bool) -> Expectation:
    if expect is None:
        return Expectation(Mode.NONE)
    text = to_bytes(expect)
    if use_regex and network:  # regcomp() first: "*" is no regex (nanny's checks all fail)
        return Expectation(Mode.REGEX, text, compile_ere(expect))
    if expect == "*":
        return Expectation(Mode.ANY_BYTE, text)
    if network and len(text) > NANNY_READ_MAX:
        raise MonitorScriptError(
            "expect",
            f"the expect string is {len(text)} bytes long: nanny reads at most "
            f"{NANNY_READ_MAX} bytes into its buffer",
        )
    return Expectation(Mode.PREFIX, text)


def _target(vs: VirtualServer, rs: RealServer, address: str | None) -> tuple[str, int]:
    if vs.timeout <= 0:
        raise MonitorScriptError(
            "timeout", f"timeout = {vs.timeout}: nanny divides by it and crashes (use 1 or more)"
        )
    port = rs.effective_port
    if not 1 <= port <= 65535:
        raise MonitorScriptError("port", f"port {port} of real server {rs.name} is not usable")
    host = address or numeric_address(rs.address)
    if host is None:
        raise MonitorScriptError("address", f"{rs.address!r} is not an IP address")
    if host == UNSET_ADDRESS:
        raise MonitorScriptError("address", f"real server {rs.name} has no address (0.0.0.0)")
    return host, port


def build_spec(
    vs: VirtualServer,
    rs: RealServer,
    monitor: MonitorScript | None = None,
    *,
    address: str | None = None,
) -> CheckSpec:
    """The check nanny would run against ``rs`` of ``vs`` with ``monitor`` (default: vs's).

    ``monitor`` holds the strings as lvsd passes them (quotes stripped, escapes not decoded).
    ``address`` is the resolved IP when ``rs.address`` is a host name.
    """
    host, port = _target(vs, rs, address)
    monitor = monitor or vs.monitor
    send, expect, program = monitor.send, monitor.expect, monitor.send_program
    notes: list[str] = []
    if program is None and send is None and expect is None and vs.port == 80:
        send, expect = DEFAULT_SEND, DEFAULT_EXPECT
        notes.append(
            'nothing to send or expect is set and the virtual port is 80: nanny sends '
            '"GET / HTTP/1.0\\r\\n\\r\\n" and expects "HTTP"'
        )
    decoded_expect = decode_escapes(expect, "expect") if expect is not None else None
    argv: tuple[str, ...] | None = None
    send_bytes: bytes | None = None
    if program is not None:
        argv = program_argv(program, host, port)
        if send is not None:
            notes.append("send is ignored: the sending program takes its place")
        if monitor.use_regex:
            notes.append("use_regex is ignored: nanny compares a program's output exactly")
    elif send is not None:
        send_bytes = to_bytes(decode_escapes(send, "send"))
    return CheckSpec(
        virtual=vs.name,
        server=rs.name,
        address=host,
        port=port,
        protocol=vs.protocol,
        timeout=vs.timeout,
        send=send_bytes,
        expect=to_bytes(decoded_expect) if decoded_expect is not None else None,
        matcher=_matcher(decoded_expect, monitor.use_regex, program is None),
        program=argv,
        notes=tuple(notes),
    )
