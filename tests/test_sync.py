"""Unchanged is free, and safe (issue 16 point 1): a file whose bytes, base IRI, map and lodfilm's mapping are those
its stored records were made from is skipped unread; any change to one of them reads it again. ``--prune`` removes
the records of files that are gone, and only those."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from lodfilm import changelog, pipeline
from lodfilm.importing import fingerprint
from lodfilm.records import read_path
from lodfilm.store import open_store
from tests.conftest import BASE, Cli
from tests.test_changelog import film, location  # noqa: F401  (the fixture: each backend)
from tests.test_maps import WIDE
from tests.test_store_contract import connect, import_


def write(path: Path, films: list[dict[str, object]], comment: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(comment + yaml.safe_dump(films), encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Three files, four films."""
    root = tmp_path / "in"
    write(root / "a.yaml", [film("Alpha", 2001, "Ana Example")])
    write(root / "b.yaml", [film("Beta", 2002, "Bo Example"), film("Gamma", 2003, "Cy Example")])
    write(root / "c.yaml", [film("Delta", 2004, "Di Example")])
    return root


class ReadCounter:
    """Which files the READ stage was asked to read (the real reader does the reading)."""

    def __init__(self) -> None:
        self.files: list[str] = []

    def __call__(self, path: Path, **options: object) -> Iterator[object]:
        self.files.append(path.name)
        return read_path(path, **options)  # type: ignore[arg-type]


def run(store_dir: Path, *paths: Path, monkeypatch: pytest.MonkeyPatch, base: str = BASE,
        **options: object) -> tuple[pipeline.Report, list[str]]:
    counter = ReadCounter()
    monkeypatch.setattr(pipeline, "read_path", counter)
    store = open_store(store_dir)
    try:
        report = pipeline.run(list(paths), base=base, store=store, progress=False, workers=0, **options)  # type: ignore[arg-type]
    finally:
        store.close()
    return report, sorted(counter.files)


def latest(store_dir: Path) -> int:
    store = open_store(store_dir)
    try:
        return changelog.latest(store)
    finally:
        store.close()


def test_unchanged_files_are_skipped_unread_and_a_changed_byte_is_read_again(
        folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store_dir = tmp_path / "store"
    first, read = run(store_dir, folder, monkeypatch=monkeypatch)
    assert (first.written, read) == (4, ["a.yaml", "b.yaml", "c.yaml"])
    assert latest(store_dir) == 4

    again, read = run(store_dir, folder, monkeypatch=monkeypatch)
    assert read == []  # nothing was read, mapped or validated
    assert (again.read, again.unchanged, again.skipped, again.written, again.rejected) == (4, 4, 4, 0, 0)
    assert len(again.films) == 4
    assert latest(store_dir) == 4  # and nothing logged

    # One byte that changes no graph (a comment): read again, nothing written, and skipped from then on.
    write(folder / "a.yaml", [film("Alpha", 2001, "Ana Example")], comment="# re-exported\n")
    comment, read = run(store_dir, folder, monkeypatch=monkeypatch)
    assert read == ["a.yaml"] and (comment.written, comment.unchanged, comment.skipped) == (0, 4, 3)
    assert run(store_dir, folder, monkeypatch=monkeypatch)[1] == []
    assert latest(store_dir) == 4

    # A changed value: that file alone is read, its record updated (one event).
    write(folder / "b.yaml", [film("Beta", 2002, "Bo Example", runtime=101), film("Gamma", 2003, "Cy Example")])
    changed, read = run(store_dir, folder, monkeypatch=monkeypatch)
    assert read == ["b.yaml"] and (changed.written, changed.unchanged, changed.skipped) == (1, 3, 2)
    store = open_store(store_dir)
    try:
        assert [(e.seq, e.kind, e.film) for e in changelog.events(store, after=4)] == [
            (5, "update", f"{BASE}film/beta-2002")]
        assert any('"PT1H41M"' in line for line in store.record_triples(changelog.events(store, after=4)[0].record))
    finally:
        store.close()


def test_a_changed_base_or_mapping_version_reads_every_file_again(
        folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store_dir = tmp_path / "store"
    run(store_dir, folder, monkeypatch=monkeypatch)
    other, read = run(store_dir, folder, monkeypatch=monkeypatch, base="http://other.example.org/")
    assert read == ["a.yaml", "b.yaml", "c.yaml"] and other.written == 4 and other.skipped == 0

    run(store_dir, folder, monkeypatch=monkeypatch)  # back under BASE: records unchanged, sources renewed
    assert run(store_dir, folder, monkeypatch=monkeypatch)[1] == []
    monkeypatch.setattr(fingerprint, "MAPPING_VERSION", "a newer mapping")
    remapped, read = run(store_dir, folder, monkeypatch=monkeypatch)
    assert read == ["a.yaml", "b.yaml", "c.yaml"] and remapped.skipped == 0
    assert (remapped.written, remapped.unchanged) == (0, 4)  # the same graphs: nothing written


def test_a_changed_map_reads_the_export_again(cli: Cli, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    map_file = tmp_path / "wide.map.yaml"
    suggested = cli("suggest-map", WIDE).stdout
    map_file.write_text(suggested, encoding="utf-8")
    assert cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, WIDE).exit_code == 0
    again = cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, WIDE)
    assert "10 skipped unread" in again.stdout
    # The same table through a map that no longer takes the content rating: read again, the films updated.
    map_file.write_text(suggested.replace("  content_rating: mpaa\n", "").replace("ignore:", "ignore:\n  - mpaa"),
                        encoding="utf-8")
    changed = cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, WIDE)
    assert changed.exit_code == 0, changed.stderr
    assert "skipped" not in changed.stdout and " 0 stored" not in changed.stdout


