"""The SPARQL endpoint against hostile clients, through a real ``lodfilm serve`` on 127.0.0.1 (issue 13, points 3
and 4): it never fetches on a user's behalf, its query workers have no network and die with their server, runaway
queries cannot take the threads pages need, and every answer is capped (rows and triples) and says so.

Each server here runs over one store imported by the real CLI; tests that need a server of their own (a long time
limit, a ``kill -9``) start one. Nothing connects anywhere but 127.0.0.1.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
import rdflib

from lodfilm.errors import QueryError
from lodfilm.settings import Settings
from lodfilm.store.embedded import EmbeddedStore
from lodfilm.store.remote import Endpoint, RemoteStore
from lodfilm.store.workers import QueryWorkers
from lodfilm.web import close_app, create_app
from tests.conftest import DATA, imported_store
from tests.test_server import Listener, Reply, fetch, free_port, lodfilm, stop

BASE = "http://127.0.0.1:8080/"  # the IRIs' base; each server listens on a port of its own
FILM = f"{BASE}film/illegal-2010"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
MAX_TRIPLES = 25


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_store(tmp_path_factory, "endpoint", BASE, DATA)


@dataclass
class Serving:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    @property
    def sparql(self) -> str:
        return self.url("sparql")

    def query_url(self, query: str) -> str:
        return f"{self.sparql}?{urlencode({'query': query})}"


@contextmanager
def serving(store: Path, log: Path, **settings: str) -> Iterator[Serving]:
    """``lodfilm serve`` over ``store`` with these ``LODFILM_*`` settings, polled until it answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LODFILM_")}
    env.update(settings)
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(lodfilm("serve", "--store", store, "--base", BASE, "--host", "127.0.0.1",
                                           "--port", port), stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"lodfilm serve exited:\n{log.read_text()}"
            try:
                if fetch(f"http://127.0.0.1:{port}/", timeout=2).status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"lodfilm serve did not answer within 30 s:\n{log.read_text()}"
            time.sleep(0.1)
        running = Serving(process, port, log)
        assert fetch(running.query_url("ASK {}")).status == 200  # the query workers are up
        yield running
    finally:
        stop(process)


@pytest.fixture(scope="module")
def server(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serving]:
    with serving(store, tmp_path_factory.mktemp("serve") / "serve.log", LODFILM_QUERY_TIMEOUT="5",
                 LODFILM_MAX_ROWS="50", LODFILM_MAX_TRIPLES=str(MAX_TRIPLES)) as running:
        yield running


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


# -- 3. nothing is fetched: the guard, then workers with no network --------------------------------------------------

def bypasses(port: int, own: str) -> list[str]:
    """Queries that walked around an earlier guard, aimed at the listener and at the server's own endpoint."""
    texts = []
    for target in (f"http://127.0.0.1:{port}/sparql", own):
        texts += [
            f'SELECT * WHERE {{ BIND("\\u000a#" AS ?x) SERVICE <{target}> {{ ?s ?p ?o }} }}',
            f"SELECT * WHERE {{ ?s ?p trueSERVICE <{target}> {{ }} }}",
            f"SELECT * WHERE {{ ?s ?p ?o #\rSERVICE <{target}> {{ ?a ?b ?c }}\n }}",
            f"PREFIX : <{target}> SELECT * WHERE {{ ?s ?p ?o SERVICE:{{ ?a ?b ?c }} }}",
            f"SELECT * WHERE {{ \\u0053\\U00000045rvice <{target}> {{ ?a ?b ?c }} }}",
            f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}",
            f"LOAD <{target}>",
        ]
    return texts


def test_queries_that_walked_around_the_first_guard_are_refused_and_fetch_nothing(
        server: Serving, listener: Listener) -> None:
    for text in bypasses(listener.port, server.sparql):
        for reply in (fetch(server.query_url(text)),
                      fetch(server.sparql, "POST", {"Content-Type": "application/sparql-query"}, text.encode())):
            assert reply.status in (400, 403), (text, reply.status, reply.body[:300])
            assert ("not allowed" in reply.text) if reply.status == 403 else ("malformed query" in reply.text)
    assert listener.connections == 0
    # the listener was listening: a connection to it is counted
    socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()
    deadline = time.monotonic() + 2
    while listener.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert listener.connections == 1


def test_a_record_graph_may_be_named_in_from(server: Serving) -> None:
    graphs = json.loads(fetch(server.query_url(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{FILM}> ?p ?o }} }}"),
                              headers={"Accept": "application/sparql-results+json"}).body)
    record = graphs["results"]["bindings"][0]["g"]["value"]
    assert record.startswith(f"{BASE}record/")
    reply = fetch(server.query_url(f"SELECT ?name FROM <{record}> WHERE {{ <{FILM}> schema:name ?name }}"),
                  headers={"Accept": "application/sparql-results+json"})
    assert reply.status == 200, reply.body[:300]
    assert [b["name"]["value"] for b in json.loads(reply.body)["results"]["bindings"]] == ["Illégal"]


