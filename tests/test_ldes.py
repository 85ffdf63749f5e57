"""The Linked Data Event Stream: the graphs (lodfilm.publish.ldes) over plain events, and ``/ldes`` in-process over
a real store that saw creates, an update and a delete — members as immutable versions, TREE relations by time,
content negotiation."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from lodfilm import changelog, versions
from lodfilm.publish import ldes
from lodfilm.settings import Settings
from lodfilm.store import open_store
from lodfilm.store.base import LogLines
from lodfilm.versions import Versions
from lodfilm.web import close_app, create_app
from tests.conftest import SEED_YAML
from tests.doors import event, sync, three_films, update_one_delete_one

LDES = Namespace(ldes.LDES)
TREE = Namespace(ldes.TREE)
AS = Namespace(ldes.AS)
BASE = "http://films.example.org/"
SDO = "http://schema.org/"
STREAM = URIRef(f"{BASE}ldes")


def nt(data: bytes) -> Graph:
    return Graph().parse(data=data, format="nt")


def test_the_stream_names_its_time_and_version_paths_and_its_view() -> None:
    graph = nt(ldes.stream(BASE))
    assert (STREAM, RDF.type, LDES.EventStream) in graph
    assert graph.value(STREAM, LDES.timestampPath) == DCTERMS.modified
    assert graph.value(STREAM, LDES.versionOfPath) == DCTERMS.isVersionOf
    assert graph.value(STREAM, TREE.view) == URIRef(f"{BASE}ldes/view")


def test_the_view_relates_to_each_page_by_its_earliest_time() -> None:
    events = [event(n, "create", f"f{n}") for n in range(1, 251)]
    graph = nt(ldes.view(BASE, events[::100]))
    relations = {graph.value(r, TREE.node): r for r in graph.objects(URIRef(f"{BASE}ldes/view"), TREE.relation)}
    assert set(relations) == {URIRef(f"{BASE}ldes/page/{n}") for n in range(3)}
    second = relations[URIRef(f"{BASE}ldes/page/1")]
    assert (second, RDF.type, TREE.GreaterThanOrEqualToRelation) in graph
    assert graph.value(second, TREE.path) == DCTERMS.modified
    assert graph.value(second, TREE.value) == Literal("2026-12-01T11:41:00Z", datatype=XSD.dateTime)  # event 101


def test_a_page_holds_versions_and_a_tombstone_and_relates_forward_only() -> None:
    film = URIRef(f"{BASE}film/a")
    old = f'<{film}> <{SDO}name> "Old title" .\n'.encode()
    events = [event(1, "create", "a"), event(2, "delete", "a"), event(3, "create", "b")]
    graph = nt(ldes.page(BASE, 0, events[:2], total=3, versions={1: old}, next_first=events[2], size=2))
    first, tomb = URIRef(f"{BASE}ldes/member/1"), URIRef(f"{BASE}ldes/member/2")
    assert set(graph.objects(STREAM, TREE.member)) == {first, tomb}
    assert graph.value(first, DCTERMS.isVersionOf) == film
    assert graph.value(first, URIRef(SDO + "name")) == Literal("Old title")  # about the member, not the film
    assert (film, None, None) not in graph
    assert (tomb, RDF.type, AS.Tombstone) in graph and graph.value(tomb, DCTERMS.isVersionOf) == film
    (relation,) = graph.objects(URIRef(f"{BASE}ldes/page/0"), TREE.relation)
    assert graph.value(relation, TREE.node) == URIRef(f"{BASE}ldes/page/1")
    last = nt(ldes.page(BASE, 1, events[2:], total=3, versions={}, next_first=None, size=2))
    assert not list(last.objects(URIRef(f"{BASE}ldes/page/1"), TREE.relation))


# -- /ldes over a real store -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """Three films created and served (so their first versions are kept), then Film 2012's runtime changed and
    Film 2013's file removed (``--prune``), served again."""
    root = tmp_path_factory.mktemp("ldes")
    pages = three_films(root / "records", SEED_YAML)
    store_dir = root / "store"
    sync(root / "records", store_dir, BASE)
    app = create_app(Settings(store=store_dir, base=BASE))
    client = app.test_client()
    assert client.get("/ldes/page/0").status_code == 200  # the server sees the first versions
    time.sleep(1.1)
    update_one_delete_one(pages)
    sync(root / "records", store_dir, BASE, prune=True)
    deadline = time.monotonic() + 10
    while b"member/5" not in client.get("/ldes/page/0", headers={"Accept": "text/turtle"}).data:
        assert time.monotonic() < deadline, "the app never served the second import"
        time.sleep(0.2)
    yield client
    close_app(app)


def turtle(client: FlaskClient, path: str) -> Graph:
    reply = client.get(path, headers={"Accept": "text/turtle"})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert reply.mimetype == "text/turtle"
    return Graph().parse(data=reply.data, format="turtle")


def duration(graph: Graph, member: int) -> str:
    return str(graph.value(URIRef(f"{BASE}ldes/member/{member}"), URIRef(SDO + "duration")))


def test_each_change_is_a_member_with_the_film_as_it_was(client: FlaskClient) -> None:
    graph = turtle(client, "/ldes/page/0")
    assert len(set(graph.objects(STREAM, TREE.member))) == 5
    film_2012 = URIRef(f"{BASE}film/film-2012-2012")
    versions = sorted(graph.subjects(DCTERMS.isVersionOf, film_2012))
    assert len(versions) == 2 and versions[0] == URIRef(f"{BASE}ldes/member/2")  # its create, then its update
    assert duration(graph, 2) == "PT1H35M"
    assert duration(graph, int(str(versions[1]).rsplit("/", 1)[1])) == "PT1H36M"
    tombstones = list(graph.subjects(RDF.type, AS.Tombstone))
    assert len(tombstones) == 1
    assert graph.value(tombstones[0], DCTERMS.isVersionOf) == URIRef(f"{BASE}film/film-2013-2013")


