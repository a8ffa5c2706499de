"""keepalived.conf cut into its top-level sections (pure), so that a page can show a few.

A generated keepalived.conf of 1,000 virtual servers is about 12 MB; the KEEPALIVED tab shows
it a page of sections at a time (each collapsed under its title) and offers the whole file as a
download.  A section runs from the end of the previous top-level block (a ``}`` in column 0) to
the end of its own, so the comments the writer puts above a block stay with it; text after the
last block joins the last section.  Joining every section's text gives the file back unchanged.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """One top-level block with the comments above it; ``title`` is its opening line."""

    title: str
    text: str


#: a block's opening line: anything not indented, not a comment
_OPENER = re.compile(r"^[^#!\s].*$", re.MULTILINE)


def _title(part: str) -> str:
    """The block's opening line without ``{`` (else its first non-blank line)."""
    opener = _OPENER.search(part)
    if opener:
        return opener.group().rstrip(" {")
    return next((line.strip() for line in part.splitlines() if line.strip()), "")


@functools.lru_cache(maxsize=2)
def section_ends(text: str) -> tuple[int, ...]:
    """Where each section of ``text`` ends (offsets after its closing ``}`` line; the last is
    ``len(text)``, so text after the last block joins the last section).  The newest two
    texts' are kept: both routers' files of one revision, paged through."""
    ends: list[int] = []
    at = 0 if text.startswith("}") else text.find("\n}")
    while at != -1:
        close = at if text.startswith("}", at) else at + 1
        newline = text.find("\n", close)
        end = len(text) if newline == -1 else newline + 1
        if text[close + 1:end].strip() == "":
            ends.append(end)
        at = text.find("\n}", close)
    if ends:
        ends[-1] = len(text)
    elif text:
        ends.append(len(text))
    return tuple(ends)


def split_sections(text: str, first: int = 0, count: int | None = None) -> list[Section]:
    """Sections ``first`` to ``first + count`` of ``text`` in file order (all by default;
    ``"".join`` of all their texts is ``text``)."""
    ends = section_ends(text)
    last = len(ends) if count is None else min(len(ends), first + count)
    sections = []
    for number in range(first, last):
        part = text[ends[number - 1] if number else 0:ends[number]]
        sections.append(Section(_title(part), part))
    return sections
