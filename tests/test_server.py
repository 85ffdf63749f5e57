"""Protocol tests against a real ``lodfilm serve``: a subprocess on 127.0.0.1, over a store imported beforehand
by the real CLI (``data/`` plus one record full of hostile text), asked by the clients our users use — SPARQLWrapper
for the endpoint, extruct as a search engine reads pages, rdflib for every RDF format, the dumps and the VoID, and
plain HTTP (``http.client``) where the exact request matters.

The server runs with a 2 s query time limit and a 50-row cap (``LODFILM_QUERY_TIMEOUT``, ``LODFILM_MAX_ROWS``) so
the runaway-query and truncation tests are quick. Nothing here connects anywhere but 127.0.0.1.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import html.parser
import http.client
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import quote, urlencode, urlsplit

import extruct
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.query import Result
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from lodfilm.changelog import NS as LOG_NS
from lodfilm.store.base import LOG_GRAPH
from tests.conftest import DATA

DATA_FILMS = 130  # data/: the LUX table and the seed film (its page and its YAML twin are one film)
FILMS = DATA_FILMS + 1  # and the hostile record below
TIME_LIMIT = 2  # seconds, LODFILM_QUERY_TIMEOUT for the server
MAX_ROWS = 50  # LODFILM_MAX_ROWS for the server

SDO = rdflib.Namespace("http://schema.org/")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
RDF = rdflib.RDF
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

DIRECTOR = "Olivier Masset-Depasse"
PREFIX = "PREFIX schema: <http://schema.org/>\n"

# Record text a hostile or careless source could hold: it must reach pages as text, never as markup.
BREAKOUT = "</script><script>alert(1)</script>"
HOSTILE_TITLE = f"Hostile {BREAKOUT} <b>bold</b> <!-- \"quoted\" & 'single' &amp; end"
HOSTILE_SYNOPSIS = f"A synopsis {BREAKOUT} with <b>bold</b> text, <!-- a comment, \"quotes\" & 'apostrophes' &amp;."
HOSTILE_DIRECTOR = f"Evil {BREAKOUT} <b>Dir</b> <!-- \"Q\" & Co"
HOSTILE_CHARACTER = f"Char {BREAKOUT} <b>b</b> <!-- \"x\" & y"
HOSTILE_ACTOR = "Anne Hostile"


def hostile_record() -> str:
    return json.dumps({  # JSON is YAML, and json.dumps quotes every hostile character correctly for both
        "title": HOSTILE_TITLE,
        "year": 2011,
        "countries": ["Belgium"],
        "runtime_minutes": 90,
        "directors": [{"name": HOSTILE_DIRECTOR}],
        "synopsis": HOSTILE_SYNOPSIS,
        "cast": [{"name": HOSTILE_ACTOR, "character": HOSTILE_CHARACTER}],
    }, ensure_ascii=False, indent=2)


# -- plain HTTP, to 127.0.0.1 only ---------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def header(self, name: str) -> str:
        return ", ".join(self.headers.get_all(name) or [])

    @property
    def media_type(self) -> str:
        return self.header("Content-Type").split(";")[0].strip()


def local_port(url: str) -> tuple[int, str]:
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.hostname == "127.0.0.1" and parts.port, url
    return parts.port, parts.path + (f"?{parts.query}" if parts.query else "")


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None, body: bytes | None = None,
          timeout: float = 30) -> Reply:
    """One request with exactly these headers (http.client adds Host, Accept-Encoding: identity and, with a
    body, Content-Length; no Accept unless given)."""
    port, target = local_port(url)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def ok(url: str, **headers: str) -> Reply:
    reply = fetch(url, headers=headers)
    assert reply.status == 200, (url, reply.status, reply.body[:500])
    return reply


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# -- the server ----------------------------------------------------------------------------------------------


@dataclass
class Server:
    base: str
    store: Path
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def sparql(self) -> str:
        return f"{self.base}sparql"

    def url(self, path: str) -> str:
        return self.base + path.lstrip("/")

    @property
    def illegal(self) -> str:
        return self.url("film/illegal-2010")

    def query_url(self, query: str, **params: str) -> str:
        return f"{self.sparql}?{urlencode({'query': query, **params})}"


def lodfilm(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "lodfilm", *map(str, args)]


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C (the server closes its query workers on the way out); SIGTERM where SIGINT is ignored (a background
    job's children inherit that), SIGKILL as the last resort."""
    for send in (lambda: process.send_signal(signal.SIGINT), process.terminate, process.kill):
        if process.poll() is not None:
            return
        send()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("server")
    records = root / "records"
    records.mkdir()
    (records / "hostile.yaml").write_text(hostile_record(), encoding="utf-8")
    store = root / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LODFILM_")}
    env.update(LODFILM_QUERY_TIMEOUT=str(TIME_LIMIT), LODFILM_MAX_ROWS=str(MAX_ROWS))
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    imported = subprocess.run(lodfilm("import", "--store", store, "--base", base, "--no-progress", DATA, records),
                              capture_output=True, text=True, env=env, timeout=120)
    assert imported.returncode == 0, imported.stderr
    assert f"{FILMS} films" in imported.stdout, imported.stdout
    log = root / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            lodfilm("serve", "--store", store, "--base", base, "--host", "127.0.0.1", "--port", port),
            stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"lodfilm serve exited:\n{log.read_text()}"
            try:
                if fetch(base, timeout=2).status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"lodfilm serve did not answer within 30 s:\n{log.read_text()}"
            time.sleep(0.1)
        running = Server(base, store, process, log)
        # The query workers start with the first query: start them now, so no test's time limit pays for it.
        assert ok(running.query_url("ASK {}")).status == 200
        yield running
    finally:
        stop(process)
    assert process.returncode is not None


def wrapper(server: Server, query: str, fmt: str, *, method: str = GET, request_method: str = URLENCODED,
            only_conneg: bool = False) -> SPARQLWrapper:
    client = SPARQLWrapper(server.sparql)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    client.setRequestMethod(request_method)
    client.setOnlyConneg(only_conneg)
    client.setTimeout(30)
    return client


