"""Tests and benchmarks need nothing outside the checkout (a clone has no folder beside it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT

#: a path that leaves the checkout for the team's shared folder
OUTSIDE = re.compile(r"""/\s*["']shared["']|\.\./shared|/work/""")
SOURCES = sorted(p for folder in ("tests", "bench", "scripts") for p in (ROOT / folder).rglob("*")
                 if p.suffix in (".py", ".sh") and p.is_file())


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_test_or_benchmark_reads_outside_the_checkout(path: Path) -> None:
    if path == Path(__file__):
        return
    found = [line for line in path.read_text().splitlines() if OUTSIDE.search(line)]
    assert found == []


def test_the_corpus_and_its_provenance_are_in_the_repository() -> None:
    assert CORPUS.is_relative_to(ROOT)
    index = (CORPUS / "INDEX.md").read_text()
    for path in CORPUS.glob("*.cf"):
        assert path.name in index, f"{path.name} has no provenance in INDEX.md"


def test_the_run_scripts_work_folder_is_ignored_by_git() -> None:
    """scripts/run.sh keeps lvs.cf, the password and the history in run/: never committed."""
    assert "/run/" in (ROOT / ".gitignore").read_text().splitlines()
