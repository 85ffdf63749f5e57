"""The embedded store: pyoxigraph (RocksDB) in one directory on disk, no server.

Each record is a named graph; SPARQL sees the union of them as its default graph. A record is replaced by one
``Store.update`` (``DROP SILENT GRAPH`` then ``INSERT DATA``), which is one transaction: a crash or a kill leaves
every record either wholly in or wholly out, and a reader never sees a film half-written. RocksDB's lock lets one
process open a directory for writing; a second one gets a clear :class:`StoreError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from lodfilm.errors import QueryError, StoreError, UsageError
from lodfilm.store.base import QUERY_FORMATS, RDF_FORMATS, QueryResult, RecordWrite, Stats
from lodfilm.vocab import PREFIXES

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
SCHEMA_SAME_AS = "http://schema.org/sameAs"


class EmbeddedStore:
    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        try:
            if read_only:
                if not path.is_dir():
                    raise StoreError(f"no store at {path} (run `lodfilm import` first)")
                self._store = ox.Store.read_only(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))
        except OSError as exc:
            message = str(exc)
            if "lock" in message.lower():
                raise StoreError(
                    f"the store at {path} is in use by another lodfilm process (one process may write a store; "
                    "stop the other one, or import into another --store)"
                ) from None
            raise StoreError(f"cannot open the store at {path}: {message}") from None

    # -- records ---------------------------------------------------------------------------------------------
    def record_triples(self, graph: str) -> frozenset[str]:
        name = ox.NamedNode(graph)
        return frozenset(
            f"{q.subject} {q.predicate} {q.object} ." for q in self._store.quads_for_pattern(None, None, None, name)
        )

    def record_graphs(self, prefix: str) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)
                      and g.value.startswith(prefix))

    def write(self, writes: Iterable[RecordWrite], drops: Iterable[str] = ()) -> None:
        parts: list[str] = []
        inserts: list[str] = []
        for graph in drops:
            parts.append(f"DROP SILENT GRAPH <{graph}>")
        for record in writes:
            parts.append(f"DROP SILENT GRAPH <{record.graph}>")
            inserts.append(f"GRAPH <{record.graph}> {{\n" + "\n".join(sorted(record.triples)) + "\n}")
        if inserts:
            parts.append("INSERT DATA {\n" + "\n".join(inserts) + "\n}")
        if not parts:
            return
        try:
            self._store.update(" ;\n".join(parts))
        except (OSError, SyntaxError) as exc:  # pragma: no cover - our own N-Triples always parse
            raise StoreError(f"writing to the store at {self.path} failed: {exc}") from None

    def identifiers(self) -> Iterator[tuple[str, str]]:
        same_as = ox.NamedNode(SCHEMA_SAME_AS)
        for quad in self._store.quads_for_pattern(None, same_as, None, None):
            if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.NamedNode):
                yield quad.subject.value, quad.object.value

    # -- queries ---------------------------------------------------------------------------------------------
    def query(self, text: str, *, format: str | None = None) -> QueryResult:
        try:
            result = self._store.query(text, use_default_graph_as_union=True, prefixes=PREFIXES)
        except SyntaxError as exc:
            raise QueryError(f"malformed query: {exc}") from None
        except OSError as exc:
            raise QueryError(f"the query failed: {exc}") from None
        if isinstance(result, ox.QueryTriples):
            name = format or "ttl"
            if name not in GRAPH_FORMATS or name == "nq":
                raise UsageError(f"a CONSTRUCT or DESCRIBE result is RDF: use one of ttl, nt, jsonld, rdfxml")
            body = ox.serialize(result, format=GRAPH_FORMATS[name], prefixes=PREFIXES)
            return QueryResult("graph", RDF_FORMATS[name], body or b"")
        name = format or "json"
        if name not in RESULT_FORMATS:
            raise UsageError(f"a SELECT or ASK result is a table: use one of {', '.join(RESULT_FORMATS)}")
        kind = "ask" if isinstance(result, ox.QueryBoolean) else "select"
        return QueryResult(kind, QUERY_FORMATS[name], result.serialize(format=RESULT_FORMATS[name]) or b"")

    def select(self, text: str) -> list[dict[str, str]]:
        """Rows of a SELECT as {variable: lexical value}: for lodfilm's own queries (stats, identity)."""
        result = self._store.query(text, use_default_graph_as_union=True, prefixes=PREFIXES)
        assert isinstance(result, ox.QuerySolutions)
        names = [v.value for v in result.variables]
        return [{n: row[n].value for n in names if row[n] is not None} for row in result]

    def dump(self, output: IO[bytes], format: str) -> int:
        if format not in GRAPH_FORMATS:
            raise UsageError(f"unknown dump format {format!r}: use one of {', '.join(GRAPH_FORMATS)}")
        counter = _Counter(output)
        if format == "nq":
            self._store.dump(counter, ox.RdfFormat.N_QUADS)
            return counter.lines
        triples = self._store.query("CONSTRUCT WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
        count = 0

        def counted() -> Iterator[ox.Triple]:
            nonlocal count
            for triple in triples:  # type: ignore[union-attr]
                count += 1
                yield triple

        ox.serialize(counted(), counter, format=GRAPH_FORMATS[format], prefixes=PREFIXES)
        return count

    def stats(self) -> Stats:
        row = self.select(
            """SELECT
                 (COUNT(DISTINCT ?film) AS ?films) (COUNT(DISTINCT ?person) AS ?people)
                 (COUNT(DISTINCT ?org) AS ?organisations) (COUNT(DISTINCT ?country) AS ?countries)
               WHERE {
                 { ?film a schema:Movie } UNION { ?person a schema:Person }
                 UNION { ?org a schema:Organization } UNION { ?country a schema:Country }
               }"""
        )[0]
        triples = self.select("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")
        return Stats(
            films=int(row["films"]),
            people=int(row["people"]),
            organisations=int(row["organisations"]),
            countries=int(row["countries"]),
            records=sum(1 for _ in self._store.named_graphs()),
            triples=int(triples[0]["n"]),
            quads=len(self._store),
        )

    def close(self) -> None:
        # pyoxigraph closes the database when the object is dropped; flush so a following process sees it all.
        if hasattr(self, "_store"):
            try:
                self._store.flush()
            except OSError:  # pragma: no cover - read-only stores cannot flush
                pass
            del self._store


class _Counter:
    """A binary writer that counts lines written (quads, for N-Quads)."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.lines = 0

    def write(self, data: bytes) -> int:
        self.lines += data.count(b"\n")
        return self.inner.write(data)

    def flush(self) -> None:
        self.inner.flush()