def test_a_service_query_sent_straight_to_a_worker_fetches_nothing(store: Path, listener: Listener) -> None:
    """No guard at all (``guard=None`` is what the web sends when its fast path finds no word to check): the
    worker runs SERVICE, and its network namespace has no way out."""
    reader = EmbeddedStore(store, read_only=True)
    snapshot = reader.snapshot_path
    assert snapshot is not None
    text = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
    pool = QueryWorkers(1, timeout=30)
    try:
        with pytest.raises(QueryError, match="Network is unreachable"):
            pool.run(snapshot, text, select_format="json", graph_format=None, guard=None)
        assert pool.network is None  # the worker said it has no network
    finally:
        pool.close()
    assert listener.connections == 0
    # The same query in this process, which has the network, does connect: the test would see a fetch.
    with pytest.raises(OSError):
        for _ in ox.Store.read_only(str(snapshot)).query(text):  # type: ignore[union-attr]
            pass
    reader.close()
    assert listener.connections == 1


ISOLATE = """
import socket, sys, threading
from lodfilm.store.workers import isolate_network
if sys.argv[1] == "threaded":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
print(isolate_network())
with socket.socket() as probe:
    print(probe.connect_ex(("127.0.0.1", int(sys.argv[2]))))
"""


@pytest.mark.parametrize("kind", ["single", "threaded"])
def test_a_process_is_taken_off_the_network_only_while_it_has_one_thread(kind: str, listener: Listener) -> None:
    """What a worker does first, in a process of its own: where the namespace cannot hold every thread, the
    worker says why (and the pool logs it) rather than believe it is isolated."""
    done = subprocess.run([sys.executable, "-c", ISOLATE, kind, str(listener.port)], capture_output=True, text=True,
                          timeout=60, check=True)
    note, connected = done.stdout.split("\n")[:2]
    if kind == "single":
        assert note == "None" and int(connected) == errno.ENETUNREACH
        assert listener.connections == 0
    else:
        assert note == "the worker already runs 2 threads" and int(connected) == 0
        deadline = time.monotonic() + 2
        while listener.connections == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert listener.connections == 1


# -- 4. workers die with their server; queries queue apart from pages --------------------------------------------------

