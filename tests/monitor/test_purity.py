"""The decision logic of piranha_web.monitor is pure; only the drivers touch sockets/processes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.test_layering import NOT_PURE, PACKAGE, imports, module_name, open_calls

MONITOR = PACKAGE / "monitor"
PURE = ("escapes.py", "ere.py", "expect.py", "spec.py", "observations.py", "verdict.py")
DRIVERS = ("__init__.py", "network.py", "program.py", "probe.py", "reaper.py", "runner.py",
           "regexec.py", "worker.py", "checker.py")
PURE_MODULES = tuple(f"piranha_web.monitor.{name[:-3]}" for name in PURE)


def violations(path: Path) -> list[str]:
    """Imports of I/O or of a monitor driver, and open() calls, in one module."""
    tree = ast.parse(path.read_text())
    problems = []
    for line, name in imports(tree, module_name(path), path.name == "__init__.py"):
        if name.split(".")[0] in NOT_PURE:
            problems.append(f"{line}: imports {name}")
        elif name.startswith("piranha_web.monitor") and not name.startswith(PURE_MODULES):
            problems.append(f"{line}: imports the driver {name}")
    problems.extend(f"{line}: calls open()" for line in open_calls(tree))
    return problems


def test_every_module_is_either_pure_logic_or_a_driver() -> None:
    assert sorted(p.name for p in MONITOR.glob("*.py")) == sorted(PURE + DRIVERS)


@pytest.mark.parametrize("name", PURE)
def test_decision_logic_does_no_io(name: str) -> None:
    assert violations(MONITOR / name) == []


def test_the_check_finds_io_in_the_drivers() -> None:
    """The rule can fail: the network driver imports asyncio and socket."""
    found = violations(MONITOR / "network.py")
    assert any("imports asyncio" in p for p in found)
    assert any("imports socket" in p for p in found)