def raw(client: SPARQLWrapper) -> tuple[str, bytes]:
    """The answer's Content-Type and body as SPARQLWrapper received them."""
    result = client.query()
    return result.info()["content-type"], result.response.read()


# -- SPARQL queries --------------------------------------------------------------------------------------------

DIRECTOR_QUERY = PREFIX + "SELECT ?name WHERE { <FILM> schema:director/schema:name ?name }"
COUNT_FILMS = PREFIX + "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a schema:Movie }"
COUNT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def director_query(server: Server) -> str:
    return DIRECTOR_QUERY.replace("FILM", server.illegal)


def json_values(data: dict[str, Any], variable: str) -> list[str]:
    return [row[variable]["value"] for row in data["results"]["bindings"] if variable in row]


def count(server: Server, query: str) -> int:
    reply = ok(server.query_url(query), Accept="application/sparql-results+json")
    return int(json_values(json.loads(reply.body), "n")[0])


@pytest.mark.parametrize(("method", "request_method"), [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)],
                         ids=["get", "post-form", "post-sparql-query"])
def test_sparqlwrapper_select_finds_the_director_of_illegal(server: Server, method: str, request_method: str) -> None:
    data = wrapper(server, director_query(server), JSON, method=method, request_method=request_method).query().convert()
    assert isinstance(data, dict)
    assert json_values(data, "name") == [DIRECTOR]


def test_sparqlwrapper_counts_the_films(server: Server) -> None:
    data = wrapper(server, COUNT_FILMS, JSON).query().convert()
    assert isinstance(data, dict)
    assert json_values(data, "n") == [str(FILMS)]


def test_post_form_and_post_sparql_query_are_the_same_request_to_the_endpoint(server: Server) -> None:
    query = director_query(server).encode()
    form = fetch(server.sparql, "POST", {"Content-Type": "application/x-www-form-urlencoded",
                                         "Accept": "application/sparql-results+json"},
                 urlencode({"query": query}).encode())
    direct = fetch(server.sparql, "POST", {"Content-Type": "application/sparql-query; charset=utf-8",
                                           "Accept": "application/sparql-results+json"}, query)
    assert form.status == direct.status == 200
    assert json_values(json.loads(form.body), "name") == json_values(json.loads(direct.body), "name") == [DIRECTOR]


RESULT_FORMATS = [  # (SPARQLWrapper format, media type, format= value, rdflib result parser)
    (JSON, "application/sparql-results+json", "json", "json"),
    (XML, "application/sparql-results+xml", "xml", "xml"),
    (CSV, "text/csv", "csv", "csv"),
    (TSV, "text/tab-separated-values", "tsv", "tsv"),
]


def parsed_names(body: bytes, parser: str) -> list[str]:
    result = Result.parse(io.BytesIO(body), format=parser)
    return [str(row[0]) for row in result]  # type: ignore[index]


@pytest.mark.parametrize(("fmt", "media_type", "name", "parser"), RESULT_FORMATS, ids=[f[2] for f in RESULT_FORMATS])
def test_select_results_by_accept_header_from_sparqlwrapper(server: Server, fmt: str, media_type: str, name: str,
                                                            parser: str) -> None:
    content_type, body = raw(wrapper(server, director_query(server), fmt, only_conneg=True))
    assert content_type.split(";")[0] == media_type
    assert parsed_names(body, parser) == [DIRECTOR]


@pytest.mark.parametrize(("fmt", "media_type", "name", "parser"), RESULT_FORMATS, ids=[f[2] for f in RESULT_FORMATS])
def test_select_results_by_format_parameter_without_accept(server: Server, fmt: str, media_type: str, name: str,
                                                           parser: str) -> None:
    reply = ok(server.query_url(director_query(server), format=name))
    assert reply.media_type == media_type
    assert parsed_names(reply.body, parser) == [DIRECTOR]


@pytest.mark.parametrize(("fmt", "media_type", "name", "parser"), RESULT_FORMATS, ids=[f[2] for f in RESULT_FORMATS])
def test_sparqlwrapper_with_its_defaults_gets_each_result_format(server: Server, fmt: str, media_type: str,
                                                                 name: str, parser: str) -> None:
    # Its defaults send both an Accept header and format=/output=/results= parameters (TSV: two format values).
    content_type, body = raw(wrapper(server, COUNT_FILMS, fmt, method=POST))
    assert content_type.split(";")[0] == media_type
    assert parsed_names(body, parser) == [str(FILMS)]


def test_csv_results_are_plain_csv(server: Server) -> None:
    reply = ok(server.query_url(director_query(server)), Accept="text/csv")
    assert list(csv.reader(io.StringIO(reply.text))) == [["name"], [DIRECTOR]]


@pytest.mark.parametrize(("query", "expected"), [
    (PREFIX + "ASK { ?f schema:director/schema:name \"Olivier Masset-Depasse\" }", True),
    (PREFIX + "ASK { ?f schema:director/schema:name \"Nobody At All\" }", False),
], ids=["true", "false"])
def test_sparqlwrapper_ask(server: Server, query: str, expected: bool) -> None:
    data = wrapper(server, query, JSON).query().convert()
    assert isinstance(data, dict)
    assert data["boolean"] is expected


def test_ask_as_sparql_xml(server: Server) -> None:
    reply = ok(server.query_url(PREFIX + "ASK { ?f a schema:Movie }"), Accept="application/sparql-results+xml")
    assert Result.parse(io.BytesIO(reply.body), format="xml").askAnswer is True


GRAPH_FORMATS = [  # (media type, format= value, rdflib parser)
    ("text/turtle", "ttl", "turtle"),
    ("application/n-triples", "nt", "nt"),
    ("application/ld+json", "jsonld", "json-ld"),
    ("application/rdf+xml", "rdfxml", "xml"),
]
GRAPH_IDS = [f[1] for f in GRAPH_FORMATS]


