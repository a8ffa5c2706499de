"""The verdicts on one check: nanny's, a strict one, and warnings where nanny surprises (pure).

nanny's verdict follows docs/reference/piranha.md §3.3-3.4 to the letter: one read compared with
the expect string; a sending program's output (the first 4095 bytes, read after it exited),
last byte chopped, compared exactly; a program that fails, crashes, times out or cannot start
counts as **up** when there is an expect string and as down without one; no expect string with
a program counts as down.

The strict verdict is what a careful checker would say about the same configuration: the same
comparison applied to the complete reply (read until the answer is settled, the server closes
or the timeout ends), a program's whole output without its final newline, and a program that
fails or times out is down.  Where the two differ, a warning says why in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass

from piranha_web.monitor.escapes import quoted
from piranha_web.monitor.expect import Expectation, Mode
from piranha_web.monitor.observations import Ended, Exchange, ProgramRun, Stage
from piranha_web.monitor.spec import CheckSpec

#: nanny's getExecOutput() reads the program's output once into char[4096], NUL included
NANNY_OUTPUT_READ = 4095
#: what a Linux pipe holds: a program writing more blocks until nanny reads, i.e. the timeout
PIPE_CAPACITY = 65536

PROGRAM_FAILURE_IS_UP = (
    "nanny counts a sending program that cannot start, fails, crashes or times out as UP: "
    "this server would stay in the pool whatever state it is in"
)
UDP_CRASH = (
    "a UDP reply arrived but there is no expect string: nanny dereferences the missing string "
    "and crashes, and with hard_shutdown = 1 (the default) lvsd then stops all of LVS"
)


@dataclass(frozen=True)
class Verdict:
    """``state`` is "up" or "down"; ``reason`` says why in one sentence."""

    state: str
    reason: str

    @property
    def up(self) -> bool:
        return self.state == "up"


def up(reason: str) -> Verdict:
    return Verdict("up", reason)


def down(reason: str) -> Verdict:
    return Verdict("down", reason)


@dataclass(frozen=True)
class Judgement:
    """Both verdicts on one check, what was received, and the warnings."""

    nanny: Verdict
    strict: Verdict
    received: bytes = b""
    warnings: tuple[str, ...] = ()


def both(verdict: Verdict, spec: CheckSpec | None = None, received: bytes = b"") -> Judgement:
    """The same verdict for nanny and the strict check."""
    return Judgement(verdict, verdict, received, spec.notes if spec else ())


# ---------------------------------------------------------------------------- network checks


def judge_exchange(spec: CheckSpec, ex: Exchange) -> Judgement:
    """Verdicts on a TCP/UDP exchange with a real server."""
    timeout = spec.timeout
    if ex.failed_at is Stage.CONNECT:
        reasons = {
            "refused": "connection refused",
            "timeout": f"connect timed out after {timeout} s",
        }
        return both(down(reasons.get(ex.error, f"connect failed: {ex.error}")), spec)
    if ex.failed_at is Stage.SEND:
        return both(down(f"send failed: {ex.error}"), spec)
    if ex.failed_at is Stage.READ:
        if ex.error == "timeout":
            return both(down(f"no reply within {timeout} s"), spec)
        if ex.error == "refused":
            return both(down("port unreachable: nothing answers on that UDP port"), spec)
        return both(down(f"read failed: {ex.error}"), spec)
    if ex.ended is Ended.NOT_READ:
        sent = f", sent {len(spec.send)} bytes" if spec.send is not None else ""
        return both(up(f"connected{sent}; without an expect string that is the whole check"), spec)
    first = ex.first or b""
    matcher = spec.matcher
    nanny = _nanny_reply(matcher, first)
    strict = _strict_reply(matcher, ex, timeout)
    warnings = [*spec.notes, *_reply_warnings(matcher, first, ex.reply, nanny, strict)]
    return Judgement(nanny, strict, ex.reply, tuple(warnings))


def _nanny_reply(matcher: Expectation, first: bytes) -> Verdict:
    view = matcher.nanny_view(first)
    if matcher.mode is Mode.NONE:
        return down("nanny crashes: a UDP reply arrived and there is no expect string")
    if matcher.mode is Mode.ANY_BYTE and not view:
        return up('the server closed the connection without a byte; for expect "*" nanny '
                  "replaces whatever its read returned with \"*\", so that passes")
    if matcher.matches(view):
        if matcher.mode is Mode.ANY_BYTE:
            return up(f'got {quoted(view)}; expect "*" accepts any byte')
        if matcher.mode is Mode.REGEX:
            return up(f"{matcher.describe()} found in the first read {quoted(view)}")
        return up(f"got {quoted(view)} as expected")
    if not view:
        return down(f"the connection closed without a reply; expected {matcher.describe()}")
    if matcher.mode is Mode.REGEX:
        return down(f"{matcher.describe()} not found in the first read {quoted(view)}")
    if len(view) < matcher.nanny_read_size:
        return down(
            f"the first read returned {len(view)} of {matcher.nanny_read_size} bytes "
            f"({quoted(view)}); expected {matcher.describe()}"
        )
    return down(f"got {quoted(view)}, expected {matcher.describe()}")


def _strict_reply(matcher: Expectation, ex: Exchange, timeout: int) -> Verdict:
    reply = ex.reply
    if matcher.mode is Mode.NONE:
        return up(f"got a reply {quoted(reply)}")
    if matcher.matches(reply):
        if matcher.mode is Mode.PREFIX:
            return up(f"the reply starts with {matcher.describe()}")
        if matcher.mode is Mode.REGEX:
            return up(f"{matcher.describe()} found in the reply")
        return up(f"got a reply; expect {matcher.describe()} accepts any byte")
    stopped = {
        Ended.EOF: "the server closed the connection",
        Ended.TIMEOUT: f"nothing more arrived within {timeout} s",
        Ended.LIMIT: "the reply is too long to read further",
        Ended.ERROR: "a read failed",
    }.get(ex.ended)
    after = f" ({stopped})" if stopped else ""
    if not reply:
        return down(f"no reply{after}; expected {matcher.describe()}")
    verb = "does not match" if matcher.mode is Mode.REGEX else "does not start with"
    return down(f"the reply {quoted(reply)} {verb} {matcher.describe()}{after}")


def _reply_warnings(
    matcher: Expectation, first: bytes, reply: bytes, nanny: Verdict, strict: Verdict
) -> list[str]:
    warnings: list[str] = []
    view = matcher.nanny_view(first)
    if matcher.mode is Mode.NONE:
        warnings.append(UDP_CRASH)
    elif strict.up and not nanny.up:
        warnings.append(
            f"the reply arrived in pieces: nanny compares only its first read ({quoted(view)}), "
            "so it marks this server down although the complete reply matches"
        )
    elif nanny.up != strict.up:
        warnings.append(
            f"nanny's first read ({quoted(view)}) passes but the complete reply does not: "
            "the expect string depends on where the reply ends"
        )
    if matcher.mode is Mode.PREFIX and not strict.up and matcher.text:
        at = reply.find(matcher.text)
        if at > 0:
            warnings.append(
                f"the expect string appears at byte {at} of the reply, but nanny only compares "
                "the start of the reply with it"
            )
    if matcher.mode is Mode.REGEX and matcher.regex is not None:
        if b"\0" in view:
            warnings.append(
                f"the first read has a NUL byte at offset {view.index(0)}: nanny's regexec() "
                "does not search past it"
            )
        if matcher.regex.inexact and b"\n" in reply:
            warnings.append(matcher.regex.inexact)
    return warnings


# ---------------------------------------------------------------------------- sending programs


def _exit_text(status: int) -> str:
    return f"was killed by signal {-status}" if status < 0 else f"exited with status {status}"


def judge_program(spec: CheckSpec, run: ProgramRun) -> Judgement:
    """Verdicts on one run of the sending program."""
    name = run.argv[0] if run.argv else "the empty command"
    notes = spec.notes
    blocked = len(run.output) > PIPE_CAPACITY
    if run.start_error is not None or run.timed_out or run.status != 0 or blocked:
        if run.start_error is not None:
            what = f"{name} could not be started ({run.start_error})"
        elif run.timed_out:
            what = f"the program did not finish within {spec.timeout} s and was killed"
        elif blocked:
            what = (f"the program wrote more than {PIPE_CAPACITY} bytes: nanny reads its pipe "
                    "only after it exits, so it would block until the timeout")
        else:
            what = f"the program {_exit_text(run.status or 0)}"
        if spec.expect is None:  # external_check(): "result and expected response both NULL"
            verdict = down(f"{what}, and there is no expect string: nanny counts that as down")
            return Judgement(verdict, verdict, run.output, notes)
        return Judgement(
            up(f"{what}; nanny counts that as up"),
            down(what),
            run.output,
            (*notes, PROGRAM_FAILURE_IS_UP),
        )
    # getExecOutput(): waitpid() first, then one read() of up to 4095 bytes of the pipe, which
    # by then holds everything the program wrote; the last byte is chopped, strcmp stops at NUL
    first = run.output[:NANNY_OUTPUT_READ]
    nanny_out = first[:-1].split(b"\0", 1)[0]
    strict_out = run.output[:-1] if run.output.endswith(b"\n") else run.output
    if spec.expect is None:
        verdict = down(
            f"the program printed {quoted(strict_out)} but there is no expect string to "
            "compare it with, so nanny counts the server as down"
        )
        return Judgement(verdict, verdict, run.output, notes)
    nanny = _program_verdict(nanny_out, spec.expect)
    strict = _program_verdict(strict_out, spec.expect)
    warnings = list(notes)
    if run.output and not run.output.endswith(b"\n"):
        warnings.append(
            f"the output does not end with a newline: nanny cuts its last byte "
            f"({quoted(first)} becomes {quoted(nanny_out)})"
        )
    if len(run.output) > NANNY_OUTPUT_READ and nanny.up != strict.up:
        warnings.append(
            f"the output is {len(run.output)} bytes long: nanny reads only the first "
            f"{NANNY_OUTPUT_READ}"
        )
    return Judgement(nanny, strict, run.output, tuple(warnings))


def _program_verdict(output: bytes, expect: bytes) -> Verdict:
    if output == expect:
        return up(f"the program printed {quoted(output)} as expected")
    return down(f"the program printed {quoted(output)}, expected {quoted(expect)}")
