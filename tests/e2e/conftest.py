"""End-to-end fixtures: `piranha-web serve` as a real process, driven by real headless Chromium.

Chromium is Debian's (`chromium` package) driven through Playwright with ``executable_path``; no
browser download is needed.  Missing Chromium skips these tests on a developer machine but fails
them under CI=true.  Screenshots go to ``test-output/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers.served import ServeProcess, start_serve

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "e2e-Secret-pw-42"
SCREENSHOTS = ROOT / "test-output" / "screenshots"


def chromium_executable() -> str:
    for candidate in ("/usr/lib/chromium/chromium", "/usr/bin/chromium"):
        if Path(candidate).exists():
            return candidate
    message = "Debian's chromium is not installed (scripts/test.sh installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Served:
    """A running piranha-web process and the files it works on."""

    url: str
    config: Path
    state_dir: Path
    serve: ServeProcess
    password: str = PASSWORD

    @property
    def process(self) -> subprocess.Popen[str]:
        """The `piranha-web serve` process (its output is read by ``serve``)."""
        return self.serve.process


def cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "piranha_web.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    return result.stdout


def start_server(
    tmp: Path, config_text: str | None = None, extra_env: dict[str, str] | None = None,
    *, relative: bool = False,
) -> Served:
    """Start `piranha-web serve` on a free port (tests.helpers.served: no race for the port)
    with a known password; return once it printed where to log in.

    ``relative``: run it in ``tmp`` with ``--config lvs.cf --state-dir state`` (relative paths).
    """
    config = tmp / "lvs.cf"
    state = tmp / "state"
    if config_text is not None:
        config.write_text(config_text)
    env = {**os.environ, **(extra_env or {})}
    cli("passwd", "--state-dir", str(state), "--password-stdin", stdin=PASSWORD + "\n", env=env)
    serve = start_serve(
        "--config", "lvs.cf" if relative else str(config),
        "--state-dir", "state" if relative else str(state),
        "--host", "127.0.0.1",
        cwd=tmp if relative else ROOT, env=env,
    )
    return Served(serve.url.rstrip("/"), config, state, serve)


def stop_server(served: Served) -> None:
    served.serve.stop()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """piranha-web serving a copy of lvs.cf.example."""
    shutil.copy(ROOT / "lvs.cf.example", tmp_path / "lvs.cf")
    server = start_server(tmp_path)
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(30_000)  # a served process on a loaded 2-core machine
    yield page
    context.close()


def screenshot(page: object, name: str) -> Path:
    """Keep a full-page screenshot of the current panel under test-output/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
