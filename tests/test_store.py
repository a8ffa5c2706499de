"""The store: revision checks, atomic crash-safe writes, history, locking between processes."""

from __future__ import annotations

import difflib
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import pytest

from bench.bench_core import generate
from piranha_web.errors import StaleRevisionError, StoreIOError, ValidationFailedError
from piranha_web.lvscf import Document, parse
from piranha_web.store import ConfigStore, SaveResult, revision_of

T = TypeVar("T")

BASE = """serial_no = 7
primary = 192.0.2.1
# the web farm
virtual web {
     active = 1
     address = 192.0.2.10 eth0:1
     port = 80
     server rs1 {
         address = 10.0.0.1
         active = 1
         weight = 1
     }
}
"""


def counted(log: list[int], result: T) -> T:
    """``result``, after noting one call in ``log`` (for counting patched methods)."""
    log.append(1)
    return result


def noted(log: list[Path], path: Path, result: T) -> T:
    """``result``, after noting ``path`` in ``log``."""
    log.append(path)
    return result


@pytest.fixture
def lvs_cf(tmp_path: Path) -> Path:
    path = tmp_path / "lvs.cf"
    path.write_text(BASE)
    path.chmod(0o640)
    return path


def test_load_returns_document_and_sha256_revision(lvs_cf: Path) -> None:
    loaded = ConfigStore(lvs_cf).load()
    assert loaded.document.dumps() == BASE
    assert loaded.revision == revision_of(BASE.encode())


def test_save_changes_only_the_edited_line_and_bumps_serial(lvs_cf: Path) -> None:
    store = ConfigStore(lvs_cf)
    loaded = store.load()
    loaded.document.set("port", "8080", virtual="web")
    result = store.save(loaded.document, loaded.revision)
    expected = BASE.replace("port = 80", "port = 8080").replace("serial_no = 7", "serial_no = 8")
    assert lvs_cf.read_text() == expected
    assert result.new_text == expected and result.old_text == BASE
    assert result.revision == revision_of(expected.encode())


def test_save_adds_serial_no_when_the_file_has_none(tmp_path: Path) -> None:
    path = tmp_path / "lvs.cf"
    path.write_text(BASE.replace("serial_no = 7\n", ""))
    store = ConfigStore(path)
    loaded = store.load()
    loaded.document.set("weight", "2", virtual="web", server="rs1")
    store.save(loaded.document, loaded.revision)
    assert path.read_text().startswith("serial_no = 1\nprimary = 192.0.2.1\n")


def test_unchanged_document_is_not_rewritten(lvs_cf: Path) -> None:
    store = ConfigStore(lvs_cf)
    loaded = store.load()
    before = lvs_cf.stat().st_ino
    store.save(loaded.document, loaded.revision)
    assert lvs_cf.read_text() == BASE
    assert lvs_cf.stat().st_ino == before
    assert store.history() == []


def test_stale_revision_is_refused_and_nothing_written(lvs_cf: Path) -> None:
    store = ConfigStore(lvs_cf)
    loaded = store.load()
    hand_edited = BASE.replace("weight = 1", "weight = 3")
    lvs_cf.write_text(hand_edited)
    loaded.document.set("port", "81", virtual="web")
    with pytest.raises(StaleRevisionError, match="changed since you loaded it"):
        store.save(loaded.document, loaded.revision)
    assert lvs_cf.read_text() == hand_edited


def test_save_refuses_text_with_new_errors(lvs_cf: Path) -> None:
    store = ConfigStore(lvs_cf)
    loaded = store.load()
    loaded.document.set("timeout", "0", virtual="web")
    with pytest.raises(ValidationFailedError) as info:
        store.save(loaded.document, loaded.revision)
    assert any(getattr(f, "key", None) == "timeout" for f in info.value.findings)
    assert lvs_cf.read_text() == BASE


def test_existing_errors_do_not_block_unrelated_edits(tmp_path: Path) -> None:
    """A file that already has an error can still be improved; the error is not made worse."""
    path = tmp_path / "lvs.cf"
    path.write_text(BASE.replace("     port = 80\n", "     port = 80\n     timeout = 0\n"))
    store = ConfigStore(path)
    loaded = store.load()
    loaded.document.set("weight", "5", virtual="web", server="rs1")
    store.save(loaded.document, loaded.revision)
    assert "weight = 5" in path.read_text()


