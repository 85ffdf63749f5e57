"""One store contract, every backend: the same cases run against the embedded pyoxigraph store and, over HTTP
(the SPARQL 1.1 Protocol, nothing server-specific), against real SPARQL servers on 127.0.0.1:

* ``oxigraph``, on every run: the Oxigraph server of PyPI's ``oxigraph`` package (a test extra), which the tests
  start themselves (``oxigraph_server`` in ``tests/conftest.py``). Its default graph is a real graph of its own,
  not the union of the named graphs, so lodfilm keeps the merge there (``LODFILM_SPARQL_MERGE_GRAPH=default``),
  and its query and update services are two URLs (``/query``, ``LODFILM_SPARQL_UPDATE_URL=…/update``).
* ``virtuoso``, where ``LODFILM_TEST_VIRTUOSO`` names one (``sparql+http://USER:PASSWORD@127.0.0.1:PORT/sparql-auth``;
  ``.ci/run`` starts Virtuoso Open Source and sets it): the merge in a named graph, its union default graph
  left alone.

The backends are generated from what is there, so no case is ever skipped: a backend that is not set up has no
cases, and one that is set up runs them all.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import rdflib
import requests
from click.testing import CliRunner
from flask.testing import FlaskClient
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from lodfilm.cli import main
from lodfilm.errors import StoreError
from lodfilm.settings import Settings
from lodfilm.store import open_store
from lodfilm.store.base import LOG_GRAPH, RecordWrite, Store
from lodfilm.store.remote import META_GRAPH, Endpoint, RemoteStore
from lodfilm.web import close_app, create_app
from tests.conftest import BASE, DATA, SparqlServer

VIRTUOSO = "LODFILM_TEST_VIRTUOSO"
MODIFIED = "<http://purl.org/dc/terms/modified>"
FILM = f"{BASE}film/contract-test-2001"
SERVERS = ["oxigraph", *(["virtuoso"] if os.environ.get(VIRTUOSO) else [])]
BACKENDS = ["embedded", *SERVERS]


def connect(location: str) -> Store:
    """The store a ``--store`` value names, opened with the settings the environment gives it, as the CLI does."""
    return open_store(Settings.load(store=location).opens)


def wipe(location: str) -> None:
    """Leave the server as lodfilm found it: every graph under the test base IRI, the merge and our bookkeeping
    graph dropped (found by name, so a half-written earlier run is cleaned up too)."""
    store = connect(location)
    assert isinstance(store, RemoteStore)
    try:
        graphs = store._rows(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                             f"FILTER(STRSTARTS(STR(?g), \"{BASE}\")) }}", dataset=False)[1]
        drops = [f"GRAPH <{row['g'].value}>" for row in graphs]
        merge = store.endpoint.merge_graph
        drops += [f"GRAPH <{merge}>" if merge else "DEFAULT", f"GRAPH <{META_GRAPH}>", f"GRAPH <{LOG_GRAPH}>"]
        store._update(" ;\n".join(f"DROP SILENT {g}" for g in drops))
    finally:
        store.close()


def server_settings(name: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Set the environment lodfilm reads for the SPARQL server ``name``; its ``--store`` value."""
    for variable in ("LODFILM_STORE", "LODFILM_SPARQL_UPDATE_URL", "LODFILM_SPARQL_USER", "LODFILM_SPARQL_PASSWORD",
                     "LODFILM_SPARQL_MERGE_GRAPH", "LODFILM_SPARQL_SERVER_TIMEOUT"):
        monkeypatch.delenv(variable, raising=False)
    if name == "oxigraph":
        server: SparqlServer = request.getfixturevalue("oxigraph_server")
        monkeypatch.setenv("LODFILM_SPARQL_UPDATE_URL", server.update_url)
        monkeypatch.setenv("LODFILM_SPARQL_MERGE_GRAPH", "default")
        return f"sparql+{server.query_url}"
    monkeypatch.setenv("LODFILM_SPARQL_SERVER_TIMEOUT", "virtuoso")
    return os.environ[VIRTUOSO]


