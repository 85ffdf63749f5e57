"""The data path for a set of files: read → map → validate → store, with a per-record report.

This is the one module that knows every step. Each record is judged alone: a bad one is reported (one line:
file, record, field, reason) and the others go on. Records are written in batches, each batch one transaction,
so an import killed at any moment leaves every record wholly in or wholly out; running it again completes it.
A record whose graph is unchanged is not written at all, so importing the same files twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from tqdm import tqdm

from lodfilm import changelog
from lodfilm.errors import RecordError, quote
from lodfilm.identity import FilmClaim, same_film
from lodfilm.iris import Identities, Iris, file_key, record_key, slug
from lodfilm.mapping import Mapper, RecordGraph, film_key
from lodfilm.records import Input, ReadResult, read_path, record_files
from lodfilm.records.maps import ExportMap
from lodfilm.store.base import LogLines, RecordDrop, RecordWrite, Store
from lodfilm.validation import Validator

BATCH = 200
MODIFIED = "<http://purl.org/dc/terms/modified>"


@dataclass
class Report:
    """What an import (or a validation) did."""

    read: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    films: set[str] = field(default_factory=set)
    errors: list[RecordError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.errors)

    @property
    def exit_status(self) -> int:
        return 1 if self.errors else 0


@dataclass
class Mapped:
    """A record read and mapped, waiting for validation in its batch."""

    path: Path
    label: str
    graph_iri: str
    film_iri: str
    graph: RecordGraph
    notes: list[str] = field(default_factory=list)


def run(
    paths: Iterable[Path],
    *,
    base: str,
    store: Store | None,
    progress: bool | None = None,
    on_error: Callable[[RecordError], None] | None = None,
    on_valid: Callable[[str, Graph], None] | None = None,
    on_note: Callable[[str], None] | None = None,
    workers: int | None = None,
    export_map: ExportMap | None = None,
) -> Report:
    """Import every record under ``paths`` into ``store``; with ``store=None`` only read, map and validate.

    ``on_error`` hears of each rejected record as it is rejected; ``on_valid`` gets each valid record's film IRI
    and graph (the search-engine lint reads them). ``export_map`` reads tables and JSON/YAML exports through a
    map (``--map``)."""
    report = Report()
    workers = default_workers() if workers is None else workers
    iris = Iris(base)
    mapper = Mapper(iris, Identities(store.identifiers() if store is not None else ()))
    # The records the store held when this import began: only those can be unchanged or replaced, or give a film
    # its directors from an earlier import. (Into a new store, no record costs a lookup.)
    known = set(store.record_graphs(iris.record(""))) if store is not None else set()
    # The same records by their file's part of the key: what an import that re-reads a file may remove.
    known_by_file: dict[str, set[str]] = {}
    for graph in known:
        known_by_file.setdefault(graph[len(iris.record("")) :].split("/", 1)[0], set()).add(graph)
    if store is not None and known:
        films = set(stored_films(store))
        mapper.films.stored = lambda film, record: stored_claims(store, film, record) if film in films else []
        mapper.films.previous = lambda record: previous_film(store, record) if record in known else None
    batch: list[Mapped | RecordError] = []
    rejected_files: set[Path] = set()
    # Files the store held records of, once read: (records read up to its end, the file, its key, its records'
    # graphs now). When every record up to its end is judged, records the file no longer holds leave the store.
    file_ends: deque[tuple[int, Path, str, set[str]]] = deque()
    judged = 0
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    validator = Validator(workers)
    writer = Writer(store) if store is not None else None
    sequence = Sequence(changelog.latest(store) if store is not None else 0)
    # Batches being validated, oldest first: (its items, the validation's future).
    inflight: deque[tuple[list[Mapped | RecordError], Future[dict[int, tuple[str, str]]]]] = deque()

    def reject(error: RecordError, path: Path) -> None:
        rejected_files.add(path)
        report.errors.append(error)
        if on_error is not None:
            on_error(error)

    def submit() -> None:
        """Send the batch to be validated; finish the oldest batches while too many are in flight."""
        mapped = [item for item in batch if isinstance(item, Mapped)]
        records = ["\n".join(item.graph.lines).encode() for item in mapped]
        inflight.append((list(batch), validator.submit(records)))
        batch.clear()
        drain(keep=max(1, workers + 1))

    def drain(keep: int = 0) -> None:
        """Report and write validated batches, in the order they were read, until ``keep`` are left in flight."""
        nonlocal judged
        while len(inflight) > keep:
            items, future = inflight.popleft()
            problems = future.result()
            mapped = [item for item in items if isinstance(item, Mapped)]
            position = {id(item): index for index, item in enumerate(mapped)}
            writes: list[RecordWrite] = []
            for item in items:
                if isinstance(item, RecordError):
                    reject(item, Path(item.path))
                    continue
                problem = problems.get(position[id(item)])
                if problem is not None:
                    reject(RecordError(str(item.path), item.label, problem[0], problem[1]), item.path)
                    continue
                report.films.add(item.film_iri)
                report.notes.extend(item.notes)
                if on_note is not None:
                    for note in item.notes:
                        on_note(note)
                if on_valid is not None:
                    on_valid(item.film_iri, item.graph.graph())
                write = compare(item, store if item.graph_iri in known else None, report, now, sequence)
                if write is not None:
                    writes.append(write)
            judged += len(items)
            dropped: list[RecordDrop] = []
            while file_ends and file_ends[0][0] <= judged:
                _, path, key, current = file_ends.popleft()
                if path not in rejected_files:
                    # Records that left the file leave the store (a row gone from a table, a single record that
                    # became a list, or back); never when some record here was rejected, since a rejected
                    # record's old version must stay. Only records keyed by this very file can go: another
                    # file's, whatever its name, are not this file's to remove.
                    stale = sorted(known_by_file.get(key, set()) - current)
                    dropped.extend(deletion(store, graph, now, sequence) for graph in stale)
                    report.removed += len(stale)
            if writer is not None and (writes or dropped):
                writer.write(writes, dropped)

    files, refused = record_files(list(paths))
    for error in refused:  # counted like a file that could not be read: read = stored + unchanged + rejected
        report.read += 1
        reject(error, Path(error.path))
    # tqdm's ``disable=None`` shows the bar on a terminal only, so logs and pipes stay clean.
    with tqdm(
        total=len(files),
        unit="file",
        disable=None if progress is None else not progress,
        desc="import" if store is not None else "validate",
    ) as bar:
        for source in files:
            file_notes: list[str] = []
            results = list(read_path(source.path, export_map=export_map, notes=file_notes))
            report.notes.extend(file_notes)
            if on_note is not None:
                for note in file_notes:
                    on_note(note)
            multi = any(r.ref.position is not None for r in results)
            part = file_key(source.real)
            keys: dict[str, tuple[str, FilmClaim]] = {}
            for result in results:
                report.read += 1
                batch.append(map_record(result, source, part, multi, mapper, iris, keys))
                if len(batch) >= BATCH:
                    submit()
            if part in known_by_file:
                file_ends.append((report.read, source.path, part, {iris.record(k) for k in keys}))
            bar.update(1)
    try:
        submit()
        drain()
    finally:
        validator.close()
        if writer is not None:
            writer.close()
    if store is not None and (report.written or report.removed or not has_checkpoint(store)):
        store.checkpoint()
    return report


class Writer:
    """Writes batches to the store from a background thread, one at a time and in order, so the store's own work
    (pyoxigraph and HTTP both release the GIL) overlaps reading and mapping what follows. Up to ``DEPTH`` batches
    wait their turn, so the store keeps working while a large file is parsed (a YAML file of 1,000 films takes
    ~1.5 s) and reading goes on while the store loads. A write's error is raised at a later write, or at
    :meth:`wait`; nothing after a failed write is written."""

    DEPTH = 4

    def __init__(self, store: Store) -> None:
        self.store = store
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="lodfilm-writer")
        self._pending: deque[Future[None]] = deque()
        self._failed = threading.Event()

    def write(self, writes: list[RecordWrite], drops: list[RecordDrop]) -> None:
        while len(self._pending) >= self.DEPTH or (self._pending and self._pending[0].done()):
            self._pending.popleft().result()
        self._pending.append(self._thread.submit(self._write, writes, drops))

    def _write(self, writes: list[RecordWrite], drops: list[RecordDrop]) -> None:
        if self._failed.is_set():  # an earlier batch failed: write nothing after it
            return
        try:
            self.store.write(writes, drops)
        except BaseException:
            self._failed.set()
            raise

    def wait(self) -> None:
        """Until every batch given is written (raising the first error, if a write failed)."""
        while self._pending:
            self._pending.popleft().result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._thread.shutdown(wait=True)


def default_workers() -> int:
    """Validation worker processes: one per core (the main process mostly waits on the store and the workers)."""
    return os.cpu_count() or 1


def stored_films(store: Store) -> list[str]:
    """The films the store holds (their IRIs), so that only a candidate IRI the store holds costs a lookup."""
    return [row["f"] for row in store.select("SELECT DISTINCT ?f WHERE { ?f a schema:Movie }")]


def stored_claims(store: Store, film_iri: str, record_iri: str) -> list[FilmClaim]:
    """What the records other than ``record_iri`` that are about ``film_iri`` say of it (titles, year,
    directors, identifiers): the holders an IRI is checked against before a record may take it."""
    rows = store.select(
        # ``?g schema:about`` keeps to record graphs: a store may hold other graphs (a remote one's merge graph).
        f"SELECT ?g ?title ?year ?d ?same WHERE {{ GRAPH ?g {{ ?g schema:about <{film_iri}> . "
        f"{{ <{film_iri}> schema:name|schema:alternateName ?title }} UNION {{ <{film_iri}> schema:dateCreated ?year }}"
        f" UNION {{ <{film_iri}> schema:director ?d }} UNION {{ <{film_iri}> schema:sameAs ?same }} }} "
        f"FILTER(?g != <{record_iri}>) }}"
    )
    by_record: dict[str, dict[str, list[str]]] = {}
    for row in rows:
        found = by_record.setdefault(row["g"], {"title": [], "year": [], "d": [], "same": []})
        for name in found:
            if name in row:
                found[name].append(row[name])
    # A record that gives no year (a festival table's row, known by its edition's year) claims none: every record
    # holding one candidate IRI was minted under its year anyway.
    years = {g: next((int(y) for y in found["year"] if y.isdigit()), None) for g, found in by_record.items()}
    return [FilmClaim.of(record=g, file=g.rsplit("/record/", 1)[-1].split("/", 1)[0], id=None,
                         titles=found["title"], year=years[g], directors=found["d"], identifiers=found["same"])
            for g, found in by_record.items()]


def previous_film(store: Store, record_iri: str) -> str | None:
    """The film a record the store holds is about."""
    rows = store.select(f"SELECT ?f WHERE {{ GRAPH <{record_iri}> {{ <{record_iri}> schema:about ?f }} }}")
    return rows[0]["f"] if rows else None


def has_checkpoint(store: Store) -> bool:
    from lodfilm.store.embedded import EmbeddedStore, current_snapshot

    return not isinstance(store, EmbeddedStore) or current_snapshot(store.path) is not None


def map_record(
    result: ReadResult,
    source: Input,
    part: str,
    multi: bool,
    mapper: Mapper,
    iris: Iris,
    keys: dict[str, tuple[str, FilmClaim]],
) -> Mapped | RecordError:
    """Map one read record into its graph (or say why it cannot be); ``part`` is its file's key.

    In a file of several records each record's key is its ``id``, else its film's (title and year). Two records of
    one file with one key are two films when :func:`~lodfilm.identity.same_film` tells them apart (other directors,
    another title once case and spacing are set aside): the second is keyed by its first director, or numbered.
    Otherwise it is the same film twice, and rejected; so is an ``id`` given twice."""
    path = source.path
    if result.graph is not None:
        if not result.graph.graph_iri.startswith(iris.record("")):
            return RecordError(str(path), result.ref.label, None, f"a record published under another base IRI: "
                               f"import it with the --base its IRIs were minted under (not {iris.base})")
        graph = RecordGraph()
        graph.lines.update(result.graph.lines)
        return Mapped(path, result.ref.label, result.graph.graph_iri, result.graph.film_iri, graph)
    if result.error is not None or result.film is None:
        return result.error or RecordError(str(path), result.ref.label, None, "unreadable")
    film = result.film
    tail = film.id or film_key(film)
    key = record_key(part, tail if multi else None)
    claim = mapper.claim(film, "", part)
    if key in keys and film.id:
        return RecordError(str(path), result.ref.label, "id", f"{quote(film.id)} is the id of {keys[key][0]} too")
    if key in keys:
        # The records of this file keyed like this one: itself, and those already told apart from it (key-…).
        family = [held for k, held in keys.items() if k == key or k.startswith(f"{key}-")]
        twin = next((label for label, other in family if same_film(other, claim)), None)
        if twin is not None:
            return RecordError(str(path), result.ref.label, "title",
                               f"same film as {twin} in this file (give one of them an 'id')")
        options = ([f"{tail}-{slug(film.directors[0].name)}"] if film.directors else []) + \
            [f"{tail}-{n}" for n in range(2, len(keys) + 3)]
        key = next(record_key(part, option) for option in options if record_key(part, option) not in keys)
    keys[key] = (result.ref.label, claim)
    graph_iri = iris.record(key)
    try:
        # The file's name, not its path: a record says which file it came from without publishing the
        # server's folders (the digest in the record's IRI tells two files of one name apart).
        film_iri, graph = mapper.map(film, graph_iri, source.real.name, part)
    except ValueError as exc:  # an IRI pyoxigraph refuses (the record model checks addresses; this is the backstop)
        mapper.unclassified.clear()
        return RecordError(str(path), result.ref.label, None, f"cannot be mapped to RDF: {exc}")
    notes = [f"{path}: {result.ref.label}: crew: no FIAF class for the credit {quote(label)}; kept as text"
             for label in dict.fromkeys(mapper.unclassified)]
    mapper.unclassified.clear()
    return Mapped(path, result.ref.label, graph_iri, film_iri, graph, notes)


class Sequence:
    """The change log's sequence numbers, handed out in the order events are written (one writer per store)."""

    def __init__(self, last: int) -> None:
        self.last = last

    def next(self) -> int:
        self.last += 1
        return self.last


