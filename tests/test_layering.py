"""The layers import one way (docs/ARCHITECTURE.md), checked on the source's syntax tree.

* ``piranha_web/lvscf`` is pure: no web framework, no I/O modules, no ``open(``, and no other
  piranha_web module than lvscf itself and ``piranha_web.errors``;
* the I/O modules (store, sync, monitor, netinfo, auth) and the middle layer (the save
  service, the after-save pipeline, the edits) never import the web framework;
* the web layer never imports ``piranha_web.commands`` (the CLI), and no module imports a
  panel's views but that panel's own modules (shared logic lives in Flask-free modules);
* ``ConfigStore.save`` is called from one module, the save service.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "piranha_web"

WEB = frozenset({"flask", "flask_wtf", "wtforms", "werkzeug"})
#: what the pure layer must not import: the web stack and anything that reaches the outside
NOT_PURE = WEB | {
    "jinja2", "waitress", "socket", "subprocess", "os", "io", "pathlib", "asyncio", "pyroute2",
    "shutil", "tempfile", "fcntl", "importlib", "ctypes", "multiprocessing", "threading",
    "select",
}
LVSCF_MAY_IMPORT = ("piranha_web.lvscf", "piranha_web.errors")
IO_MODULES = ("store.py", "sync", "monitor", "netinfo", "auth", "accounts.py", "audit.py",
              "history.py", "atomic.py", "tokens.py", "keepalived", "revisions.py",
              "traffic.py")
#: Flask-free modules between the web layer and the I/O modules
MIDDLE_MODULES = ("save_service.py", "after_save.py", "edits", "maintenance.py")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(tree: ast.Module, module: str, is_package: bool,
            expand: str | None = None) -> list[tuple[int, str]]:
    """``(line, absolute module)`` of every import of ``module`` (relative ones resolved);
    ``from P import n`` also gives ``P.n`` for P piranha_web, its lvscf, or under ``expand``."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            found.extend((node.lineno, f"{name}.{alias.name}") for alias in node.names
                         if name in ("piranha_web", "piranha_web.lvscf")
                         or (expand is not None and name.startswith(expand)))
    return sorted(found)


def open_calls(tree: ast.Module) -> list[int]:
    """Lines that call ``open(...)``, ``x.open(...)`` or ``__import__(...)``."""
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id in ("open", "__import__"))
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "open")
        )
    )


def pure_violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """Why ``source`` (the text of ``module``) would break the purity of lvscf."""
    tree = ast.parse(source)
    problems = []
    for line, name in imports(tree, module, is_package):
        top = name.split(".")[0]
        if top in NOT_PURE:
            problems.append(f"{line}: imports {name}")
        elif top == "piranha_web" and name not in ("piranha_web", "piranha_web.lvscf") and not (
            name.startswith(LVSCF_MAY_IMPORT)
        ):
            problems.append(f"{line}: imports {name}, outside lvscf/errors")
    problems.extend(f"{line}: calls open()" for line in open_calls(tree))
    return problems


def web_violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """Imports of the web framework or of piranha_web.web in ``source``."""
    return [f"{line}: imports {name}" for line, name in
            imports(ast.parse(source), module, is_package)
            if name.split(".")[0] in WEB or name.startswith("piranha_web.web")]


def check(path: Path, rule: Callable[[str, str, bool], list[str]]) -> list[str]:
    return rule(path.read_text(), module_name(path), path.name == "__init__.py")


LVSCF = sorted((PACKAGE / "lvscf").rglob("*.py"))
def files_of(entries: tuple[str, ...]) -> list[Path]:
    return sorted(
        path
        for entry in entries
        for path in ([PACKAGE / entry] if entry.endswith(".py")
                     else (PACKAGE / entry).rglob("*.py"))
        if path.exists()
    )


IO_FILES = files_of(IO_MODULES)
MIDDLE_FILES = files_of(MIDDLE_MODULES)
WEB_FILES = sorted((PACKAGE / "web").rglob("*.py"))
ALL_FILES = sorted(PACKAGE.rglob("*.py"))
PANELS = sorted(p.parent.name for p in (PACKAGE / "web").glob("*/views.py"))


def test_there_is_something_to_check() -> None:
    names = {p.name for p in LVSCF}
    assert {"parser.py", "document.py", "validate.py", "model.py"} <= names
    assert PACKAGE / "store.py" in IO_FILES