def test_save_keeps_mode_and_history_of_previous_versions(lvs_cf: Path) -> None:
    store = ConfigStore(lvs_cf, keep=3, keep_days=0)
    texts = [BASE]
    for port in range(81, 86):
        loaded = store.load()
        loaded.document.set("port", str(port), virtual="web")
        texts.append(store.save(loaded.document, loaded.revision).new_text)
    assert lvs_cf.stat().st_mode & 0o777 == 0o640
    history = store.history()
    assert [h.path.read_text() for h in history] == texts[-2:-5:-1]
    assert not list(lvs_cf.parent.glob(".lvs.cf.*.tmp"))


SAVER = r"""
import sys
from piranha_web.store import ConfigStore
store = ConfigStore(sys.argv[1], keep=5)
print("ready", flush=True)
while True:
    loaded = store.load()
    serial = loaded.document.model().globals.serial_no + 1  # what this save will write
    loaded.document.set("weight", str(serial % 1000 + 1), virtual="web", server="rs1")
    loaded.document.set("port", str(1000 + serial % 5000), virtual="web")
    store.save(loaded.document, loaded.revision)
"""


def test_sigkill_during_saves_never_leaves_a_partial_file(lvs_cf: Path) -> None:
    """A saver killed with SIGKILL at random moments always leaves a complete, valid lvs.cf."""
    rng = random.Random(1234)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    seen_serials = set()
    for _ in range(25):
        child = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(lvs_cf)], stdout=subprocess.PIPE, env=env
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.005, 0.15))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        text = lvs_cf.read_text()
        config = parse(text).model()
        vs = config.virtual("web")
        serial = config.globals.serial_no
        assert text.endswith("}\n") and vs.servers[0].name == "rs1"
        if serial != 7:
            assert (vs.port, vs.servers[0].weight) == (1000 + serial % 5000, serial % 1000 + 1)
        seen_serials.add(serial)
    assert len(seen_serials) > 5


def _save_with(path: str, revision: str, port: str, barrier: object, results: object) -> None:
    store = ConfigStore(path)
    doc = store.load().document
    doc.set("port", port, virtual="web")
    barrier.wait()  # type: ignore[attr-defined]
    try:
        store.save(doc, revision)
        results.put(("saved", port))  # type: ignore[attr-defined]
    except StaleRevisionError:
        results.put(("stale", port))  # type: ignore[attr-defined]


def test_two_processes_with_the_same_revision_exactly_one_wins(lvs_cf: Path) -> None:
    revision = ConfigStore(lvs_cf).revision()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_save_with, args=(str(lvs_cf), revision, port, barrier, results))
        for port in ("8001", "8002")
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(20)
    outcomes = sorted(results.get(timeout=5) for _ in procs)
    assert [o[0] for o in outcomes] == ["saved", "stale"]
    winner = outcomes[0][1]
    assert f"port = {winner}" in lvs_cf.read_text()


def test_loaded_documents_are_independent_copies(lvs_cf: Path) -> None:
    """Editing one loaded document never leaks into the next load of the same revision."""
    store = ConfigStore(lvs_cf)
    first = store.load()
    first.document.set("port", "9999", virtual="web")
    first.document.rename_virtual("web", "renamed")
    second = store.load()
    assert second.document.dumps() == BASE
    assert second.revision == first.revision


def test_load_sees_a_hand_edit_made_after_the_previous_load(lvs_cf: Path) -> None:
    store = ConfigStore(lvs_cf)
    store.load()
    lvs_cf.write_text(BASE.replace("weight = 1", "weight = 4"))
    assert store.load().document.model().virtual("web").servers[0].weight == 4


def test_config_gives_the_current_model_without_a_copy_and_follows_changes(lvs_cf: Path) -> None:
    store = ConfigStore(lvs_cf)
    revision, config = store.config()
    assert revision == store.revision() and config.virtual("web").port == 80
    assert store.config()[1] is config, "one model per revision"
    lvs_cf.write_text(BASE.replace("port = 80", "port = 81"))
    assert store.config()[1].virtual("web").port == 81


