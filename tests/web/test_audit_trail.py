"""Logins, saves and syncs land in the audit trail; a save it cannot record is refused."""

from __future__ import annotations

from pathlib import Path

from piranha_web.accounts import Role
from piranha_web.keepalived.service import load_settings
from tests.web.conftest import PASSWORD, FakeSyncer, Web, form_of

EDIT = "/virtual/edit?virtual=web"


def test_logins_failures_logouts_and_saves_are_recorded_without_secrets(web: Web) -> None:
    anonymous = web.client(login=False)
    assert anonymous.post("/login", data={"username": "piranha", "password": "wrong guess"}
                          ).status_code == 401
    client = web.client()
    data = {**form_of(client, EDIT), "port": "8080", "action": "ACCEPT"}
    assert client.post(EDIT, data=data).status_code == 303
    client.post("/logout")
    trail = web.services.audit
    kinds = [(e.kind, e.user) for e in reversed(trail.entries())]
    assert kinds == [("login-failed", "piranha"), ("login", "piranha"), ("save", "piranha"),
                     ("logout", "piranha")]
    save = trail.entries(kind="save")[0]
    assert save.details["summary"] == ["virtual web: port 80 -> 8080"]
    assert save.details["cause"] == "web" and len(save.details["new"]) == 64
    raw = web.services.audit.path.read_text()
    assert "wrong guess" not in raw and PASSWORD not in raw and "sid" not in raw


