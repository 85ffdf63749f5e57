"""The import's stages, each tested alone (issue 16 point 4): key, skip (fingerprint and unchanged files), log
(sources settled at a file's end), prune. The whole run is tested in test_import.py, test_sync.py and the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from lodfilm.changelog import RecordSource, place, source_lines
from lodfilm.errors import RecordError
from lodfilm.identity import FilmClaim
from lodfilm.importing import prune
from lodfilm.importing.events import FileEnd, Sequence, sources_settled
from lodfilm.importing.fingerprint import fingerprint, settings_digest
from lodfilm.importing.keys import FileKeys
from lodfilm.importing.skip import UnchangedFiles
from lodfilm.importing.spill import SpilledDict, SpilledSet
from lodfilm.iris import Iris
from lodfilm.records import Input
from lodfilm.records.model import Film, Person
from tests.conftest import BASE


def claim(title: str, year: int, *directors: str) -> FilmClaim:
    return FilmClaim.of(record="", file="f", id=None, titles=[title], year=year,
                        directors=[f"{BASE}person/{d}" for d in directors], identifiers=[])


@pytest.mark.parametrize("limit", [2_000, 0], ids=["held", "spilled"])
def test_keys_tell_twins_apart_and_refuse_the_same_film_twice(limit: int) -> None:
    keys = FileKeys("films-yaml-0123", multi=True)
    keys.keys = SpilledDict(limit=limit)  # a table's keys move to SQLite past a few thousand: the same answers
    # a key that sorts between alpha-2001 and its family (alpha-2001-…) is not of the family
    assert keys.assign(Film(title="Alpha", year=2001, id="alpha-2001.5"), claim("Alpha", 2001, "cy"), path="films.yaml",
                       label="record 0") == "films-yaml-0123/alpha-2001.5"
    alpha = Film(title="Alpha", year=2001, directors=[Person(name="Ana")])
    assert keys.assign(alpha, claim("Alpha", 2001, "ana"), path="films.yaml", label="record 1") == \
        "films-yaml-0123/alpha-2001"
    # Another film of the same title and year, by another director: keyed by its director.
    other = Film(title="Alpha", year=2001, directors=[Person(name="Bo")])
    assert keys.assign(other, claim("Alpha", 2001, "bo"), path="films.yaml", label="record 2") == \
        "films-yaml-0123/alpha-2001-bo"
    twin = keys.assign(alpha, claim("Alpha", 2001, "ana"), path="films.yaml", label="record 3")
    assert isinstance(twin, RecordError) and twin.field == "title" and "same film as record 1" in twin.reason
    assert keys.graphs(Iris(BASE)) == {f"{BASE}record/films-yaml-0123/alpha-2001",
                                       f"{BASE}record/films-yaml-0123/alpha-2001-bo",
                                       f"{BASE}record/films-yaml-0123/alpha-2001.5"}
    assert keys.keys.spilled == (limit == 0)
    single = FileKeys("one-yaml-0123", multi=False)
    assert single.assign(alpha, claim("Alpha", 2001, "ana"), path="one.yaml", label="one.yaml") == "one-yaml-0123"


def test_the_fingerprint_changes_with_the_bytes_the_base_and_the_map(tmp_path: Path) -> None:
    page = tmp_path / "a.yaml"
    page.write_bytes(b"title: Alpha\n")
    settings = settings_digest(base=BASE, export_map=None)
    first = fingerprint(page, settings)
    assert first is not None and first.startswith("sha256:") and fingerprint(page, settings) == first
    assert fingerprint(page, settings_digest(base="http://other.example/", export_map=None)) != first
    page.write_bytes(b"title: Alpha \n")
    assert fingerprint(page, settings) != first
    assert fingerprint(tmp_path / "missing.yaml", settings) is None
    assert fingerprint(tmp_path, settings) is None  # a folder is not a file
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    assert fingerprint(tmp_path / "zero.txt", settings) is None  # never read: it would never end


def test_a_file_is_unchanged_only_when_every_record_of_it_has_its_fingerprint() -> None:
    sources = {"r1": RecordSource("sha256:a", "/in/a.yaml", "f1"), "r2": RecordSource("sha256:a", "/in/a.yaml", "f2"),
               "r3": RecordSource("sha256:b", "/in/b.yaml", "f3"), "r4": RecordSource("sha256:old", "/in/b.yaml")}
    unchanged = UnchangedFiles(sources)
    assert set(unchanged.unchanged("/in/a.yaml", "sha256:a") or {}) == {"r1", "r2"}
    assert unchanged.unchanged("/in/a.yaml", "sha256:z") is None
    assert unchanged.unchanged("/in/b.yaml", "sha256:b") is None  # r4 was made from other bytes
    assert unchanged.unchanged("/in/new.yaml", "sha256:a") is None
    assert unchanged.unchanged("/in/a.yaml", None) is None


def test_sources_are_settled_only_for_a_file_with_no_rejection(tmp_path: Path) -> None:
    old = {"r1": RecordSource("sha256:old", "/in/a.yaml", "f1"), "gone": RecordSource("sha256:old", "/in/a.yaml")}
    end = FileEnd(2, Input(Path("a.yaml"), Path("/in/a.yaml")), "a-yaml", "sha256:new", films={"r1": "f1", "r2": "f2"},
                  graphs=SpilledSet({"r1", "r2"}, limit=1))  # held as a table's graphs are, in SQLite
    from_file = {k: v for k, v in old.items() if v.file == place("/in/a.yaml")}
    settled = sources_settled(end, old, from_file, rejected=False)
    assert settled.add == source_lines("r1", RecordSource("sha256:new", "/in/a.yaml", "f1")) | \
        source_lines("r2", RecordSource("sha256:new", "/in/a.yaml", "f2"))
    assert settled.remove == source_lines("r1", old["r1"]) | source_lines("gone", old["gone"])
    rejected = sources_settled(end, old, from_file, rejected=True)
    assert rejected.add == frozenset()  # read again next time
    assert rejected.remove == settled.remove


def test_sequence_numbers_start_after_the_stores_newest_and_ask_it_once() -> None:
    asked: list[int] = []

    def newest() -> int:
        asked.append(1)
        return 41

    sequence = Sequence(newest)
    assert [sequence.next(), sequence.next(), sequence.next()] == [42, 43, 44]
    assert asked == [1]


@pytest.mark.parametrize("given", ["in", "in/", "in/sub/.."])
def test_prune_finds_only_gone_files_under_the_paths_given(tmp_path: Path, given: str) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    kept = tmp_path / "in" / "kept.yaml"
    kept.write_text("title: Kept\n")
    sources = {"kept": RecordSource("x", str(kept)), "gone": RecordSource("x", str(tmp_path / "in" / "gone.yaml")),
               "elsewhere": RecordSource("x", str(tmp_path / "out" / "gone.yaml")),
               "prefix": RecordSource("x", str(tmp_path / "in-other" / "gone.yaml"))}
    (tmp_path / "in" / "sub").mkdir()
    assert prune.gone(sources, [tmp_path / given]) == ["gone"]
