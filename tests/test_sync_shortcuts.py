"""The shortcuts that keep a sync's cost from growing with the store (issue 16), and why each is safe: a file's
fingerprint remembered beside its status (:class:`lodfilm.importing.fingerprint.KnownFiles`) is used only while
the status is what it was, so a changed byte — even a same-size edit in the same second, or one whose mtime was set
back — is read again; the change log read whole through one TSV answer gives what the triples hold."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest

from lodfilm.importing import fingerprint as fingerprints
from lodfilm.importing.fingerprint import KnownFiles, settings_digest
from lodfilm.records import Input, record_files
from lodfilm.store.base import LOG_GRAPH
from lodfilm.store.embedded import EmbeddedStore
from tests.conftest import BASE
from tests.test_changelog import film
from tests.test_sync import folder, run, write  # noqa: F401  (the fixture)

SETTINGS = settings_digest(base=BASE, export_map=None)


class Hashes:
    """How many times file bytes were hashed (the real hashing is done)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = fingerprints.hashed

        def counted(path: Path | str, settings: bytes) -> tuple[str | None, fingerprints.Status | None]:
            self.count += 1
            return real(path, settings)

        monkeypatch.setattr(fingerprints, "hashed", counted)


def test_an_unchanged_status_is_not_hashed_again_and_gives_the_same_fingerprint(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fingerprints, "SETTLED_NS", 0)
    page = tmp_path / "a.txt"
    page.write_bytes(b"one")
    known = KnownFiles(tmp_path / "known")
    first = known.fingerprint(str(page), SETTINGS)
    known.save()
    assert first == fingerprints.fingerprint(page, SETTINGS)
    hashes = Hashes(monkeypatch)
    again = KnownFiles(tmp_path / "known")  # read back from its file
    assert again.fingerprint(str(page), SETTINGS) == first
    assert hashes.count == 0
    # other settings (another base): hashed again, to another fingerprint
    other = settings_digest(base="http://elsewhere.example/", export_map=None)
    assert again.fingerprint(str(page), other) != first
    assert hashes.count == 1


def test_a_same_size_edit_with_its_mtime_set_back_is_hashed_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fingerprints, "SETTLED_NS", 0)
    page = tmp_path / "a.txt"
    page.write_bytes(b"one")
    info = page.stat()
    known = KnownFiles(tmp_path / "known")
    before = known.fingerprint(str(page), SETTINGS)
    page.write_bytes(b"two")  # same size
    os.utime(page, ns=(info.st_atime_ns, info.st_mtime_ns))  # mtime as it was: only the ctime tells
    assert page.stat().st_mtime_ns == info.st_mtime_ns and page.stat().st_size == info.st_size
    after = known.fingerprint(str(page), SETTINGS)
    assert after != before and after == fingerprints.fingerprint(page, SETTINGS)


def test_a_file_changed_within_the_settling_time_is_never_remembered(tmp_path: Path) -> None:
    page = tmp_path / "a.txt"
    page.write_bytes(b"one")
    known = KnownFiles(tmp_path / "known")
    known.fingerprint(str(page), SETTINGS)
    assert str(page) not in known.entries  # written a moment ago: its status may not yet tell a later edit
    known.save()
    assert not (tmp_path / "known").exists()


def test_a_damaged_or_foreign_file_of_known_files_only_means_hashing(tmp_path: Path) -> None:
    page = tmp_path / "a.txt"
    page.write_bytes(b"one")
    for content in (b"", b"not marshal at all", b"\xe9\x01\x02"):
        (tmp_path / "known").write_bytes(content)
        assert KnownFiles(tmp_path / "known").fingerprint(str(page), SETTINGS) == fingerprints.fingerprint(
            page, SETTINGS)


