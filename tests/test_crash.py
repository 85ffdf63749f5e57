"""An import killed at any moment (SIGKILL) leaves a store that opens with every record wholly in or wholly out,
and running the same import again completes it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from lodfilm.store.base import RecordWrite
from lodfilm.store.embedded import JOURNAL, EmbeddedStore, new_records
from tests.conftest import BASE, SEED_PAGE, Cli, default_graph

MODIFIED = "<http://purl.org/dc/terms/modified>"
COUNT = 2000  # films: enough that an import is still running when it is killed


def films(count: int) -> list[dict[str, object]]:
    """Deterministic records with people shared across films, as real careers are."""
    return [
        {
            "title": f"Film {i}",
            "year": 1950 + i % 70,
            "directors": [f"Director {i % 37}"],
            "countries": ["Belgium", "France"][: 1 + i % 2],
            "runtime_minutes": 80 + i % 40,
            "cast": [{"name": f"Actor {(i * 7 + k) % 300}", "character": f"Role {k}"} for k in range(8)],
            "crew": [{"role": "Cinematography", "name": f"DoP {i % 50}"}, {"role": "Editing", "name": f"Ed {i % 40}"}],
            "synopsis": f"Synopsis of film {i}. " * 30,
        }
        for i in range(count)
    ]


def record_contents(store_dir: Path) -> dict[str, frozenset[str]]:
    store = EmbeddedStore(store_dir)
    try:
        return {
            graph: frozenset(line for line in store.record_triples(graph) if MODIFIED not in line)
            for graph in store.record_graphs(f"{BASE}record/")
        }
    finally:
        store.close()


def import_command(store: Path, source: Path) -> list[str]:
    return [sys.executable, "-m", "lodfilm", "import", "--no-progress", "--store", str(store), "--base", BASE,
            str(source)]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "films.yaml"
    path.write_text(yaml.safe_dump(films(COUNT)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(source: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, frozenset[str]], float]:
    """The store an uninterrupted import gives, and how long that import took (kills are timed from it)."""
    store = tmp_path_factory.mktemp("reference") / "store"
    start = time.monotonic()
    subprocess.run(import_command(store, source), check=True, capture_output=True, timeout=300)
    seconds = time.monotonic() - start
    contents = record_contents(store)
    assert len(contents) == COUNT
    return contents, seconds


@pytest.mark.parametrize("moment", [0.5, 0.85])
def test_killed_import_leaves_whole_records_and_rerun_completes(
    source: Path, reference: tuple[dict[str, frozenset[str]], float], tmp_path: Path, moment: float
) -> None:
    """Killed part-way (at that share of a whole import's time), the store holds only whole records.

    The share is of a reference import's time, and a machine's load changes from one import to the next: an
    import that ran faster than its reference may be done (or have every record in) when the kill comes. That
    kill proves nothing about a cut import, so it is tried again earlier, until one lands part-way."""
    whole, seconds = reference
    for attempt in range(5):
        store = tmp_path / f"store-{attempt}"
        process = subprocess.Popen(import_command(store, source), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(seconds * moment * 0.7**attempt)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        partial = record_contents(store)  # the store opens after the kill
        for graph, lines in partial.items():
            assert lines == whole[graph], f"{graph} is half-written"
        if process.returncode == -signal.SIGKILL and len(partial) < len(whole):
            break
    else:
        pytest.fail("no kill landed part-way through an import in five tries")

    done = subprocess.run(import_command(store, source), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert record_contents(store) == whole


def test_a_bulk_load_cut_short_is_taken_out_when_the_store_next_opens(cli: Cli, tmp_path: Path) -> None:
    """The journal of new records names a batch whose load stopped half-way: the next writer removes what of it
    reached the store, and keeps what earlier records state (here a country the seed also names)."""
    store_dir = tmp_path / "store"
    assert cli("import", "--store", store_dir, "--base", BASE, SEED_PAGE).exit_code == 0
    before = record_contents(store_dir)
    country = next(line for line in next(iter(before.values())) if "/country/" in line.split(" ")[0])
    new_line = f"<{BASE}film/cut-short> <http://schema.org/name> \"Cut short\" ."
    batch = new_records([RecordWrite(f"{BASE}record/cut-short", frozenset({country, new_line}), replaces=False)])
    store = EmbeddedStore(store_dir)
    (store_dir / JOURNAL).write_bytes(batch)
    store._store.bulk_load(b"\n".join(batch.split(b"\n")[:3]), format=ox.RdfFormat.N_QUADS)  # 3 of its 4 quads
    store.close()

    assert record_contents(store_dir) == before  # opening as a writer recovers
    assert not (store_dir / JOURNAL).exists()
    reopened = EmbeddedStore(store_dir)
    try:
        default = default_graph(reopened)
    finally:
        reopened.close()
    assert country in default
    assert new_line not in default
