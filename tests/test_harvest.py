"""Harvesting the three doors with real clients, against a real ``lodfilm serve`` on 127.0.0.1 over a real store.

The scenario (issue 16): an archive's folder (the LUX table and one film page of its own) is imported; every
client harvests it whole; then a sync changes three rows of the table, removes the film page's file and runs
``lodfilm import --prune`` on the folder (the film leaves the store: a delete); an incremental harvest by each
client gets exactly those four changes, in the change log's order.

* OAI-PMH: Sickle (PyPI), every response validated against the protocol's XML Schema; the incremental harvest
  asks ``from`` the first harvest's ``responseDate``, by POST.
* Activity Streams: a walker that follows only the links the feed gives (``first``/``next``, then ``last``/``prev``
  back to the newest activity it had seen).
* LDES: the npm client ``ldes-client`` (rdf-connect), resuming from its saved state; and an rdflib walker that
  follows ``tree:relation`` from the page it read last.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF
from sickle import Sickle
from sickle.response import OAIResponse

from lodfilm import changelog
from lodfilm.publish import ldes
from lodfilm.publish.oai_metadata import EDM
from lodfilm.store.embedded import EmbeddedStore
from tests.conftest import LUX_TABLE, SEED_YAML, free_port
from tests.doors import valid_oai
from tests.test_server import lodfilm, stop

LDES = Namespace(ldes.LDES)
TREE = Namespace(ldes.TREE)
AS = Namespace(ldes.AS)
REMOVED_TITLE = "A Film To Remove"
CLIENT_DIR = Path(__file__).resolve().parent / "ldes-client"
CHANGED = 3
AS_TYPE = 'application/ld+json;profile="https://www.w3.org/ns/activitystreams"'
OAI_NS = {"o": "http://www.openarchives.org/OAI/2.0/"}


# -- the archive: a table imported, served, then synced ----------------------------------------------------------
@dataclass
class Archive:
    base: str
    store: Path
    records: Path
    env: dict[str, str]

    @property
    def table(self) -> Path:
        return self.records / "lux-selection.csv"  # the file name names the prize

    @property
    def page(self) -> Path:
        return self.records / "a-film-to-remove.yaml"

    def url(self, path: str) -> str:
        return self.base + path

    def import_records(self, *flags: str) -> str:
        done = subprocess.run(lodfilm("import", "--store", self.store, "--base", self.base, "--no-progress",
                                      *flags, self.records), capture_output=True, text=True, env=self.env, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout


@dataclass
class Sync:
    """What the sync changed: the films updated (in table order), the one deleted, and the change log's newest
    events after it, as (film, kind) — what every incremental harvest must get."""

    updated: list[str]
    deleted: str
    events: list[tuple[str, str]]


def get(url: str, accept: str | None = None) -> tuple[bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=60) as reply:
        return reply.read(), dict(reply.headers.items())


def total_items(archive: Archive) -> int:
    body, _ = get(archive.url("activity"))
    return int(json.loads(body)["totalItems"])


def wait_for_items(archive: Archive, count: int) -> None:
    """The server serves the import's checkpoint within a second or so: poll the feed until it does."""
    deadline = time.monotonic() + 30
    while total_items(archive) != count:
        assert time.monotonic() < deadline, f"the feed never reached {count} items"
        time.sleep(0.2)


def film_names(archive: Archive) -> dict[str, set[str]]:
    """Each film of the store, with its names, read by ``lodfilm query``."""
    query = "SELECT ?f ?t WHERE { ?f a <http://schema.org/Movie> ; <http://schema.org/name> ?t }"
    rows = subprocess.run(lodfilm("query", "--store", archive.store, "--format", "json", query),
                          capture_output=True, text=True, env=archive.env, timeout=120)
    assert rows.returncode == 0, rows.stderr
    names: dict[str, set[str]] = {}
    for b in json.loads(rows.stdout)["results"]["bindings"]:
        names.setdefault(b["f"]["value"], set()).add(b["t"]["value"])
    return names


def film_iris(archive: Archive) -> list[str]:
    return sorted(film_names(archive))


def sync(archive: Archive) -> Sync:
    """Change the countries of rows 2-4 of the table, remove the film page's file; ``import --prune``."""
    with archive.table.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    before = film_names(archive)
    # a film's schema:name is its original title (the English one an alternate name)
    changed_titles = [rows[i]["original_title"] or rows[i]["title"] for i in (1, 2, 3)]
    for i in (1, 2, 3):
        rows[i]["countries"] = rows[i]["countries"] + " | Iceland"
    with archive.table.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    archive.page.unlink()
    report = archive.import_records("--prune")
    assert "3 stored" in report and "1 removed" in report, report
    after = film_names(archive)
    (deleted,) = set(before) - set(after)
    assert REMOVED_TITLE in before[deleted]
    updated = [next(iri for iri, names in after.items() if title in names) for title in changed_titles]
    store = EmbeddedStore(archive.store, read_only=True)
    try:
        newest = changelog.events(store)[-(CHANGED + 1):]
    finally:
        store.close()
    return Sync(updated, deleted, [(e.film or "", e.kind) for e in newest])


