"""The versions an import keeps as it writes (lodfilm.versions.ImportVersions) and the writer that gathers new records
into fewer writes (lodfilm.importing.writing.Writer), over a real store on disk.

A film only one record is about has its version made from that record's lines; the others are copied from the
store. Either way the version kept under a film's newest event must be the film's triples as the store holds them.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from lodfilm import changelog, pipeline, versions
from lodfilm.importing.writing import Writer
from lodfilm.store import open_store
from lodfilm.store.base import LogLines, RecordDrop, RecordWrite, Store
from lodfilm.store.embedded import EmbeddedStore
from lodfilm.versions import Versions
from tests.conftest import DATA, SEED_YAML

BASE = "http://films.example.org/"
#: the store's answer, kept here: the tests count the import's own calls to it
OWN_TRIPLES = versions.own_triples


def records_per_film(store: Store) -> dict[str, int]:
    rows = store.select("SELECT ?f (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?g schema:about ?f } } GROUP BY ?f")
    return {row["f"]: int(row["n"]) for row in rows}


def newest_kept(store: Store, folder: Path) -> dict[str, bytes]:
    """Each film's version kept under its newest event (films whose newest event has none are left out)."""
    newest = versions.newest_by_film(e for e in changelog.events(store) if e.film is not None)
    kept = Versions(folder).get(newest.values())
    return {film: kept[event.seq] for film, event in newest.items() if event.seq in kept}


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The films whose triples the import read back from the store to keep their versions."""
    films: list[str] = []

    def counting(store: Any, wanted: Sequence[str]) -> dict[str, bytes]:
        films.extend(wanted)
        return OWN_TRIPLES(store, wanted)

    monkeypatch.setattr(versions, "own_triples", counting)
    return films


def import_into(store_dir: Path, *paths: Path) -> pipeline.Report:
    store = open_store(store_dir)
    try:
        return pipeline.run(list(paths), base=BASE, store=store, progress=False, workers=1)
    finally:
        store.close()


def test_every_films_kept_version_is_the_stores_and_only_shared_films_are_read_back(
        tmp_path: Path, asked: list[str]) -> None:
    """The bundled records (the seed page, its YAML record and the LUX table: *Illégal* has three records) and a
    table of films each with one record: every film's kept version equals what the store says of it now."""
    records = tmp_path / "records"
    shutil.copytree(DATA, records)
    rows = ["title,year,directors,runtime_minutes,genres,rating.value,rating.count"]
    rows += [f'Film number {n},{1950 + n % 70},Director {n},{80 + n % 60},Drama | Comedy,{n % 10}.5,{n * 7}'
             for n in range(1, 121)]
    (records / "more.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    store_dir = tmp_path / "store"
    report = import_into(store_dir, records)
    assert not report.errors and report.written > 120
    store = open_store(store_dir)
    try:
        counts = records_per_film(store)
        kept = newest_kept(store, store_dir)
        assert set(kept) == set(counts)  # every film has its newest version kept
        for film, triples in kept.items():
            assert triples == OWN_TRIPLES(store, [film])[film], film
    finally:
        store.close()
    shared = {film for film, n in counts.items() if n > 1}
    assert f"{BASE}film/illegal-2010" in shared
    # only the films other records are about too were read back from the store, each once
    assert set(asked) == shared and len(asked) == len(shared)


def test_an_update_keeps_the_new_version_from_its_lines(tmp_path: Path, asked: list[str]) -> None:
    records = tmp_path / "records"
    records.mkdir()
    page = records / "film.yaml"
    page.write_text(SEED_YAML.read_text(encoding="utf-8"), encoding="utf-8")
    store_dir = tmp_path / "store"
    import_into(store_dir, records)
    page.write_text(page.read_text(encoding="utf-8").replace("runtime_minutes: 95", "runtime_minutes: 97"),
                    encoding="utf-8")
    assert import_into(store_dir, records).written == 1
    store = open_store(store_dir)
    try:
        events = changelog.events(store)
        assert [e.kind for e in events] == ["create", "update"]
        kept = Versions(store_dir).get(events)
        film = events[-1].film
        assert film is not None
        assert kept[2] == OWN_TRIPLES(store, [film])[film] and b"PT1H37M" in kept[2]
        assert b"PT1H35M" in kept[1] and b"PT1H37M" not in kept[1]  # the first version stays as it was
    finally:
        store.close()
    assert asked == []  # both versions made from the record's own lines


def test_film_lines_takes_the_films_triples_and_its_parts_only() -> None:
    film = f"{BASE}film/x-2001"
    lines = {
        f'<{film}> <http://schema.org/name> "X" .',
        f"<{film}> <http://schema.org/director> <{BASE}person/a> .",
        f'<{BASE}person/a> <http://schema.org/name> "A" .',
        f"<{film}> <http://schema.org/aggregateRating> <{film}#rating> .",
        f'<{film}#rating> <http://schema.org/ratingValue> "7.5" .',
        f'<{film}#orphan> <http://schema.org/name> "linked from nothing" .',
        f"<{film}-2> <http://schema.org/sameAs> <{film}> .",
    }
    assert versions.film_lines(film, lines).decode().splitlines() == sorted([
        f'<{film}> <http://schema.org/name> "X" .',
        f"<{film}> <http://schema.org/director> <{BASE}person/a> .",
        f"<{film}> <http://schema.org/aggregateRating> <{film}#rating> .",
        f'<{film}#rating> <http://schema.org/ratingValue> "7.5" .',
    ])


class CountingStore:
    """A real store that counts the writes it is given, and can fail one."""

    def __init__(self, inner: EmbeddedStore, per_write: int, fail_at: int | None = None) -> None:
        self.inner = inner
        self.new_records_per_write = per_write
        self.calls: list[tuple[int, int]] = []  # (records written, records dropped) per write
        self.fail_at = fail_at

    def write(self, writes: list[RecordWrite], drops: list[RecordDrop], log: list[LogLines] | None = None) -> None:
        self.calls.append((len(writes), len(drops)))
        if len(self.calls) == self.fail_at:
            raise OSError("no space left on device")
        self.inner.write(writes, drops, log or [])


def new_record(n: int) -> RecordWrite:
    return RecordWrite(f"{BASE}record/r{n}", frozenset({f'<{BASE}film/f{n}> <{BASE}p> "{n}" .'}), replaces=False)


def test_the_writer_gathers_new_records_and_writes_whatever_else_in_order(tmp_path: Path) -> None:
    inner = open_store(tmp_path / "store")
    assert isinstance(inner, EmbeddedStore)
    store = CountingStore(inner, per_write=3)
    landed: list[int] = []
    writer = Writer(store)  # type: ignore[arg-type]
    try:
        for n in range(5):
            writer.write([new_record(n)], [], then=lambda n=n: landed.append(n))  # type: ignore[misc]
        writer.wait()
        assert store.calls == [(3, 0), (2, 0)] and landed == [0, 1, 2, 3, 4]
        # a replacing write first sends what is gathered, then goes alone, in order
        writer.write([new_record(5)], [])
        writer.write([RecordWrite(f"{BASE}record/r0", frozenset({f'<{BASE}film/f0> <{BASE}p> "zero" .'}))], [])
        writer.write([], [RecordDrop(f"{BASE}record/r1")])
        writer.close()
        assert store.calls[2:] == [(1, 0), (1, 0), (0, 1)]
        assert inner.record_graphs(f"{BASE}record/") == sorted(f"{BASE}record/r{n}" for n in (0, 2, 3, 4, 5))
        assert inner.record_triples(f"{BASE}record/r0") == {f'<{BASE}film/f0> <{BASE}p> "zero" .'}
    finally:
        inner.close()


def test_a_gathered_write_that_fails_writes_nothing_after_it_and_runs_none_of_its_then(tmp_path: Path) -> None:
    inner = open_store(tmp_path / "store")
    assert isinstance(inner, EmbeddedStore)
    store = CountingStore(inner, per_write=2, fail_at=2)
    landed: list[int] = []
    writer = Writer(store)  # type: ignore[arg-type]
    try:
        with pytest.raises(OSError, match="no space"):
            for n in range(6):
                writer.write([new_record(n)], [], then=lambda n=n: landed.append(n))  # type: ignore[misc]
            writer.wait()
        writer.close()
        assert landed == [0, 1]
        assert inner.record_graphs(f"{BASE}record/") == [f"{BASE}record/r0", f"{BASE}record/r1"]
    finally:
        inner.close()
