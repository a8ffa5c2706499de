"""The suite's own habits hold: one hypothesis profile, VM tests marked, the fast tier defined.

scripts/test.sh --fast leaves out ``-m vm`` and ``-m e2e``; a module that boots the IPVS VM
without the ``vm`` marker would slip into the edit-test loop and cost it a minute. Per-test
hypothesis deadlines flaked on the shared 2-core machine, so only tests/conftest.py sets them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import settings

from tests.conftest import ROOT

TESTS = ROOT / "tests"
#: what a module calls to boot the IPVS VM (tests/helpers/ipvs_vm.py)
VM_ENTRY_POINTS = {"run_job", "shared_job"}


def suite_modules() -> list[Path]:
    """Every Python file of the suite but the VM helper itself."""
    return sorted(p for p in TESTS.rglob("*.py")
                  if "node_modules" not in p.parts and p.name != "ipvs_vm.py")


def boots_the_vm(tree: ast.Module) -> bool:
    """The module imports one of the VM entry points."""
    return any(isinstance(node, ast.ImportFrom) and node.module == "tests.helpers.ipvs_vm"
               and {alias.name for alias in node.names} & VM_ENTRY_POINTS
               for node in ast.walk(tree))


def module_markers(tree: ast.Module) -> set[str]:
    """The marker names of the module's ``pytestmark`` (a mark or a list of marks)."""
    for node in tree.body:
        if (isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets)):
            return {n.attr for n in ast.walk(node.value)
                    if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Attribute)
                    and n.value.attr == "mark"}
    return set()


def deadline_settings(tree: ast.Module) -> list[int]:
    """Lines that pass ``deadline=`` or register a hypothesis profile."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name == "register_profile" or any(k.arg == "deadline" for k in node.keywords):
                found.append(node.lineno)
    return found


def test_every_module_that_boots_the_vm_carries_the_vm_marker() -> None:
    booting = [p for p in suite_modules() if boots_the_vm(ast.parse(p.read_text()))]
    assert len(booting) >= 5  # the readers, lists, traffic, keepalived table, charts
    unmarked = [p.relative_to(ROOT) for p in booting
                if "vm" not in module_markers(ast.parse(p.read_text()))]
    assert unmarked == []


def test_only_the_conftest_sets_hypothesis_deadlines_or_profiles() -> None:
    offenders = {str(p.relative_to(ROOT)): lines for p in suite_modules()
                 if p != TESTS / "conftest.py"
                 and (lines := deadline_settings(ast.parse(p.read_text())))}
    assert offenders == {}


def test_property_tests_run_under_the_suites_profile() -> None:
    profile = settings.default
    assert profile is not None
    assert (profile.deadline, profile.max_examples) == (None, 60)


@pytest.mark.parametrize(("source", "expected"), [
    ("from tests.helpers.ipvs_vm import shared_job\n", (True, set())),
    ("from tests.helpers.ipvs_vm import run_job\npytestmark = pytest.mark.vm\n", (True, {"vm"})),
    ("from tests.helpers.ipvs_vm import parse_ipvsadm_ln\n", (False, set())),
    ("pytestmark = [pytest.mark.e2e, pytest.mark.vm]\n", (False, {"e2e", "vm"})),
])
def test_the_marker_check_reads_what_modules_say(source: str, expected: tuple[bool, set[str]]
                                                 ) -> None:
    tree = ast.parse(source)
    assert (boots_the_vm(tree), module_markers(tree)) == expected


@pytest.mark.parametrize(("source", "lines"), [
    ("@settings(max_examples=5, deadline=None)\ndef f(): pass\n", [1]),
    ("settings.register_profile('x', deadline=200)\n", [1]),
    ("@settings(max_examples=5)\ndef f(): pass\n", []),
])
def test_the_deadline_check_finds_per_test_deadlines(source: str, lines: list[int]) -> None:
    assert deadline_settings(ast.parse(source)) == lines


def test_the_fast_tier_leaves_out_exactly_the_vm_and_e2e_markers() -> None:
    script = (ROOT / "scripts" / "test.sh").read_text()
    assert "-m 'not vm and not e2e'" in script