def test_a_symlinked_lvs_cf_keeps_its_link_and_the_target_is_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.cf"
    real.write_text(BASE)
    link = tmp_path / "lvs.cf"
    link.symlink_to(real)
    store = ConfigStore(link)
    loaded = store.load()
    loaded.document.set("port", "81", virtual="web")
    store.save(loaded.document, loaded.revision)
    assert link.is_symlink()
    assert "port = 81" in real.read_text()


def test_save_leaves_a_peer_syncs_upload_alone(lvs_cf: Path) -> None:
    """This router may be the other router's sync target: its upload file is not ours to clean."""
    upload = lvs_cf.parent / ".lvs.cf.piranha-web.tmp"
    upload.write_text("incoming")
    store = ConfigStore(lvs_cf)
    loaded = store.load()
    loaded.document.set("port", "81", virtual="web")
    store.save(loaded.document, loaded.revision)
    assert upload.read_text() == "incoming"


def _age(path: Path, seconds: float = 60) -> None:
    """Date the file's mtime back, as for a file nobody wrote in the last minute."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_an_unchanged_file_is_not_read_again_to_know_its_revision(
    lvs_cf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _age(lvs_cf)
    store = ConfigStore(lvs_cf)
    revision = store.load().revision
    reads: list[int] = []
    original = ConfigStore.read_bytes
    monkeypatch.setattr(ConfigStore, "read_bytes", lambda self: counted(reads, original(self)))
    assert store.revision() == revision
    assert store.load().revision == revision
    assert reads == []


def test_a_same_size_rewrite_in_place_is_read_and_hashed_again(lvs_cf: Path) -> None:
    _age(lvs_cf, 120)
    store = ConfigStore(lvs_cf)
    store.load()
    with lvs_cf.open("r+") as handle:  # same inode, same size, different bytes
        handle.write("serial_no = 8")
    _age(lvs_cf, 120)  # even with the old mtime back, the change time tells
    assert store.revision() == revision_of(lvs_cf.read_bytes())
    assert store.load().document.get("serial_no") == "8"


def test_a_file_written_just_now_is_hashed_on_every_look(lvs_cf: Path) -> None:
    store = ConfigStore(lvs_cf)  # mtime is now: a rewrite in the same tick could follow
    store.revision()
    lvs_cf.write_text(BASE.replace("serial_no = 7", "serial_no = 8"))
    assert store.revision() == revision_of(lvs_cf.read_bytes())


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every look at lvs.cf's bytes (a whole read, or a comparison with the last seen)."""
    reads: list[int] = []
    read, holds = ConfigStore.read_bytes, ConfigStore._holds
    monkeypatch.setattr(ConfigStore, "read_bytes", lambda self: counted(reads, read(self)))
    monkeypatch.setattr(ConfigStore, "_holds",
                        lambda self, data: counted(reads, holds(self, data)))
    return reads


