"""LOG: the change-log lines each write carries, and what a file's end says of where its records came from.

An event goes in the same transaction as its record (:class:`~lodfilm.store.base.RecordWrite` and
:class:`~lodfilm.store.base.RecordDrop` carry it), so the log and the records never disagree. A record's source
(its file's fingerprint) is written once the whole file is judged, after its records, and only when none of the
file's records was rejected: a source says "the store holds everything this file makes", never more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Protocol

from lodfilm import changelog
from lodfilm.changelog import RecordSource
from lodfilm.importing.spill import SpilledLines, SpilledSet
from lodfilm.records import Input
from lodfilm.store.base import LogLines, RecordDrop, RecordWrite


class Sequence:
    """The change log's sequence numbers, handed out in the order events are written (one writer per store);
    ``start`` gives the newest number the store holds, asked only when the first event is made."""

    def __init__(self, start: Callable[[], int]) -> None:
        self._start = start
        #: the newest number before this run's first event, and the run's last (None until an event is made)
        self.before: int | None = None
        self.last: int | None = None

    def next(self) -> int:
        if self.last is None:
            self.before = self.last = self._start()
        self.last += 1
        return self.last


def logged(write: RecordWrite, film: str, sequence: Sequence, now: str) -> tuple[RecordWrite, changelog.Event]:
    """``write`` with its event: a create, or an update of a record the store held; the hash is of the graph
    written. The event is given too, as the log will read it (the film's version is kept under it)."""
    kind: changelog.Kind = "update" if write.replaces else "create"
    seq, hashed = sequence.next(), changelog.graph_hash(write.triples)
    event = changelog.event_lines(seq, now, kind, write.graph, film, hashed)
    logged_write = replace(write, log=LogLines(add=write.log.add | event, remove=write.log.remove))
    return logged_write, changelog.Event(seq, changelog.parse_time(now), kind, write.graph, film, hashed)


def deletion(graph: str, film: str | None, source: RecordSource | None, sequence: Sequence,
             now: str) -> tuple[RecordDrop, changelog.Event]:
    """A record leaving the store with its delete event (naming its film: the tombstone), its source forgotten;
    and the event, as :func:`logged` gives it."""
    seq = sequence.next()
    event = changelog.event_lines(seq, now, "delete", graph, film, None)
    forget = changelog.source_lines(graph, source) if source is not None else frozenset()
    drop = RecordDrop(graph, LogLines(add=event, remove=forget))
    return drop, changelog.Event(seq, changelog.parse_time(now), "delete", graph, film, None)


class Closable(Protocol):
    """A set of record graphs that lets go of what holds it once its file is settled."""

    def __contains__(self, graph: object) -> bool: ...

    def __iter__(self) -> Iterator[str]: ...

    def close(self) -> None: ...


@dataclass
class FileEnd:
    """A file once read: where its records end in the run, and what is needed to settle it when they are judged."""

    #: records read (in the whole run) up to the end of this file
    end: int
    source: Input
    #: the file's part of its records' keys
    part: str
    fingerprint: str | None
    #: the record graphs the file holds now (:meth:`~lodfilm.importing.keys.FileKeys.graphs`), and the film each
    #: is about (a mapping holding at least its valid records, given when its records are judged)
    films: Mapping[str, str] = field(default_factory=dict)
    graphs: Closable = field(default_factory=SpilledSet)

    @property
    def file(self) -> str:
        return str(self.source.real)

    @cached_property
    def place(self) -> str:
        """The file's place (:func:`lodfilm.changelog.place`), made once: a table's 60,000 rows share it."""
        return changelog.place(self.file)


def ignored(graph: str, source: RecordSource | None) -> None:
    """Nobody hears the sources settled."""


def sources_settled(end: FileEnd, old: Mapping[str, RecordSource], from_file: Mapping[str, RecordSource],
                    rejected: bool, heard: Callable[[str, RecordSource | None], None] = ignored) -> LogLines:
    """The source lines a judged file leaves: each of its records made from its fingerprint now, unless a record
    of it was rejected (then none, so the file is read again next time); records that no longer come from it lose
    theirs. ``old`` is every stored record's source as the import began, ``from_file`` those naming this file;
    ``heard`` hears each record's source as the lines leave it (None: none; by default nobody hears)."""
    remove: set[str] = set()
    add = SpilledLines()  # a line for each record of the file: a large table's go to a file, not into memory
    for graph, source in from_file.items():
        if graph not in end.graphs:
            remove |= changelog.source_lines(graph, source)
            heard(graph, None)
    for graph in end.graphs:
        before = old.get(graph)
        after = (RecordSource(end.fingerprint, end.place, end.films.get(graph))
                 if end.fingerprint is not None and not rejected else None)
        if before == after:
            continue
        heard(graph, after)
        if before is not None:
            remove |= changelog.source_lines(graph, before)
        if after is not None:
            add.add(changelog.source_line(graph, after))
    return LogLines(add=add.done(), remove=frozenset(remove))