def deletion(store: Store | None, graph: str, now: str, sequence: Sequence) -> RecordDrop:
    """A record leaving the store, with its delete event (the film it was about, for the tombstone)."""
    film = previous_film(store, graph) if store is not None else None
    return RecordDrop(graph, LogLines(add=changelog.event_lines(sequence.next(), now, "delete", graph, film, None)))


def compare(item: Mapped, store: Store | None, report: Report, now: str,
            sequence: Sequence | None = None) -> RecordWrite | None:
    """The write a valid record needs, or None when the store holds it already (``store`` is None for a record
    the store did not hold when the import began, and for a validation). With a ``sequence``, the write carries
    its event for the change log: a create, or an update of a record the store held."""
    lines = frozenset(line for line in item.graph.lines if f"> {MODIFIED} " not in line)
    # A graph read back from a dump brings its own stamps (when lodfilm last changed it); a mapped one gets one now.
    stamps = frozenset(item.graph.lines) - lines or {
        f'<{item.graph_iri}> {MODIFIED} "{now}"^^<http://www.w3.org/2001/XMLSchema#dateTime> .'}
    stored: set[str] = set()
    if store is not None:
        stored = {line for line in store.record_triples(item.graph_iri) if f"> {MODIFIED} " not in line}
        if stored == lines:
            report.unchanged += 1
            return None
    report.written += 1
    triples = lines | stamps
    log = LogLines()
    if sequence is not None:
        kind: changelog.Kind = "update" if stored else "create"
        log = LogLines(add=changelog.event_lines(sequence.next(), now, kind, item.graph_iri, item.film_iri,
                                                 changelog.graph_hash(triples)))
    return RecordWrite(item.graph_iri, triples, replaces=bool(stored), log=log)
