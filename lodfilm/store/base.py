"""The store interface: what the pipeline, the CLI and the web need, in lodfilm's own terms.

Values crossing it are ours (N-Triples lines, bytes in a named format, counts), never a backend's objects, so
the embedded store and a remote SPARQL server can stand behind it alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import IO, Protocol

# SPARQL result formats by the names the CLI uses → media type.
QUERY_FORMATS: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
# RDF formats by the names the CLI uses → media type.
RDF_FORMATS: dict[str, str] = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "nq": "application/n-quads",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}


# The figures every store reports (films, people, organisations, countries), as one query any SPARQL store runs.
ENTITY_COUNTS = """SELECT
  (COUNT(DISTINCT ?film) AS ?films) (COUNT(DISTINCT ?person) AS ?people)
  (COUNT(DISTINCT ?org) AS ?organisations) (COUNT(DISTINCT ?country) AS ?countries)
WHERE {
  { ?film a schema:Movie } UNION { ?person a schema:Person }
  UNION { ?org a schema:Organization } UNION { ?country a schema:Country }
}"""


# The store's own bookkeeping graph: the change log's events and each record's source fingerprint
# (:mod:`lodfilm.changelog`). It is a named graph of the store, never part of the merge that queries see, and never a
# record: record listings, counts and dumps leave it out.
LOG_GRAPH = "urn:x-lodfilm:log"


@dataclass(frozen=True)
class LogLines:
    """N-Triples lines to add to and take out of :data:`LOG_GRAPH`, in the same transaction as what they go with."""

    #: a frozenset, or lines too many to hold that are read from a file as they are walked
    #: (:class:`~lodfilm.importing.spill.SpilledLines`, in the order written)
    add: AbstractSet[str] = frozenset()
    remove: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.add or self.remove)

    def __len__(self) -> int:
        return len(self.add) + len(self.remove)


@dataclass(frozen=True)
class RecordWrite:
    """A record's whole graph, to replace whatever its named graph held: triples as N-Triples lines."""

    graph: str
    triples: frozenset[str]
    #: whether the store may hold an older version of this record (False lets a first import skip the delete)
    replaces: bool = True
    #: the change log's lines for this write (its event), written in the same transaction as the graph
    log: LogLines = LogLines()


@dataclass(frozen=True)
class RecordDrop:
    """A record to remove from the store, with the log lines (its delete event) that go in the same transaction."""

    graph: str
    log: LogLines = LogLines()


def drop_of(item: str | RecordDrop) -> RecordDrop:
    """A bare graph IRI (as older callers give drops) is a drop with no log lines."""
    return item if isinstance(item, RecordDrop) else RecordDrop(item)


def adds_only(writes: Iterable[RecordWrite], drops: Sequence[object], log: Iterable[LogLines]) -> bool:
    """Whether a write only adds to the store: no record dropped or replaced, no log line taken out (what the
    embedded store bulk-loads, and what an import's writer may gather)."""
    return not drops and not any(w.replaces or w.log.remove for w in writes) and not any(lines.remove for lines in log)


@dataclass(frozen=True)
class QueryResult:
    """A query's answer, serialised: ``kind`` is ``select``, ``ask`` or ``graph`` (CONSTRUCT/DESCRIBE)."""

    kind: str
    media_type: str
    body: bytes
    truncated: bool = False


@dataclass(frozen=True)
class Stats:
    films: int
    people: int
    organisations: int
    countries: int
    records: int
    triples: int
    quads: int


class Store(Protocol):
    #: how many new records an import may gather into one write (1: each batch is written as it comes)
    new_records_per_write: int

    def record_triples(self, graph: str) -> frozenset[str]:
        """The N-Triples lines a record's named graph holds now (empty when it does not exist)."""

    def record_graphs(self, prefix: str) -> list[str]:
        """Named graphs whose IRI starts with ``prefix``."""

    def write(self, writes: Iterable[RecordWrite], drops: Iterable[str | RecordDrop] = (),
              log: Iterable[LogLines] = ()) -> None:
        """Replace each written record's graph and drop the others, all in one transaction, each with its log
        lines; ``log`` is bookkeeping that goes with no record (fingerprints of records left as they were)."""

    def select_log(self, text: str) -> list[dict[str, str]]:
        """A SELECT over the store's own graphs (``GRAPH <LOG_GRAPH>`` reaches the change log), as
        :meth:`select` gives rows."""

    def log_values(self, predicate: str) -> Iterator[tuple[str, str]]:
        """(subject IRI, object's lexical value) of every ``predicate`` triple in :data:`LOG_GRAPH`: how the log is
        read whole, without a join or a sort the store would have to make."""

    def log_nodes(self, subjects: list[str]) -> dict[str, dict[str, str]]:
        """The properties (predicate IRI → lexical value) of each of ``subjects`` found in :data:`LOG_GRAPH`."""

    def identifiers(self) -> Iterator[tuple[str, str]]:
        """(node, sameAs IRI) pairs, for identity resolution."""

    def query(self, text: str, *, format: str | None = None) -> QueryResult:
        """Run a SPARQL query over the union of all records; ``format`` is a key of the format tables."""

    def dump(self, output: IO[bytes], format: str) -> int:
        """Write the whole graph to ``output``; returns the number of triples (or quads) written."""

    def stats(self) -> Stats: ...

    def construct(self, text: str) -> bytes:
        """A CONSTRUCT query's answer as N-Triples."""

    def select(self, text: str, **bindings: str) -> list[dict[str, str]]:
        """A SELECT's rows as {variable: lexical value}; each ``«name»`` becomes the literal ``bindings[name]``."""

    def checkpoint(self) -> object:
        """Publish what was written so far to readers (the server, query, dump); a no-op where writes are live."""

    def close(self) -> None: ...