def test_a_same_size_edit_in_the_same_second_is_imported(folder: Path, tmp_path: Path,  # noqa: F811
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole import: each edit lands at once after the import before it, in the same second, same size."""
    store = tmp_path / "store"
    report, _ = run(store, folder, monkeypatch=monkeypatch)
    assert report.written == 4
    page = folder / "a.yaml"
    text = page.read_text(encoding="utf-8")
    for old, new in (("2001", "2011"), ("2011", "2021")):
        text = text.replace(old, new)
        page.write_text(text, encoding="utf-8")
        report, files = run(store, folder, monkeypatch=monkeypatch)
        assert files == ["a.yaml"] and report.written == 1


def test_an_import_remembers_settled_files_and_skips_them_unhashed(folder: Path, tmp_path: Path,  # noqa: F811
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fingerprints, "SETTLED_NS", 0)
    store = tmp_path / "store"
    run(store, folder, monkeypatch=monkeypatch)
    assert (store / "known-files").is_file()
    hashes = Hashes(monkeypatch)
    report, files = run(store, folder, monkeypatch=monkeypatch)
    assert hashes.count == 0 and files == [] and report.skipped == 4
    write(folder / "c.yaml", [film("Delta", 2005, "Di Example")])
    report, files = run(store, folder, monkeypatch=monkeypatch)
    assert hashes.count == 1 and files == ["c.yaml"] and report.written == 1


def test_the_log_read_whole_gives_each_value_as_the_triples_hold_it(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    log, source = ox.NamedNode(LOG_GRAPH), ox.NamedNode("urn:x-lodfilm:log:source")
    values: list[ox.Literal | ox.NamedNode] = [
        ox.Literal(text) for text in ('a "quoted" \\ tab\there\nnewline', "/in/a b.yaml", "ünï © 日本", "")]
    values += [ox.Literal("2026-12-02T07:00:00Z", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")),
               ox.Literal("hi", language="en"), ox.NamedNode("http://example.org/film/x")]
    for n, value in enumerate(values):
        store._store.add(ox.Quad(ox.NamedNode(f"urn:r:{n}"), source, value, log))
    store._store.add(ox.Quad(ox.BlankNode("b"), source, ox.Literal("not a record's"), log))
    try:
        assert dict(store.log_values(source.value)) == {f"urn:r:{n}": v.value for n, v in enumerate(values)}
    finally:
        store.close()


def test_files_are_listed_as_text_and_made_paths_only_when_asked(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "in" / "0001").mkdir(parents=True)
    (tmp_path / "in" / "0001" / "a.txt").write_text("x", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for given, shown in ((Path("in"), "in/0001/a.txt"), (Path("in/0001/.."), "in/0001/../0001/a.txt")):
        [found], _ = record_files([given])
        assert found.path_text == shown and found.path == given / "0001" / "a.txt"
        assert found.real == (tmp_path / "in" / "0001" / "a.txt").resolve() and found.real_text == str(found.real)
    monkeypatch.chdir(tmp_path / "in")
    [found], _ = record_files([Path(".")])
    assert found.path_text == str(Path(".") / "0001" / "a.txt")
    assert Input("a", "/x/a") == Input(Path("a"), Path("/x/a")) != Input("a", "/y/a")


def test_sources_an_older_lodfilm_wrote_with_paths_are_rewritten_and_their_files_still_skipped(
        folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from lodfilm import changelog
    from lodfilm.store.base import LogLines

    store_dir = tmp_path / "store"
    run(store_dir, folder, monkeypatch=monkeypatch)
    store = EmbeddedStore(store_dir)
    sources = changelog.record_sources(store)
    assert len(sources) == 4 and all(s.file.startswith("@") for s in sources.values())
    by_token = {changelog.token(str(p.resolve())): str(p.resolve()) for p in folder.iterdir()}
    older = {r: f"{s.fingerprint} {s.film} {by_token[s.file_token]}" for r, s in sources.items()}
    old = LogLines(  # as an older lodfilm wrote them: "fingerprint film /the/path"
        add=frozenset(f"<{r}> <{changelog.NS}source> {ox.Literal(value)} ." for r, value in older.items()),
        remove=frozenset(line for r, s in sources.items() for line in changelog.source_lines(r, s)))
    store.write([], [], [old])
    assert dict(store.log_values(f"{changelog.NS}source")) == older
    store.checkpoint()
    store.close()
    (store_dir / "sources").unlink()  # an older lodfilm kept no copy of the sources beside the store
    report, files = run(store_dir, folder, monkeypatch=monkeypatch)
    assert files == [] and report.skipped == 4  # the old sources still tell the files unchanged
    published = EmbeddedStore(store_dir, read_only=True)  # what the server answers from
    try:
        values = [v for _, v in published.log_values(f"{changelog.NS}source")]
        assert len(values) == 4 and not any(str(folder) in v for v in values)
    finally:
        published.close()


def test_the_held_records_asked_one_by_one_are_those_the_listing_gives(folder: Path, tmp_path: Path,  # noqa: F811
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from lodfilm.importing.lookups import FEW_LOOKUPS, HeldByFile, HeldRecords
    from lodfilm.iris import Iris, file_key

    store_dir = tmp_path / "store"
    run(store_dir, folder, monkeypatch=monkeypatch)
    store = EmbeddedStore(store_dir)
    iris = Iris(BASE)
    try:
        listed = set(store.record_graphs(iris.record("")))
        assert len(listed) == 4
        lazy, whole = HeldRecords(store, iris.record("")), HeldRecords(store, iris.record(""))
        whole.asked = FEW_LOOKUPS  # past the few: listed once
        for held in (lazy, whole):
            assert bool(held) and all(g in held for g in listed)
            assert f"{iris.record('')}nothing-here" not in held
            for name in ("a.yaml", "b.yaml", "c.yaml", "gone.yaml"):
                part = file_key((folder / name).resolve())
                expected = {g for g in listed if g.startswith(iris.record(part))}
                assert HeldByFile(held, iris).get(part, set()) == expected
                assert (len(expected) == 2) == (name == "b.yaml")
        assert lazy._all is None and whole._all == listed and LOG_GRAPH not in whole
        assert not HeldRecords(EmbeddedStore(tmp_path / "empty"), iris.record(""))
    finally:
        store.close()


def test_a_remembered_file_keeps_its_token_and_a_forgotten_one_does_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lodfilm.iris import path_token

    monkeypatch.setattr(fingerprints, "SETTLED_NS", 0)
    kept, other = tmp_path / "a.txt", tmp_path / "b.txt"
    kept.write_bytes(b"one")
    known = KnownFiles(tmp_path / "known")
    known.fingerprint(str(kept), SETTINGS)
    assert known.token(str(kept)) == path_token(str(kept))
    assert known.token(str(other)) == path_token(str(other))  # never hashed: its token is not kept
    known.save()
    assert KnownFiles(tmp_path / "known").tokens == {str(kept): path_token(str(kept))}
