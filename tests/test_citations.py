"""What the code cites is in the repository: every citation of a dossier in docs/reference/
names a file there, and each section sign after it a numbered section of that file (the dossier
parts copied there keep the full dossiers' numbering)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

REFERENCE = ROOT / "docs" / "reference"
#: a citation and the rest of its line (where its section numbers are)
CITATION = re.compile(r"docs/reference/([\w-]+\.md)([^\n]*)")
SECTION = re.compile(r"§(\d+(?:\.\d+)?)")


def citations(text: str) -> list[tuple[str, str]]:
    """``(file name, section)`` of each citation in ``text``; section "" when none is given."""
    found: list[tuple[str, str]] = []
    for name, rest in CITATION.findall(text):
        sections = SECTION.findall(rest.split("docs/reference/")[0]) or [""]
        found.extend((name, section) for section in sections)
    return found


def has_section(text: str, section: str) -> bool:
    """``text`` has a heading numbered ``section`` ("## 3. ..." or "### 3.2 ...")."""
    heading = rf"^#{{2,4}} {re.escape(section)}[. ]"
    return section == "" or re.search(heading, text, re.M) is not None


def sources() -> list[Path]:
    return sorted(p for folder in ("piranha_web", "tests") for p in (ROOT / folder).rglob("*.py"))


def test_every_citation_names_a_section_that_exists() -> None:
    cited = {(str(p.relative_to(ROOT)), name, section)
             for p in sources() for name, section in citations(p.read_text())}
    assert len(cited) >= 20
    missing = sorted((where, name, section) for where, name, section in cited
                     if not (REFERENCE / name).exists()
                     or not has_section((REFERENCE / name).read_text(), section))
    assert missing == []


def test_nothing_cites_the_reference_folder_outside_the_repository() -> None:
    stray = [str(p.relative_to(ROOT)) for p in sources()
             if re.search(r"(?<![\w/])reference/[\w-]+\.md", p.read_text())]
    assert stray == []


@pytest.mark.parametrize(("text", "expected"), [
    ("(docs/reference/piranha.md §1.9).", [("piranha.md", "1.9")]),
    ("docs/reference/piranha.md §3.2, §3.6 and §8 here",
     [("piranha.md", "3.2"), ("piranha.md", "3.6"), ("piranha.md", "8")]),
    ("pure; docs/reference/peers.md §8).", [("peers.md", "8")]),
    ("see docs/reference/piranha.md", [("piranha.md", "")]),
])
def test_citations_are_read_with_all_their_sections(text: str, expected: list[tuple[str, str]]
                                                    ) -> None:
    assert citations(text) == expected


def test_a_missing_section_is_noticed() -> None:
    text = "## 1. Grammar\n### 1.9 Quoting\n"
    assert has_section(text, "1.9") and has_section(text, "1")
    assert not has_section(text, "1.8") and not has_section(text, "9")
