"""History metadata: saves and hand edits recorded, retention shared with the store's copies."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from piranha_web.history import History, Revision, as_dict
from piranha_web.store import ConfigStore
from piranha_web.web.settings import WebSettings


def save(store: ConfigStore, history: History, primary: str, user: str) -> None:
    loaded = store.load()
    loaded.document.set("primary", primary)

    def recorder(old: str, result: object) -> None:
        history.record_save(old, result, user, "cli", ())  # type: ignore[arg-type]

    store.save(loaded.document, loaded.revision, recorder=recorder)


def test_retention_keeps_the_newest_entries_and_their_texts(tmp_path: Path) -> None:
    config = tmp_path / "lvs.cf"
    config.write_text("serial_no = 1\nprimary = 192.0.2.1\n")
    store = ConfigStore(config, keep=3, keep_days=0)
    history = History(store, tmp_path / "state")
    for n in range(6):
        save(store, history, f"192.0.2.{10 + n}", f"user{n}")
    found = history.revisions()
    assert [r.user for r in found] == ["user5", "user4", "user3"]
    assert all(r.available for r in found)
    assert [history.text_of(r.revision) for r in found][0] == config.read_text()
    assert len(store.history()) == 3


def test_serve_settings_carry_the_retention_to_the_store(tmp_path: Path) -> None:
    settings = WebSettings(tmp_path / "lvs.cf", tmp_path / "state", history_keep=500,
                           history_days=30, netns=None)
    store = settings.default_services().store
    assert (store.keep, store.keep_days) == (500, 30)


def test_the_metadata_file_keeps_every_field_of_an_entry(tmp_path: Path) -> None:
    entry = Revision("a" * 64, 1.5, "alice", "restore", ("port 80 -> 81",), "b" * 64, "c" * 64)
    assert set(as_dict(entry)) == {f.name for f in fields(Revision)}
    history = History(ConfigStore(tmp_path / "lvs.cf"), tmp_path)
    history._write([entry])
    assert history._read() == [entry]
