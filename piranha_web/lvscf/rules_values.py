"""Value rules: one ``key = value`` checked as lvsconfig.c reads it and as the daemons use it.

Each checker gets the key's :class:`KeySpec`, the value words (quotes removed), the quote
character of the first value token and a ``report(severity, code, message)`` callback.  Values
the C parser cannot read are errors with the C parser's own message; values it reads
differently from how they look (``010`` is octal 8, ``10.1`` is 10.0.0.1) are warnings; values
a daemon trips over (an unknown backslash escape hangs nanny) are errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from piranha_web.lvscf import nanny, schema
from piranha_web.lvscf.finding import ERROR, WARNING, refuse
from piranha_web.lvscf.schema import KeySpec, Kind
from piranha_web.lvscf.values import (
    SERVICES,
    c_int,
    c_port,
    dotted,
    dotted_quad,
    has_leading_zero,
    inet_aton,
    netmask_prefix,
)

Report = Callable[[str, str, str], None]  # (severity, code, message)

#: a Linux interface name (IFNAMSIZ 16 incl. NUL) with an optional alias label
DEVICE_RE = re.compile(r"[A-Za-z0-9_.-]{1,15}(:[A-Za-z0-9_.-]{1,15})?")
#: the kernel keeps a device name and an address label (``eth0:1``) to 15 characters (IFNAMSIZ)
DEVICE_MAX = 15


def is_device_name(name: str) -> bool:
    """A Linux device name, optionally with a ``:label``, that fits the kernel's 15 characters."""
    return len(name) <= DEVICE_MAX and DEVICE_RE.fullmatch(name) is not None
HOSTNAME_RE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?")
MAX_STRING = 255
#: integer keys for which a negative number is a mistake, with what the daemons would do
NEGATIVE_EFFECT: dict[str, str] = {
    "fwmark": "lvsd would hand ipvsadm a huge unsigned mark that no packet carries",
    "timeout": "nanny would wait forever for every connection and never mark a server down",
    "persistent": "lvsd would silently run the service without persistence",
}
NON_NEGATIVE = frozenset(
    {
        "serial_no", "keepalive", "deadtime", "reentry", "syncd_id", "tcp_timeout",
        "tcpfin_timeout", "udp_timeout", "monitor_links", *NEGATIVE_EFFECT,
    }
)
#: host keys the C parser rejects when they are 0.0.0.0
NON_ZERO_HOSTS = frozenset({"primary", "primary_private", "backup_private"})
BAD_HOST = "invalid host name or ip address"


def check_value(keyspec: KeySpec, words: list[str], quote: str, report: Report) -> None:
    """Run the checker for the key's kind (the value count is already right)."""
    CHECKS[keyspec.kind](keyspec, words, quote, report)


def _leading_zero(key: str, word: str, value: int, report: Report) -> None:
    if has_leading_zero(word):
        report(WARNING, "octal",
               f"{word} starts with 0, so Piranha reads it as an octal number: {key} = {value}")


def _int(keyspec: KeySpec, words: list[str], quote: str, report: Report) -> None:
    key, word = keyspec.name, words[0]
    value = c_int(word)
    if value is None:
        hint = (" (a real server's port must be a number; only the virtual server's port "
                "may be a service name)" if key == "port" and word in SERVICES else "")
        report(ERROR, "integer-expected",
               f"{word!r} is not a whole number{hint}; {refuse('integer expected')}")
        return
    _leading_zero(key, word, value, report)
    if not -(2**31) <= value < 2**31:
        report(ERROR, "too-large",
               f"{key} = {value} does not fit in the 32 bits of the C int Piranha keeps it in: "
               "the daemons would read another number (4294967296 becomes 0)")
    elif key == "weight" and value < 0:
        report(WARNING, "negative",
               f"weight = {value} is negative: nanny adds the server at weight 1 (max(1, "
               "weight >> 5), nanny.c) and keeps it there; only with a load monitor would it "
               "hand ipvsadm a negative weight, which ipvsadm refuses: nanny exits and lvsd "
               "shuts LVS down")
    elif key in NON_NEGATIVE and value < 0:
        effect = NEGATIVE_EFFECT.get(
            key, f"the daemons would take {value} as it is, which is meaningless for {key}")
        report(ERROR, "negative", f"{key} = {value} is negative: {effect}")
    elif key == "timeout" and value == 0:
        report(ERROR, "timeout-zero",
               "timeout = 0: nanny divides by the timeout and crashes, so lvsd shuts LVS down; "
               "use at least 1 second")
    elif key == "port" and not 1 <= value <= 65535:
        report(ERROR, "port-range",
               f"port {value} is outside 1-65535: ipvsadm refuses the real server, nanny exits "
               "and lvsd shuts LVS down")
    elif key == "syncd_id" and value > 255:
        report(WARNING, "syncd-id-range",
               f"syncd_id {value} is more than 255: pulse uses only the low byte ({value & 0xFF})")
    elif key in ("persistent", "fwmark") and value > 0xFFFFFFFF:
        report(ERROR, "too-large", f"{key} {value} does not fit in 32 bits: ipvsadm refuses it")