# -- the clients -------------------------------------------------------------------------------------------------
class ValidatingSickle(Sickle):
    """Sickle, with every response it receives checked against the OAI-PMH XML Schema first."""

    responses: list[bytes]

    def harvest(self, **kwargs: Any) -> OAIResponse:
        response = super().harvest(**kwargs)
        valid_oai(response.raw.encode("utf-8"))
        self.responses.append(response.raw.encode("utf-8"))
        return response


def sickle_for(archive: Archive, method: str = "GET") -> ValidatingSickle:
    client = ValidatingSickle(archive.url("oai"), http_method=method, max_retries=0, timeout=60)
    client.responses = []
    return client


def response_date(body: bytes) -> str:
    return etree.fromstring(body).findtext("o:responseDate", namespaces=OAI_NS) or ""


@dataclass
class ActivityWalker:
    """Follows only the links an Activity Streams collection gives: ``first``/``next`` for a whole harvest,
    ``last`` then ``prev`` back to the newest activity already seen for an incremental one."""

    collection: str
    seen: str | None = None
    pages: list[str] = field(default_factory=list)

    def fetch(self, url: str) -> dict[str, Any]:
        body, headers = get(url, accept="application/ld+json")
        assert headers["Content-Type"] == AS_TYPE
        self.pages.append(url)
        document: dict[str, Any] = json.loads(body)
        return document

    def harvest_all(self) -> list[dict[str, Any]]:
        url: str | None = self.fetch(self.collection)["first"]["id"]
        found: list[dict[str, Any]] = []
        while url:
            page = self.fetch(url)
            found += page["orderedItems"]
            url = page.get("next", {}).get("id")
        self.seen = found[-1]["id"] if found else None
        return found

    def harvest_new(self) -> list[dict[str, Any]]:
        url: str | None = self.fetch(self.collection)["last"]["id"]
        newer: list[dict[str, Any]] = []
        while url:
            page = self.fetch(url)
            items = page["orderedItems"]
            ids = [item["id"] for item in items]
            if self.seen in ids:
                newer = items[ids.index(self.seen) + 1 :] + newer
                break
            newer = items + newer
            url = page.get("prev", {}).get("id")
        if newer:
            self.seen = newer[-1]["id"]
        return newer


@dataclass
class TreeWalker:
    """Reads an LDES with rdflib: the stream's ``tree:view``, then the node of every ``tree:relation``, each page
    once; remembers the page it read last (the one that relates to no further page) and resumes there, re-reading
    it, since the last page grows."""

    stream: str
    last_page: str | None = None
    seen: set[str] = field(default_factory=set)

    def read(self, url: str) -> Graph:
        body, _ = get(url, accept="text/turtle")
        return Graph().parse(data=body, format="turtle", publicID=url)

    def members(self) -> list[tuple[str, Graph]]:
        """The members not seen before, oldest first, each with its page's graph. (The log's times are to the
        second: members of one second are told apart by their IRI's number, which is their place in the log.)"""
        start = self.last_page or str(self.read(self.stream).value(URIRef(self.stream), TREE.view))
        todo, visited = [start], set()
        found: dict[str, Graph] = {}
        while todo:
            url = todo.pop(0)
            if url in visited:
                continue
            visited.add(url)
            graph = self.read(url)
            found.update((str(m), graph) for m in graph.objects(URIRef(self.stream), TREE.member))
            targets = [str(graph.value(r, TREE.node)) for r in graph.objects(URIRef(url), TREE.relation)]
            todo += targets
            if not targets:
                self.last_page = url
        new = [m for m in found if m not in self.seen]
        self.seen.update(new)
        return sorted(((m, found[m]) for m in new), key=lambda item: (
            item[1].value(URIRef(item[0]), DCTERMS.modified).toPython(),  # type: ignore[union-attr]
            int(item[0].rsplit("/", 1)[1])))


