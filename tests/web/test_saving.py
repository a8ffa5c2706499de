"""The ACCEPT helper: diff of changed lines, sync after save, what the next page remembers."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

from flask import session

from bench.bench_core import generate
from piranha_web.lvscf import Document
from piranha_web.web.saving import LineChange, compare_texts, recall, remember, save_edit
from tests.lvscf.test_changes import BASE as COMPARED
from tests.web.conftest import FakeSyncer, Web, build_web


def no_fields(where: str, key: str | None, code: str) -> str | None:
    return None


def test_compare_texts_lists_removed_then_added_with_their_line_numbers() -> None:
    old = "a = 1\nb = 2\nc = 3\n"
    new = "a = 1\nb = 20\nc = 3\nd = 4\n"
    assert compare_texts(old, new) == (
        LineChange("-", 2, "b = 2", "global"), LineChange("+", 2, "b = 20", "global"),
        LineChange("+", 4, "d = 4", "global"),
    )


OLD = """serial_no = 1
virtual a {
     port = 80
     server r1 {
         weight = 1
     }
}
"""


def test_a_block_added_at_the_end_is_shown_whole_under_its_own_name() -> None:
    new = OLD.replace("serial_no = 1", "serial_no = 2") + (
        "virtual b {\n     port = 81\n     quiesce_server = 0\n}\n")
    changes = compare_texts(OLD, new)
    assert [(c.sign, c.text, c.block) for c in changes[2:]] == [
        ("+", "virtual b {", "virtual b"), ("+", "     port = 81", "virtual b"),
        ("+", "     quiesce_server = 0", "virtual b"), ("+", "}", "virtual b"),
    ]


def test_compare_texts_names_the_real_server_block_they_are_in() -> None:
    new = OLD.replace("weight = 1", "weight = 2")
    assert [(c.sign, c.line, c.block) for c in compare_texts(OLD, new)] == [
        ("-", 5, "virtual a / server r1"), ("+", 5, "virtual a / server r1")]


def test_saved_outcome_summarises_the_change_in_words(web: Web) -> None:
    with web.app.test_request_context():
        outcome = save_edit(lambda doc: doc.set("port", "81", virtual="web"),
                            web.services.store.revision(), no_fields)
    assert outcome.summary == ("virtual web: port 80 -> 81",)


def test_a_sync_exception_does_not_undo_the_save(web: Web) -> None:
    web.services.syncer = FakeSyncer(error=RuntimeError("ssh: connection refused"))
    with web.app.test_request_context():
        revision = web.services.store.revision()
        outcome = save_edit(
            lambda doc: doc.set("port", "81", virtual="web"), revision, no_fields
        )
    assert outcome.saved
    assert outcome.sync is not None and not outcome.sync.ok
    assert "ssh: connection refused" in outcome.sync.message
    assert "     port = 81\n" in web.config.read_text()


def test_a_reported_sync_failure_is_passed_on(web: Web) -> None:
    web.services.syncer = FakeSyncer(ok=False, message="backup router unreachable")
    with web.app.test_request_context():
        outcome = save_edit(lambda doc: doc.set("port", "81", virtual="web"),
                            web.services.store.revision(), no_fields)
    assert outcome.sync is not None
    assert (outcome.sync.ok, outcome.sync.message) == (False, "backup router unreachable")


def test_a_dry_run_through_save_edit_answers_and_leaves_everything_as_it_was(web: Web) -> None:
    """The web's save path passes dry_run to the save service: the outcome of the save it
    would be, with the findings it would add; no file, audit line, history entry or sync."""
    syncer = web.services.syncer = FakeSyncer()
    before = web.config.read_bytes()

    def mask(doc: Document) -> None:
        doc.set("pmask", "255.255.255.0", virtual="web")

    with web.app.test_request_context():
        revision = web.services.store.revision()
        dry = save_edit(mask, revision, no_fields, dry_run=True)
        assert web.config.read_bytes() == before
        assert syncer.calls == [] and web.services.audit.entries() == []
        assert web.services.history.revisions() == []
        real = save_edit(mask, revision, no_fields)
    assert dry.saved and dry.sync is None and dry.revision == real.revision
    assert [f.code for f in dry.findings] == ["pmask-without-persistence"]
    assert (dry.changes, dry.summary, dry.warnings) == (real.changes, real.summary, real.warnings)
    assert real.sync is not None and syncer.calls == ["after_save"]


def test_errors_of_other_blocks_are_reported_with_their_line(web: Web) -> None:
    def edit(doc: Document) -> None:
        doc.set("port", "eighty", virtual="mail")

    before = web.config.read_bytes()
    with web.app.test_request_context():
        outcome = save_edit(edit, web.services.store.revision(), no_fields)
    assert outcome.status == "invalid"
    assert outcome.general_errors and outcome.general_errors[0].startswith(
        "line 35 (virtual mail, port): ")
    assert web.config.read_bytes() == before


def test_remembered_outcome_is_shown_once_and_long_diffs_are_cut(web: Web) -> None:
    def edit(doc: Document) -> None:
        for number in range(200):
            address = f"10.9.{number // 250}.{number % 250 + 1}"
            doc.add_server("mail", f"mx{number}", {"address": address})

    with web.app.test_request_context():
        outcome = save_edit(edit, web.services.store.revision(), no_fields)
        assert outcome.saved and len(outcome.changes) > 600
        remember(outcome)
        remembered = session["piranha_outcome"]
        assert remembered["omitted"] > 0
        assert len(remembered["changes"]) + remembered["omitted"] == len(outcome.changes)
        assert recall() is not None
        assert recall() is None


def test_accept_diff_of_the_last_virtual_server_of_a_big_file_lists_exactly_the_changed_lines(
    tmp_path: Path,
) -> None:
    web = build_web(tmp_path, generate(1000))  # 1,000 virtual servers x 32 real servers
    lines = web.config.read_text().splitlines()
    active = lines.index("virtual vs999 {") + 2  # 1-based line of its "active = 1"
    with web.app.test_request_context():
        outcome = save_edit(lambda doc: doc.set_active(False, virtual="vs999"),
                            web.services.store.revision(), no_fields)
    assert outcome.saved
    assert outcome.changes == (
        LineChange("-", 1, "serial_no = 1", "global"),
        LineChange("+", 1, "serial_no = 2", "global"),
        LineChange("-", active, "     active = 1", "virtual vs999"),
        LineChange("+", active, "     active = 0", "virtual vs999"),
    )
    after = web.config.read_text().splitlines()
    assert [n + 1 for n, (a, b) in enumerate(zip(lines, after, strict=True)) if a != b] == [
        1, active]


def test_compare_texts_groups_under_their_blocks_in_file_order() -> None:
    new = COMPARED.replace("port = 80", "port = 8080").replace("weight = 1", "weight = 3").replace(
        "network = direct", "network = nat")
    groups = [(block, [(c.sign, c.line, c.text.strip()) for c in lines]) for block, lines in
              groupby(compare_texts(COMPARED, new), key=lambda c: c.block)]
    assert groups == [
        ("global", [("-", 3, "network = direct"), ("+", 3, "network = nat")]),
        ("virtual www", [("-", 7, "port = 80"), ("+", 7, "port = 8080")]),
        ("virtual www / server rs1", [("-", 13, "weight = 1"), ("+", 13, "weight = 3")]),
    ]
    assert compare_texts(COMPARED, COMPARED) == ()