def test_sub_second_timestamps_settle_within_a_blink_whole_second_ones_after_two(
    lvs_cf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.time_ns()
    fine = now - 500_000_123  # half a second ago, with the nanoseconds a fine clock gives
    os.utime(lvs_cf, ns=(fine, fine))
    store = ConfigStore(lvs_cf)
    store.revision()
    reads = _reads(monkeypatch)
    store.revision()
    assert reads == []  # settled: the stat alone tells a later rewrite apart

    whole = (now // 10**9 - 1) * 10**9  # a second or so ago, but in whole seconds
    os.utime(lvs_cf, ns=(whole, whole))
    store.revision()
    store.revision()
    assert len(reads) == 2  # the file system may keep no finer timestamps: read each time


def test_a_reader_of_the_file_as_it_was_before_a_save_finds_its_parse(
    lvs_cf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request that read lvs.cf just before another thread's save replaced it must not
    parse the whole file again (and push the new parse out): with 8 editors on a big file
    that thrash cost seconds per request."""
    store = ConfigStore(lvs_cf)
    old_bytes = lvs_cf.read_bytes()
    loaded = store.load()
    loaded.document.set("weight", "5", virtual="web", server="rs1")
    saved = store.save(loaded.document, loaded.revision)

    def no_parse(text: str) -> object:
        raise AssertionError("parsed again")

    monkeypatch.setattr("piranha_web.store.parse", no_parse)
    old_revision, old_model = store.config(old_bytes)
    assert old_revision == loaded.revision
    assert old_model.virtual("web").server("rs1").weight == 1
    new_revision, new_model = store.config()
    assert new_revision == saved.revision
    assert new_model.virtual("web").server("rs1").weight == 5


def test_a_loaded_document_is_saved_without_parsing_the_whole_file(
    lvs_cf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ConfigStore(lvs_cf)
    loaded = store.load()
    loaded.document.set("weight", "5", virtual="web", server="rs1")

    def refuse_whole_file(text: str) -> object:
        if "serial_no" in text and "virtual web" in text:
            raise AssertionError("the whole file was parsed again")
        return parse(text)

    monkeypatch.setattr("piranha_web.lvscf.parser.parse", refuse_whole_file)
    monkeypatch.setattr("piranha_web.store.parse", refuse_whole_file)
    result = store.save(loaded.document, loaded.revision)
    monkeypatch.undo()
    assert [(h.where, h.removed, h.added) for h in result.changes] == [
        ("global", ("serial_no = 7",), ("serial_no = 8",)),
        ("virtual web / server rs1", ("         weight = 1",), ("         weight = 5",)),
    ]
    # the whole-file parse is the oracle of what was written, and of the cached document
    again = parse(lvs_cf.read_text())
    assert again.dumps() == result.new_text == store.load().document.dumps()
    assert again.model() == store.load().document.model()


KILLED_MID_COPY = """
import resource
import signal
import sys
from piranha_web.lvscf import parse
from piranha_web.store import ConfigStore
store = ConfigStore(sys.argv[1])
loaded = store.load()
doc = parse(loaded.text)
doc.set("primary", "192.0.2.99")
# the kernel kills this process (SIGXFSZ) once a file it writes passes 64 KiB: in the middle of
# copying the 200 KiB old version into the history folder
signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python ignores it; the kernel's default kills
resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
store.save(doc, loaded.revision)
"""


def test_a_writer_killed_mid_copy_leaves_no_truncated_history_copy(tmp_path: Path) -> None:
    config = tmp_path / "lvs.cf"
    body = "".join(f"# padding line {n:06d} " + "x" * 40 + "\n" for n in range(3500))
    config.write_text("serial_no = 1\nprimary = 192.0.2.1\n" + body)
    before = config.read_bytes()
    assert len(before) > 200_000
    killed = subprocess.run([sys.executable, "-c", KILLED_MID_COPY, str(config)],
                            cwd=Path(__file__).resolve().parents[1], check=False,
                            capture_output=True)
    assert killed.returncode == -signal.SIGXFSZ, killed.stderr
    assert config.read_bytes() == before
    store = ConfigStore(config)
    for entry in store.history():  # a name claims a revision: its bytes must be that revision
        assert revision_of(entry.path.read_bytes()).startswith(entry.revision), entry.path.name
    loaded = store.load()
    doc = loaded.document
    doc.set("primary", "192.0.2.98")
    store.save(doc, loaded.revision)  # the next save works and keeps a full copy
    assert [revision_of(e.path.read_bytes()) for e in store.history()] == [revision_of(before)]


def test_history_keeps_the_newest_copies_and_every_recent_one(tmp_path: Path) -> None:
    config = tmp_path / "lvs.cf"
    config.write_text("serial_no = 1\nprimary = 192.0.2.1\n")
    store = ConfigStore(config, keep=2, keep_days=90)
    for n in range(4):
        loaded = store.load()
        loaded.document.set("primary", f"192.0.2.{10 + n}")
        store.save(loaded.document, loaded.revision)
    assert len(store.history()) == 4  # all younger than 90 days
    old = time.strftime("%Y%m%dT%H%M%S", time.gmtime(time.time() - 91 * 86400))
    for entry in store.history():  # a copy's time is in its name: kept 91 days ago
        _, _, nanos, revision = entry.path.name.rsplit(".", 3)
        entry.path.rename(entry.path.with_name(f"lvs.cf.{old}.{nanos}.{revision}"))
    loaded = store.load()
    loaded.document.set("primary", "192.0.2.50")
    store.save(loaded.document, loaded.revision)
    assert len(store.history()) == 2  # the newest two; older ones are past 90 days


def test_findings_of_the_file_on_disk_follow_its_revision(tmp_path: Path) -> None:
    path = tmp_path / "lvs.cf"
    path.write_text("primary = 192.0.2.1\nnetwork = direct # DR\n")
    store = ConfigStore(path)
    assert [(f.line, f.code) for f in store.findings() if f.is_error] == [(2, "inline-comment")]
    path.write_text("primary = 192.0.2.1\nnetwork = direct\n")
    assert [f for f in store.findings() if f.is_error] == []
    path.write_text("virtual v {\n")
    assert [f.code for f in store.findings()] == ["syntax"]


def test_a_save_lists_the_history_folder_without_a_stat_per_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each system call hands the interpreter lock to other request threads: under load a stat
    per kept copy (three listings per save) made every save wait on the others' page views."""
    config = tmp_path / "lvs.cf"
    config.write_text("serial_no = 1\nprimary = 192.0.2.1\n")
    store = ConfigStore(config)
    for n in range(12):
        loaded = store.load()
        loaded.document.set("primary", f"192.0.2.{10 + n}")
        store.save(loaded.document, loaded.revision)
    stats: list[Path] = []
    original = Path.stat
    monkeypatch.setattr(Path, "stat",
                        lambda self, **kw: noted(stats, self, original(self, **kw)))
    loaded = store.load()
    loaded.document.set("primary", "192.0.2.99")
    store.save(loaded.document, loaded.revision)
    monkeypatch.undo()
    assert [p for p in stats if p.parent == store.history_dir] == []
    assert len(store.history()) == 13
    assert all(abs(e.saved_at - time.time()) < 60 for e in store.history())


def test_a_file_just_written_is_compared_piece_by_piece_and_a_change_is_seen(
    lvs_cf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checking a large file that was just saved makes no second whole copy of it, and still
    notices a same-size rewrite in place."""
    monkeypatch.setattr("piranha_web.store.COMPARE_CHUNK", 7)
    store = ConfigStore(lvs_cf)
    revision = store.revision()  # mtime is now: racy
    whole: list[int] = []
    read = ConfigStore.read_bytes
    monkeypatch.setattr(ConfigStore, "read_bytes", lambda self: counted(whole, read(self)))
    assert store.revision() == revision
    assert whole == []
    text = lvs_cf.read_text()
    lvs_cf.write_text(text[:-3] + "X" + text[-2:])  # same size, same inode, last piece differs
    assert store.revision() == revision_of(lvs_cf.read_bytes()) != revision
    assert whole == [1]


def test_history_copies_stay_within_their_byte_budget_keeping_the_newest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large file saved often must not fill the disk (a full disk stops every save): the
    oldest copies go first, even within ``keep``/``keep_days``, but the newest few stay."""
    monkeypatch.setattr("piranha_web.history.HISTORY_MIN", 3)
    config = tmp_path / "lvs.cf"
    config.write_text("serial_no = 1\nprimary = 192.0.2.1\n" + "# padding\n" * 100)
    size = len(config.read_bytes())
    store = ConfigStore(config, keep=200, keep_days=90, max_bytes=5 * size + size // 2)
    for n in range(12):
        loaded = store.load()
        loaded.document.set("primary", f"192.0.2.{10 + n}")
        store.save(loaded.document, loaded.revision)
    copies = store.history()
    assert len(copies) == 5  # all young and among the newest 200, but only 5 fit
    assert [c.path.read_text().split("primary = ")[1].split("\n")[0] for c in copies] == [
        f"192.0.2.{n}" for n in (20, 19, 18, 17, 16)]  # the newest; lvs.cf holds .21
    tiny = ConfigStore(config, max_bytes=1)
    loaded = tiny.load()
    loaded.document.set("primary", "192.0.2.99")
    tiny.save(loaded.document, loaded.revision)
    assert len(tiny.history()) == 3  # the newest HISTORY_MIN stay, whatever their size


def test_a_parsed_document_replacing_a_big_file_is_compared_piece_by_piece(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A restored revision, or a whole text through the API, is not loaded from the file it
    replaces, so the save compares the two texts.  difflib over all 175,000 lines (serial_no
    on line 1, one line in the middle, the same few texts between) took 74 s."""
    config = tmp_path / "lvs.cf"
    config.write_text(generate(1000, 32))
    store = ConfigStore(config)
    loaded = store.load()
    doc = parse(loaded.text.replace("virtual vs500 {\n     active = 1",
                                    "virtual vs500 {\n     active = 0"))
    real = difflib.SequenceMatcher

    def small_only(isjunk: Callable[[str], bool] | None = None, a: Sequence[str] = (),
                   b: Sequence[str] = (), autojunk: bool = True) -> difflib.SequenceMatcher[str]:
        assert len(a) * len(b) <= 250_000, f"difflib got {len(a)} x {len(b)} lines"
        return real(isjunk, a, b, autojunk)

    monkeypatch.setattr(difflib, "SequenceMatcher", small_only)
    result = store.save(doc, loaded.revision)
    line = loaded.text.splitlines().index("virtual vs500 {") + 2
    assert list(result.changes.lines()) == [
        ("-", 1, "serial_no = 1"), ("+", 1, "serial_no = 2"),
        ("-", line, "     active = 1"), ("+", line, "     active = 0")]


def test_readers_of_a_new_revision_wait_for_one_parse_and_one_validation(
    lvs_cf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Page views beside the warm-up (or right after a hand edit) must not each parse and
    validate a large file: that is seconds of CPU and a second copy of every node."""
    import threading

    import piranha_web.store as store_module

    parsed: list[str] = []
    validated: list[object] = []
    real_parse, real_validate = vars(store_module)["parse"], vars(store_module)["validate"]

    def slow_parse(text: str) -> object:
        parsed.append(text)
        time.sleep(0.2)
        return real_parse(text)

    def slow_validate(doc: object) -> object:
        validated.append(doc)
        time.sleep(0.2)
        return real_validate(doc)

    monkeypatch.setattr(store_module, "parse", slow_parse)
    monkeypatch.setattr(store_module, "validate", slow_validate)
    store = ConfigStore(lvs_cf)
    readers = [threading.Thread(target=store.findings) for _ in range(4)]
    readers += [threading.Thread(target=store.load) for _ in range(4)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert len(parsed) == 1
    assert len(validated) == 1


def _edited(store: ConfigStore) -> tuple[Document, str]:
    loaded = store.load()
    loaded.document.set("port", "8080", virtual="web")
    return loaded.document, loaded.revision


def test_a_symlink_in_place_of_the_lock_file_is_refused_not_followed(
    lvs_cf: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    (lvs_cf.parent / ".lvs.cf.lock").symlink_to(outside)  # dangling: O_CREAT would make it
    store = ConfigStore(lvs_cf)
    doc, revision = _edited(store)
    with pytest.raises(StoreIOError, match="lock"):
        store.save(doc, revision)
    assert not outside.exists()
    assert lvs_cf.read_text() == BASE


def test_a_symlinked_history_folder_is_refused_and_lvs_cf_stays(
    lvs_cf: Path, tmp_path: Path
) -> None:
    target = tmp_path / "etc-elsewhere"
    target.mkdir()
    (lvs_cf.parent / ".lvs.cf.history").symlink_to(target)
    store = ConfigStore(lvs_cf)
    doc, revision = _edited(store)
    with pytest.raises(StoreIOError, match="history"):
        store.save(doc, revision)
    assert list(target.iterdir()) == []
    assert lvs_cf.read_text() == BASE


def test_what_the_recorder_returns_runs_after_the_write_and_never_for_a_failed_save(
    lvs_cf: Path, tmp_path: Path
) -> None:
    store = ConfigStore(lvs_cf)
    seen: list[str] = []

    def recorder(old: str, result: SaveResult) -> Callable[[], None]:
        seen.append("recorded")
        return lambda: seen.append("committed: " + lvs_cf.read_text().split("\n")[0])

    doc, revision = _edited(store)
    store.save(doc, revision, recorder=recorder)
    assert seen == ["recorded", "committed: serial_no = 8"]
    seen.clear()
    (lvs_cf.parent / ".lvs.cf.history").rename(tmp_path / "moved")
    (lvs_cf.parent / ".lvs.cf.history").symlink_to(tmp_path / "moved")
    doc, revision = _edited(store)
    doc.set("port", "8081", virtual="web")
    with pytest.raises(StoreIOError):
        store.save(doc, revision, recorder=recorder)
    assert seen == ["recorded"]
