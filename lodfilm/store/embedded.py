"""The embedded store: pyoxigraph (RocksDB) in one directory on disk, no server.

Layout of a store directory::

    db/                  the database; one process at a time may open it (RocksDB's lock)
    snapshots/<gen>/     checkpoints taken after each import (hard links: cheap), opened read-only
    snapshots/CURRENT    names the newest checkpoint

Writers (``lodfilm import``) open ``db``; readers (``lodfilm serve``, ``query``, ``dump``, ``stats``) open the
newest checkpoint read-only, so they never wait for an import, an import never waits for them, and any number of
processes (the server and its query workers) can read at once. A reader sees the store as of the last finished
import: a film is old or new, never a mix. (Opening ``db`` read-only beside a live writer is undefined behaviour
in RocksDB; a checkpoint is a finished, immutable copy.)

Each record is a named graph, and the default graph holds the RDF merge of all of them: every triple once, however
many records state it. (Oxigraph's "default graph as union" option keeps duplicates, so a triple two records share
would be counted twice by ``COUNT``; the merge is what SPARQL's dataset model promises researchers.) Queries run
on the default graph; ``GRAPH ?g`` still reaches each record for provenance.

A batch of records is replaced by one ``Store.update`` — for each record, take out of the default graph what no
other record states, drop its named graph, then ``INSERT DATA`` the new graphs and their triples — and one update
is one transaction: a crash or a kill leaves every record wholly in or wholly out.
"""

from __future__ import annotations

import io
import itertools
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph as ox

from lodfilm.errors import StoreError, UsageError
from lodfilm.publish.jsonld_documents import DumpWriter
from lodfilm.store.base import (
    ENTITY_COUNTS,
    LOG_GRAPH,
    LogLines,
    QueryResult,
    RecordDrop,
    RecordWrite,
    Stats,
    adds_only,
    drop_of,
)
from lodfilm.store.results import execute
from lodfilm.vocab import PREFIXES

GRAPH_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
SCHEMA_SAME_AS = "http://schema.org/sameAs"


KEEP_SNAPSHOTS = 3
FLUSH_EVERY = 1000  # records written in transactions between flushes of RocksDB's memtables
JOURNAL = "new-records.nq"  # the batch of new records being bulk-loaded, until it is wholly in
LOG_LOAD_LINES = 10_000  # log lines bulk-loaded at once (after a batch's records)
COMPACT_AFTER = 1000  # records bulk-loaded before a checkpoint compacts the database first
SNAPSHOT_GRACE_SECONDS = 120.0


def database_path(store_dir: Path) -> Path:
    return store_dir / "db"


def current_snapshot(store_dir: Path) -> Path | None:
    """The newest finished checkpoint of the store, or None when there is none yet."""
    try:
        name = (store_dir / "snapshots" / "CURRENT").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    path = store_dir / "snapshots" / name
    return path if name and path.is_dir() else None