@pytest.fixture(params=BACKENDS)
def location(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty store of each backend, as the ``--store`` value that names it."""
    if request.param == "embedded":
        monkeypatch.delenv("LODFILM_STORE", raising=False)
        yield str(tmp_path / "store")
        return
    url = server_settings(request.param, request, monkeypatch)
    wipe(url)
    yield url
    wipe(url)


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def import_(location: str, *paths: str | Path) -> tuple[int, str, str]:
    return run("import", "--no-progress", "--store", location, "--base", BASE, *paths)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """What the bundled data is once imported into the embedded store: the yardstick for every backend."""
    store_dir = tmp_path_factory.mktemp("reference") / "store"
    status, out, err = import_(str(store_dir), DATA)
    assert status == 0, err
    _, stats, _ = run("stats", "--store", store_dir, "--json")
    _, nt, _ = run("dump", "--store", store_dir, "--format", "nt")
    _, nq, _ = run("dump", "--store", store_dir, "--format", "nq")
    return {"stats": json.loads(stats), "nt": without_stamps(nt), "nq": without_stamps(nq)}


def without_stamps(dump: str) -> set[str]:
    """Dump lines minus the import times, which differ from one import to the next by design."""
    return {line for line in dump.splitlines() if line and f" {MODIFIED} " not in line}


def rows(location: str, query: str) -> list[dict[str, str]]:
    status, out, err = run("query", "--store", location, "--format", "json", query)
    assert status == 0, err
    return [{k: v["value"] for k, v in row.items()} for row in json.loads(out)["results"]["bindings"]]


def write_film(path: Path, countries: list[str], runtime: int, director: str = "Ana Example") -> Path:
    path.write_text(
        "title: Contract Test\nyear: 2001\n"
        f"directors: [{director}]\ncountries: [{', '.join(countries)}]\nruntime_minutes: {runtime}\n",
        encoding="utf-8",
    )
    return path


# -- import ------------------------------------------------------------------------------------------------------
def test_bundled_data_imports_idempotently_and_matches_the_embedded_store(
    location: str, reference: dict[str, object]
) -> None:
    status, out, err = import_(location, DATA)
    assert status == 0, err
    stats = json.loads(run("stats", "--store", location, "--json")[1])
    assert stats == reference["stats"]
    status, out, err = import_(location, DATA)
    assert status == 0, err
    assert f"{stats['records']} unchanged" in out and " 0 stored" in out
    assert json.loads(run("stats", "--store", location, "--json")[1]) == reference["stats"]


def test_dumps_reparse_and_hold_the_same_graph(location: str, reference: dict[str, object]) -> None:
    assert import_(location, DATA)[0] == 0
    status, nt, err = run("dump", "--store", location, "--format", "nt")
    assert status == 0, err
    assert without_stamps(nt) == reference["nt"]
    assert len(rdflib.Graph().parse(data=nt, format="nt")) == len(nt.splitlines())
    status, nq, err = run("dump", "--store", location, "--format", "nq")
    assert status == 0, err
    assert without_stamps(nq) == reference["nq"]
    for fmt, parser in (("ttl", "turtle"), ("jsonld", "json-ld")):
        status, body, err = run("dump", "--store", location, "--format", fmt)
        assert status == 0, err
        assert set(rdflib.Graph().parse(data=body, format=parser)) == set(rdflib.Graph().parse(data=nt, format="nt"))


def test_a_corrected_record_replaces_the_old_one_with_nothing_stale(location: str, tmp_path: Path) -> None:
    record = write_film(tmp_path / "film.yaml", ["Belgium", "France"], 95)
    assert import_(location, record)[0] == 0
    countries = {r["c"] for r in rows(location, f"SELECT ?c WHERE {{ <{FILM}> schema:countryOfOrigin ?c }}")}
    assert countries == {f"{BASE}country/BE", f"{BASE}country/FR"}
    write_film(record, ["Belgium"], 100)
    status, out, err = import_(location, record)
    assert status == 0 and "1 stored" in out, err
    facts = rows(location, f"SELECT ?p ?o WHERE {{ <{FILM}> ?p ?o }}")
    assert {r["o"] for r in facts if r["p"].endswith("countryOfOrigin")} == {f"{BASE}country/BE"}
    assert {r["o"] for r in facts if r["p"].endswith("duration")} == {"PT1H40M"}
    in_graphs = rows(location, f"SELECT ?g ?o WHERE {{ GRAPH ?g {{ <{FILM}> schema:countryOfOrigin ?o }} "
                               f"FILTER(STRSTARTS(STR(?g), \"{BASE}record/\")) }}")
    assert {r["o"] for r in in_graphs} == {f"{BASE}country/BE"}


def test_a_fact_another_record_states_stays_when_one_record_drops_it(location: str, tmp_path: Path) -> None:
    one = write_film(tmp_path / "one.yaml", ["Belgium", "France"], 95)
    two = write_film(tmp_path / "two.yaml", ["France"], 95)
    assert import_(location, one, two)[0] == 0
    write_film(one, ["Belgium"], 95)
    assert import_(location, one)[0] == 0
    countries = {r["c"] for r in rows(location, f"SELECT ?c WHERE {{ <{FILM}> schema:countryOfOrigin ?c }}")}
    assert countries == {f"{BASE}country/BE", f"{BASE}country/FR"}  # France: still stated by two.yaml


def test_a_film_is_replaced_as_a_unit(location: str) -> None:
    """A reader polling while a record flips between two versions sees one version or the other, never a mix."""
    graph = f"{BASE}record/unit"
    film = f"<{BASE}film/unit>"
    versions = [
        frozenset({f"{film} <http://schema.org/name> \"Unit\" .",
                   *(f"{film} <http://schema.org/countryOfOrigin> <{BASE}country/{c}> ." for c in ("BE", "FR"))}),
        frozenset({f"{film} <http://schema.org/name> \"Unit\" .",
                   *(f"{film} <http://schema.org/countryOfOrigin> <{BASE}country/{c}> ." for c in ("DE", "NL", "LU"))}),
    ]
    expected = [{"BE", "FR"}, {"DE", "NL", "LU"}]
    store = connect(location)
    seen: list[set[str]] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            got = store.select(f"SELECT ?c WHERE {{ {film} <http://schema.org/countryOfOrigin> ?c }}")
            seen.append({r["c"].rsplit("/", 1)[-1] for r in got})

    try:
        store.write([RecordWrite(graph, versions[0])])
        reader = threading.Thread(target=read)
        reader.start()
        for n in range(1, 13):
            store.write([RecordWrite(graph, versions[n % 2])])
        done.set()
        reader.join()
        assert seen and all(s in expected for s in seen), [s for s in seen if s not in expected][:3]
        assert store.record_triples(graph) == versions[0]
    finally:
        done.set()
        store.write([], [graph])
        store.close()


def test_bulk_writes_keep_every_record(location: str) -> None:
    """More records and triples than one update request carries: all land, each whole."""
    store = connect(location)
    try:
        writes = [RecordWrite(f"{BASE}record/bulk/{i}", frozenset(
            f"<{BASE}film/bulk-{i}> <http://schema.org/p{j}> \"{i} {j}\" ." for j in range(120)))
            for i in range(80)]
        store.write(writes)
        assert len(store.record_graphs(f"{BASE}record/bulk/")) == 80
        assert store.record_triples(f"{BASE}record/bulk/79") == writes[79].triples
        assert store.stats().triples == 80 * 120
        store.write([], [w.graph for w in writes])
        assert store.record_graphs(f"{BASE}record/bulk/") == []
        assert store.stats().triples == 0
    finally:
        store.close()


# -- queries -----------------------------------------------------------------------------------------------------
def test_query_formats(location: str) -> None:
    assert import_(location, DATA / "illegal-2010.txt")[0] == 0
    select = "SELECT ?title WHERE { ?f a schema:Movie ; schema:name ?title }"
    for fmt in ("json", "xml", "csv", "tsv"):
        status, out, err = run("query", "--store", location, "--format", fmt, select)
        assert status == 0, err
        assert "Illégal" in out, (fmt, out)
    assert json.loads(run("query", "--store", location, "ASK { ?f a schema:Movie }")[1])["boolean"] is True
    construct = "CONSTRUCT { ?f schema:name ?n ; schema:duration ?d } WHERE { ?f schema:name ?n ; schema:duration ?d }"
    for fmt, parser in (("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")):
        status, out, err = run("query", "--store", location, "--format", fmt, construct)
        assert status == 0, err
        graph = rdflib.Graph().parse(data=out, format=parser)
        assert {str(o) for o in graph.objects(None, rdflib.URIRef("http://schema.org/duration"))} == {"PT1H35M"}
    status, out, err = run("query", "--store", location, "SELECT ?x WHERE { ?x ")
    assert status == 3 and "malformed query" in err


# -- the web, served from the store -------------------------------------------------------------------------------
@pytest.fixture
def client(location: str) -> Iterator[FlaskClient]:
    assert import_(location, DATA)[0] == 0
    app = create_app(Settings.load(store=location, base=BASE).with_(max_rows=5))
    try:
        yield app.test_client()
    finally:
        close_app(app)


def test_a_film_page_is_served_from_the_store(client: FlaskClient) -> None:
    page = client.get("/film/illegal-2010", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "Illégal" in page.get_data(as_text=True) and "Olivier Masset-Depasse" in page.get_data(as_text=True)
    turtle = client.get("/film/illegal-2010.ttl")
    graph = rdflib.Graph().parse(data=turtle.get_data(as_text=True), format="turtle")
    assert (rdflib.URIRef(f"{BASE}film/illegal-2010"), rdflib.URIRef("http://schema.org/duration"),
            rdflib.Literal("PT1H35M", datatype=rdflib.XSD.duration)) in graph
    assert client.get("/film/no-such-film-1900").status_code == 404
    dump = client.get("/dumps/lodfilm.nt.gz")
    assert dump.status_code == 200 and dump.headers["Content-Type"] == "application/gzip"
    dump.close()


@pytest.mark.parametrize("form", [
    {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"},
    {"query": "DELETE WHERE { ?s ?p ?o }"},
    {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"},
    {"query": "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"},
    {"query": "LOAD <http://127.0.0.1:1/x.ttl>"},
])
def test_the_endpoint_refuses_updates_service_and_load(client: FlaskClient, form: dict[str, str]) -> None:
    response = client.post("/sparql", data=form)
    assert response.status_code == 403, response.get_data(as_text=True)


def test_the_endpoint_answers_and_says_when_it_cut_an_answer(client: FlaskClient) -> None:
    query = "SELECT ?f WHERE { ?f a schema:Movie }"
    response = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert response.headers["Lodfilm-Truncated"] == "rows=5"
    body = response.get_json()
    assert len(body["results"]["bindings"]) == 5 and body["head"]["link"] == ["urn:lodfilm:truncated"]
    small = client.post("/sparql", data={"query": query + " LIMIT 3"}, headers={"Accept": "text/csv"})
    assert small.status_code == 200 and "Lodfilm-Truncated" not in small.headers
    assert len(small.get_data(as_text=True).strip().splitlines()) == 4
    assert client.post("/sparql", data={"query": "SELECT ?x WHERE { ?x "}).status_code == 400


def test_the_endpoint_cuts_construct_and_describe_at_the_triple_cap(location: str) -> None:
    assert import_(location, DATA)[0] == 0
    app = create_app(Settings.load(store=location, base=BASE).with_(max_triples=9))
    try:
        client = app.test_client()
        for query in ("CONSTRUCT WHERE { ?s ?p ?o }", f"DESCRIBE <{BASE}film/illegal-2010>"):
            response = client.post("/sparql", data={"query": query}, headers={"Accept": "application/n-triples"})
            assert response.status_code == 200 and response.headers["Lodfilm-Truncated"] == "triples=9"
            assert len(rdflib.Graph().parse(data=response.get_data(as_text=True), format="nt")) == 9
        one = f"CONSTRUCT WHERE {{ <{BASE}film/illegal-2010> schema:name ?n }}"
        small = client.post("/sparql", data={"query": one}, headers={"Accept": "application/n-triples"})
        assert small.status_code == 200 and "Lodfilm-Truncated" not in small.headers
    finally:
        close_app(app)


def test_pages_follow_an_import_made_by_another_process(client: FlaskClient, location: str, tmp_path: Path) -> None:
    before = client.get("/films").get_data(as_text=True)
    assert "Contract Test" not in before
    assert import_(location, write_film(tmp_path / "new.yaml", ["Belgium"], 90))[0] == 0
    deadline = time.monotonic() + 10
    while "Contract Test" not in client.get("/films").get_data(as_text=True):
        assert time.monotonic() < deadline, "the web app did not notice the import"
        time.sleep(0.2)
    assert client.get("/film/contract-test-2001").status_code == 200


# -- credentials -------------------------------------------------------------------------------------------------
SECRET = "s3cr3t-Pa55-word"


def test_credentials_are_never_printed_when_the_server_cannot_be_reached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LODFILM_SPARQL_PASSWORD", SECRET)
    monkeypatch.setenv("LODFILM_SPARQL_USER", "archivist")
    status, out, err = run("stats", "--store", "sparql+http://127.0.0.1:1/sparql")
    assert status == 4 and "cannot reach the SPARQL server at http://127.0.0.1:1/sparql" in err
    status, out, err = run("stats", "--store", f"sparql+http://archivist:{SECRET}@127.0.0.1:1/sparql")
    assert status == 4
    assert SECRET not in out + err and "archivist" not in out + err
    settings = Settings.load(store=f"sparql+http://archivist:{SECRET}@127.0.0.1:1/sparql")
    assert SECRET not in repr(settings) and SECRET not in settings.location


class AuthProxy:
    """A real HTTP server on 127.0.0.1 in front of the Oxigraph server, asking for credentials as a server behind
    HTTP authentication does (RFC 7617 Basic, or RFC 7616 Digest with MD5 and ``qop=auth``): a request signed
    with the right user and password is passed on, any other gets ``401`` and a fresh challenge."""

    REALM = "lodfilm-test"

    def __init__(self, scheme: str, upstream: SparqlServer, user: str, password: str) -> None:
        self.scheme, self.upstream, self.user, self.password = scheme, upstream, user, password
        self.nonces: set[str] = set()
        self.server = make_server("127.0.0.1", 0, self, threaded=True)
        self.root = f"http://127.0.0.1:{self.server.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.session = requests.Session()
        self.session.trust_env = False  # straight to 127.0.0.1, whatever *_proxy says

    def challenge(self) -> str:
        if self.scheme == "basic":
            return f'Basic realm="{self.REALM}"'
        nonce = secrets.token_hex(16)
        self.nonces.add(nonce)
        return f'Digest realm="{self.REALM}", qop="auth", algorithm=MD5, nonce="{nonce}"'

    def signed_in(self, request: Request) -> bool:
        auth = request.authorization
        if auth is None or auth.type != self.scheme or auth.username != self.user:
            return False
        if auth.type == "basic":
            return hmac.compare_digest(auth.password or "", self.password)
        if auth.nonce not in self.nonces or auth.qop != "auth" or auth.response is None:
            return False

        def md5(text: str) -> str:
            return hashlib.md5(text.encode()).hexdigest()

        known = md5(f"{self.user}:{self.REALM}:{self.password}")
        expected = md5(f"{known}:{auth.nonce}:{auth.nc}:{auth.cnonce}:auth:{md5(f'{request.method}:{auth.uri}')}")
        return hmac.compare_digest(auth.response, expected)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        if not self.signed_in(request):
            response = Response("sign in", 401, {"WWW-Authenticate": self.challenge()})
        else:
            upstream = self.session.post(self.upstream.root + request.path, data=request.get_data(), timeout=60,
                                         headers={"Content-Type": request.content_type or "",
                                                  "Accept": request.headers.get("Accept", "*/*")})
            response = Response(upstream.content, upstream.status_code,
                                content_type=upstream.headers.get("Content-Type"))
        return response(environ, start_response)


@pytest.fixture(params=["basic", "digest", *(["virtuoso"] if "virtuoso" in SERVERS else [])])
def signed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str, str]]:
    """A SPARQL server that asks for credentials: (its ``--store`` URL without them, the user, the password)."""
    if request.param == "virtuoso":
        endpoint = Endpoint.parse(server_settings("virtuoso", request, monkeypatch))
        yield f"sparql+{endpoint.query_url}", endpoint.user or "", endpoint.password or ""
        return
    server_settings("oxigraph", request, monkeypatch)
    proxy = AuthProxy(request.param, request.getfixturevalue("oxigraph_server"), "archivist", "the-right-one")
    proxy.thread.start()
    monkeypatch.setenv("LODFILM_SPARQL_UPDATE_URL", f"{proxy.root}/update")
    try:
        yield f"sparql+{proxy.root}/query", proxy.user, proxy.password
    finally:
        proxy.server.shutdown()
        proxy.thread.join()


def test_credentials_are_never_printed_when_the_server_refuses_them(signed: tuple[str, str, str]) -> None:
    url, user, password = signed

    def signed_as(secret: str) -> str:
        return url.replace("://", f"://{user}:{secret}@", 1)

    # The right credentials sign in (the challenge answered in the scheme asked), so the refusal below is the
    # server judging the credentials, not one that refuses everybody.
    status, out, err = run("stats", "--store", signed_as(password), "--json")
    assert status == 0, err
    status, out, err = run("import", "--no-progress", "--store", signed_as(SECRET), "--base", BASE,
                           DATA / "illegal-2010.txt")
    assert status == 4 and "refused lodfilm (401)" in err, err
    assert SECRET not in out + err
    wrong = Settings.load(store=signed_as(SECRET)).remote
    assert wrong is not None and wrong.password == SECRET
    store = RemoteStore(wrong)
    with pytest.raises(StoreError) as caught:
        store.write([RecordWrite(f"{BASE}record/x", frozenset())])
    assert "refused lodfilm (401)" in str(caught.value) and SECRET not in str(caught.value)
    buffer = io.StringIO()
    print(wrong, repr(wrong), file=buffer)
    assert SECRET not in buffer.getvalue()


def test_a_store_url_is_not_a_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store: Store = open_store("sparql+http://127.0.0.1:1/sparql")
    assert isinstance(store, RemoteStore) and not any(tmp_path.iterdir())
