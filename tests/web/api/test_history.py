"""History through the API: saves are recorded with the token's user, RESTORE is an ACCEPT."""

from __future__ import annotations

from piranha_web.accounts import Role
from piranha_web.tokens import TokenStore
from tests.web.api.conftest import Api


def test_api_saves_are_in_the_history_with_their_user_and_can_be_read_back(api: Api) -> None:
    first = api.web.config.read_text()
    assert api.write("PATCH", "/virtual-servers/web", {"port": "8080"}).status_code == 200
    text = api.web.config.read_text().replace("port  =  25", "port = 26")
    assert api.write("PUT", "/config", {"text": text}).status_code == 200
    listing = api.get("/history").json
    assert listing is not None and listing["revision"] == api.revision()
    newest = listing["revisions"][0]
    assert (newest["user"], newest["cause"], newest["revision"]) == (
        "piranha", "api", api.revision())
    assert any("26" in line for line in newest["summary"]), newest
    oldest = api.get(f"/history/{listing['revisions'][-1]['revision']}").json
    assert oldest is not None and oldest["text"] == first
    assert api.get("/history/0123456789ab").status_code == 404


def test_restore_needs_the_current_revision_and_brings_the_old_text_back(api: Api) -> None:
    original = api.revision()
    assert api.write("PATCH", "/virtual-servers/web", {"port": "8080"}).status_code == 200
    stale = api.write("POST", f"/history/{original}/restore", revision=original)
    assert stale.status_code == 412 and stale.json is not None
    assert stale.json["revision"] == api.revision()
    restored = api.write("POST", f"/history/{original}/restore")
    assert restored.status_code == 200, restored.json
    assert "port = 80" in api.web.config.read_text()
    assert "serial_no = 9" in api.web.config.read_text()  # above the current one, not back
    newest = api.get("/history").json["revisions"][0]  # type: ignore[index]
    assert newest["restored_from"] == original


def test_a_restore_dry_run_answers_what_the_restore_then_does_and_writes_nothing(api: Api
                                                                                ) -> None:
    original = api.revision()
    assert api.write("PATCH", "/virtual-servers/web", {"port": "8080"}).status_code == 200
    before, entries = api.web.config.read_bytes(), len(api.web.services.audit.entries())
    dry = api.write("POST", f"/history/{original}/restore?dry_run=true")
    assert dry.status_code == 200 and dry.json is not None, dry.json
    assert dry.json["dry_run"] is True and dry.json["message"].startswith("Dry run")
    assert api.web.config.read_bytes() == before
    assert len(api.web.services.audit.entries()) == entries
    real = api.write("POST", f"/history/{original}/restore")
    assert real.status_code == 200 and real.json is not None
    for key in ("revision", "summary", "changes", "findings", "resolved", "status"):
        assert dry.json[key] == real.json[key], key
    assert dry.json["summary"] == ["virtual web: port 8080 -> 80"]
    current = api.write("POST", f"/history/{api.revision()}/restore?dry_run=true")
    assert current.json is not None and current.json["status"] == "unchanged"


def test_a_viewer_reads_the_history_but_cannot_restore(api: Api) -> None:
    original = api.revision()
    assert api.write("PATCH", "/virtual-servers/web", {"port": "8080"}).status_code == 200
    api.web.services.accounts.add("vera", "long enough password", Role.VIEWER)
    token = TokenStore(api.web.state_dir).create("vera")[1]
    assert api.client.get("/api/v1/history", headers=api.headers(token=token)).status_code == 200
    refused = api.client.post(f"/api/v1/history/{original}/restore",
                              headers=api.headers(api.revision(), token=token))
    assert refused.status_code == 403
    assert "port = 8080" in api.web.config.read_text()
