"""The data path for a set of files: read → map → validate → store, with a per-record report.

This is the one module that knows every step. Each record is judged alone: a bad one is reported (one line:
file, record, field, reason) and the others go on. Records are written in batches, each batch one transaction,
so an import killed at any moment leaves every record wholly in or wholly out; running it again completes it.
A record whose graph is unchanged is not written at all, so importing the same files twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from tqdm import tqdm

from lodfilm.errors import RecordError
from lodfilm.iris import Identities, Iris, record_key, slug
from lodfilm.mapping import Mapper, film_key
from lodfilm.records import ReadResult, read_path, record_files
from lodfilm.store.base import RecordWrite, Store
from lodfilm.validation import violations

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

    @property
    def rejected(self) -> int:
        return len(self.errors)

    @property
    def exit_status(self) -> int:
        return 1 if self.errors else 0


def graph_lines(graph: Graph) -> frozenset[str]:
    """A record graph as canonical N-Triples lines (as the store writes its terms), for comparison and writing."""
    data = graph.serialize(format="nt", encoding="utf-8")
    return frozenset(
        f"{t.subject} {t.predicate} {t.object} ." for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
    )


def run(
    paths: Iterable[Path],
    *,
    base: str,
    store: Store | None,
    progress: bool | None = None,
    on_error: Callable[[RecordError], None] | None = None,
) -> Report:
    """Import every record under ``paths`` into ``store``; with ``store=None`` only read, map and validate."""
    report = Report()
    iris = Iris(base)
    mapper = Mapper(iris, Identities(store.identifiers() if store is not None else ()))
    pending: list[RecordWrite] = []
    drops: list[str] = []

    def reject(error: RecordError) -> None:
        report.errors.append(error)
        if on_error is not None:
            on_error(error)

    def flush() -> None:
        if store is not None and (pending or drops):
            store.write(pending, drops)
        pending.clear()
        drops.clear()

    files = record_files(list(paths))
    for missing in (p for p in files if not p.exists()):
        reject(RecordError(str(missing), None, None, "no such file or folder"))
    files = [p for p in files if p.exists()]
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    # tqdm's ``disable=None`` shows the bar on a terminal only, so logs and pipes stay clean.
    with tqdm(
        total=len(files),
        unit="file",
        disable=None if progress is None else not progress,
        desc="import" if store is not None else "validate",
    ) as bar:
        for path in files:
            results = list(read_path(path))
            multi = any(r.ref.position is not None for r in results)
            keys: dict[str, str] = {}
            rejected_here = False
            for result in results:
                report.read += 1
                write = prepare(result, path, multi, mapper, iris, keys, report, now, store)
                if isinstance(write, RecordError):
                    rejected_here = True
                    reject(write)
                    continue
                if write is None:
                    continue
                pending.append(write)
                if len(pending) >= BATCH:
                    flush()
            if store is not None and multi and not rejected_here:
                # Records that left the file leave the store; never when some record here was rejected, since
                # a rejected record's old version must stay.
                prefix = iris.record(slug(path.name)) + "/"
                current = {iris.record(k) for k in keys}
                stale = [g for g in store.record_graphs(prefix) if g not in current]
                drops.extend(stale)
                report.removed += len(stale)
            bar.update(1)
    flush()
    if store is not None and (report.written or report.removed or not has_checkpoint(store)):
        store.checkpoint()
    return report


def has_checkpoint(store: Store) -> bool:
    from lodfilm.store.embedded import EmbeddedStore, current_snapshot

    return not isinstance(store, EmbeddedStore) or current_snapshot(store.path) is not None


def prepare(
    result: ReadResult,
    path: Path,
    multi: bool,
    mapper: Mapper,
    iris: Iris,
    keys: dict[str, str],
    report: Report,
    now: str,
    store: Store | None,
) -> RecordWrite | RecordError | None:
    """Map and validate one read record: the write it needs, None when the store has it already, or an error."""
    if result.error is not None or result.film is None:
        return result.error or RecordError(str(path), result.ref.label, None, "unreadable")
    film = result.film
    key = record_key(path.name, (film.id or film_key(film)) if multi else None)
    if key in keys:
        return RecordError(
            str(path),
            result.ref.label,
            "title",
            f"same film as {keys[key]} in this file (give one of them an 'id')",
        )
    keys[key] = result.ref.label
    graph_iri = iris.record(key)
    film_iri, graph = mapper.map(film, graph_iri, path.name)
    problems = violations(graph)
    if problems:
        field_name, message = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return RecordError(str(path), result.ref.label, field_name, message + more)
    report.films.add(film_iri)
    lines = graph_lines(graph)
    if store is not None:
        stored = {line for line in store.record_triples(graph_iri) if f"> {MODIFIED} " not in line}
        if stored == lines:
            report.unchanged += 1
            return None
    report.written += 1
    stamp = f'<{graph_iri}> {MODIFIED} "{now}"^^<http://www.w3.org/2001/XMLSchema#dateTime> .'
    return RecordWrite(graph_iri, lines | {stamp})
