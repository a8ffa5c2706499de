"""A block renamed by another admin while a form is open: the input stays, nothing is written."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.web.conftest import Web, form_of


@pytest.mark.parametrize(("url", "field", "value", "rename"), [
    ("/virtual/edit?virtual=web", "port", "8080", ("virtual web {", "virtual web2 {")),
    ("/virtual/monitoring/?virtual=web", "expect", "OK", ("virtual web {", "virtual web2 {")),
    ("/virtual/servers/edit?virtual=web&server=rs2", "weight", "7",
     ("server rs2 {", "server rs9 {")),
])
def test_renamed_meanwhile_keeps_the_input_on_a_conflict_page(
    web: Web, client: FlaskClient, url: str, field: str, value: str,
    rename: tuple[str, str]
) -> None:
    data = {**form_of(client, url), field: value, "action": "ACCEPT"}
    renamed = web.config.read_text().replace(*rename, 1)
    web.config.write_text(renamed)
    response = client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'id="conflict-message"' in page and "renamed or deleted" in page
    assert f'value="{value}"' in page
    assert web.config.read_text() == renamed