def parse_rdf(body: bytes, parser: str) -> rdflib.Graph:
    """Parse ``body``; JSON-LD through a Dataset (rdflib's Graph route warns of a deprecation), merged to a Graph."""
    if parser in ("json-ld", "nquads"):
        dataset = rdflib.Dataset()
        dataset.parse(data=body, format=parser)
        graph = rdflib.Graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            graph.add((s, p, o))
        return graph
    return rdflib.Graph().parse(data=body, format=parser)


def construct_query(server: Server) -> str:
    return PREFIX + (
        "CONSTRUCT { ?f a schema:Movie . <FILM> schema:director ?d . ?d schema:name ?n } WHERE { "
        "{ ?f a schema:Movie } UNION { <FILM> schema:director ?d . ?d schema:name ?n } }"
    ).replace("FILM", server.illegal)


def check_constructed(server: Server, graph: rdflib.Graph) -> None:
    assert len(set(graph.subjects(RDF.type, SDO.Movie))) == FILMS
    directors = list(graph.objects(rdflib.URIRef(server.illegal), SDO.director))
    assert [str(graph.value(d, SDO.name)) for d in directors] == [DIRECTOR]


@pytest.mark.parametrize(("media_type", "name", "parser"), GRAPH_FORMATS, ids=GRAPH_IDS)
def test_construct_by_accept_in_each_rdf_format(server: Server, media_type: str, name: str, parser: str) -> None:
    reply = ok(server.query_url(construct_query(server)), Accept=media_type)
    assert reply.media_type == media_type
    check_constructed(server, parse_rdf(reply.body, parser))


@pytest.mark.parametrize(("media_type", "name", "parser"), GRAPH_FORMATS, ids=GRAPH_IDS)
def test_construct_by_format_parameter_in_each_rdf_format(server: Server, media_type: str, name: str,
                                                          parser: str) -> None:
    reply = fetch(server.sparql, "POST", {"Content-Type": "application/x-www-form-urlencoded"},
                  urlencode({"query": construct_query(server), "format": name}).encode())
    assert reply.status == 200, reply.body[:300]
    assert reply.media_type == media_type
    check_constructed(server, parse_rdf(reply.body, parser))


@pytest.mark.parametrize(("fmt", "media_type", "parser"), [
    (TURTLE, "text/turtle", "turtle"),
    (JSONLD, "application/ld+json", "json-ld"),
    (RDFXML, "application/rdf+xml", "xml"),
    (XML, "application/rdf+xml", "xml"),
], ids=["turtle", "json-ld", "rdf+xml", "xml"])
def test_sparqlwrapper_with_its_defaults_gets_each_graph_format(server: Server, fmt: str, media_type: str,
                                                                parser: str) -> None:
    # SPARQLWrapper sends format=turtle, format=json-ld, format=rdf+xml&format=application/rdf+xml, format=xml.
    content_type, body = raw(wrapper(server, construct_query(server), fmt))
    assert content_type.split(";")[0] == media_type
    check_constructed(server, parse_rdf(body, parser))


@pytest.mark.parametrize(("media_type", "name", "parser"), GRAPH_FORMATS, ids=GRAPH_IDS)
def test_describe_the_film_in_each_rdf_format(server: Server, media_type: str, name: str, parser: str) -> None:
    reply = ok(server.query_url(f"DESCRIBE <{server.illegal}>"), Accept=media_type)
    assert reply.media_type == media_type
    graph = parse_rdf(reply.body, parser)
    film = rdflib.URIRef(server.illegal)
    assert str(graph.value(film, SDO.name)) == "Illégal"
    assert rdflib.URIRef(server.url("person/olivier-masset-depasse")) in set(graph.objects(film, SDO.director))


def test_a_select_asked_only_for_rdf_is_406(server: Server) -> None:
    reply = fetch(server.query_url(director_query(server)), headers={"Accept": "text/turtle"})
    assert reply.status == 406
    assert "table" in reply.text


# -- refusals: read-only, nothing fetched ----------------------------------------------------------------------


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it is offered."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port: int = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


def refused(reply: Reply, *words: str) -> str:
    assert 400 <= reply.status < 500, (reply.status, reply.body[:300])
    for word in words:
        assert word in reply.text, reply.text
    return reply.text


def test_update_parameter_by_get_is_refused(server: Server) -> None:
    reply = fetch(f"{server.sparql}?{urlencode({'update': 'CLEAR ALL'})}")
    refused(reply, "read-only")


def test_update_parameter_in_a_form_is_refused(server: Server) -> None:
    body = urlencode({"update": "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }"}).encode()
    reply = fetch(server.sparql, "POST", {"Content-Type": "application/x-www-form-urlencoded"}, body)
    refused(reply, "read-only")


def test_sparql_update_post_is_refused_and_changes_nothing(server: Server) -> None:
    before = count(server, COUNT_TRIPLES)
    reply = fetch(server.sparql, "POST", {"Content-Type": "application/sparql-update"},
                  b"INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }")
    refused(reply, "read-only")
    assert count(server, COUNT_TRIPLES) == before


def test_sparqlwrapper_update_is_refused(server: Server) -> None:
    client = SPARQLWrapper(server.sparql)
    client.setQuery("DELETE WHERE { ?s ?p ?o }")
    client.setMethod(POST)
    client.setTimeout(30)
    with pytest.raises(HTTPError) as caught:
        client.query()
    with caught.value as error:
        assert error.code == 403
        assert b"read-only" in error.read()
    assert count(server, COUNT_FILMS) == FILMS


def test_update_sent_as_a_query_is_refused(server: Server) -> None:
    reply = fetch(server.query_url("DROP ALL"))
    refused(reply, "updates are not allowed")


def test_load_is_refused_without_a_connection(server: Server, listener: Listener) -> None:
    reply = fetch(server.query_url(f"LOAD <http://127.0.0.1:{listener.port}/data.ttl>"))
    refused(reply, "LOAD")
    time.sleep(0.3)
    assert listener.connections == 0