def test_a_member_is_its_own_document_and_never_changes(client: FlaskClient) -> None:
    reply = client.get("/ldes/member/2", headers={"Accept": "text/turtle"})
    assert "immutable" in reply.headers["Cache-Control"]
    assert duration(Graph().parse(data=reply.data, format="turtle"), 2) == "PT1H35M"
    assert client.get("/ldes/member/99").status_code == 404


def test_the_stream_in_each_rdf_format(client: FlaskClient) -> None:
    for accept, parser in (("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                           ("application/n-triples", "nt"), ("application/rdf+xml", "xml")):
        reply = client.get("/ldes", headers={"Accept": accept})
        assert reply.status_code == 200 and reply.mimetype == accept
        assert "Accept" in reply.headers["Vary"]
        graph = Graph().parse(data=reply.data, format=parser)
        assert (STREAM, RDF.type, LDES.EventStream) in graph, accept
    page = client.get("/ldes/page/0?format=jsonld")
    graph = Graph().parse(data=page.data, format="json-ld")
    assert len(set(graph.objects(STREAM, TREE.member))) == 5


def test_unknown_pages_and_formats_are_refused_with_a_message(client: FlaskClient) -> None:
    reply = client.get("/ldes/page/3", headers={"Accept": "text/plain"})
    assert reply.status_code == 404 and "no LDES page 3" in reply.get_data(as_text=True)
    reply = client.get("/ldes?format=pdf", headers={"Accept": "text/plain"})
    assert reply.status_code == 406 and "pdf" in reply.get_data(as_text=True)


def logged(store_dir: Path) -> list[changelog.Event]:
    store = open_store(store_dir)
    try:
        return changelog.events(store)
    finally:
        store.close()


def test_versions_are_kept_by_the_import_so_two_syncs_with_no_server_between_lose_none(tmp_path: Path) -> None:
    """The import keeps each changed film's version itself: a create followed by an update before any server read
    the store still has both members' triples, and a sync that changes one film copies one version."""
    pages = three_films(tmp_path / "records", SEED_YAML)
    store_dir = tmp_path / "store"
    sync(tmp_path / "records", store_dir, BASE)
    kept = Versions(store_dir)
    assert len(kept.get(logged(store_dir))) == 3  # the three creates, before any server ran
    time.sleep(1.1)
    update_one_delete_one(pages)
    sync(tmp_path / "records", store_dir, BASE, prune=True)
    versions = kept.get(logged(store_dir))
    assert sorted(versions) == [1, 2, 3, 4]  # event 4 the update; the delete (5) has no version
    assert b"PT1H36M" in versions[4] and b"PT1H35M" in versions[2] and b"PT1H36M" not in versions[2]
    app = create_app(Settings(store=store_dir, base=BASE))
    try:
        graph = turtle(app.test_client(), "/ldes/page/0")
    finally:
        close_app(app)
    assert duration(graph, 2) == "PT1H35M" and duration(graph, 4) == "PT1H36M"


def test_an_import_that_changes_nothing_copies_no_version(tmp_path: Path) -> None:
    three_films(tmp_path / "records", SEED_YAML)
    store_dir = tmp_path / "store"
    sync(tmp_path / "records", store_dir, BASE)
    before = (store_dir / "ldes-versions.sqlite").stat().st_mtime_ns
    sync(tmp_path / "records", store_dir, BASE)
    assert (store_dir / "ldes-versions.sqlite").stat().st_mtime_ns == before
    store = open_store(store_dir)
    try:
        assert versions.keep_imported(store, after=0) == 0  # every film's newest version is kept already
    finally:
        store.close()


def test_another_stores_event_of_the_same_number_does_not_inherit_its_version(tmp_path: Path) -> None:
    """A store made anew at the same place numbers its events from 1 again: the old copies are not its versions."""
    folder = tmp_path / "records"
    three_films(folder, SEED_YAML)
    store_dir = tmp_path / "store"
    sync(folder, store_dir, BASE)
    old = Versions(store_dir).get(logged(store_dir))
    for child in store_dir.iterdir():
        if child.name != "ldes-versions.sqlite":
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    time.sleep(1.1)
    for path in folder.iterdir():
        path.write_text(path.read_text(encoding="utf-8").replace("runtime_minutes: 95", "runtime_minutes: 97"),
                        encoding="utf-8")
    sync(folder, store_dir, BASE)
    new = Versions(store_dir).get(logged(store_dir))
    assert sorted(new) == sorted(old) == [1, 2, 3]
    assert all(b"PT1H37M" in triples for triples in new.values())


def test_an_event_about_no_film_is_no_version_and_no_failure(tmp_path: Path) -> None:
    """A record the log knows no film of (its delete names none) leaves the import's keeping of versions alone."""
    three_films(tmp_path / "records", SEED_YAML)
    store_dir = tmp_path / "store"
    sync(tmp_path / "records", store_dir, BASE)
    store = open_store(store_dir)
    try:
        stamp = changelog.timestamp(dt.datetime.now(dt.UTC))
        lines = changelog.event_lines(4, stamp, "delete", f"{BASE}record/gone", None, None)
        store.write([], [], [LogLines(add=lines, remove=frozenset())])
        assert versions.keep_imported(store, after=3, upto=4) == 0
        assert versions.keep_imported(store, after=0) == 0  # the three films' versions, kept by their import
    finally:
        store.close()
