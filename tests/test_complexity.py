"""No function of piranha_web is above cyclomatic complexity 20 (radon's count).

A newcomer must be able to follow any one function; past 20 paths it is split into named steps.
"""

from __future__ import annotations

import pytest
from radon.complexity import cc_visit

from tests.conftest import ROOT

LIMIT = 20
PACKAGE = ROOT / "piranha_web"


def too_complex(source: str) -> list[tuple[str, int]]:
    """``(name, complexity)`` of every function or method above :data:`LIMIT`."""
    # radon lists every function and method (nested ones under their parent) and every
    # class (a class's own count sums its methods: not a function, left out)
    return [(block.fullname, block.complexity) for block in cc_visit(source)
            if not hasattr(block, "methods") and block.complexity > LIMIT]


def test_no_function_of_the_package_is_above_the_limit() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 100
    offenders = {str(p.relative_to(ROOT)): found for p in files
                 if (found := too_complex(p.read_text()))}
    assert offenders == {}


def branches(count: int) -> str:
    """A function with ``count`` ifs: complexity ``count + 1``."""
    body = "".join(f"    if x == {n}:\n        return {n}\n" for n in range(count))
    return f"def f(x):\n{body}    return -1\n"


@pytest.mark.parametrize(("source", "expected"), [
    (branches(19), []),
    (branches(20), [("f", 21)]),
    ("class C:\n    " + branches(20).replace("\n", "\n    ").replace("f(x)", "m(self, x)"),
     [("C.m", 21)]),
])
def test_the_check_counts_functions_and_methods(source: str, expected: list[tuple[str, int]]
                                                ) -> None:
    assert too_complex(source) == expected
