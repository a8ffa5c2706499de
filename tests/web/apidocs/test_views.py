"""The browsable API documentation: a plain page from the same document, behind the login."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.web.conftest import Web


def test_the_page_lists_every_operation_and_schema_without_inline_or_foreign_script(web: Web,
                                                                      client: FlaskClient
                                                                      ) -> None:
    page = client.get("/apidocs/").get_data(as_text=True)
    document = client.get("/apidocs/openapi.json").json
    assert document is not None and document["openapi"].startswith("3.1")
    for path, item in document["paths"].items():
        for operation in item.values():
            assert f'id="op-{operation["operationId"]}"' in page, path
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in page
    scripts = re.findall(r"<script[^>]*>", page)  # only the tool's own /static files, no inline
    assert all(re.fullmatch(r'<script src="/static/[\w.-]+\.js" defer>', s) for s in scripts)
    assert "http://" not in page and "https://" not in page


def test_the_page_needs_the_login(web: Web) -> None:
    anonymous = web.client(login=False)
    assert anonymous.get("/apidocs/").status_code == 302
    assert anonymous.get("/apidocs/openapi.json").status_code == 302


def test_problem_responses_are_documented_as_problem_json(client: FlaskClient) -> None:
    document = client.get("/apidocs/openapi.json").json
    assert document is not None
    responses = document["paths"]["/api/v1/virtual-servers/{virtual}"]["patch"]["responses"]
    assert set(responses) >= {"200", "401", "403", "404", "412", "422", "428"}
    assert list(responses["412"]["content"]) == ["application/problem+json"]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