class EmbeddedStore:
    """One open store: the database itself (for writing), or a checkpoint of it (``read_only=True``)."""

    #: new records an import's writer gathers into one write: each bulk load has a fixed cost (its index files).
    #: 60,000 new films: loads of 200 took 53 s; of 500, 41-45 s; of 1,000, 38-54 s with 90 MB more at the peak
    new_records_per_write = 500

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.generation: str | None = None
        self.read_only = read_only
        self._checked = time.monotonic()
        self._written = 0
        self._bulk_loaded = 0
        try:
            if read_only:
                snapshot = current_snapshot(path)
                if snapshot is None:
                    if not database_path(path).is_dir():
                        raise StoreError(f"no store at {path} (run `lodfilm import PATH...` first)")
                    writer = EmbeddedStore(path)  # an older store without a checkpoint: take one
                    writer.checkpoint()
                    writer.close()
                    snapshot = current_snapshot(path)
                    assert snapshot is not None
                self.generation = snapshot.name
                self._store = ox.Store.read_only(str(snapshot))
            else:
                database_path(path).mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(database_path(path)))
                self._recover()
        except OSError as exc:
            message = str(exc)
            if "lock" in message.lower():
                raise StoreError(
                    f"the store at {path} is in use by another lodfilm process (one process may write a store at "
                    "a time: wait for the other import, or import into another --store)"
                ) from None
            raise StoreError(f"cannot open the store at {path}: {message}") from None

    def refresh(self, *, every: float = 1.0) -> bool:
        """For a read-only store: switch to a newer checkpoint if an import published one (checked at most every
        ``every`` seconds). Queries already running finish on the checkpoint they started on. True if switched."""
        if not self.read_only:
            return False
        now = time.monotonic()
        if now - self._checked < every:
            return False
        self._checked = now
        snapshot = current_snapshot(self.path)
        if snapshot is None or snapshot.name == self.generation:
            return False
        self._store = ox.Store.read_only(str(snapshot))
        self.generation = snapshot.name
        return True

    @property
    def snapshot_path(self) -> Path | None:
        return self.path / "snapshots" / self.generation if self.generation else None

    @property
    def modified(self) -> float:
        """When the data this store shows was last changed (the checkpoint's time), as a POSIX timestamp."""
        path = self.snapshot_path or database_path(self.path)
        return path.stat().st_mtime

    def construct(self, text: str) -> bytes:
        """A CONSTRUCT's answer as N-Triples: how the publishing layer asks for a resource's document."""
        result = self._store.query(text, prefixes=PREFIXES)
        assert isinstance(result, ox.QueryTriples)
        return ox.serialize(result, format=ox.RdfFormat.N_TRIPLES) or b""

    def checkpoint(self) -> Path:
        """Publish the database as it is now to readers: a new checkpoint, named in ``CURRENT`` atomically."""
        if self.read_only:
            raise StoreError("a read-only store cannot take a checkpoint")
        snapshots = self.path / "snapshots"
        snapshots.mkdir(parents=True, exist_ok=True)
        self._store.flush()
        if self._bulk_loaded >= COMPACT_AFTER:
            # Each bulk load adds a set of small index files; reading across hundreds of them halves the speed of
            # scans and dumps (5,000 films: N-Triples dump 4.9 s before compaction, 2.4 s after; compaction 1.5 s).
            self._store.optimize()
            self._bulk_loaded = 0
        generation = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 1_000_000_000:09d}"
        target = snapshots / generation
        try:
            self._store.backup(str(target))
        except OSError as exc:
            raise StoreError(f"cannot take a checkpoint of the store at {self.path}: {exc}") from None
        pointer = snapshots / f".CURRENT.{os.getpid()}"
        pointer.write_text(generation + "\n", encoding="utf-8")
        os.replace(pointer, snapshots / "CURRENT")
        self._prune(snapshots, keep=generation)
        return target

    @staticmethod
    def _prune(snapshots: Path, keep: str) -> None:
        """Remove old checkpoints: all but the newest few, and none a reader may have opened a moment ago."""
        old = sorted((p for p in snapshots.iterdir() if p.is_dir() and p.name != keep), reverse=True)
        now = time.time()
        for path in old[KEEP_SNAPSHOTS - 1 :]:
            if now - path.stat().st_mtime > SNAPSHOT_GRACE_SECONDS:
                shutil.rmtree(path, ignore_errors=True)

    # -- records ---------------------------------------------------------------------------------------------
    def record_triples(self, graph: str) -> frozenset[str]:
        name = ox.NamedNode(graph)
        return frozenset(
            f"{q.subject} {q.predicate} {q.object} ."
            for q in self._store.quads_for_pattern(None, None, None, name)
        )

    def record_graphs(self, prefix: str) -> list[str]:
        return sorted(
            g.value
            for g in self._store.named_graphs()
            if isinstance(g, ox.NamedNode) and g.value.startswith(prefix) and g.value != LOG_GRAPH
        )

    def holds_graph(self, graph: str) -> bool:
        """Whether the store holds the named graph ``graph`` (one lookup)."""
        return graph != LOG_GRAPH and self._store.contains_named_graph(ox.NamedNode(graph))

    def any_graph(self, prefix: str) -> bool:
        """Whether any named graph (not the log) starts with ``prefix``; stops at the first."""
        return any(isinstance(g, ox.NamedNode) and g.value.startswith(prefix) and g.value != LOG_GRAPH
                   for g in self._store.named_graphs())

    def graphs_under(self, record: str) -> list[str]:
        """The named graphs ``record`` and ``record/…``: one pass over the graphs' names inside pyoxigraph."""
        found = [record] if self.holds_graph(record) else []
        under = ox.Literal(record + "/")
        rows = self._store.query(f"SELECT ?g WHERE {{ GRAPH ?g {{}} FILTER(STRSTARTS(STR(?g), {under})) }}")
        assert isinstance(rows, ox.QuerySolutions)
        return found + [row[0].value for row in rows if isinstance(row[0], ox.NamedNode)]

    def write(self, writes: Iterable[RecordWrite], drops: Iterable[str | RecordDrop] = (),
              log: Iterable[LogLines] = ()) -> None:
        writes, gone, extra = list(writes), [drop_of(d) for d in drops], [lines for lines in log if lines]
        try:
            if not adds_only(writes, gone, extra):
                self._store.update(replacement(writes, gone, extra))
                self._written += len(writes)
                if self._written >= FLUSH_EVERY:
                    # Flushed memtables keep a long import's memory flat (without it RSS grew ~100 MB per 1,000
                    # films written in transactions). The bulk loader writes index files, not memtables: a flush
                    # after its loads only cost time (60,000 new films: 15 s of flushes, no lower peak).
                    self._store.flush()
                    self._written = 0
            elif writes or extra:
                # New records, and log lines that only add (a file's sources), go in through the bulk loader.
                self._load_new(writes, extra)
                self._bulk_loaded += len(writes)
        except (OSError, SyntaxError) as exc:  # pragma: no cover - our own N-Triples always parse
            raise StoreError(f"writing to the store at {self.path} failed: {exc}") from None

    def _load_new(self, writes: list[RecordWrite], log: list[LogLines]) -> None:
        """Records new to the store need no deletes, so they go in through pyoxigraph's bulk loader, which writes
        index files directly: 0.85 ms a film of synthetic triples where a transaction takes 3.4 (RocksDB's per-key
        transaction cost); 1.8-2.4 ms for real records inside an import.
        The bulk loader is not a transaction, so the batch is first written to a journal; a writer that opens
        the store finds it only if the load was cut short, and takes the batch out again (:meth:`_recover`).
        Readers never see a part-loaded batch: they read checkpoints, taken after an import."""
        journal = self.path / JOURNAL
        pending = journal.with_suffix(".tmp")
        with open(pending, "wb") as out:
            # written piece by piece and loaded from the file: a table's 60,000 sources, settled in one load, are
            # never held as one text and its bytes besides the lines themselves
            head = logged = 0  # the records' lines, which come first, and the log's
            for piece in record_pieces(writes):
                data = piece.encode()
                head += data.count(b"\n")
                out.write(data)
            for piece in log_pieces(writes, log):
                data = piece.encode()
                logged += data.count(b"\n")
                out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(pending, journal)  # the journal is whole or absent
        if logged <= LOG_LOAD_LINES:  # a batch of records and their events: one load, read by pyoxigraph itself
            self._store.bulk_load(path=journal, format=ox.RdfFormat.N_QUADS)
        else:
            # The records with the first log lines, then the rest LOG_LOAD_LINES at a time: a file's settled
            # sources (a 60,000-row table's) in one load took 60 MB more at the peak, as the bulk loader holds what
            # it loads. A load cut short between two pieces is taken out whole from the journal, as any other.
            with open(journal, "rb") as lines:
                first = head + LOG_LOAD_LINES
                while chunk := b"".join(itertools.islice(lines, first)):
                    self._store.bulk_load(chunk, format=ox.RdfFormat.N_QUADS)
                    first = LOG_LOAD_LINES
        journal.unlink()

    def _recover(self) -> None:
        """Take out a batch of new records whose load was cut short: every quad it may have written, except
        default-graph triples that a record outside the batch states. Running it twice does no harm, so a recovery
        that is itself cut short is simply run again by the next writer."""
        journal = self.path / JOURNAL
        if not journal.exists():
            return
        quads = list(ox.parse(path=journal, format=ox.RdfFormat.N_QUADS))
        log = ox.NamedNode(LOG_GRAPH)
        graphs = {q.graph_name for q in quads if isinstance(q.graph_name, ox.NamedNode)} - {log}
        for quad in quads:
            if quad.graph_name == log:  # the batch's own events: the log's older events stay
                self._store.remove(quad)
                continue
            if isinstance(quad.graph_name, ox.DefaultGraph) and not any(
                isinstance(other.graph_name, ox.NamedNode) and other.graph_name not in graphs
                for other in self._store.quads_for_pattern(quad.subject, quad.predicate, quad.object, None)
            ):
                self._store.remove(quad)
        for graph in graphs:
            self._store.remove_graph(graph)
        self._store.flush()
        journal.unlink()

    def identifiers(self) -> Iterator[tuple[str, str]]:
        same_as = ox.NamedNode(SCHEMA_SAME_AS)
        for quad in self._store.quads_for_pattern(None, same_as, None, ox.DefaultGraph()):
            if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.NamedNode):
                yield quad.subject.value, quad.object.value

    # -- queries ---------------------------------------------------------------------------------------------
    def query(self, text: str, *, format: str | None = None) -> QueryResult:
        return execute(self._store, text, select_format=format or "json", graph_format=format or "ttl")

    def select_log(self, text: str) -> list[dict[str, str]]:
        return self.select(text)

    def log_values(self, predicate: str) -> Iterator[tuple[str, str]]:
        # One query whose answer pyoxigraph writes as TSV in one call: a third of the cost of a Quad object a
        # triple (100,000 records' sources: ~1.2 s against ~3.7 s), so a sync's cost grows less with the store.
        answer = self._store.query(f"SELECT ?s ?o WHERE {{ GRAPH <{LOG_GRAPH}> {{ ?s <{predicate}> ?o }} }}")
        assert isinstance(answer, ox.QuerySolutions)
        table = (answer.serialize(format=ox.QueryResultsFormat.TSV) or b"").decode()
        for row in table.split("\n")[1:]:
            subject, _, term = row.partition("\t")
            if subject.startswith("<") and term:
                value = tsv_value(term)
                if value is not None:
                    yield subject[1:-1], value

    def log_nodes(self, subjects: list[str]) -> dict[str, dict[str, str]]:
        log = ox.NamedNode(LOG_GRAPH)
        found: dict[str, dict[str, str]] = {}
        for subject in subjects:
            for quad in self._store.quads_for_pattern(ox.NamedNode(subject), None, None, log):
                if not isinstance(quad.object, ox.Triple):
                    found.setdefault(subject, {})[quad.predicate.value] = quad.object.value
        return found

    def select(self, text: str, **bindings: str) -> list[dict[str, str]]:
        """Rows of a SELECT as {variable: lexical value}: for lodfilm's own queries (stats, pages, search).

        Each ``«name»`` in the text becomes the literal ``bindings[name]``, written by pyoxigraph's own escaper, so
        user input cannot change the query."""
        for name, value in bindings.items():
            text = text.replace(f"«{name}»", str(ox.Literal(value)))  # written and escaped by pyoxigraph
        result = self._store.query(text, prefixes=PREFIXES)
        assert isinstance(result, ox.QuerySolutions)
        names = [v.value for v in result.variables]
        return [{n: row[n].value for n in names if row[n] is not None} for row in result]

    def rows(self, text: str) -> Iterator[tuple[str | None, ...]]:
        """A SELECT's rows as tuples of lexical values (None where unbound), streamed rather than listed: for
        reads of the whole store that must not hold every row at once (the browsing index's build)."""
        result = self._store.query(text, prefixes=PREFIXES)
        assert isinstance(result, ox.QuerySolutions)
        width = len(result.variables)
        for row in result:
            yield tuple(None if (term := row[i]) is None else term.value for i in range(width))

    def select_tsv(self, text: str, output: Path) -> None:
        """A SELECT's answer written to ``output`` as TSV by pyoxigraph in one call: no Python object per row or
        term (the browsing index's build reads the whole store so; :func:`lodfilm.index.stage.term_value` reads a
        term back)."""
        result = self._store.query(text, prefixes=PREFIXES)
        assert isinstance(result, ox.QuerySolutions)
        result.serialize(str(output), format=ox.QueryResultsFormat.TSV)

    def dump(self, output: IO[bytes], format: str) -> int:
        if format not in GRAPH_FORMATS:
            raise UsageError(f"unknown dump format {format!r}: use one of {', '.join(GRAPH_FORMATS)}")
        counter = _Counter(output)
        sink = cast(IO[bytes], counter)  # RawIOBase is a binary file to pyoxigraph, not to typeshed
        if format == "nq":
            # The records' own graphs; the default graph is their merge and can be rebuilt from them.
            log = ox.NamedNode(LOG_GRAPH)
            quads = (
                q
                for q in self._store.quads_for_pattern(None, None, None, None)
                if not isinstance(q.graph_name, ox.DefaultGraph) and q.graph_name != log
            )
            ox.serialize(quads, sink, format=ox.RdfFormat.N_QUADS)
            return counter.lines
        # pyoxigraph writes the default graph straight from its index: memory stays flat however large the graph,
        # and no triple passes through Python. Its JSON-LD is expanded; lodfilm's compactor rewrites it as it comes.
        if format == "jsonld":
            with DumpWriter(sink) as compacting:
                self._store.dump(cast(IO[bytes], compacting), ox.RdfFormat.JSON_LD, from_graph=ox.DefaultGraph())
        else:
            self._store.dump(sink, GRAPH_FORMATS[format], from_graph=ox.DefaultGraph(), prefixes=PREFIXES)
        if format == "nt":
            return counter.lines
        return int(self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"])

    def stats(self) -> Stats:
        row = self.select(ENTITY_COUNTS)[0]
        triples = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        log = ox.NamedNode(LOG_GRAPH)
        logged = int(self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{LOG_GRAPH}> {{ ?s ?p ?o }} }}")[0]["n"])
        return Stats(
            films=int(row["films"]),
            people=int(row["people"]),
            organisations=int(row["organisations"]),
            countries=int(row["countries"]),
            records=sum(1 for g in self._store.named_graphs() if g != log),
            triples=int(triples[0]["n"]),
            quads=len(self._store) - logged,
        )

    def close(self) -> None:
        # pyoxigraph closes the database when the object is dropped; flush so a following process sees it all.
        if hasattr(self, "_store"):
            if not self.read_only:
                self._store.flush()
            del self._store