@pytest.mark.parametrize("path", LVSCF, ids=lambda p: p.name)
def test_lvscf_module_is_pure(path: Path) -> None:
    assert check(path, pure_violations) == []


@pytest.mark.parametrize("path", IO_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_io_module_does_not_import_the_web_layer(path: Path) -> None:
    assert check(path, web_violations) == []


@pytest.mark.parametrize("path", MIDDLE_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_middle_layer_does_not_import_the_web_layer(path: Path) -> None:
    assert check(path, web_violations) == []


def command_violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """Imports of the command-line commands in ``source``."""
    return [f"{line}: imports {name}" for line, name in
            imports(ast.parse(source), module, is_package)
            if name == "piranha_web.commands" or name.startswith("piranha_web.commands.")]


def foreign_views(source: str, module: str, is_package: bool = False) -> list[str]:
    """Imports in ``source`` of a panel's views module from outside that panel's package."""
    own = module.split(".")[2] if module.startswith("piranha_web.web.") else None
    found: dict[str, None] = {}  # ordered, once per line
    for line, name in imports(ast.parse(source), module, is_package, "piranha_web.web"):
        parts = name.split(".")
        if parts[:2] == ["piranha_web", "web"] and parts[3:4] == ["views"] and parts[2] != own:
            found[f"{line}: imports {'.'.join(parts[:4])}"] = None
    return list(found)


def store_save_calls(source: str) -> list[int]:
    """Lines calling ``<something named store>.save(...)``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "save"):
            continue
        target = node.func.value
        name = target.attr if isinstance(target, ast.Attribute) else \
            target.id if isinstance(target, ast.Name) else ""
        if name.lstrip("_").endswith("store"):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", WEB_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_web_layer_never_imports_the_commands(path: Path) -> None:
    assert check(path, command_violations) == []


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_another_panels_views(path: Path) -> None:
    assert check(path, foreign_views) == []


def test_only_the_save_service_calls_store_save() -> None:
    callers = {str(path.relative_to(PACKAGE)) for path in ALL_FILES
               if store_save_calls(path.read_text())}
    assert callers == {"save_service.py"}


def test_there_are_panels_and_middle_modules_to_check() -> None:
    assert {"monitoring", "probe", "findings", "virtual"} <= set(PANELS)
    assert PACKAGE / "save_service.py" in MIDDLE_FILES


def test_the_new_rules_can_fail() -> None:
    """Each new check reports what it is there to find."""
    source = ("from piranha_web.commands.export import x\n"
              "from piranha_web.web.monitoring.views import FIELDS\n"
              "from piranha_web.web.monitoring import views\n"
              "from ..monitoring.views import HELP\n"
              "services().store.save(doc, revision)\n"
              "self._store.save(doc, revision)\n"
              "settings.save(x)\n")
    module = "piranha_web.web.probe.views"
    assert command_violations(source, module) == ["1: imports piranha_web.commands.export"]
    assert foreign_views(source, module) == [
        "2: imports piranha_web.web.monitoring.views",
        "3: imports piranha_web.web.monitoring.views",
        "4: imports piranha_web.web.monitoring.views",
    ]
    assert foreign_views(source, "piranha_web.web.monitoring.form") == []
    assert store_save_calls(source) == [5, 6]


PROBE = """import os
from pathlib import Path
from flask import Flask
from piranha_web import store
from piranha_web.web import app
from . import parser
from ..errors import ParseError
with open("x") as f:
    pass
Path("x").open()
"""


def test_purity_check_reports_each_forbidden_import_and_open_call() -> None:
    """The checks above can fail: a module breaking every rule is reported line by line."""
    assert pure_violations(PROBE, "piranha_web.lvscf.probe") == [
        "1: imports os",
        "2: imports pathlib",
        "3: imports flask",
        "4: imports piranha_web.store, outside lvscf/errors",
        "5: imports piranha_web.web, outside lvscf/errors",
        "8: calls open()",
        "10: calls open()",
    ]


def test_web_check_reports_flask_and_the_web_package() -> None:
    assert web_violations(PROBE, "piranha_web.store") == [
        "3: imports flask",
        "5: imports piranha_web.web",
    ]
    assert web_violations("from .web import views\n", "piranha_web.auth") == [
        "1: imports piranha_web.web"
    ]