@pytest.mark.parametrize("keyword", ["SERVICE", "service", "\\u0053ERVICE", "\\u0053\\u0045RVICE"])
def test_service_is_refused_without_a_connection(server: Server, listener: Listener, keyword: str) -> None:
    query = f"SELECT * WHERE {{ {keyword} <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
    for reply in (fetch(server.query_url(query)),
                  fetch(server.sparql, "POST", {"Content-Type": "application/sparql-query"}, query.encode())):
        refused(reply, "SERVICE is not allowed")
    time.sleep(0.3)
    assert listener.connections == 0
    # The listener was listening: a connection to it is counted.
    socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()
    deadline = time.monotonic() + 2
    while listener.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert listener.connections == 1


def test_service_as_text_in_a_string_is_not_refused(server: Server) -> None:
    reply = ok(server.query_url('SELECT ?x WHERE { BIND("SERVICE and LOAD" AS ?x) }'),
               Accept="application/sparql-results+json")
    assert json_values(json.loads(reply.body), "x") == ["SERVICE and LOAD"]


def test_malformed_query_is_400_with_the_parsers_message(server: Server) -> None:
    bad = "SELECT ?x WHERE { ?x ?y }"
    with pytest.raises(SyntaxError) as caught:
        ox.Store().query(bad)
    reply = fetch(server.query_url(bad), headers={"Accept": "text/plain"})
    assert reply.status == 400
    assert str(caught.value) in reply.text


def test_sparqlwrapper_reports_a_malformed_query(server: Server) -> None:
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    with pytest.raises(QueryBadFormed, match="malformed query"):
        wrapper(server, "SELECT * WHERE { ?s ?p }", JSON).query()


# -- time limit and row cap --------------------------------------------------------------------------------------

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_runaway_query_is_stopped_while_other_requests_are_answered(server: Server) -> None:
    outcome: dict[str, Any] = {}

    def run_away() -> None:
        started = time.monotonic()
        outcome["reply"] = fetch(server.query_url(RUNAWAY), headers={"Accept": "text/plain"}, timeout=30)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run_away)
    thread.start()
    try:
        time.sleep(0.3)  # the runaway is running in its worker
        for _ in range(3):
            started = time.monotonic()
            page = ok(server.illegal, Accept="text/html")
            assert "Illégal" in page.text and DIRECTOR in page.text
            reply = ok(server.query_url(director_query(server)), Accept="application/sparql-results+json")
            assert json_values(json.loads(reply.body), "name") == [DIRECTOR]
            assert time.monotonic() - started < 1.5
            assert thread.is_alive(), "the runaway query ended before the others were asked"
    finally:
        thread.join(30)
    reply: Reply = outcome["reply"]
    assert reply.status == 503
    assert "time limit" in reply.text
    assert reply.header("Retry-After")
    assert TIME_LIMIT - 0.5 < outcome["seconds"] < TIME_LIMIT + 3
    # and afterwards the endpoint answers, on every worker
    for _ in range(4):
        assert count(server, COUNT_FILMS) == FILMS


def test_select_over_the_cap_is_cut_and_says_so(server: Server) -> None:
    query = PREFIX + "SELECT ?name WHERE { ?x schema:name ?name }"
    assert count(server, PREFIX + "SELECT (COUNT(*) AS ?n) WHERE { ?x schema:name ?name }") > MAX_ROWS
    reply = ok(server.query_url(query), Accept="application/sparql-results+json")
    assert reply.header("Lodfilm-Truncated") == f"rows={MAX_ROWS}"
    data = json.loads(reply.body)
    assert len(data["results"]["bindings"]) == MAX_ROWS
    assert data["head"]["link"] == ["urn:lodfilm:truncated"]
    xml = ok(server.query_url(query), Accept="application/sparql-results+xml")
    assert xml.header("Lodfilm-Truncated") == f"rows={MAX_ROWS}"
    assert len(list(Result.parse(io.BytesIO(xml.body), format="xml"))) == MAX_ROWS
    assert b'<link href="urn:lodfilm:truncated"/>' in xml.body


def test_select_under_the_cap_is_whole_and_unmarked(server: Server) -> None:
    reply = ok(server.query_url(PREFIX + "SELECT ?name WHERE { ?x schema:name ?name } LIMIT 10"),
               Accept="application/sparql-results+json")
    assert not reply.header("Lodfilm-Truncated")
    data = json.loads(reply.body)
    assert len(data["results"]["bindings"]) == 10 and "link" not in data["head"]


def test_truncation_header_is_readable_by_browser_clients(server: Server) -> None:
    reply = ok(server.query_url(PREFIX + "SELECT ?name WHERE { ?x schema:name ?name }"),
               Origin="https://notebook.example", Accept="text/csv")
    assert "lodfilm-truncated" in reply.header("Access-Control-Expose-Headers").lower()
    assert len(list(csv.reader(io.StringIO(reply.text)))) == MAX_ROWS + 1


# -- CORS, service description, query page ---------------------------------------------------------------------


def test_cors_any_origin_may_read(server: Server) -> None:
    reply = ok(server.query_url("ASK {}"), Origin="https://elsewhere.example", Accept="application/sparql-results+json")
    assert reply.header("Access-Control-Allow-Origin") == "*"
    page = ok(server.illegal, Origin="https://elsewhere.example", Accept="text/turtle")
    assert page.header("Access-Control-Allow-Origin") == "*"


def test_cors_preflight_for_a_sparql_query_post_succeeds(server: Server) -> None:
    reply = fetch(server.sparql, "OPTIONS", {"Origin": "https://elsewhere.example",
                                             "Access-Control-Request-Method": "POST",
                                             "Access-Control-Request-Headers": "content-type"})
    assert 200 <= reply.status < 300
    assert reply.header("Access-Control-Allow-Origin") == "*"
    assert "POST" in reply.header("Access-Control-Allow-Methods")
    assert "content-type" in reply.header("Access-Control-Allow-Headers").lower()
    post = fetch(server.sparql, "POST", {"Origin": "https://elsewhere.example",
                                         "Content-Type": "application/sparql-query",
                                         "Accept": "application/sparql-results+json"},
                 director_query(server).encode())
    assert post.status == 200 and post.header("Access-Control-Allow-Origin") == "*"
    assert json_values(json.loads(post.body), "name") == [DIRECTOR]