def test_a_save_the_audit_trail_cannot_record_is_refused_and_nothing_changes(web: Web) -> None:
    client = web.client()
    before = web.config.read_bytes()
    web.services.audit.path.unlink()
    web.services.audit.path.mkdir()  # appending to it now fails
    data = {**form_of(client, EDIT), "port": "8080", "action": "ACCEPT"}
    response = client.post(EDIT, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code != 303
    assert "audit trail" in page and "Nothing was saved" in page
    assert web.config.read_bytes() == before
    assert web.services.history.revisions() == []


def test_sync_now_and_the_sync_after_a_save_are_recorded(web: Web) -> None:
    web.services.syncer = FakeSyncer(ok=False, message="backup router unreachable")
    web.services.accounts.add("otto", "operator password", Role.OPERATOR)
    client = web.app.test_client()
    client.post("/login", data={"username": "otto", "password": "operator password"})
    url = "/virtual/servers/edit?virtual=web&server=rs1"
    client.post(url, data={**form_of(client, url), "weight": "4", "action": "ACCEPT"})
    sync = web.services.audit.entries(kind="sync")[0]
    assert (sync.user, sync.details["ok"], sync.details["message"]) == (
        "otto", False, "backup router unreachable")
    assert web.services.audit.entries(kind="save")[0].details["summary"] == [
        "server rs1 of virtual web: weight 1 -> 4"]


def test_changing_ones_own_password_is_recorded_without_the_password(web: Web) -> None:
    client = web.client()
    new = "a much better secret"
    assert client.post("/control/password", data={"current": PASSWORD, "new": new,
                                                   "repeat": new, "action": "CHANGE PASSWORD"}
                       ).status_code == 303
    entry = web.services.audit.entries(kind="user")[0]
    assert (entry.user, entry.details["action"], entry.details["target"]) == (
        "piranha", "passwd", "piranha")
    assert new not in web.services.audit.path.read_text()


def _break_trail(web: Web) -> None:
    web.services.audit.path.unlink(missing_ok=True)
    web.services.audit.path.mkdir()  # appending to it now fails


def test_user_changes_are_refused_when_the_trail_cannot_record_them(web: Web) -> None:
    """Issue 20 #10: a user was added (or deleted, or its role or password set) even when
    the audit trail could not be written."""
    client = web.client()
    web.services.accounts.add("vera", "viewer password", Role.VIEWER)
    _break_trail(web)
    added = client.post("/users/", data={"name": "eve", "password": "long enough pw",
                                         "repeat": "long enough pw", "role": "admin",
                                         "action": "ADD"})
    assert added.status_code == 503 and "audit trail" in added.get_data(as_text=True)
    role = client.post("/users/", data={"user": "vera", "role": "admin",
                                        "action": "SET ROLE"})
    assert role.status_code == 503
    deleted = client.post("/users/delete?user=vera", data={"user": "vera",
                                                            "action": "DELETE"})
    assert deleted.status_code == 503
    password = client.post("/users/password?user=vera", data={
        "user": "vera", "password": "another long one", "repeat": "another long one",
        "action": "SET PASSWORD"})
    assert password.status_code == 503
    own = client.post("/control/password", data={"current": PASSWORD, "new": "x" * 12,
                                                  "repeat": "x" * 12,
                                                  "action": "CHANGE PASSWORD"})
    assert own.status_code == 503
    accounts = web.services.accounts
    assert {a.name: a.role for a in accounts.list()} == {"piranha": Role.ADMIN,
                                                         "vera": Role.VIEWER}
    assert web.services.passwords.verify("vera", "viewer password")
    assert web.services.passwords.verify("piranha", PASSWORD)


def test_a_user_change_is_recorded_first_and_marked_done(web: Web) -> None:
    client = web.client()
    assert client.post("/users/", data={"name": "otto", "password": "long enough pw",
                                        "repeat": "long enough pw", "role": "operator",
                                        "action": "ADD"}).status_code == 303
    entry = web.services.audit.entries(kind="user")[0]
    assert (entry.details["action"], entry.details["target"], entry.details["commit"]) == (
        "add", "otto", "done")
    refused = client.post("/users/", data={"user": "piranha", "role": "viewer",
                                           "action": "SET ROLE"})  # the last admin
    assert refused.status_code == 400
    entry = web.services.audit.entries(kind="user")[0]
    assert (entry.details["action"], entry.details["commit"]) == ("role", "not completed")


def test_keepalived_engine_settings_are_recorded_in_words_or_refused(web: Web) -> None:
    client = web.client()
    assert client.post("/keepalived/settings", data={"engine": "keepalived",
                                                     "auto_apply": "y"}).status_code == 302
    entry = web.services.audit.entries(kind="keepalived-settings")[0]
    assert entry.details["changes"] == ["engine: piranha -> keepalived",
                                        "auto_apply: False -> True"]
    assert entry.details["commit"] == "done"
    _break_trail(web)
    refused = client.post("/keepalived/settings", data={"engine": "piranha"})
    assert refused.status_code == 503
    assert load_settings(web.state_dir).engine == "keepalived"


def test_refused_requests_are_recorded_within_their_budget(web: Web) -> None:
    """Issue 27: a 403 (role too low, cross-origin POST) left no record; recording them must
    not let a viewer flood the trail."""
    web.services.accounts.add("vera", "viewer password", Role.VIEWER)
    client = web.app.test_client()
    client.post("/login", data={"username": "vera", "password": "viewer password"})
    for _ in range(3):
        assert client.post("/users/", data={"name": "eve", "action": "ADD"}).status_code == 403
    refused = web.services.audit.entries(kind="refused")
    assert len(refused) == 3
    assert (refused[0].user, refused[0].details["path"], refused[0].details["role"],
            refused[0].details["needed"]) == ("vera", "/users/", "viewer", "admin")
    admin = web.client()
    assert admin.post("/logout", headers={"Origin": "http://evil.example"}).status_code == 403
    assert web.services.audit.entries(kind="refused")[0].details["reason"] == "cross-origin"
    assert not web.services.audit.path.exists() or "refused" not in \
        web.services.audit.path.read_text()  # kept apart from authenticated actions


def test_a_save_refused_after_its_record_reads_as_not_completed(web: Web, tmp_path: Path) -> None:
    """Issue 20 #11: the audit trail listed saves that never happened (killed, or refused for
    a full disk after the record was written)."""
    client = web.client()
    data = {**form_of(client, EDIT), "port": "8080", "action": "ACCEPT"}
    assert client.post(EDIT, data=data).status_code == 303
    history = web.services.store.history_dir
    history.rename(tmp_path / "moved")
    history.symlink_to(tmp_path / "moved")  # the next save is refused after its record
    data = {**form_of(client, EDIT), "port": "8081", "action": "ACCEPT"}
    assert client.post(EDIT, data=data).status_code != 303
    assert "port = 8080" in web.config.read_text()
    saves = web.services.audit.entries(kind="save")
    assert [s.details["commit"] for s in saves] == ["not completed", "done"]
    page = client.get("/audit/?kind=save").get_data(as_text=True)
    assert "completed: no" in page and "completed: yes" in page


def test_the_app_keeps_one_budget_for_failed_logins(web: Web) -> None:
    """Issue 20 #2: failed logins beyond the hourly budget are counted, not written (the web
    app must hold one AuditLog, or every request would get a fresh budget)."""
    anonymous = web.client(login=False)
    budget = web.services.audit._budget.size
    for number in range(budget + 25):
        assert anonymous.post("/login", data={"username": f"guess{number}",
                                              "password": "wrong"}).status_code == 401
    assert len(web.services.audit.entries(kind="login-failed")) == budget
    assert web.services.audit._budget.suppressed == 25
