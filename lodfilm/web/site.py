"""What the web app serves from: the store's newest checkpoint, the query workers, and caches per checkpoint.

Everything cached is keyed by the checkpoint (``generation``) it was made from, so an import that publishes a
new checkpoint makes every cached page, list and figure stale at once, and nothing needs invalidating by hand.

With a SPARQL server as the store (:class:`RemoteStore`) the web tier is stateless: the generation is the stamp
the last import wrote into the server (read at most once a second), so any number of ``lodfilm serve`` processes,
on any machines, drop their caches when any import finishes; queries go to the server with its time limit, not
to worker processes (which still parse each query for the guard); dumps are written to a local cache folder per
process.

Researchers' queries are queued apart from pages: at most ``query_workers + query_queue`` are admitted at once
(running, or waiting for a worker), and each holds a request thread while it is; past that bound a query is
refused at once (503 with ``Retry-After``), so runaway queries can never hold every thread a page needs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from lodfilm import changelog
from lodfilm.errors import QueryTimeout, StoreError
from lodfilm.iris import Iris
from lodfilm.publish import documents
from lodfilm.publish.dumps import Dumps
from lodfilm.settings import Settings
from lodfilm.store.base import QueryResult, Stats
from lodfilm.store.embedded import EmbeddedStore
from lodfilm.store.guard import Guard, decode, needs_check
from lodfilm.store.remote import RemoteStore
from lodfilm.store.workers import QueryWorkers

T = TypeVar("T")
CACHE_ENTRIES = 20_000


class Site:
    def __init__(self, settings: Settings, store: EmbeddedStore | RemoteStore | None = None) -> None:
        self.settings = settings
        self.iris = Iris(settings.base)
        if store is None:
            store = (RemoteStore(settings.remote, read_only=True) if settings.remote is not None
                     else EmbeddedStore(settings.store, read_only=True))
        self.store = store
        if not self.store.read_only:
            raise StoreError("the web app reads a checkpoint: open the store with read_only=True")
        if isinstance(store, RemoteStore):
            # Dumps are files to send; each web process keeps its own, made once per generation of the server.
            key = hashlib.sha256(store.endpoint.query_url.encode()).hexdigest()[:16]
            self.dumps = Dumps(Path(tempfile.gettempdir()) / f"lodfilm-{key}")
        else:
            self.dumps = Dumps(settings.store)
        self._cache: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._workers: QueryWorkers | None = None
        self._workers_lock = threading.Lock()
        self.guard = Guard(settings.base, remote=isinstance(store, RemoteStore))
        self.admitted = settings.query_workers + settings.query_queue
        self._query_slots = threading.BoundedSemaphore(self.admitted)

    # -- the checkpoint being served -------------------------------------------------------------------------
    @property
    def generation(self) -> str:
        self.store.refresh()
        assert self.store.generation is not None
        return self.store.generation

    def cached(self, key: str, make: Callable[[], T]) -> T:
        """``make()``'s value for ``key`` on the current checkpoint, computed once."""
        slot = (self.generation, key)
        with self._lock:
            if slot in self._cache:
                self._cache.move_to_end(slot)
                return self._cache[slot]
        value = make()
        with self._lock:
            self._cache[slot] = value
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return value

    # -- data --------------------------------------------------------------------------------------------------
    def document(self, iri: str) -> bytes | None:
        return self.cached(f"doc {iri}", lambda: documents.document(self.store, self.iris, iri))

    def stats(self) -> Stats:
        return self.cached("stats", self.store.stats)

    def films(self) -> list[dict[str, str]]:
        """Every film (iri, name, year), sorted by title."""
        return self.cached("films", lambda: sorted(self.store.select(
            "SELECT ?iri (SAMPLE(?n) AS ?name) (SAMPLE(?y) AS ?year) WHERE { ?iri a schema:Movie ; schema:name ?n . "
            "OPTIONAL { ?iri schema:dateCreated ?y } } GROUP BY ?iri"), key=lambda r: (r["name"].casefold(), r["iri"])))

    def people(self) -> list[dict[str, str]]:
        return self.cached("people", lambda: sorted(self.store.select(
            "SELECT ?iri (SAMPLE(?n) AS ?name) WHERE { ?iri a schema:Person ; schema:name ?n } GROUP BY ?iri"),
            key=lambda r: (r["name"].casefold(), r["iri"])))

    def film_dates(self) -> dict[str, str]:
        """Each film's last change, for the sitemap: its newest event in the change log."""
        return self.cached("film dates", self._film_dates)

    def _film_dates(self) -> dict[str, str]:
        # A film with no event yet (its records were stored before the store kept a log, and have not changed
        # since) has its newest record's ``dcterms:modified``, the stamp its last change left.
        stamped = {r["f"]: r["m"] for r in self.store.select(
            "SELECT ?f (MAX(?mod) AS ?m) WHERE { ?r schema:about ?f ; dcterms:modified ?mod } GROUP BY ?f")}
        logged = {film: changelog.timestamp(moment) for film, moment in changelog.film_modified(self.store).items()}
        return {**stamped, **logged}

    def film_modified(self, iri: str) -> dt.datetime | None:
        """A film's last change, from the change log (None when the log has no event about it)."""
        return self.cached(f"film modified {iri}", lambda: changelog.last_modified(self.store, iri))

    def search(self, text: str, limit: int = 50) -> list[dict[str, str]]:
        """Films, people and organisations whose name contains ``text`` (any case)."""
        return self.store.select(
            "SELECT DISTINCT ?iri ?name ?type WHERE { ?iri a ?type ; schema:name ?name . "
            "VALUES ?type { schema:Movie schema:Person schema:Organization } "
            "FILTER(CONTAINS(LCASE(STR(?name)), LCASE(«q»))) } ORDER BY ?type LCASE(?name) LIMIT " + str(limit),
            q=text,
        )

    def query(self, text: str, *, select_format: str | None, graph_format: str | None) -> QueryResult:
        """A researcher's query: refused if it would update or reach out, else run by a worker with a time limit
        (or by the SPARQL server), if a place in the query queue is free at once."""
        if not self._query_slots.acquire(blocking=False):
            raise QueryTimeout(f"the server is busy: {self.admitted} queries are running or waiting for a worker "
                               "(LODFILM_QUERY_WORKERS + LODFILM_QUERY_QUEUE); try again in a few seconds")
        try:
            return self._query(text, select_format=select_format, graph_format=graph_format)
        finally:
            self._query_slots.release()

    def _query(self, text: str, *, select_format: str | None, graph_format: str | None) -> QueryResult:
        decoded = decode(text)  # the text the guard reads is the text the engine runs
        settings = self.settings
        if isinstance(self.store, RemoteStore):
            # A server may read more than SPARQL 1.1: every query is parsed (in a worker), none takes the fast path.
            parsed = self.workers.check(decoded, self.guard)
            return self.store.run(decoded, select_format=select_format, graph_format=graph_format,
                                  max_rows=settings.max_rows, max_triples=settings.max_triples,
                                  timeout=settings.query_timeout, parsed=parsed)
        snapshot = self.store.snapshot_path
        assert snapshot is not None
        return self.workers.run(Path(snapshot), decoded, select_format=select_format, graph_format=graph_format,
                                max_rows=settings.max_rows, max_triples=settings.max_triples,
                                guard=self.guard if needs_check(decoded) else None)

    @property
    def workers(self) -> QueryWorkers:
        with self._workers_lock:
            if self._workers is None:
                self._workers = QueryWorkers(self.settings.query_workers, timeout=self.settings.query_timeout)
            return self._workers

    def start(self) -> None:
        """Start the query workers now (the embedded store's; a SPARQL server runs its own queries)."""
        if not isinstance(self.store, RemoteStore):
            self.workers  # noqa: B018 - the property starts them

    def close(self) -> None:
        with self._workers_lock:
            if self._workers is not None:
                self._workers.close()
                self._workers = None
        self.store.close()