def replacement(writes: list[RecordWrite], drops: list[RecordDrop], log: Iterable[LogLines] = ()) -> str:
    """One SPARQL update that replaces records: for each record dropped or replaced, take out of the default graph
    what no other record states and drop its graph; then insert the new graphs and their triples. The log lines of
    every write and drop (and ``log``, lines that go with no record) are part of the same update."""
    parts: list[str] = []
    merged: set[str] = set()
    inserts: list[str] = []
    logs = [*(d.log for d in drops), *(w.log for w in writes), *log]
    unlogged = sorted(line for lines in logs for line in lines.remove)
    logged = sorted(line for lines in logs for line in lines.add)
    for graph in [*(d.graph for d in drops), *(record.graph for record in writes if record.replaces)]:
        parts.append(
            f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER(?other != <{graph}>) }} }}"
        )
        parts.append(f"DROP SILENT GRAPH <{graph}>")
    for record in writes:
        inserts.append(f"GRAPH <{record.graph}> {{\n" + "\n".join(sorted(record.triples)) + "\n}")
        merged.update(record.triples)
    if unlogged:
        parts.append(f"DELETE DATA {{ GRAPH <{LOG_GRAPH}> {{\n" + "\n".join(unlogged) + "\n} }")
    if logged:
        inserts.append(f"GRAPH <{LOG_GRAPH}> {{\n" + "\n".join(logged) + "\n}")
    if inserts:
        parts.append("INSERT DATA {\n" + "\n".join(sorted(merged)) + "\n" + "\n".join(inserts) + "\n}")
    return " ;\n".join(parts)


