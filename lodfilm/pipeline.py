"""The data path for a set of files, stage by stage: read → key → skip if unchanged → map → validate → write → log
→ keep versions.

This is the one module that knows every step; each stage is a unit of :mod:`lodfilm.importing` that can be named
and tested alone, and :class:`Import` runs them in order. Each record is judged alone: a bad one is reported (one
line: file, record, field, reason) and the others go on. Records are written in batches, each batch one
transaction with the change-log events of its records, so an import killed at any moment leaves every record
wholly in or wholly out, its event with it; running it again completes it. A record whose graph is unchanged is
not written at all, and a file whose bytes and settings are those its stored records were made from is not even
read, so importing the same files twice changes nothing and costs little.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, MutableSet
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from tqdm import tqdm

from lodfilm import changelog, versions
from lodfilm.errors import RecordError
from lodfilm.importing import prune as pruning
from lodfilm.importing.checking import Checked, Checks, Item
from lodfilm.importing.events import FileEnd, Sequence, deletion, ignored, logged, sources_settled
from lodfilm.importing.fingerprint import settings_digest
from lodfilm.importing.keys import FileKeys
from lodfilm.importing.lookups import StoreView, has_checkpoint, previous_film, stored_claims, stored_films
from lodfilm.importing.mapped import Mapped, map_record
from lodfilm.importing.spill import SpilledDict, SpilledSet
from lodfilm.importing.writing import Writer, plan
from lodfilm.iris import Iris, file_key
from lodfilm.records import Input, ReadResult, read_path, record_files
from lodfilm.records.maps import ExportMap
from lodfilm.store.base import LogLines, RecordDrop, RecordWrite, Store

BATCH = 200

__all__ = ["BATCH", "Hooks", "Import", "Mapped", "Report", "Writer", "default_workers", "has_checkpoint",
           "previous_film", "run", "stored_claims", "stored_films"]


@dataclass
class Report:
    """What an import (or a validation) did."""

    read: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    #: records counted unchanged without being read: their file had not changed since it was imported
    skipped: int = 0
    #: the films the records read are about (past a few thousand, held in a temporary SQLite file)
    films: MutableSet[str] = field(default_factory=SpilledSet)
    errors: list[RecordError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.errors)

    @property
    def exit_status(self) -> int:
        return 1 if self.errors else 0


@dataclass(frozen=True)
class Hooks:
    """Who hears of what as it happens: each rejected record, each valid record's film IRI and graph (the
    search-engine lint reads them), each note."""

    on_error: Callable[[RecordError], None] | None = None
    on_valid: Callable[[str, Graph], None] | None = None
    on_note: Callable[[str], None] | None = None


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
    prune: Iterable[Path] | None = None,
) -> Report:
    """Import every record under ``paths`` into ``store``; with ``store=None`` only read, map and validate.

    ``export_map`` reads tables and JSON/YAML exports through a map (``--map``). ``prune`` (``--prune``): also
    remove the stored records whose file, under one of these paths, no longer exists."""
    job = Import(base=base, store=store, workers=default_workers() if workers is None else workers,
                 export_map=export_map, hooks=Hooks(on_error, on_valid, on_note))
    return job.run(list(paths), progress=progress, prune=None if prune is None else list(prune))


def default_workers() -> int:
    """Validation worker processes: one per core (the main process mostly waits on the store and the workers)."""
    return os.cpu_count() or 1


class Import:
    """One run of the stages over a set of files. Records flow in file order: read and mapped into batches,
    batches validated in flight (:class:`~lodfilm.importing.checking.Checks`), then judged in order — reported,
    planned, logged and written — and each file settled once all its records are judged."""

    def __init__(self, *, base: str, store: Store | None, workers: int, export_map: ExportMap | None,
                 hooks: Hooks) -> None:
        self.store = store
        self.workers = workers
        self.export_map = export_map
        self.hooks = hooks
        self.iris = Iris(base)
        self.view = StoreView(store, self.iris)
        self.report = Report()
        self.now = changelog.timestamp(dt.datetime.now(dt.UTC))
        self.sequence = Sequence(self.newest_event)
        self.settings = settings_digest(base=base, export_map=export_map)
        self.batch: list[Item] = []
        self.queued = 0  # records put in batches so far; a file is settled once as many are judged
        self.judged = 0
        self.ends: deque[FileEnd] = deque()
        self.rejected_files: set[Path] = set()
        #: with --prune, every record graph a file read in this run holds; only a pruning run needs them, so
        #: without --prune none is kept past its file's settling (a 60,000-row table's graphs held twice over)
        self.seen: SpilledSet | None = None
        #: record graph → film, for the valid records of the run (a 60,000-row table's in SQLite)
        self.films_judged = SpilledDict()
        self.checks: Checks | None = None
        self.writer = Writer(store) if store is not None else None
        self.versions = versions.ImportVersions(store) if store is not None else None

    # -- the run ---------------------------------------------------------------------------------------------
    def run(self, paths: list[Path], *, progress: bool | None, prune: list[Path] | None) -> Report:
        files, refused = record_files(paths)
        self.seen = SpilledSet() if prune is not None else None
        for error in refused:  # counted like a file that could not be read: read = stored + unchanged + rejected
            self.report.read += 1
            self.reject(error, Path(error.path))
        try:
            # tqdm's ``disable=None`` shows the bar on a terminal only, so logs and pipes stay clean.
            with tqdm(total=len(files), unit="file", disable=None if progress is None else not progress,
                      desc="import" if self.store is not None else "validate") as bar:
                for source in files:
                    self.import_file(source)
                    bar.update(1)
            if self.batch or self.checks is not None:
                self.submit()
            self.drain()
            if prune is not None:
                self.prune(prune)
        finally:
            if self.checks is not None:
                self.checks.close()
            if self.writer is not None:
                self.writer.close()
            self.view.close()
        if self.view.kept is not None and "sources" in self.view.__dict__:
            # every write has landed (close raised otherwise): the sources as they are now, for the next run
            self.view.kept.keep(self.view.sources, self.sequence.last)
        report = self.report
        if self.versions is not None:
            # KEEP: the versions of the changed films that other records are about too, for the LDES stream
            self.versions.finish()
        if self.store is not None and (report.written or report.removed or not has_checkpoint(self.store)):
            if report.written or report.removed:
                self.after_the_stamp()
            self.store.checkpoint()
        return report

    def after_the_stamp(self) -> None:
        """Wait, if need be, until the second after the one this import's events are stamped with (its start, to
        the second), so the checkpoint publishing them is later than all of them: a harvester's next ``from``
        (OAI-PMH's responseDate is the checkpoint's time, and ``from`` is inclusive) then never brings them again,
        and the next import's events, stamped at its own start, are never earlier than it."""
        stamped = dt.datetime.fromisoformat(self.now.removesuffix("Z")).replace(tzinfo=dt.UTC)
        # and a little more: a file's time comes from the kernel's coarse clock, up to a tick behind this one
        wait = (stamped + dt.timedelta(seconds=1, milliseconds=50) - dt.datetime.now(dt.UTC)).total_seconds()
        if wait > 0:
            time.sleep(wait)

    def import_file(self, source: Input) -> None:
        """SKIP the file if unchanged; else READ it, KEY and MAP each record into the batch."""
        stamp = self.view.fingerprint(source.real_text, self.settings) if self.store is not None else None
        held = (self.view.unchanged.unchanged(source.real_text, stamp, self.view.files.token(source.real_text))
                if self.store is not None else None)
        if held is not None:
            self.skip(held.values())
            return
        notes: list[str] = []
        results, multi = peek_multi(read_path(source.path, export_map=self.export_map, notes=notes))
        keys = FileKeys(file_key(source.real), multi=multi)
        end = FileEnd(0, source, keys.part, stamp, graphs=keys.graphs(self.iris))
        for result in results:
            self.report.read += 1
            item = map_record(result, source, keys, self.view.mapper, self.iris)
            self.batch.append(item)
            self.queued += 1
            if len(self.batch) >= BATCH:
                self.submit()
        self.note(notes)  # a reader's notes on the whole file (columns no field takes) come at its end
        if self.seen is not None:
            for graph in end.graphs:
                self.seen.add(graph)
        if self.store is not None:
            end.end = self.queued
            self.ends.append(end)

    def skip(self, films: Iterable[str | None]) -> None:
        """An unchanged file's records, counted (each the film it is about) without being read."""
        for film in films:
            self.report.read += 1
            self.report.unchanged += 1
            self.report.skipped += 1
            if film is not None:
                self.report.films.add(film)

    # -- validate, then judge in order ----------------------------------------------------------------------
    def submit(self) -> None:
        """VALIDATE the batch; judge the oldest batches while too many are in flight."""
        if self.checks is None:
            self.checks = Checks(self.workers)
        self.checks.submit(self.batch)
        self.batch = []
        self.drain(keep=max(1, self.workers + 1))

    def drain(self, keep: int = 0) -> None:
        """Judge validated batches, in the order they were read, until ``keep`` are left in flight."""
        if self.checks is None:
            return
        for checked in self.checks.finished(keep):
            writes = self.judge(checked)
            drops, log = self.settle_files()
            if writes or drops or log:
                self.write(writes, drops, log)

    def judge(self, checked: Checked) -> list[RecordWrite]:
        """Report each record of a validated batch; PLAN and LOG the writes the valid ones need."""
        writes: list[RecordWrite] = []
        for item, problem in checked.judged():
            if isinstance(item, RecordError):
                self.reject(item, Path(item.path))
                continue
            assert isinstance(item, Mapped)
            if problem is not None:
                self.reject(RecordError(str(item.path), item.label, problem[0], problem[1]), item.path)
                continue
            self.report.films.add(item.film_iri)
            self.note(item.notes)
            if self.hooks.on_valid is not None:
                self.hooks.on_valid(item.film_iri, item.graph.graph())
            self.films_judged[item.graph_iri] = item.film_iri
            write = plan(item, self.store if item.graph_iri in self.view.known else None, self.now)
            if write is None:
                self.report.unchanged += 1
                continue
            self.report.written += 1
            if self.versions is not None:
                write, event = logged(write, item.film_iri, self.sequence, self.now)
                # KEEP: the film's version, made from this record's lines when they are all the film has
                self.versions.heard(event, write.triples if item.alone else None)
            writes.append(write)
        self.judged += len(checked.items)
        return writes

    def settle_files(self) -> tuple[list[RecordDrop], list[LogLines]]:
        """For each file whose records are all judged: the records that left it leave the store (each with its
        delete event), and its records' sources are written (:func:`~lodfilm.importing.events.sources_settled`)."""
        drops: list[RecordDrop] = []
        log: list[LogLines] = []
        while self.ends and self.ends[0].end <= self.judged:
            end = self.ends.popleft()
            rejected = end.source.path in self.rejected_files
            # the run's records judged valid, every graph of this file among them (a graph is one file's, so
            # none is taken out: one removal a row cost more than what they hold, in SQLite)
            end.films = self.films_judged
            if not rejected:
                # Records that left the file leave the store (a row gone from a table, a single record that
                # became a list, or back); never when some record here was rejected, since a rejected record's
                # old version must stay. Only records keyed by this very file can go: another file's, whatever
                # its name, are not this file's to remove.
                stale = sorted(g for g in self.view.held_of_file(end.part, end.file) if g not in end.graphs)
                drops.extend(self.deletion(graph) for graph in stale)
                self.report.removed += len(stale)
            lines = sources_settled(end, self.view.sources, self.view.unchanged.records_of(end.file), rejected,
                                    self.view.kept.change if self.view.kept is not None else ignored)
            if lines:
                log.append(lines)
            end.graphs.close()
        return drops, log

    def prune(self, paths: list[Path]) -> None:
        """PRUNE: remove the records whose file under ``paths`` is gone (``--prune``)."""
        seen: MutableSet[str] = self.seen if self.seen is not None else set()
        gone = [graph for graph in pruning.gone(self.view.sources, paths) if graph not in seen]
        if gone and self.writer is not None:
            self.write([], [self.deletion(graph) for graph in gone])
            self.report.removed += len(gone)

    # -- helpers ---------------------------------------------------------------------------------------------
    def newest_event(self) -> int:
        """The store's newest change-log number, asked when the first event is made (an import that writes nothing
        never asks)."""
        return changelog.latest(self.store) if self.store is not None else 0

    def write(self, writes: list[RecordWrite], drops: list[RecordDrop], log: list[LogLines] | None = None) -> None:
        """WRITE a batch (in order, in the background); the run's first also swaps the sources' stamp, in the
        same transaction, so that a run that dies part way leaves no copy of the sources trusted."""
        if self.writer is None:
            return
        stamp = self.view.kept.swap() if self.view.kept is not None else None
        self.writer.write(writes, drops, [stamp, *(log or [])] if stamp else log,
                          then=self.versions.landed() if self.versions is not None else None)

    def deletion(self, graph: str) -> RecordDrop:
        if self.view.kept is not None:
            self.view.kept.change(graph, None)
        drop, event = deletion(graph, self.view.film_of(graph), self.view.sources.get(graph), self.sequence, self.now)
        if self.versions is not None:
            self.versions.heard(event, None)
        return drop

    def reject(self, error: RecordError, path: Path) -> None:
        self.rejected_files.add(path)
        self.report.errors.append(error)
        if self.hooks.on_error is not None:
            self.hooks.on_error(error)

    def note(self, notes: list[str]) -> None:
        self.report.notes.extend(notes)
        if self.hooks.on_note is not None:
            for note in notes:
                self.hooks.on_note(note)


def peek_multi(results: Iterator[ReadResult]) -> tuple[Iterator[ReadResult], bool]:
    """Whether a file holds several records (a list, a table: its records have positions), and its records,
    read one at a time: a table of 60,000 rows is never held whole. Records are buffered only until the first
    with a position (a single record has none, so its file is read to its end: one record)."""
    head: list[ReadResult] = []
    for result in results:
        head.append(result)
        if result.ref.position is not None:
            return itertools.chain(head, results), True
    return iter(head), False
