"""Fixtures for the web layer: an app around a temp lvs.cf, a logged-in client, a fake clock.

The app runs with CSRF off here (``test_csrf.py`` runs with it on), a fixed secret and a cheap
scrypt cost; everything else is the real thing: the real store writes the temp file.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from piranha_web.auth import LoginThrottle, PasswordFile
from piranha_web.keepalived.service import EngineFile
from piranha_web.lvscf.validate import check_text
from piranha_web.store import ConfigStore
from piranha_web.web import Services, WebSettings, create_app

PASSWORD = "correct horse"
#: the configuration the web tests edit (valid, with a comment and some odd spacing)
BASE = """\
# piranha-web test configuration
serial_no = 7
primary = 192.0.2.1
service = lvs
network = direct
virtual web {
     active = 1
     address = 192.0.2.10 eth0:1
     vip_nmask = 255.255.255.0
     port = 80
     send = "GET / HTTP/1.0\\r\\n\\r\\n"
     expect = "HTTP"
     use_regex = 0
     load_monitor = none
     scheduler = wlc
     protocol = tcp
     timeout = 6
     reentry = 15
     quiesce_server = 0
     # the two web servers
     server rs1 {
         address = 10.0.0.1
         active = 1
         weight = 1
     }
     server rs2 {
         address = 10.0.0.2
         active = 1
         weight = 2
     }
}
virtual mail {
     active = 0
     address = 192.0.2.20 eth0:2
     port  =  25
     expect = "220"
     scheduler = rr
     protocol = tcp
     timeout = 6
     reentry = 15
}
"""


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeSyncer:
    """Records calls; answers with ``result`` or raises ``error`` (logic tests only)."""

    ok: bool = True
    message: str = "lvs.cf copied to the backup router 192.0.2.2"
    error: Exception | None = None
    calls: list[str] = field(default_factory=list)
    engines: list[EngineFile | None] = field(default_factory=list)

    def after_save(self, engine: EngineFile | None = None) -> FakeSyncer:
        self.calls.append("after_save")
        self.engines.append(engine)
        if self.error is not None:
            raise self.error
        return self


@dataclass
class Web:
    """One app under test and the files it works on."""

    app: Flask
    config: Path
    state_dir: Path
    clock: Clock
    services: Services

    def client(self, *, login: bool = True) -> FlaskClient:
        client = self.app.test_client()
        if login:
            response = client.post("/login", data={"username": "piranha", "password": PASSWORD})
            assert response.status_code == 303, response.data
        return client


def build_web(tmp_path: Path, text: str = BASE, **settings: object) -> Web:
    """An app around ``tmp_path/lvs.cf`` holding ``text``; ``settings`` override WebSettings."""
    config = tmp_path / "lvs.cf"
    config.write_text(text)
    state_dir = tmp_path / "state"
    clock = Clock()
    passwords = PasswordFile(state_dir / "passwords", cost=16)
    passwords.set_password("piranha", PASSWORD)
    services = Services(
        store=ConfigStore(config),
        state_dir=state_dir,
        passwords=passwords,
        login_throttle=LoginThrottle(clock=clock),
    )
    options: dict[str, object] = {"secret_key": b"s" * 32, "csrf": False, "testing": True,
                                  "clock": clock}
    options.update(settings)
    web_settings = WebSettings(config_path=config, state_dir=state_dir, **options)  # type: ignore[arg-type]
    return Web(create_app(web_settings, services=services), config, state_dir, clock, services)


@pytest.fixture
def web(tmp_path: Path) -> Web:
    return build_web(tmp_path)


@pytest.fixture
def client(web: Web) -> FlaskClient:
    return web.client()


def file_diff(before: str, after: str) -> tuple[list[str], list[str]]:
    """(removed lines, added lines) between two versions of lvs.cf."""
    removed: list[str] = []
    added: list[str] = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def revision_of(html: str) -> str:
    """The hidden ``revision`` value of the first form on a page."""
    match = re.search(r'name="revision"[^>]*value="([0-9a-f]+)"', html)
    assert match, "page has no revision field"
    return match.group(1)


def form_of(client: FlaskClient, url: str) -> dict[str, str]:
    """The values a browser would submit for the form on ``url`` (text, select, radio)."""
    return form_values(client.get(url).get_data(as_text=True))


def form_values(page: str) -> dict[str, str]:
    """The values a browser would submit for the (first) form of an HTML page."""
    values: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) in ("radio", "checkbox") and "checked" not in tag):
            continue
        values[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', body) or re.search(
            r'<option value="([^"]*)" selected', body)
        first = re.search(r'<option[^>]*value="([^"]*)"', body)
        found = chosen or first
        values[name] = unescape(found.group(1)) if found else ""
    return values


def unescape(text: str) -> str:
    return html.unescape(text)


def no_errors(text: str) -> bool:
    """True when lvs.cf text has no validation errors."""
    return not [f for f in check_text(text) if f.is_error]


def headings(page: str) -> list[str]:
    """The column headings of the list, as text."""
    return [re.sub(r"<[^>]+>", "", h).strip()
            for h in re.findall(r"<th[^>]*>(.*?)</th>", page, re.S)]


def row_cells(page: str, name: str) -> list[str]:
    """The text of each cell of row ``name`` after the selection cell."""
    row = re.search(rf'<tr id="row-{re.escape(name)}"[^>]*>(.*?)</tr>', page, re.S)
    assert row, name
    return [" ".join(re.sub(r"<[^>]+>", "", c).split())
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)[1:]]