def test_a_file_with_a_rejected_record_is_never_skipped(folder: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    store_dir = tmp_path / "store"
    write(folder / "b.yaml", [film("Beta", 2002, "Bo Example"), {"title": "Gamma", "year": "20l3"}])
    first, _ = run(store_dir, folder, monkeypatch=monkeypatch)
    assert first.rejected == 1 and first.written == 3
    again, read = run(store_dir, folder, monkeypatch=monkeypatch)
    assert read == ["b.yaml"]  # its rejection is reported again, every time
    assert again.rejected == 1 and again.exit_status == 1 and "20l3" in str(again.errors[0])


def test_prune_removes_the_records_of_files_that_are_gone_and_nothing_else(
        location: str, folder: Path, tmp_path: Path) -> None:  # noqa: F811
    other = write(tmp_path / "elsewhere" / "e.yaml", [film("Epsilon", 2005, "Ed Example")])
    assert import_(location, folder, other.parent)[0] == 0
    (folder / "b.yaml").unlink()
    other.unlink()

    # Without --prune, nothing outside the files read is removed.
    status, out, _ = import_(location, folder)
    assert status == 0 and "removed" not in out and "2 skipped unread" in out
    store = connect(location)
    try:
        assert len(store.record_graphs(f"{BASE}record/")) == 5
        before = changelog.latest(store)
    finally:
        store.close()

    # With it: b.yaml's two records go, each a delete; e.yaml is gone too, but not under the path given.
    status, out, err = import_(location, "--prune", folder)
    assert status == 0, err
    assert "2 removed" in out
    store = connect(location)
    try:
        deletes = changelog.events(store, after=before)
        assert [e.kind for e in deletes] == ["delete", "delete"]
        assert {e.film for e in deletes} == {f"{BASE}film/beta-2002", f"{BASE}film/gamma-2003"}
        assert all(e.hash is None for e in deletes)
        films = {row["f"] for row in store.select("SELECT ?f WHERE { ?f a schema:Movie }")}
        assert films == {f"{BASE}film/{key}" for key in ("alpha-2001", "delta-2004", "epsilon-2005")}
    finally:
        store.close()
    # Pruning again finds nothing more to do.
    status, out, _ = import_(location, "--prune", folder)
    assert status == 0 and "removed" not in out
