"""The change log (issue 16 point 2): one event per create, update and delete of a record, written with the record,
with a hash any RDFC-1.0 implementation agrees with, the same on the embedded store and on a SPARQL server."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pyld import jsonld

from lodfilm import changelog
from lodfilm.settings import Settings
from lodfilm.store.base import Store
from lodfilm.web import close_app, create_app
from tests.conftest import BASE
from tests.test_crash import films, import_command
from tests.test_store_contract import SERVERS, connect, import_, run, server_settings, wipe


@pytest.fixture(params=["embedded", *SERVERS])
def location(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "embedded":
        monkeypatch.delenv("LODFILM_STORE", raising=False)
        yield str(tmp_path / "store")
        return
    url = server_settings(request.param, request, monkeypatch)
    wipe(url)
    yield url
    wipe(url)


def film(title: str, year: int, director: str, runtime: int = 90) -> dict[str, object]:
    return {"title": title, "year": year, "directors": [director], "countries": ["Belgium"],
            "runtime_minutes": runtime}


def independent_hash(lines: frozenset[str]) -> str:
    """RDFC-1.0 by another implementation (pyld's URDNA2015, which RDFC-1.0 standardised), over the N-Triples."""
    canonical = jsonld.normalize("\n".join(sorted(lines)) + "\n", {
        "algorithm": "URDNA2015", "inputFormat": "application/n-quads", "format": "application/n-quads"})
    return hashlib.sha256(canonical.encode()).hexdigest()


def opened(location: str) -> Store:
    return connect(location)


def test_create_update_delete_events_carry_the_records_canonical_hash(location: str, tmp_path: Path) -> None:
    source = tmp_path / "films.yaml"
    source.write_text(yaml.safe_dump([film("Alpha", 2001, "Ana Example"), film("Beta", 2002, "Bo Example")]))
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    assert import_(location, source)[0] == 0

    store = opened(location)
    try:
        created = changelog.events(store)
        assert [e.kind for e in created] == ["create", "create"]
        assert [e.seq for e in created] == [1, 2]
        records = {e.record: e for e in created}
        assert set(records) == set(store.record_graphs(f"{BASE}record/"))
        for event in created:
            assert event.time >= before and event.time.tzinfo is not None
            assert event.film in {f"{BASE}film/alpha-2001", f"{BASE}film/beta-2002"}
            assert event.hash == independent_hash(store.record_triples(event.record))
        assert changelog.latest(store) == 2
    finally:
        store.close()

    # The same files again: nothing changed, nothing logged.
    assert import_(location, source)[0] == 0
    # Alpha's runtime changes; Beta leaves the file.
    source.write_text(yaml.safe_dump([film("Alpha", 2001, "Ana Example", runtime=95)]))
    assert import_(location, source)[0] == 0
    store = opened(location)
    try:
        later = changelog.events(store, after=2)
        assert [(e.seq, e.kind) for e in later] == [(3, "update"), (4, "delete")]
        update, delete = later
        alpha = next(e for e in created if e.film == f"{BASE}film/alpha-2001")
        beta = next(e for e in created if e.film == f"{BASE}film/beta-2002")
        assert update.record == alpha.record and update.hash != alpha.hash
        assert update.hash == independent_hash(store.record_triples(update.record))
        # The tombstone: the record and its film named, no hash, the record gone.
        assert (delete.record, delete.film, delete.hash) == (beta.record, beta.film, None)
        assert store.record_triples(beta.record) == frozenset()
        assert changelog.latest(store) == 4
        assert [e.seq for e in changelog.events(store, after=1, limit=2)] == [2, 3]
        assert changelog.events(store, after=4) == []
        # A film's last change is its newest event's time.
        modified = changelog.film_modified(store)
        assert modified[alpha.film] == update.time
        assert changelog.last_modified(store, alpha.film) == update.time
        # The log is bookkeeping, not data: queries, counts and record dumps do not see it.
        stats = store.stats()
        assert stats.records == 1
        assert not store.select("SELECT ?e WHERE { ?e <urn:x-lodfilm:log:seq> ?n }")
    finally:
        store.close()


def test_a_killed_import_leaves_every_record_with_its_event_and_no_event_without_its_record(
        tmp_path: Path) -> None:
    """SIGKILL part-way through an import: each record in the store has exactly its one create event (with the
    hash of what is stored), no event names a record that is not there, and the rerun logs the rest once."""
    source = tmp_path / "films.yaml"
    source.write_text(yaml.safe_dump(films(2000)), encoding="utf-8")
    start = time.monotonic()
    reference = tmp_path / "reference"
    subprocess.run(import_command(reference, source), check=True, capture_output=True, timeout=300)
    seconds = time.monotonic() - start
    # The kill's moment is searched for: a kill before the first write lands, or after the last, proves nothing
    # about a cut import (the writer loads new records 500 at a time, so 2,000 films land in four loads, and a
    # machine's load moves those moments from one run to the next): too early, the next kill comes later; too late,
    # earlier.
    early, late, moment = 0.0, 1.0, 0.6
    for attempt in range(8):
        store_dir = tmp_path / f"store-{attempt}"
        process = subprocess.Popen(import_command(store_dir, source), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(seconds * moment)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        store = connect(str(store_dir))
        try:
            graphs = set(store.record_graphs(f"{BASE}record/"))
            logged = changelog.events(store)
            assert sorted(e.record for e in logged) == sorted(graphs)
            for event in logged:
                assert event.hash == changelog.graph_hash(store.record_triples(event.record))
        finally:
            store.close()
        killed = process.returncode == -signal.SIGKILL
        if killed and 0 < len(graphs) < 2000:
            break
        if killed and not graphs:
            early = moment
        else:
            late = moment
        moment = (early + late) / 2
    else:
        pytest.fail("no kill landed part-way through an import in eight tries")
    done = subprocess.run(import_command(store_dir, source), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    store = connect(str(store_dir))
    try:
        logged = changelog.events(store)
        assert [e.seq for e in logged] == list(range(1, 2001))
        assert {e.kind for e in logged} == {"create"}
        assert len({e.record for e in logged}) == 2000
    finally:
        store.close()


def test_sitemap_lastmod_and_a_films_last_modified_come_from_the_log(location: str, tmp_path: Path) -> None:
    """A record read back from a dump keeps the stamp it was published with (here 2001); the film still changed
    in this store when the import wrote it, and that is what the sitemap and the film's documents say."""
    source = tmp_path / "films.yaml"
    source.write_text(yaml.safe_dump([film("Alpha", 2001, "Ana Example")]))
    first = tmp_path / "first"
    assert import_(str(first), source)[0] == 0
    dump = tmp_path / "dump.nq"
    status, out, err = run("dump", "--store", first, "--format", "nq")
    assert status == 0, err
    old = re.sub(r'(dc/terms/modified> )"[^"]+"', r'\1"2001-01-01T00:00:00Z"', out)
    assert old != out
    dump.write_text(old, encoding="utf-8")
    assert import_(location, dump)[0] == 0

    app = create_app(Settings.load(store=location, base=BASE))
    try:
        client = app.test_client()
        store = connect(location)
        try:
            (event,) = changelog.events(store)
        finally:
            store.close()
        assert event.kind == "create" and event.time.year > 2001
        sitemap = client.get("/sitemap.xml").get_data(as_text=True)
        assert f"<loc>{BASE}film/alpha-2001</loc><lastmod>{event.time.date().isoformat()}</lastmod>" in \
            re.sub(r"\s+", "", sitemap)
        page = client.get("/film/alpha-2001.ttl")
        assert page.status_code == 200
        assert page.last_modified == event.time
        assert client.get("/film/alpha-2001.ttl", headers={
            "If-Modified-Since": page.headers["Last-Modified"]}).status_code == 304
    finally:
        close_app(app)


def test_graph_hash_is_rdfc_1_0_with_and_without_blank_nodes() -> None:
    plain = frozenset({f'<{BASE}film/a> <http://schema.org/name> "Ça \\"va\\"\\n"@fr .',
                       f"<{BASE}film/a> <http://schema.org/director> <{BASE}person/b> ."})
    blank = plain | {f"<{BASE}film/a> <http://schema.org/actor> _:role1 .",
                     '_:role1 <http://schema.org/roleName> "Ana" .', "_:role1 <http://schema.org/actor> _:p ."}
    renamed = frozenset(line.replace("_:role1", "_:x").replace("_:p", "_:y") for line in blank)
    for graph in (plain, blank):
        assert changelog.graph_hash(graph) == independent_hash(graph)
    assert changelog.graph_hash(renamed) == changelog.graph_hash(blank) != changelog.graph_hash(plain)
