"""The copy of the records' sources an embedded store keeps beside itself (issue 16: a sync that changed one film
in 100,000 should not read 100,000 sources from the log), and why trusting it is safe: it is used only while the
log's stamp is the one the copy was made with, and no event came after the copy's newest; it always says what the
log says."""

from __future__ import annotations

from pathlib import Path

import pytest

from lodfilm import changelog, pipeline
from lodfilm.importing.sources import STAMP, Sources
from lodfilm.store.base import LOG_GRAPH, LogLines
from lodfilm.store.embedded import EmbeddedStore
from tests.test_changelog import film
from tests.test_sync import run, write


def view_of(store_dir: Path) -> tuple[dict[str, changelog.RecordSource], bool, dict[str, changelog.RecordSource]]:
    """The sources a new import would start from, whether they came from the copy, and the log's own."""
    store = EmbeddedStore(store_dir)
    try:
        kept = Sources(store, store_dir / "sources")
        found = kept.read()
        return found, kept.from_copy, changelog.read_sources(store)[0]
    finally:
        store.close()


def test_the_copy_says_what_the_log_says_after_every_kind_of_import(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, store_dir = tmp_path / "in", tmp_path / "store"
    write(root / "a.yaml", [film("Alpha", 2001, "Ana Example")])
    write(root / "b.yaml", [film("Beta", 2002, "Bo Example"), film("Gamma", 2003, "Cy Example")])
    write(root / "c.yaml", [film("Delta", 2004, "Di Example")])
    steps = [
        lambda: None,  # the first import
        lambda: None,  # unchanged: nothing written, the copy stays
        lambda: write(root / "a.yaml", [film("Alpha", 2001, "Ana Example")], comment="# a comment\n"),  # bytes only
        lambda: write(root / "b.yaml", [film("Beta", 2002, "Bo Example")]),  # a record leaves its file
        lambda: write(root / "c.yaml", [film("Delta", 2004, "Di Example"), {"title": "Bad", "year": "20l1"}]),
        lambda: (root / "a.yaml").unlink(),  # gone: pruned
    ]
    for step in steps:
        step()
        run(store_dir, root, monkeypatch=monkeypatch, prune=[root])
        found, from_copy, log = view_of(store_dir)
        assert from_copy
        assert found == log
    assert not any("alpha" in graph for graph in log)  # the pruned file's record has no source left
    assert all("delta" not in graph for graph in log)  # c.yaml holds a rejected record: its sources are not kept


def test_an_import_that_died_after_its_first_write_leaves_the_copy_untrusted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, store_dir = tmp_path / "in", tmp_path / "store"
    write(root / "a.yaml", [film("Alpha", 2001, "Ana Example")])
    run(store_dir, root, monkeypatch=monkeypatch)
    assert view_of(store_dir)[1]
    # the next import writes, and dies before it keeps its copy (as SIGKILL would)
    write(root / "b.yaml", [film("Beta", 2002, "Bo Example")])
    monkeypatch.setattr(Sources, "keep", lambda self, read, newest: None)
    run(store_dir, root, monkeypatch=monkeypatch)
    monkeypatch.undo()
    found, from_copy, log = view_of(store_dir)
    assert not from_copy and found == log and any("beta" in graph for graph in log)
    # and the import after it reads the log, imports nothing again, and keeps a copy that is trusted again
    report, read = run(store_dir, root, monkeypatch=monkeypatch)
    assert read == [] and report.skipped == 2
    found, from_copy, log = view_of(store_dir)
    assert from_copy and found == log


def test_a_write_that_keeps_no_stamp_is_noticed_by_its_event(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lodfilm that knows no stamp still writes events: an event after the copy's newest means the copy is old."""
    root, store_dir = tmp_path / "in", tmp_path / "store"
    write(root / "a.yaml", [film("Alpha", 2001, "Ana Example")])
    run(store_dir, root, monkeypatch=monkeypatch)
    store = EmbeddedStore(store_dir)
    try:
        newest = changelog.latest(store)
        store.write([], [], [LogLines(add=changelog.event_lines(newest + 1, "2026-12-02T00:00:00Z", "delete",
                                                                 "http://films.example.org/record/x", None, None))])
    finally:
        store.close()
    assert not view_of(store_dir)[1]


@pytest.mark.parametrize("damage", [b"", b"not marshal", None])
def test_a_damaged_or_missing_copy_is_read_from_the_log(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: bytes | None) -> None:
    root, store_dir = tmp_path / "in", tmp_path / "store"
    write(root / "a.yaml", [film("Alpha", 2001, "Ana Example")])
    run(store_dir, root, monkeypatch=monkeypatch)
    if damage is None:
        (store_dir / "sources").unlink()
    else:
        (store_dir / "sources").write_bytes(damage)
    found, from_copy, log = view_of(store_dir)
    assert not from_copy and found == log and len(log) == 1
    report, read = run(store_dir, root, monkeypatch=monkeypatch)
    assert read == [] and report.skipped == 1
    assert view_of(store_dir)[1]  # kept anew, with a stamp


def test_the_stamp_is_one_line_of_the_log_and_changes_with_each_import_that_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, store_dir = tmp_path / "in", tmp_path / "store"

    def stamps() -> list[str]:
        store = EmbeddedStore(store_dir)
        try:
            return [value for subject, value in store.log_values(STAMP) if subject == LOG_GRAPH]
        finally:
            store.close()

    write(root / "a.yaml", [film("Alpha", 2001, "Ana Example")])
    run(store_dir, root, monkeypatch=monkeypatch)
    [first] = stamps()
    run(store_dir, root, monkeypatch=monkeypatch)
    assert stamps() == [first]  # nothing written, nothing swapped
    write(root / "a.yaml", [film("Alpha", 2001, "Ana Example", runtime=99)])
    report, _ = run(store_dir, root, monkeypatch=monkeypatch)
    assert report.written == 1
    [second] = stamps()
    assert second != first


def test_a_validation_keeps_no_copy(tmp_path: Path) -> None:
    root = tmp_path / "in"
    write(root / "a.yaml", [film("Alpha", 2001, "Ana Example")])
    report = pipeline.run([root], base="http://films.example.org/", store=None, progress=False, workers=0)
    assert report.rejected == 0 and not any(tmp_path.rglob("sources"))


def test_records_that_leave_a_file_leave_the_store_whether_its_graphs_come_from_its_sources_or_a_listing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a trusted copy, a file's graphs are its sources (no scan of every graph's name); a file that a rejected
    record left with no source is listed as before, so a record that left it meanwhile still leaves the store."""
    root, store_dir = tmp_path / "in", tmp_path / "store"
    three = [film("Alpha", 2001, "Ana Example"), film("Beta", 2002, "Bo Example"), film("Gamma", 2003, "Cy Example")]

    def graphs() -> set[str]:
        store = EmbeddedStore(store_dir)
        try:
            return set(store.record_graphs("http://films.example.org/record/"))
        finally:
            store.close()

    listed: list[str] = []
    real = EmbeddedStore.graphs_under

    def counted(self: EmbeddedStore, record: str) -> list[str]:
        listed.append(record)
        return real(self, record)

    monkeypatch.setattr(EmbeddedStore, "graphs_under", counted)
    write(root / "f.yaml", three)
    run(store_dir, root, monkeypatch=monkeypatch)
    assert len(graphs()) == 3
    write(root / "f.yaml", three[:2])  # Gamma leaves the file
    listed.clear()
    report, _ = run(store_dir, root, monkeypatch=monkeypatch)
    assert report.removed == 1 and len(graphs()) == 2 and not any("gamma" in g for g in graphs())
    assert listed == []  # the sources named the file's graphs
    write(root / "f.yaml", [*three[:2], {"title": "Bad", "year": "20l1"}])  # rejected: the file loses its sources
    report, _ = run(store_dir, root, monkeypatch=monkeypatch)
    assert report.rejected == 1 and report.removed == 0 and len(graphs()) == 2
    write(root / "f.yaml", three[:1])  # fixed, and Beta left it meanwhile
    listed.clear()
    report, _ = run(store_dir, root, monkeypatch=monkeypatch)
    left = graphs()
    assert report.removed == 1 and len(left) == 1 and "alpha" in left.pop()
    assert len(listed) == 1  # listed, as the file had no source
    found, from_copy, log = view_of(store_dir)
    assert from_copy and found == log
