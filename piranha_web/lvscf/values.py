"""Reading values the way the C parser does, and rendering values so they cannot break a line.

Readers mirror lvsconfig.c: ``c_int`` is ``strtol(tok, &end, 0)`` with the whole token consumed
(so ``010`` is 8 and ``0x10`` is 16), ``inet_aton`` accepts the legacy forms (``10.1``,
``0x0a000001``, ``167772161``), ports may be service names.  Renderers refuse anything the
grammar cannot carry: line breaks, NUL and other control characters, non-ASCII, a double quote
after a blank inside a quoted string (the C tokenizer has no escape and ends a quoted token at
the first quote after its first blank, so a backslash-quote ends it too), and blanks, quotes,
``#``, ``{`` or ``}`` in a bare word.
"""

from __future__ import annotations

import functools
import re

from piranha_web.errors import EditError
from piranha_web.lvscf.syntax import BLANKS, LINE_CACHE, QUOTES

#: the service names a Piranha router's /etc/services resolves for ``port`` (tcp)
SERVICES: dict[str, int] = {
    "ftp": 21,
    "ssh": 22,
    "telnet": 23,
    "smtp": 25,
    "domain": 53,
    "http": 80,
    "www": 80,
    "pop3": 110,
    "sunrpc": 111,
    "nntp": 119,
    "ntp": 123,
    "imap": 143,
    "imap2": 143,
    "snmp": 161,
    "ldap": 389,
    "https": 443,
    "microsoft-ds": 445,
    "submission": 587,
    "ldaps": 636,
    "imaps": 993,
    "pop3s": 995,
    "ms-sql-s": 1433,
    "mysql": 3306,
    "postgresql": 5432,
    "sip": 5060,
    "sip-tls": 5061,
    "http-alt": 8080,
    "webcache": 8080,
}

_INT_RE = re.compile(r"[ \t\n\v\f\r]*[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")

#: strtol's range on Piranha's 64-bit routers; it saturates there (and sets ERANGE)
LONG_MAX = 2**63 - 1
LONG_MIN = -(2**63)
#: more significant digits than this in any base up to 10 cannot fit in a long
_MAX_DIGITS = 22


def _digits_value(digits: str, base: int) -> int:
    """The value of ASCII ``digits`` in ``base``, saturated at LONG_MAX like strtol.

    Python's ``int()`` refuses decimal strings of more than 4,300 digits (ValueError): a long
    string is saturated here without ever reaching it.
    """
    digits = digits.lstrip("0")
    if len(digits) > _MAX_DIGITS:
        return LONG_MAX + 1  # saturated below; any value past LONG_MAX behaves the same
    return int(digits or "0", base)


@functools.lru_cache(maxsize=LINE_CACHE)
def c_int(text: str) -> int | None:
    """``strtol(text, &end, 0)`` requiring the whole token to be consumed, else None.

    The one reader of numbers in lvs.cf: it never raises, whatever the text.  Like strtol, a
    value beyond a 64-bit long saturates at LONG_MAX / LONG_MIN, so the validator's range
    checks report it (Python's own ``int()`` would raise on 4,301 digits).  Remembered per
    text: a large file repeats the same few numbers (``active = 1``, ``weight = 1``) thousands
    of times.
    """
    if text.isascii() and text.isdigit() and len(text) < 19 and (text[0] != "0" or text == "0"):
        return int(text)  # the common case: plain decimal
    if not text.isascii():
        return None  # unicode digits are no digits to the C parser
    match = _INT_RE.fullmatch(text)
    if not match:
        return None
    body = text.strip(" \t\n\v\f\r")
    sign = -1 if body.startswith("-") else 1
    digits = body.lstrip("+-")
    if digits.lower().startswith("0x"):
        value = int(digits[2:], 16)  # base 16 has no digit limit
    elif digits.startswith("0") and len(digits) > 1:
        value = _digits_value(digits, 8)
    else:
        value = _digits_value(digits, 10)
    return max(LONG_MIN, min(LONG_MAX, sign * value))


def decimal(text: str) -> int | None:
    """A plain decimal whole number typed into a form or a query (``42``), else None.

    The one reader of numbers from the web: ASCII digits only (``²`` and ``٣`` are not
    numbers here, although ``str.isdigit`` says so), an optional leading ``-``, blanks around
    allowed, no octal or hex surprises.  It never raises; values too long for any field are
    saturated at LONG_MAX / LONG_MIN so that range checks report them as out of range.
    """
    body = text.strip()
    digits = body[1:] if body.startswith("-") else body
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    value = _digits_value(digits, 10)
    return max(LONG_MIN, min(LONG_MAX, -value if body.startswith("-") else value))


def has_leading_zero(text: str) -> bool:
    """True for decimal-looking numbers the C parser reads as octal (``010`` is 8)."""
    digits = text.lstrip("+-")
    return len(digits) > 1 and digits.startswith("0") and not digits.lower().startswith("0x")