def test_service_description_in_turtle(server: Server) -> None:
    reply = ok(server.sparql, Accept="text/turtle")
    graph = rdflib.Graph().parse(data=reply.body, format="turtle")
    endpoint = rdflib.URIRef(server.sparql)
    assert (endpoint, RDF.type, SD.Service) in graph
    assert (endpoint, SD.endpoint, endpoint) in graph
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in graph


def test_browser_gets_the_html_query_page(server: Server) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
    reply = ok(server.sparql, Accept=browser)
    assert reply.media_type == "text/html"
    assert '<textarea name="query"' in reply.text
    assert "Films and their directors" in reply.text


# -- resources -------------------------------------------------------------------------------------------------

RESOURCE_FORMATS = [  # (media type, suffix, rdflib parser or None for HTML)
    ("text/html", "html", None),
    ("text/turtle", "ttl", "turtle"),
    ("application/ld+json", "jsonld", "json-ld"),
    ("application/n-triples", "nt", "nt"),
    ("application/rdf+xml", "rdf", "xml"),
]


def check_film_graph(server: Server, graph: rdflib.Graph) -> None:
    film = rdflib.URIRef(server.illegal)
    assert str(graph.value(film, SDO.name)) == "Illégal"
    assert [str(graph.value(d, SDO.name)) for d in graph.objects(film, SDO.director)] == [DIRECTOR]


@pytest.mark.parametrize(("media_type", "suffix", "parser"), RESOURCE_FORMATS, ids=[f[1] for f in RESOURCE_FORMATS])
def test_film_by_content_negotiation(server: Server, media_type: str, suffix: str, parser: str | None) -> None:
    reply = ok(server.illegal, Accept=media_type)
    assert reply.media_type == media_type
    assert "Accept" in reply.header("Vary")
    if parser is None:
        assert "<h1>Illégal" in reply.text and DIRECTOR in reply.text
    else:
        check_film_graph(server, parse_rdf(reply.body, parser))


@pytest.mark.parametrize(("media_type", "suffix", "parser"), RESOURCE_FORMATS[1:],
                         ids=[f[1] for f in RESOURCE_FORMATS[1:]])
def test_film_at_explicit_url_is_the_negotiated_graph(server: Server, media_type: str, suffix: str,
                                                      parser: str) -> None:
    negotiated = parse_rdf(ok(server.illegal, Accept=media_type).body, parser)
    explicit = ok(f"{server.illegal}.{suffix}")  # no Accept at all
    assert explicit.media_type == media_type
    assert "Accept" not in explicit.header("Vary")
    graph = parse_rdf(explicit.body, parser)
    check_film_graph(server, graph)
    assert isomorphic(graph, negotiated)


@pytest.mark.parametrize("name", ["ttl", "turtle"])
def test_film_by_format_parameter_is_the_negotiated_graph(server: Server, name: str) -> None:
    reply = ok(f"{server.illegal}?format={name}", Accept="text/html")
    assert reply.media_type == "text/turtle"
    negotiated = parse_rdf(ok(server.illegal, Accept="text/turtle").body, "turtle")
    assert isomorphic(parse_rdf(reply.body, "turtle"), negotiated)


def test_film_link_header_names_canonical_and_alternates(server: Server) -> None:
    link = ok(server.illegal, Accept="text/html").header("Link")
    assert f'<{server.illegal}>; rel="canonical"' in link
    for media_type, suffix, _ in RESOURCE_FORMATS:
        assert f'<{server.illegal}.{suffix}>; rel="alternate"; type="{media_type}"' in link


def test_unservable_accept_is_406(server: Server) -> None:
    reply = fetch(server.illegal, headers={"Accept": "image/png"})
    assert reply.status == 406
    assert "text/turtle" in reply.text


def test_unknown_film_is_404(server: Server) -> None:
    for accept in ("text/html", "text/turtle"):
        reply = fetch(server.url("film/no-such-film-1999"), headers={"Accept": accept})
        assert reply.status == 404


def test_person_page_lists_both_films_of_ruben_ostlund(server: Server) -> None:
    url = server.url("person/ruben-ostlund")
    graph = parse_rdf(ok(url, Accept="text/turtle").body, "turtle")
    person = rdflib.URIRef(url)
    assert str(graph.value(person, SDO.name)) == "Ruben Östlund"
    films = set(graph.subjects(SDO.director, person))
    assert {str(graph.value(f, SDO.name)) for f in films} == {"Play", "Turist"}
    page = ok(url, Accept="text/html").text
    assert "Ruben Östlund" in page
    assert 'href="/film/play-2011"' in page and 'href="/film/turist-2014"' in page


def test_organization_page(server: Server) -> None:
    url = server.url("organization/versus-production")
    graph = parse_rdf(ok(url, Accept="application/n-triples").body, "nt")
    org = rdflib.URIRef(url)
    assert (org, RDF.type, SDO.Organization) in graph
    assert (rdflib.URIRef(server.illegal), SDO.productionCompany, org) in graph
    assert "Versus Production" in ok(url, Accept="text/html").text


def test_country_page(server: Server) -> None:
    url = server.url("country/BE")
    graph = parse_rdf(ok(url, Accept="application/rdf+xml").body, "xml")
    country = rdflib.URIRef(url)
    assert str(graph.value(country, SDO.name)) == "Belgium"
    assert (rdflib.URIRef(server.illegal), SDO.countryOfOrigin, country) in graph
    page = ok(url, Accept="text/html").text
    assert "Belgium" in page and 'href="/film/illegal-2010"' in page


def test_curl_star_star_gets_the_page(server: Server) -> None:
    reply = ok(server.illegal, Accept="*/*", **{"User-Agent": "curl/8.5.0"})
    assert reply.media_type == "text/html"


