"""The real ``keepalived -t`` accepts every export: the example, the corpus, random documents,
hostile values; both routers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from piranha_web.lvscf import parse
from piranha_web.lvscf.keepalived import export_keepalived
from piranha_web.lvscf.validate import validate
from tests.conftest import ROOT
from tests.helpers.keepalived import assert_accepted, config_test
from tests.lvscf.test_keepalived_export import HOSTILE, NAT
from tests.strategies import documents

CORPUS = ROOT / "tests" / "data" / "corpus"
GOOD = sorted(p for p in CORPUS.glob("*.cf") if not p.name.startswith("NEGATIVE"))
CHECK = str(ROOT / ".venv" / "bin" / "piranha-web")
ROUTERS = ("primary", "backup")


def check_command() -> str:
    """An existing executable (keepalived -t checks the script's path and permissions)."""
    return CHECK if Path(CHECK).exists() else "/bin/true"


def test_the_corpus_is_here() -> None:
    assert len(GOOD) >= 14


@pytest.mark.parametrize("router", ROUTERS)
@pytest.mark.parametrize("text", [
    pytest.param((ROOT / "lvs.cf.example").read_text(), id="example"),
    pytest.param(NAT, id="nat"),
    pytest.param(HOSTILE, id="hostile"),
])
def test_keepalived_accepts_the_export(text: str, router: str, tmp_path: Path) -> None:
    export = export_keepalived(parse(text), router, check_command=check_command())
    assert_accepted(export.text, tmp_path)


@pytest.mark.parametrize("router", ROUTERS)
@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem[:40])
def test_keepalived_accepts_the_export_of_every_corpus_file(path: Path, router: str,
                                                            tmp_path: Path) -> None:
    doc = parse(path.read_bytes().decode("utf-8", "surrogateescape"))
    assert not [f for f in validate(doc) if f.is_error]
    assert_accepted(export_keepalived(doc, router, check_command=check_command()).text, tmp_path)


@settings(max_examples=30,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=documents())
def test_keepalived_accepts_the_export_of_random_documents(drawn: tuple[str, object],
                                                           tmp_path: Path) -> None:
    doc = parse(drawn[0])
    for router in ROUTERS:
        assert_accepted(export_keepalived(doc, router, check_command=check_command()).text,
                        tmp_path)


def test_the_helper_sees_a_broken_file(tmp_path: Path) -> None:
    assert config_test("virtual_server 10.0.0.1 80 {\n  lb_algo nonsense\n", tmp_path).returncode
