"""Real-world lvs.cf files round-trip byte for byte and are judged like the real pulse judges them.

The corpus (tests/data/corpus, see its INDEX.md for where each file comes from) holds 15 files
the original C parser accepts and one it rejects at line 3 ("unexpected arguments": inline
``#`` comments).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from piranha_web.lvscf import check_text, parse
from tests.conftest import CORPUS

FILES = sorted(CORPUS.glob("*.cf"))
POSITIVE = [f for f in FILES if not f.name.startswith("NEGATIVE__")]
NEGATIVE = [f for f in FILES if f.name.startswith("NEGATIVE__")]


def test_corpus_is_present() -> None:
    """The corpus is part of the repository: missing files are a failure, not a skip."""
    assert CORPUS.is_dir(), f"corpus directory missing: {CORPUS}"
    assert len(POSITIVE) == 15 and len(NEGATIVE) == 1, [f.name for f in FILES]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_corpus_file_renders_back_to_its_exact_bytes(path: Path) -> None:
    text = path.read_bytes().decode()
    assert parse(text).dumps() == text


@pytest.mark.parametrize("path", POSITIVE, ids=lambda p: p.name)
def test_files_the_c_parser_accepts_have_no_errors(path: Path) -> None:
    errors = [f for f in check_text(path.read_text()) if f.is_error]
    assert errors == []


def test_inline_comment_file_fails_at_line_3_like_pulse() -> None:
    (path,) = NEGATIVE
    errors = [f for f in check_text(path.read_text()) if f.is_error]
    first = errors[0]
    assert (first.line, first.key, first.code) == (3, "primary_private", "inline-comment")
    assert "unexpected arguments" in first.message
    assert "comments must be on their own line" in first.message
    assert first.where == "global"


def test_sample_cf_service_name_port_reads_as_its_number() -> None:
    """piranha-orig sample.cf writes ``port = http``; the daemons read 80."""
    config = parse((CORPUS / "piranha-orig__sample.cf").read_text()).model()
    assert config.virtual("server1").port == 80