def c_bool(text: str) -> bool | None:
    """0 or 1, read as an integer; anything else None."""
    value = c_int(text)
    if value in (0, 1):
        return bool(value)
    return None


def c_port(text: str) -> int | None:
    """An integer, or a well-known tcp service name."""
    value = c_int(text)
    if value is not None:
        return value
    return SERVICES.get(text)


#: a plain dotted quad: four decimal numbers 0-255 without leading zeros
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_DOTTED_QUAD = re.compile(r"\.".join([_OCTET] * 4))


def dotted_quad(text: str) -> int | None:
    """The 32-bit address of a strict ``a.b.c.d`` (decimal octets 0-255, no leading zeros),
    else None (:func:`inet_aton` also reads the legacy forms)."""
    quad = _DOTTED_QUAD.fullmatch(text)
    if quad is None:
        return None
    a, b, c, d = quad.groups()
    return (int(a) << 24) | (int(b) << 16) | (int(c) << 8) | int(d)


@functools.lru_cache(maxsize=LINE_CACHE)
def inet_aton(text: str) -> int | None:
    """The 32-bit address ``inet_aton`` would produce, or None when it would fail."""
    value = dotted_quad(text)
    if value is not None:  # the common case
        return value
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        if not part or not re.fullmatch(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*", part):
            return None
        value = c_int(part)
        if value is None:
            return None
        numbers.append(value)
    *head, last = numbers
    if any(n > 255 for n in head):
        return None
    if last >= 1 << (8 * (4 - len(head))):
        return None
    result = 0
    for n in head:
        result = (result << 8) | n
    return (result << (8 * (4 - len(head)))) | last


def is_dotted_quad(text: str) -> bool:
    """Strict ``a.b.c.d`` with decimal octets 0-255 and no leading zeros."""
    return _DOTTED_QUAD.fullmatch(text) is not None


def dotted(value: int) -> str:
    """32-bit integer → ``a.b.c.d``."""
    return ".".join(str((value >> s) & 0xFF) for s in (24, 16, 8, 0))


def netmask_prefix(mask: str) -> int | None:
    """Prefix length of a contiguous dotted netmask, else None."""
    if not is_dotted_quad(mask):
        return None
    value = inet_aton(mask) or 0
    inverted = ~value & 0xFFFFFFFF
    if inverted & (inverted + 1):
        return None
    return 32 - inverted.bit_length()


def check_text(key: str | None, value: str) -> None:
    """Refuse characters that can never appear in an lvs.cf value."""
    for ch in value:
        if ch in "\n\r":
            raise EditError(key, "line breaks are not allowed (they would start a new line)")
        if ch == "\x00":
            raise EditError(key, "NUL characters are not allowed")
        if ch == "\t":
            raise EditError(key, "TAB characters are not allowed (write \\t instead)")
        if not " " <= ch <= "~":
            raise EditError(key, f"only printable ASCII is allowed (found {ch!r})")


def check_word(key: str | None, value: str, what: str = "value") -> None:
    """Refuse a bare word that would not be read back as exactly one token."""
    check_text(key, value)
    if value == "":
        raise EditError(key, f"the {what} must not be empty")
    if any(ch in BLANKS for ch in value):
        raise EditError(key, f"the {what} must not contain blanks")
    if value[0] in QUOTES or any(ch in value for ch in "\"'"):
        raise EditError(key, f"the {what} must not contain quote characters")
    if any(ch in value for ch in "#{}"):
        raise EditError(key, f"the {what} must not contain '#', '{{' or '}}'")
    if value == "=":
        raise EditError(key, f"the {what} must not be '='")


#: why a double quote after a blank cannot be written, and what works instead
DOUBLE_QUOTE_ADVICE = (
    "a double quote cannot be written after a blank inside a quoted lvs.cf value: Piranha's "
    'parser has no escape character, so the first " after a blank ends the value, and so does '
    'a \\". A double quote before the first blank is kept (send = "\\"hi\\" there" makes '
    'nanny send "hi" there); otherwise leave it out'
)


def quote_after_blank(value: str) -> bool:
    """True when a double-quoted ``value`` would be cut short by the C tokenizer.

    tokenizeString looks for the closing quote only after the first blank of a quoted token,
    so a double quote before that blank is data and the first one after it ends the token.
    """
    blank = min((i for i in (value.find(" "), value.find("\t")) if i >= 0), default=-1)
    return blank >= 0 and '"' in value[blank:]


def render_string(key: str | None, value: str, *, quote: str = '"', bare_ok: bool = False) -> str:
    """Render a free-text value as one token, quoted unless ``bare_ok`` and it needs none."""
    check_text(key, value)
    if bare_ok and value and not any(ch in value for ch in " \"'#{}") and value != "=":
        return value
    if quote == "'" and "'" not in value:
        return f"'{value}'"
    if quote_after_blank(value):
        raise EditError(key, DOUBLE_QUOTE_ADVICE)
    return f'"{value}"'
