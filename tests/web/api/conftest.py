"""Fixtures for the REST API: the web tests' app plus an API token of its user."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from piranha_web.tokens import TokenStore
from tests.web.conftest import Web, build_web


@dataclass
class Api:
    """An app under test, its test client and a token of user piranha."""

    web: Web
    client: FlaskClient
    token: str

    def headers(self, revision: str | None = None, token: str | None = None) -> dict[str, str]:
        found = {"Authorization": f"Bearer {token or self.token}"}
        if revision is not None:
            found["If-Match"] = f'"{revision}"'
        return found

    def get(self, path: str) -> TestResponse:
        return self.client.get(f"/api/v1{path}", headers=self.headers())

    def revision(self) -> str:
        return str(self.get("/config").json["revision"])  # type: ignore[index]

    def write(self, method: str, path: str, body: Any = None,
              revision: str | None = None) -> TestResponse:
        """A write with If-Match of the current revision (unless ``revision`` is given)."""
        return self.client.open(f"/api/v1{path}", method=method, json=body,
                                headers=self.headers(revision or self.revision()))


def build_api(tmp_path: Path, **settings: Any) -> Api:
    web = build_web(tmp_path, **settings)
    _, token = TokenStore(web.state_dir).create("piranha", "tests")
    return Api(web, web.app.test_client(), token)


@pytest.fixture
def api(tmp_path: Path) -> Api:
    return build_api(tmp_path)