def _bool(keyspec: KeySpec, words: list[str], quote: str, report: Report) -> None:
    value = c_int(words[0])
    if value is None:
        report(ERROR, "integer-expected",
               f"{words[0]!r} is not 0 or 1; {refuse('integer expected')}")
    elif value not in (0, 1):
        report(ERROR, "boolean-expected",
               f"{keyspec.name} must be 0 or 1, not {words[0]}; {refuse('boolean expected')}")


def _port(keyspec: KeySpec, words: list[str], quote: str, report: Report) -> None:
    word = words[0]
    value = c_port(word)
    if value is None:
        report(ERROR, "bad-port",
               f"{word!r} is neither a port number nor a service name of /etc/services; "
               f"{refuse('invalid argument')}")
        return
    if c_int(word) is None:
        report(WARNING, "service-name",
               f"{keyspec.name} = {word} is a service name: pulse looks it up in the router's "
               "/etc/services when it starts and refuses the file where that lacks the name "
               f"(Debian has no tcp entry for ntp, for example); write {keyspec.name} = {value}")
    _leading_zero(keyspec.name, word, value, report)
    if not 1 <= value <= 65535:
        report(ERROR, "port-range", f"port {value} is outside 1-65535: ipvsadm refuses it")


def _address_part(key: str, text: str, report: Report, *, hostname_ok: bool) -> None:
    value = dotted_quad(text)
    plain = value is not None
    if not plain:
        value = inet_aton(text)
    if value is not None:
        if key in NON_ZERO_HOSTS and value == 0:
            report(ERROR, "bad-ip", f"{key} must not be 0.0.0.0; {refuse(BAD_HOST)}")
        elif not plain:
            report(WARNING, "legacy-ip",
                   f"{text!r} is an old short form of an address: Piranha reads it as "
                   f"{dotted(value)}; write that instead")
        return
    if hostname_ok and HOSTNAME_RE.fullmatch(text) and not text.replace(".", "").isdigit():
        report(WARNING, "hostname",
               f"{text!r} is a host name, not an IP address: it is resolved by DNS when pulse "
               "starts, and pulse refuses to start if that fails")
        return
    allowed = "an IPv4 address or a host name" if hostname_ok else "an IPv4 address"
    report(ERROR, "bad-ip", f"{text!r} is not {allowed}; {refuse(BAD_HOST)}")


def address_error(text: str) -> str | None:
    """The error the validator reports for ``text`` as the address of a virtual server's
    ``address`` line (an IPv4 address in any inet_aton form, or a host name), else None."""
    errors: list[str] = []
    _address_part("address", text, lambda severity, code, message: errors.append(message)
                  if severity == ERROR else None, hostname_ok=True)
    return errors[0] if errors else None


def _host(keyspec: KeySpec, words: list[str], quote: str, report: Report) -> None:
    _address_part(keyspec.name, words[0], report, hostname_ok=True)


def _ip(keyspec: KeySpec, words: list[str], quote: str, report: Report) -> None:
    _address_part(keyspec.name, words[0], report, hostname_ok=False)


def _netmask(keyspec: KeySpec, words: list[str], quote: str, report: Report) -> None:
    key, mask = keyspec.name, words[0]
    value = inet_aton(mask)
    ignored = key == "pmask"  # lvsconfig.c silently skips a pmask it cannot read
    if value is None:
        if ignored:
            report(WARNING, "bad-netmask",
                   f"{mask!r} is not a netmask: lvsd silently runs without a persistence mask")
        else:
            report(ERROR, "bad-netmask",
                   f"{mask!r} is not a netmask; {refuse('Bad subnet mask specified')}")
        return
    if value == 0:
        report(WARNING, "unused-netmask",
               f"{key} = 0.0.0.0 means 'Unused' and is ignored by the daemons; remove the line "
               "or choose a mask")
        return
    if mask in schema.NETMASKS:
        return
    contiguous = netmask_prefix(dotted(value)) is not None
    what = ("a mask Piranha offers (255.255.0.0 to 255.255.255.255)" if contiguous
            else "a netmask (its one-bits are not contiguous)")
    if ignored:
        report(WARNING, "unusual-netmask", f"{mask} is not {what}: check the persistence mask")
    else:
        report(ERROR, "unusual-netmask",
               f"{mask} is not {what}: pulse would raise the address with a wrong netmask "
               "and broadcast address")


