"""The API's roles are the accounts' roles; its saves are attributed to the token's user."""

from __future__ import annotations

from piranha_web.accounts import Role
from piranha_web.tokens import TokenStore
from tests.web.api.conftest import Api


def test_a_viewer_token_is_refused_writes_and_an_admin_save_is_recorded(api: Api) -> None:
    api.web.services.accounts.add("vic", "viewer password", Role.VIEWER)
    _, viewer = TokenStore(api.web.state_dir).create("vic", "tests")
    before = api.web.config.read_bytes()
    refused = api.client.post("/api/v1/sync", headers=api.headers(token=viewer))
    assert refused.status_code == 403 and "viewer" in refused.get_data(as_text=True)
    assert api.web.config.read_bytes() == before
    saved = api.write("PATCH", "/virtual-servers/web", {"port": "8080"})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    entry = api.web.services.audit.entries(kind="save")[0]
    assert (entry.user, entry.details["cause"]) == ("piranha", "api")
    assert api.web.services.history.revisions()[0].cause == "api"


def test_put_config_is_recorded_and_refused_when_the_audit_trail_cannot_be_written(
    api: Api,
) -> None:
    text = api.web.config.read_text().replace("port = 80", "port = 81")
    assert api.write("PUT", "/config", {"text": text}).status_code == 200
    assert api.web.services.audit.entries(kind="save")[0].details["summary"] == [
        "virtual web: port 80 -> 81"]
    api.web.services.audit.path.unlink()
    api.web.services.audit.path.mkdir()
    before = api.web.config.read_bytes()
    refused = api.write("PUT", "/config", {"text": text.replace("port = 81", "port = 82")})
    assert refused.status_code == 503 and "audit trail" in refused.get_data(as_text=True)
    assert api.web.config.read_bytes() == before