def ldes_client(archive: Archive, state: Path) -> list[str]:
    """The npm LDES client over the stream, resuming from ``state``: the member IRIs it emits, in order."""
    binary = CLIENT_DIR / "node_modules" / ".bin" / "ldes-client"
    if not binary.exists():
        installed = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=CLIENT_DIR, capture_output=True,
                                   text=True, timeout=600)
        assert installed.returncode == 0, f"npm ci in {CLIENT_DIR} failed:\n{installed.stderr}"
    done = subprocess.run([str(binary), archive.url("ldes"), "--ordered", "ascending", "--save", str(state)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    graph = Graph().parse(data=done.stdout, format="nt")
    members = {str(s) for s in graph.subjects(DCTERMS.isVersionOf, None)}
    order = [line.split(" ", 1)[0][1:-1] for line in done.stdout.splitlines() if line.startswith("<")]
    return [m for m in dict.fromkeys(order) if m in members]


# -- the scenario, run once for the module -----------------------------------------------------------------------
@dataclass
class Harvests:
    archive: Archive
    films: list[str]
    sync: Sync
    oai_first: list[Any]
    oai_first_edm: list[Any]
    oai_new: list[Any]
    oai_responses: list[bytes]
    as_first: list[dict[str, Any]]
    as_new: list[dict[str, Any]]
    tree_first: list[tuple[str, Graph]]
    tree_new: list[tuple[str, Graph]]
    npm_first: list[str]
    npm_new: list[str]


@pytest.fixture(scope="module")
def harvests(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harvests]:
    root = tmp_path_factory.mktemp("harvest")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LODFILM_")}
    port = free_port()
    archive = Archive(f"http://127.0.0.1:{port}/", root / "store", root / "records", env)
    archive.records.mkdir()
    shutil.copy(LUX_TABLE, archive.table)
    page = SEED_YAML.read_text(encoding="utf-8").replace("title: Illégal", f"title: {REMOVED_TITLE}")
    archive.page.write_text(page.replace("year: 2010", "year: 2031"), encoding="utf-8")
    archive.import_records()
    films = film_iris(archive)
    log = root / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(lodfilm("serve", "--store", archive.store, "--base", archive.base,
                                           "--host", "127.0.0.1", "--port", port),
                                   stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"lodfilm serve exited:\n{log.read_text()}"
            try:
                get(archive.base)
                break
            except OSError:
                assert time.monotonic() < deadline, f"lodfilm serve did not answer:\n{log.read_text()}"
                time.sleep(0.1)
        time.sleep(1.1)  # the first harvest's responseDate falls after every event of the import
        oai = sickle_for(archive)
        oai_first = list(oai.ListRecords(metadataPrefix="oai_dc"))
        since = response_date(oai.responses[0])
        oai_first_edm = list(oai.ListRecords(metadataPrefix="edm"))
        walker = ActivityWalker(archive.url("activity"))
        as_first = walker.harvest_all()
        tree = TreeWalker(archive.url("ldes"))
        tree_first = tree.members()
        state = root / "ldes-client-state"
        npm_first = ldes_client(archive, state)
        events_before = total_items(archive)
        time.sleep(1.1)  # the sync's events fall after the first harvest's responseDate
        changes = sync(archive)
        wait_for_items(archive, events_before + CHANGED + 1)
        oai_post = sickle_for(archive, "POST")
        oai_new = list(oai_post.ListIdentifiers(metadataPrefix="oai_dc", **{"from": since}))
        yield Harvests(archive, films, changes, oai_first, oai_first_edm, oai_new,
                       oai.responses + oai_post.responses, as_first, walker.harvest_new(), tree_first,
                       tree.members(), npm_first, ldes_client(archive, state))
    finally:
        stop(process)


def expected(h: Harvests) -> list[tuple[str, str]]:
    """The sync's four events as the log has them, after checking they are the three updates and the delete."""
    assert sorted(h.sync.events) == sorted([(film, "update") for film in h.sync.updated]
                                           + [(h.sync.deleted, "delete")])
    return h.sync.events


# -- OAI-PMH -----------------------------------------------------------------------------------------------------
def test_oai_first_harvest_gets_every_film_in_oai_dc_and_edm(harvests: Harvests) -> None:
    assert len(harvests.films) > 100  # more than one page: resumption tokens were followed
    assert sorted(r.header.identifier for r in harvests.oai_first) == sorted(harvests.films)
    assert all(r.metadata["title"] for r in harvests.oai_first)
    assert sorted(r.header.identifier for r in harvests.oai_first_edm) == sorted(harvests.films)
    edm = Graph().parse(data=etree.tostring(harvests.oai_first_edm[0].xml.find(
        ".//{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF")), format="xml")
    film = URIRef(harvests.oai_first_edm[0].header.identifier)
    assert (film, RDF.type, URIRef(EDM + "ProvidedCHO")) in edm
    assert (None, URIRef(EDM + "isShownAt"), film) in edm


def test_oai_incremental_harvest_from_the_last_response_date_gets_the_four_changes_in_order(
        harvests: Harvests) -> None:
    got = [(h.identifier, "delete" if h.deleted else "update") for h in harvests.oai_new]
    assert got == expected(harvests)


def test_every_oai_response_the_harvester_received_was_valid_and_paged_with_a_token(harvests: Harvests) -> None:
    assert len(harvests.oai_responses) >= 4
    first = etree.fromstring(harvests.oai_responses[0])
    token = first.find(".//o:resumptionToken", OAI_NS)
    assert token is not None and token.get("completeListSize") == str(len(harvests.films))
    assert token.get("cursor") == "0" and token.text


def test_a_deleted_film_stays_deleted_in_get_record(harvests: Harvests) -> None:
    body, _ = get(harvests.archive.url("oai") + "?verb=GetRecord&metadataPrefix=edm&identifier="
                  + harvests.sync.deleted)
    header = valid_oai(body).find(".//o:header", OAI_NS)
    assert header is not None and header.get("status") == "deleted"


# -- Activity Streams --------------------------------------------------------------------------------------------
def test_activity_first_harvest_gets_a_create_for_every_film(harvests: Harvests) -> None:
    assert {a["type"] for a in harvests.as_first} == {"Create"}
    assert {a["object"]["id"] for a in harvests.as_first} == set(harvests.films)
    assert all(a["object"]["type"] == "Movie" and a["endTime"].endswith("Z") for a in harvests.as_first)


def test_activity_walking_back_from_last_gets_the_four_changes_in_order(harvests: Harvests) -> None:
    got = [(a["object"]["id"], a["type"].lower()) for a in harvests.as_new]
    assert got == expected(harvests)


def test_full_activity_pages_are_immutable_and_the_last_one_is_not(harvests: Harvests) -> None:
    _, first = get(harvests.archive.url("activity/page/0"))
    assert "immutable" in first["Cache-Control"] and "max-age=31536000" in first["Cache-Control"]
    last_url = json.loads(get(harvests.archive.url("activity"))[0])["last"]["id"]
    _, last = get(last_url)
    assert "immutable" not in last["Cache-Control"]


# -- LDES --------------------------------------------------------------------------------------------------------
def test_ldes_first_read_gets_one_version_of_every_film(harvests: Harvests) -> None:
    films = [str(g.value(URIRef(m), DCTERMS.isVersionOf)) for m, g in harvests.tree_first]
    assert set(films) == set(harvests.films)


def test_ldes_resumed_from_the_last_page_gets_the_four_versions_in_order(harvests: Harvests) -> None:
    new = [(str(g.value(URIRef(m), DCTERMS.isVersionOf)),
            "delete" if (URIRef(m), RDF.type, AS.Tombstone) in g else "update") for m, g in harvests.tree_new]
    assert new == expected(harvests)


def test_ldes_members_are_versions_with_the_data_of_their_time(harvests: Harvests) -> None:
    """The updated films' new members hold Iceland among their countries; their first members, read again now,
    still do not (a member never changes)."""
    iceland = URIRef(harvests.archive.url("country/IS"))
    country = URIRef("http://schema.org/countryOfOrigin")
    for member, graph in harvests.tree_new[:CHANGED]:
        assert (URIRef(member), country, iceland) in graph
    firsts = {str(g.value(URIRef(m), DCTERMS.isVersionOf)): m for m, g in harvests.tree_first}
    for film in harvests.sync.updated:
        body, headers = get(firsts[film], accept="text/turtle")
        assert "immutable" in headers["Cache-Control"]
        old = Graph().parse(data=body, format="turtle")
        assert (URIRef(firsts[film]), URIRef("http://schema.org/name"), None) in old
        assert (URIRef(firsts[film]), country, iceland) not in old


def test_the_npm_ldes_client_gets_every_film_then_the_four_new_members_in_order(harvests: Harvests) -> None:
    """(Members of one second come in an order of its own: the new ones are compared as a set.)"""
    assert len(harvests.npm_first) == len(harvests.films)
    assert set(harvests.npm_new) == {m for m, _ in harvests.tree_new}
    assert len(harvests.npm_new) == CHANGED + 1


def test_the_stream_is_an_event_stream_in_json_ld_too(harvests: Harvests) -> None:
    body, headers = get(harvests.archive.url("ldes"), accept="application/ld+json")
    assert headers["Content-Type"].startswith("application/ld+json")
    graph = Graph().parse(data=body, format="json-ld")
    stream = URIRef(harvests.archive.url("ldes"))
    assert (stream, RDF.type, URIRef("https://w3id.org/ldes#EventStream")) in graph
    assert graph.value(stream, URIRef("https://w3id.org/ldes#timestampPath")) == DCTERMS.modified
    assert graph.value(stream, TREE.view) == URIRef(harvests.archive.url("ldes/view"))