def new_records(writes: list[RecordWrite], log: Iterable[LogLines] = ()) -> bytes:
    """Records new to the store as N-Quads (:func:`quad_pieces`, joined)."""
    return "".join(quad_pieces(writes, log)).encode()


def quad_pieces(writes: list[RecordWrite], log: Iterable[LogLines] = ()) -> Iterator[str]:
    """Records new to the store as N-Quads, in pieces: :func:`record_pieces`, then :func:`log_pieces`."""
    return itertools.chain(record_pieces(writes), log_pieces(writes, log))


def record_pieces(writes: list[RecordWrite]) -> Iterator[str]:
    """Each triple of the records in its record's graph, and once in the default graph however many records of
    the batch state it (people, companies and countries recur: a tenth fewer quads)."""
    default = set().union(*(record.triples for record in writes))
    if default:
        yield "\n".join(default) + "\n"
    for record in writes:
        # Each line is "<s> <p> o ." with no newline inside (N-Triples escapes them), so " .\n" ends a line.
        yield ("\n".join(record.triples) + "\n").replace(" .\n", f" <{record.graph}> .\n")


def log_pieces(writes: list[RecordWrite], log: Iterable[LogLines] = ()) -> Iterator[str]:
    """The records' events, and the lines ``log`` adds, in the log graph: loaded with the records, and taken out
    with them if the load is cut short."""
    for lines in [*(record.log.add for record in writes), *(lines.add for lines in log)]:
        # a set is sorted, for the same journal every time; lines spilled to a file keep their own order, so
        # that they are never all held at once
        ordered = iter(sorted(lines) if isinstance(lines, (set, frozenset)) else lines)
        while piece := list(itertools.islice(ordered, 1000)):
            yield "".join(f"{line[:-2]} <{LOG_GRAPH}> .\n" for line in piece)


def tsv_value(term: str) -> str | None:
    """The lexical value of one term as pyoxigraph's TSV writes it (an IRI, or a literal in N-Triples syntax);
    None for a blank node or a quoted triple. A literal with an escape in it is read by pyoxigraph's own parser."""
    if term.startswith("<<"):
        return None
    if term.startswith("<"):
        return term[1:-1]
    if not term.startswith('"'):
        return None
    if "\\" not in term:
        end = term.rfind('"')
        return term[1:end]
    parsed = next(iter(ox.parse(f"<urn:x:s> <urn:x:p> {term} .".encode(), format=ox.RdfFormat.N_TRIPLES)))
    return parsed.object.value if isinstance(parsed.object, ox.Literal) else None


class _Counter(io.RawIOBase):
    """A binary writer that counts lines written (quads, for N-Quads)."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.lines = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.lines += bytes(data).count(b"\n")
        return self.inner.write(data)

    def flush(self) -> None:
        self.inner.flush()