def test_rapper_long_accept_gets_rdf(server: Server) -> None:
    rapper = (
        "application/rdf+xml, text/rdf;q=0.6, application/n-triples, text/plain;q=0.1, text/turtle, "
        "application/x-turtle, application/turtle, text/n3;q=0.3, text/rdf+n3;q=0.3, application/rdf+n3;q=0.3, "
        "application/x-trig, application/rss;q=0.8, application/rss+xml;q=0.8, text/rss;q=0.8, "
        "application/xml;q=0.3, text/xml;q=0.3, application/atom+xml;q=0.3, text/html;q=0.2, "
        "application/xhtml+xml;q=0.4, text/html;q=0.6, application/xhtml+xml;q=0.8, text/x-nquads, */*;q=0.1"
    )
    reply = ok(server.illegal, Accept=rapper, **{"User-Agent": "rapper/2.0.14"})
    parser = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml"}
    assert reply.media_type in parser
    check_film_graph(server, parse_rdf(reply.body, parser[reply.media_type]))


# -- validators ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["film/illegal-2010", "dumps/lodfilm.nt.gz", ".well-known/void"])
def test_conditional_get_with_if_none_match_is_304(server: Server, path: str) -> None:
    first = ok(server.url(path), Accept="text/turtle")
    etag = first.header("ETag")
    assert etag
    again = fetch(server.url(path), headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    changed = fetch(server.url(path), headers={"Accept": "text/turtle", "If-None-Match": '"something-else"'})
    assert changed.status == 200


@pytest.mark.parametrize("path", ["film/illegal-2010", "dumps/lodfilm.nt.gz", ".well-known/void"])
def test_conditional_get_with_if_modified_since_is_304(server: Server, path: str) -> None:
    first = ok(server.url(path), Accept="text/turtle")
    modified = first.header("Last-Modified")
    assert modified
    again = fetch(server.url(path), headers={"Accept": "text/turtle", "If-Modified-Since": modified})
    assert again.status == 304 and again.body == b""
    older = fetch(server.url(path), headers={"Accept": "text/turtle",
                                             "If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert older.status == 200


# -- search engines ------------------------------------------------------------------------------------------------


def json_ld_of(url: str, page: str) -> list[dict[str, Any]]:
    data = extruct.extract(page, base_url=url, syntaxes=["json-ld"], uniform=False)
    found: list[dict[str, Any]] = data["json-ld"]
    return found


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_extruct_reads_one_movie_from_the_film_page(server: Server) -> None:
    items = json_ld_of(server.illegal, ok(server.illegal, Accept="text/html").text)
    assert len(items) == 1
    movie = items[0]
    assert movie["@context"] == "https://schema.org"
    assert movie["@type"] == "Movie"
    assert movie["name"] == "Illégal"
    assert [d["name"] for d in listed(movie["director"])] == [DIRECTOR]
    roles = listed(movie["actor"])
    assert all(role["@type"] == "PerformanceRole" for role in roles)
    characters = {role["actor"]["name"]: role["characterName"] for role in roles}
    assert characters["Anne Coesens"] == "Tania"
    assert len(characters) == 7
    assert movie["duration"] == "PT1H35M"
    assert movie["dateCreated"] == "2010"
    assert {c["name"] for c in listed(movie["countryOfOrigin"])} == {"Belgium", "France", "Luxembourg"}
    trailer = movie["trailer"]
    assert "youtube.com/embed/UnwI5Fk9Hrg" in (trailer.get("embedUrl") or trailer.get("url"))


def test_extruct_reads_the_films_item_list(server: Server) -> None:
    url = server.url("films")
    items = json_ld_of(url, ok(url, Accept="text/html").text)
    assert [item["@type"] for item in items] == ["ItemList"]
    elements = items[0]["itemListElement"]
    assert [e["position"] for e in elements] == list(range(1, 51))
    assert all(e["@type"] == "ListItem" and e["url"].startswith(server.url("film/")) for e in elements)
    page2 = json_ld_of(url, ok(f"{url}?page=2", Accept="text/html").text)[0]["itemListElement"]
    assert page2[0]["position"] == 51
    assert not {e["url"] for e in elements} & {e["url"] for e in page2}


# -- hostile text --------------------------------------------------------------------------------------------------


class Scripts(html.parser.HTMLParser):
    """The script elements and every start tag of a page, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.tags: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


@pytest.fixture(scope="module")
def hostile(server: Server) -> str:
    reply = ok(server.url("search?" + urlencode({"q": "Hostile"})), Accept="text/html")
    films = {part.split('"')[0] for part in reply.text.split('href="/film/')[1:]}
    assert len(films) == 1, films
    return server.url("film/" + films.pop())


def test_hostile_film_page_has_no_script_breakout(server: Server, hostile: str) -> None:
    page = ok(hostile, Accept="text/html").text
    assert page.lower().count("<script") == page.lower().count("</script>") == 1
    parsed = Scripts()
    parsed.feed(page)
    assert parsed.tags.count("script") == 1
    assert json.loads(parsed.scripts[0])["name"] == HOSTILE_TITLE


def test_hostile_markup_never_reaches_the_page_as_markup(server: Server, hostile: str) -> None:
    page = ok(hostile, Accept="text/html").text
    assert "<b>" not in page and "<!--" not in page
    parsed = Scripts()
    parsed.feed(page)
    assert "b" not in parsed.tags
    assert HOSTILE_SYNOPSIS in page.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"').replace(
        "&#39;", "'").replace("&amp;", "&")


def test_extruct_reads_back_the_exact_hostile_strings(server: Server, hostile: str) -> None:
    items = json_ld_of(hostile, ok(hostile, Accept="text/html").text)
    assert len(items) == 1
    movie = items[0]
    assert movie["name"] == HOSTILE_TITLE
    assert movie["description"] == HOSTILE_SYNOPSIS
    assert [d["name"] for d in listed(movie["director"])] == [HOSTILE_DIRECTOR]
    assert [(r["actor"]["name"], r["characterName"]) for r in listed(movie["actor"])] == [
        (HOSTILE_ACTOR, HOSTILE_CHARACTER)]


def test_hostile_strings_survive_in_rdf(server: Server, hostile: str) -> None:
    graph = parse_rdf(ok(hostile, Accept="application/ld+json").body, "json-ld")
    film = rdflib.URIRef(hostile)
    assert str(graph.value(film, SDO.name)) == HOSTILE_TITLE
    assert str(graph.value(film, SDO.description)) == HOSTILE_SYNOPSIS


def test_hostile_person_page_escapes_the_name(server: Server, hostile: str) -> None:
    graph = parse_rdf(ok(hostile, Accept="text/turtle").body, "turtle")
    (director,) = graph.objects(rdflib.URIRef(hostile), SDO.director)
    page = ok(str(director), Accept="text/html").text
    assert "<b>" not in page and "<!--" not in page
    assert page.lower().count("<script") == 0
    assert "Evil &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;Dir&lt;/b&gt;" in page


def test_html_pages_carry_security_headers(server: Server, hostile: str) -> None:
    for url in (hostile, server.base, server.url("films"), server.sparql):
        reply = ok(url, Accept="text/html")
        assert "default-src 'none'" in reply.header("Content-Security-Policy")
        assert "script-src" not in reply.header("Content-Security-Policy")  # no script may run at all
        assert reply.header("X-Content-Type-Options") == "nosniff"


# -- harvesters ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def listing(server: Server) -> dict[str, dict[str, Any]]:
    reply = ok(server.url("dumps/?format=json"))
    assert reply.media_type == "application/json"
    return {d["file"]: d for d in json.loads(reply.body)["dumps"]}


def test_nt_dump_has_every_triple_the_endpoint_counts(server: Server, listing: dict[str, dict[str, Any]]) -> None:
    reply = ok(server.url("dumps/lodfilm.nt.gz"))
    graph = rdflib.Graph().parse(data=gzip.decompress(reply.body), format="nt")
    assert len(graph) == count(server, COUNT_TRIPLES) == listing["lodfilm.nt.gz"]["triples"]
    assert len(set(graph.subjects(RDF.type, SDO.Movie))) == FILMS


@pytest.mark.parametrize(("file", "parser"), [("lodfilm.ttl", "turtle"), ("lodfilm.jsonld", "json-ld")])
def test_dump_parses_to_the_same_graph(server: Server, listing: dict[str, dict[str, Any]], file: str,
                                       parser: str) -> None:
    graph = parse_rdf(ok(server.url(f"dumps/{file}")).body, parser)
    assert len(graph) == listing[file]["triples"] == count(server, COUNT_TRIPLES)
    check_film_graph(server, graph)


def test_nq_dump_keeps_a_graph_per_record(server: Server, listing: dict[str, dict[str, Any]]) -> None:
    dataset = rdflib.Dataset()
    dataset.parse(data=gzip.decompress(ok(server.url("dumps/lodfilm.nq.gz")).body), format="nquads")
    quads = list(dataset.quads((None, None, None, None)))
    assert len(quads) == listing["lodfilm.nq.gz"]["triples"]
    graphs = {g for *_, g in quads}
    # every record's graph, and nothing else: the change log (its own graph in the store) is not a record
    records = count(server, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                            f"FILTER(?g != <{LOG_GRAPH}>) }}")
    assert len(graphs) == records >= FILMS
    assert rdflib.URIRef(LOG_GRAPH) not in graphs


@pytest.mark.parametrize("file", ["lodfilm.nt.gz", "lodfilm.nq.gz", "lodfilm.ttl", "lodfilm.jsonld"])
def test_dump_listing_describes_the_bytes(server: Server, listing: dict[str, dict[str, Any]], file: str) -> None:
    entry = listing[file]
    body = ok(server.url(f"dumps/{file}")).body
    assert entry["bytes"] == len(body)
    assert entry["sha256"] == hashlib.sha256(body).hexdigest()
    assert entry["triples"] > 0
    assert abs(entry["modified"] - time.time()) < 3600


def test_void_describes_the_dataset(server: Server, listing: dict[str, dict[str, Any]]) -> None:
    graph = parse_rdf(ok(server.url(".well-known/void"), Accept="text/turtle").body, "turtle")
    (dataset,) = graph.subjects(VOID.sparqlEndpoint, rdflib.URIRef(server.sparql))
    assert (dataset, RDF.type, VOID.Dataset) in graph
    dumps = {str(o) for o in graph.objects(dataset, VOID.dataDump)}
    assert dumps == {server.url(f"dumps/{file}") for file in listing}
    assert int(graph.value(dataset, VOID.triples)) == count(server, COUNT_TRIPLES)  # type: ignore[arg-type]
    example = graph.value(dataset, VOID.exampleResource)
    assert example is not None and ok(str(example), Accept="text/turtle").status == 200
    assert graph.value(dataset, DCTERMS.license) is not None
    modified = graph.value(dataset, DCTERMS.modified)
    assert isinstance(modified, rdflib.Literal) and modified.datatype == rdflib.XSD.dateTime


def test_void_in_rdfxml_is_the_same_graph(server: Server) -> None:
    turtle = parse_rdf(ok(server.url(".well-known/void"), Accept="text/turtle").body, "turtle")
    rdfxml = parse_rdf(ok(server.url(".well-known/void"), Accept="application/rdf+xml").body, "xml")
    assert isomorphic(turtle, rdfxml)


def test_sitemap_lists_every_film_and_person_with_lastmod(server: Server) -> None:
    root = ET.fromstring(ok(server.url("sitemap.xml")).body)
    entries = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in root.iter(f"{SITEMAP}url")}
    films = [u for u in entries if u and u.startswith(server.url("film/"))]
    people = [u for u in entries if u and u.startswith(server.url("person/"))]
    assert len(films) == FILMS
    assert server.illegal in films
    assert len(people) == count(server, PREFIX + "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a schema:Person }")
    assert server.url("person/ruben-ostlund") in people
    assert all(day and len(day) == 10 and day[4] == "-" for day in entries.values())


def test_robots_txt_names_the_sitemap(server: Server) -> None:
    assert f"Sitemap: {server.url('sitemap.xml')}" in ok(server.url("robots.txt")).text.splitlines()


# -- pages for people ---------------------------------------------------------------------------------------------


def test_home_page_shows_the_figures_and_a_search_box(server: Server) -> None:
    page = ok(server.base, Accept="text/html").text
    assert f"<strong>{FILMS}</strong> films" in page
    assert 'name="q"' in page and 'action="/search"' in page


def test_search_finds_ruben_ostlund(server: Server) -> None:
    page = ok(server.url("search?q=" + quote("östlund")), Accept="text/html").text
    assert "Ruben Östlund" in page
    assert 'href="/person/ruben-ostlund"' in page


@pytest.mark.parametrize("listing_path", ["films", "people"])
def test_lists_are_paged(server: Server, listing_path: str) -> None:
    url = server.url(listing_path)
    first = ok(url, Accept="text/html").text
    assert 'rel="next"' in first and f"{listing_path}?page=2" in first and 'rel="prev"' not in first
    second = ok(f"{url}?page=2", Accept="text/html").text
    assert 'rel="prev"' in second and "Page 2 of" in second
    assert first.count("<li>") >= 50


# -- oversized requests --------------------------------------------------------------------------------------------


def test_query_over_the_apps_limit_is_413_and_the_server_goes_on(server: Server) -> None:
    # 1.5 MB: within the WSGI server's 2 MB, over the app's 1 MB: the app reads no further and answers 413.
    body = b"# " + b"x" * (3 * 512 * 1024) + b"\nASK {}"
    reply = fetch(server.sparql, "POST", {"Content-Type": "application/sparql-query"}, body)
    assert reply.status == 413
    assert count(server, COUNT_FILMS) == FILMS


def statuses(data: bytes) -> list[int]:
    return [int(code) for code in re.findall(rb"^HTTP/1\.[01] (\d{3}) ", data, re.MULTILINE)]


def test_3mb_query_is_413_before_its_body_is_read(server: Server) -> None:
    # The headers alone: the server refuses on the Content-Length, answers 413 and closes, reading no body.
    port, target = local_port(server.sparql)
    head = (f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/sparql-query\r\n"
            f"Content-Length: {3 * 1024 * 1024}\r\n\r\n")
    data = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        while chunk := sock.recv(65536):
            data += chunk
    assert statuses(data) == [413], data[:300]
    assert count(server, COUNT_FILMS) == FILMS


def test_3mb_query_sent_blindly_is_refused_and_the_server_goes_on(server: Server) -> None:
    # A client that sends the whole body regardless gets the 413, or finds the connection closed under it
    # (the server does not read 3 MB it has refused); never an answer to the query.
    body = b"# " + b"x" * (3 * 1024 * 1024) + b"\nASK {}"
    try:
        reply = fetch(server.sparql, "POST", {"Content-Type": "application/sparql-query"}, body)
    except (BrokenPipeError, ConnectionResetError):
        pass
    else:
        assert reply.status == 413
    assert count(server, COUNT_FILMS) == FILMS


@pytest.mark.parametrize("accept", ["text/html", "text/turtle"])
def test_a_film_with_a_cyrillic_iri_is_served_with_ascii_headers(server: Server, accept: str) -> None:
    """Regression: a Unicode IRI in the Link header made waitress fail (headers are Latin-1) with a 500."""
    slug = "светът-е-голям-и-спасение-дебне-отвсякъде-2008"
    reply = ok(f"{server.base}film/{quote(slug)}", Accept=accept)
    link = reply.header("Link")
    assert link.isascii()
    assert f"<{server.base}film/{quote(slug)}>; rel=\"canonical\"" in link
    assert "Светът е голям" in reply.text


def test_the_change_log_that_sparql_answers_from_names_no_file_path_of_the_publishers_disk(
        server: Server, listing: dict[str, dict[str, Any]]) -> None:
    """The log graph holds each record's source (issue 16): /sparql reaches it through ``GRAPH``, so a source
    names its file by tokens, never by its path; the dumps leave the log out altogether."""
    folders = [str(DATA.resolve()), str(server.store.parent.resolve())]

    def select(query: str) -> list[dict[str, Any]]:
        reply = ok(server.query_url(query), Accept="application/sparql-results+json")
        return list(json.loads(reply.body)["results"]["bindings"])

    logged = select(f"SELECT (COUNT(?o) AS ?n) WHERE {{ GRAPH <{LOG_GRAPH}> {{ ?s <{LOG_NS}source> ?o }} }}")
    assert int(logged[0]["n"]["value"]) >= FILMS  # every record has its source: the log is there, and answered
    sample = select(f"SELECT ?o WHERE {{ GRAPH ?g {{ ?s <{LOG_NS}source> ?o }} }} LIMIT {MAX_ROWS}")
    assert sample and all(re.fullmatch(r"sha256:[0-9a-f]{64} \S+ @[0-9a-f]{16}(\.[0-9a-f]{16})+", b["o"]["value"])
                          for b in sample), sample
    named = " || ".join(f"CONTAINS(STR(?o), {json.dumps(folder)})" for folder in folders)
    # no folder of the disk anywhere, and in the log not even a file's name (records name their file: provenance)
    assert select(f"SELECT ?g ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(isLiteral(?o) && ({named})) }}") == []
    assert select(f"SELECT ?o WHERE {{ GRAPH <{LOG_GRAPH}> {{ ?s ?p ?o }} "
                  f'FILTER(REGEX(STR(?o), "\\\\.(ya?ml|txt|csv|ttl)( |$)")) }}') == []
    for file in listing:
        body = ok(server.url(f"dumps/{file}")).body
        text = gzip.decompress(body) if file.endswith(".gz") else body
        assert not any(folder.encode() in text for folder in folders) and LOG_GRAPH.encode() not in text, file