def children(pid: int) -> list[int]:
    """Every descendant of ``pid``, found through /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting for its reaper is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_query_workers_die_with_their_server_after_kill_9(store: Path, tmp_path: Path) -> None:
    with serving(store, tmp_path / "serve.log", LODFILM_QUERY_TIMEOUT="120") as server:
        def run_away() -> None:
            try:
                fetch(server.query_url(RUNAWAY), timeout=150)
            except OSError:
                pass  # the server was killed under it

        runaway = threading.Thread(target=run_away, daemon=True)
        runaway.start()
        workers = [pid for pid in children(server.process.pid) if running(pid)]
        assert len(workers) >= 2, workers
        time.sleep(1.5)
        assert max(cpu_seconds(pid) for pid in workers) > 0.5  # one of them is running the runaway
        try:
            os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait(10)
            deadline = time.monotonic() + 5
            while any(running(pid) for pid in workers) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert [pid for pid in workers if running(pid)] == []
        finally:
            for pid in workers:  # processes this test started, should one have outlived its server
                if running(pid):
                    os.kill(pid, signal.SIGKILL)
        runaway.join(10)


def test_past_the_query_queue_queries_get_503_at_once_and_pages_keep_their_speed(store: Path,
                                                                                 tmp_path: Path) -> None:
    """Two workers and a queue of two (the defaults) hold four request threads of eight; the other twelve of sixteen
    runaway queries are refused at once, and a cached page answers as fast as ever."""
    with serving(store, tmp_path / "serve.log", LODFILM_QUERY_TIMEOUT="60") as server:
        page = server.url("film/illegal-2010")
        assert fetch(page, headers={"Accept": "text/html"}).status == 200  # rendered once, cached from now on
        replies: list[tuple[float, Reply | OSError]] = []

        def run_away() -> None:
            started = time.monotonic()
            try:
                reply: Reply | OSError = fetch(server.query_url(RUNAWAY), headers={"Accept": "text/plain"},
                                               timeout=90)
            except OSError as exc:
                reply = exc
            replies.append((time.monotonic() - started, reply))

        threads = [threading.Thread(target=run_away, daemon=True) for _ in range(16)]
        try:
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 10
            while len(replies) < 12 and time.monotonic() < deadline:
                time.sleep(0.05)
            for _ in range(5):
                started = time.monotonic()
                reply = fetch(page, headers={"Accept": "text/html"}, timeout=30)
                assert reply.status == 200 and "Illégal" in reply.text
                assert time.monotonic() - started < 1
            assert len(replies) == 12, replies
            for seconds, busy in replies:
                assert isinstance(busy, Reply), busy
                assert busy.status == 503 and busy.header("Retry-After"), busy.body[:200]
                assert "busy" in busy.text and "LODFILM_QUERY_QUEUE" in busy.text
                assert seconds < 1, seconds
        finally:
            stop(server.process)
            for thread in threads:
                thread.join(30)


# -- 4. HEAD, and answers capped by triples -------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "accept"), [
    ("SELECT ?name WHERE { ?x schema:name ?name }", "application/sparql-results+json"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle"),
    ("ASK { }", "text/csv"),
    (None, "text/turtle"),  # the service description
    (None, "text/html"),  # the query page
    ("SELECT ?x WHERE { ?x ", "text/plain"),  # a malformed query
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { } }", "text/plain"),  # a refused one
])
def test_head_sparql_answers_like_get_without_the_body(server: Serving, query: str | None, accept: str) -> None:
    url = server.query_url(query) if query else server.sparql
    got = fetch(url, headers={"Accept": accept})
    head = fetch(url, "HEAD", headers={"Accept": accept})
    assert head.status == got.status
    assert head.body == b"" and got.body
    for name in ("Content-Type", "Content-Length", "Lodfilm-Truncated", "Vary", "Cache-Control", "Retry-After"):
        assert head.header(name) == got.header(name), name


RDF = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
       "application/rdf+xml": "xml"}


@pytest.mark.parametrize("media_type", list(RDF))
@pytest.mark.parametrize("query", ["CONSTRUCT WHERE { ?s ?p ?o }", f"DESCRIBE <{FILM}>"])
def test_construct_and_describe_answers_are_cut_at_the_triple_cap_and_say_so(server: Serving, query: str,
                                                                             media_type: str) -> None:
    reply = fetch(server.query_url(query), headers={"Accept": media_type})
    assert reply.status == 200, reply.body[:300]
    assert reply.header("Lodfilm-Truncated") == f"triples={MAX_TRIPLES}"
    assert len(rdflib.Graph().parse(data=reply.body, format=RDF[media_type])) == MAX_TRIPLES


def test_a_construct_under_the_cap_is_whole_and_unmarked(server: Serving) -> None:
    reply = fetch(server.query_url(f"CONSTRUCT WHERE {{ <{FILM}> schema:name ?n ; schema:duration ?d }}"),
                  headers={"Accept": "application/n-triples"})
    assert reply.status == 200 and not reply.header("Lodfilm-Truncated")
    assert len(rdflib.Graph().parse(data=reply.body, format="nt")) == 2


def test_a_remote_store_is_checked_and_capped_as_the_embedded_one(server: Serving, listener: Listener,
                                                                  tmp_path: Path) -> None:
    """A SPARQL server as the store — here a ``lodfilm serve``, which speaks the protocol — gets every query
    parsed first (no fast path: a server may read more than SPARQL 1.1), and its answers are capped here."""
    endpoint = Endpoint.parse(f"sparql+http://127.0.0.1:{server.port}/sparql", merge_graph=None)
    remote = RemoteStore(endpoint, read_only=True)
    try:
        cut = remote.run("CONSTRUCT WHERE { ?s ?p ?o }", select_format=None, graph_format="nt", max_triples=7)
        assert cut.truncated and len(rdflib.Graph().parse(data=cut.body, format="nt")) == 7
    finally:
        remote.close()
    settings = Settings(store=tmp_path / "unused", base=BASE, remote=endpoint, max_triples=7, query_timeout=30)
    app = create_app(settings)
    try:
        client = app.test_client()
        for text in [*bypasses(listener.port, server.sparql),
                     f'SELECT (bif:http_get("http://127.0.0.1:{listener.port}/") AS ?x) WHERE {{ }}']:
            response = client.post("/sparql", data={"query": text})
            assert response.status_code in (400, 403), (text, response.get_data(as_text=True))
        graph = client.post("/sparql", data={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                            headers={"Accept": "text/turtle"})
        assert graph.status_code == 200 and graph.headers["Lodfilm-Truncated"] == "triples=7"
        names = client.post("/sparql", data={"query": f"SELECT ?n WHERE {{ <{FILM}> schema:name ?n }}"},
                            headers={"Accept": "application/sparql-results+json"})
        assert names.status_code == 200 and names.get_json()["results"]["bindings"][0]["n"]["value"] == "Illégal"
    finally:
        close_app(app)
    assert listener.connections == 0


def test_the_query_workers_start_with_the_server_and_threads_are_kept_for_pages(store: Path, tmp_path: Path) -> None:
    """A server is ready for queries (and says what its workers lack) before the first query, not at it; and a
    --threads below what queries may hold is raised, with a note, so pages keep threads of their own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LODFILM_")}
    env.update({"LODFILM_QUERY_WORKERS": "2", "LODFILM_QUERY_QUEUE": "3"})
    log = tmp_path / "serve.log"
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(lodfilm("serve", "--store", store, "--base", BASE, "--host", "127.0.0.1",
                                           "--port", port, "--threads", "2"), stdout=out, stderr=subprocess.STDOUT,
                                   env=env)
    try:
        deadline = time.monotonic() + 60
        while len(workers_of(process.pid)) < 2:  # no query has been sent
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"the query workers did not start:\n{log.read_text()}"
            time.sleep(0.2)
        assert "--threads raised from 2 to 9" in log.read_text()
    finally:
        stop(process)


def workers_of(pid: int) -> list[int]:
    """The query worker processes under ``pid`` (multiprocessing's spawned children, not its resource tracker)."""
    found = []
    for child in children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            found.append(child)
    return found