def _choice(keyspec: KeySpec, words: list[str], quote: str, report: Report) -> None:
    if words[0] not in keyspec.choices:
        report(ERROR, "bad-choice",
               f"{keyspec.name} {words[0]!r} is not one of {', '.join(keyspec.choices)} "
               f"(lower case); {refuse('invalid argument')}")


def _address(keyspec: KeySpec, words: list[str], quote: str, report: Report) -> None:
    _address_part(keyspec.name, words[0], report, hostname_ok=True)
    if keyspec.name == "address" and inet_aton(words[0]) == 0:
        report(WARNING, "vip-zero",
               "the virtual IP 0.0.0.0 is no address clients can reach: pulse would raise "
               "0.0.0.0 and lvsd would balance nothing; enter the service's floating IP")
    _device(words[1], report)


def _device(device: str, report: Report) -> None:
    if not is_device_name(device):
        report(ERROR, "bad-device",
               f"{device!r} is not a network device name like eth0 or eth0:1 (at most "
               f"{DEVICE_MAX} characters with the label): pulse cannot raise the address on it")


def _word(keyspec: KeySpec, words: list[str], quote: str, report: Report) -> None:
    key, value = keyspec.name, words[0]
    if key == "load_monitor" and value not in schema.LOAD_MONITORS:
        report(WARNING, "load-monitor",
               f"load_monitor {value!r} is none of {', '.join(schema.LOAD_MONITORS)}: nanny "
               "would run it as a command on every real server")
    elif key == "syncd_iface" and not is_device_name(value):
        report(ERROR, "bad-device",
               f"{value!r} is not a network device name: the IPVS sync daemon cannot start")


def nanny_escape_problem(text: str) -> str | None:
    """Why nanny's convert_str() would loop forever on ``text`` (None when it would not)."""
    problem = nanny.bad_escape(text)
    if problem is None:
        return None
    return ("ends with " if problem.startswith("a lone") else "uses ") + problem


def _string(keyspec: KeySpec, words: list[str], quote: str, report: Report) -> None:
    key, text = keyspec.name, words[0]
    monitor = key in ("send", "expect")
    if quote == "'" and monitor:
        report(WARNING, "single-quotes",
               f"{key} is in single quotes: lvsd strips only double quotes, so nanny would "
               f"{'send' if key == 'send' else 'expect'} the quote characters too")
    elif quote == "'":
        report(WARNING, "single-quotes",
               f"{key} is in single quotes: lvsd strips only double quotes, so the program is "
               "run with the quote characters in its first and last argument (and a quoted "
               "%h is not replaced); use double quotes")
    if any(not " " <= ch <= "~" for ch in text):
        report(ERROR, "non-printable",
               f"{key} contains a TAB, a control or a non-ASCII character; nanny takes only "
               "printable ASCII (write \\t, \\r, \\n instead)")
    if len(text) >= MAX_STRING + (0 if key == "send_program" else 1) and (
        monitor or key == "send_program"
    ):
        effect = ("overflows nanny's 255-byte buffer" if key == "send_program"
                  else "is more than nanny and Piranha handle")
        report(ERROR, "too-long", f"{key} is {len(text)} characters long, which {effect}")
    if monitor:
        problem = nanny_escape_problem(text)
        if problem:
            report(ERROR, "bad-escape",
                   f"{key} {problem}: nanny knows only \\n \\r \\t \\\\ \\' \\\" and loops "
                   "forever at start-up on any other escape, so the real servers are never "
                   "checked (write \\\\ for a literal backslash)")
    elif key in ("send_program", "active_cmd", "inactive_cmd"):
        _program(key, text, report)


def _program(key: str, text: str, report: Report) -> None:
    argv = text.split(" ")
    if not argv[0].startswith("/"):
        runner = "nanny searches PATH for it" if key == "send_program" else (
            "pulse runs it with execv(), which does not search PATH, so it would not start")
        report(WARNING, "program-path", f"{argv[0]!r} is not an absolute path: {runner}")
    if key == "send_program" and "%h" not in argv[1:]:
        report(WARNING, "program-no-host",
               "the sending program has no standalone %h argument: nanny would run the same "
               "check for every real server instead of passing each one's address")


CHECKS: dict[Kind, Callable[[KeySpec, list[str], str, Report], None]] = {
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
