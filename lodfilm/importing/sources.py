"""SKIP, part zero: every stored record's source, read from a copy kept beside an embedded store when the copy is
known to be what the change log says.

The log holds each record's source (:func:`lodfilm.changelog.read_sources`), and an import needs all of them to
tell which files are unchanged. Reading them is a scan of the log: ~2 s for 100,000 records, most of a sync that
changed one film. So an import that finishes keeps what the sources are now in a file beside the store
(``STORE/sources``), with a **stamp**: a token that the same import wrote into the log graph in its first write,
in the same transaction as that write. The copy is trusted only while the log's stamp is the copy's:

- an import that writes anything swaps the stamp first, so one that dies part way leaves a stamp no copy has,
  and the next import reads the log;
- the copy also names the log's newest event and the store has no event after it (one lookup), so a write by a
  lodfilm that knows no stamps is noticed too.

A remote store has no folder here: its sources are read from the log every time, as before.
"""

from __future__ import annotations

import gc
import marshal
import uuid
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from lodfilm import changelog
from lodfilm.changelog import RecordSource, file_token
from lodfilm.importing.spill import SpilledDict
from lodfilm.store.base import LOG_GRAPH, LogLines, Store

STAMP = f"{changelog.NS}sourcesStamp"
FORMAT = 2  # of the copy's file

Kept = tuple[str, str, str | None]  # fingerprint, place, film
Grouped = dict[str, dict[str, Kept]]  # file token → record graph → its source


def kept_of(source: RecordSource) -> Kept:
    """A source as the copy keeps it."""
    return source.fingerprint, source.file, source.film


class SourceTable(Mapping[str, RecordSource]):
    """Every stored record's source by record graph, held as plain tuples grouped by their file's token, as the
    copy keeps them: a :class:`RecordSource` is made only for a record asked of (making 100,000 of them, and
    grouping them, was a second of a sync that changed one film)."""

    def __init__(self, by_file: Grouped) -> None:
        self.by_file = by_file

    @classmethod
    def of(cls, sources: Mapping[str, RecordSource]) -> SourceTable:
        if isinstance(sources, SourceTable):
            return sources
        by_file: Grouped = {}
        for graph, source in sources.items():
            by_file.setdefault(source.file_token, {})[graph] = kept_of(source)
        return cls(by_file)

    @cached_property
    def tokens(self) -> dict[str, str]:
        """Record graph → its file's token (made when a record is first asked of by its graph)."""
        return {graph: token for token, held in self.by_file.items() for graph in held}

    def __getitem__(self, graph: str) -> RecordSource:
        return RecordSource(*self.by_file[self.tokens[graph]][graph])

    def __iter__(self) -> Iterator[str]:
        return iter(self.tokens)

    def __len__(self) -> int:
        return len(self.tokens)

    def graphs_of(self, token: str) -> list[str]:
        """The record graphs of the file whose token is ``token``."""
        return list(self.by_file.get(token, ()))

    def of_file(self, token: str) -> dict[str, RecordSource]:
        """The sources of the records of the file whose token is ``token``."""
        return {graph: RecordSource(*kept) for graph, kept in self.by_file.get(token, {}).items()}

    def changed(self, changes: Mapping[str, Kept | None]) -> Grouped:
        """The table with ``changes`` made (each source as the copy keeps it; None: the record's source
        forgotten), as the copy keeps it; the table itself is left as it is."""
        # only the groups the changes touch are copied: the others are shared with the table
        touched = {self.tokens[graph] for graph in changes if graph in self.tokens}
        touched |= {file_token(kept[1]) for kept in changes.values() if kept is not None}
        by_file = {**self.by_file, **{token: dict(self.by_file.get(token, {})) for token in touched}}
        shared: dict[str, str] = {}
        for graph, kept in changes.items():
            old = self.tokens.get(graph)
            if old is not None:
                by_file[old].pop(graph, None)
            if kept is not None:
                # one string for a file's fingerprint and place, however many of its records there are: read back
                # from SQLite each is a copy (a 60,000-row table's copy held ~13 MB of them), and marshal writes
                # one object met again as a reference
                fingerprint, place = shared.setdefault(kept[0], kept[0]), shared.setdefault(kept[1], kept[1])
                by_file[file_token(place)][graph] = (fingerprint, place, kept[2])
        return {token: held for token, held in by_file.items() if held}


class Sources:
    """The sources of a store's records as an import began, and the changes the import makes to them."""

    def __init__(self, store: Store, copy: Path | None) -> None:
        self.store = store
        self.copy = copy
        self.stamp: str | None = None  # the log's stamp (as the import began, then this import's)
        self.asked = False
        self.newest = 0  # the log's newest event as the import began
        self.from_copy = False
        self.run_stamp = uuid.uuid4().hex
        self.swapped = False
        #: record graph → its source as the copy keeps it (None: forgotten); a table's 60,000 in SQLite
        self.changes = SpilledDict()

    def read(self) -> SourceTable:
        """Every stored record's source: from the copy when the log vouches for it, else from the log (older
        sources, which named files by path, are rewritten then, with a new stamp)."""
        self.stamp, self.asked = self.log_stamp(), True
        kept = self.load_copy()
        if kept is not None:
            self.from_copy = True
            return kept
        found, rewrite = changelog.read_sources(self.store)
        self.newest = changelog.latest(self.store)
        if rewrite:
            # /sparql answers from the log: sources naming files by their paths are rewritten (the same facts, by
            # tokens) and published at once.
            self.store.write([], [], [rewrite, self.swap()])
            self.store.checkpoint()
        return SourceTable.of(found)

    def log_stamp(self) -> str | None:
        return self.store.log_nodes([LOG_GRAPH]).get(LOG_GRAPH, {}).get(STAMP)

    def load_copy(self) -> SourceTable | None:
        if self.copy is None or self.stamp is None:
            return None
        try:
            kept = loaded(self.copy)
        except (OSError, EOFError, ValueError, TypeError):
            return None
        if not (isinstance(kept, tuple) and len(kept) == 4 and kept[0] == FORMAT and kept[1] == self.stamp
                and isinstance(kept[2], int) and isinstance(kept[3], dict)):
            return None
        newest: int = kept[2]
        if self.store.log_nodes([f"{changelog.EVENT}{newest + 1}"]):
            return None  # an event the copy never saw: written by a lodfilm that keeps no stamp
        self.newest = newest
        return SourceTable(kept[3])

    def swap(self) -> LogLines:
        """The lines that replace the log's stamp with this import's: carried by its first write (once; none for a
        store that keeps no copy)."""
        if self.swapped or self.copy is None:
            return LogLines()
        if not self.asked:
            self.stamp, self.asked = self.log_stamp(), True
        self.swapped = True
        old = {stamp_line(self.stamp)} if self.stamp is not None else set()
        self.stamp = self.run_stamp
        return LogLines(add=frozenset({stamp_line(self.run_stamp)}), remove=frozenset(old))

    def change(self, graph: str, source: RecordSource | None) -> None:
        """Note that the import's writes make ``graph``'s source ``source`` (None: forgotten)."""
        self.changes[graph] = kept_of(source) if source is not None else None

    def keep(self, read: Mapping[str, RecordSource], newest: int | None) -> None:
        """Once every write of the import has landed: keep the sources as they now are, with the log's stamp and
        newest event (``newest``: the import's last event, None when it made none)."""
        if self.copy is None or (self.from_copy and not self.changes and not self.swapped):
            return
        if not self.swapped:  # read from the log, nothing written: stamp the log so the copy can be trusted
            self.store.write([], [], [self.swap()])
        now = SourceTable.of(read).changed(self.changes)
        # not kept (a full disk): the next import reads the log
        marshalled(self.copy, (FORMAT, self.stamp, newest if newest is not None else self.newest, now))


def marshalled(path: Path, value: Any) -> bool:
    """Write ``value`` to ``path`` as :func:`marshal.dump` does, atomically (a reader finds the old file or the new
    one; what a killed writer left is removed by the next); False when it could not be written. The files an import
    keeps only ever speed the next one up, so a store on a full disk imports all the same."""
    from lodfilm.publish.dumps import write_atomically

    try:
        write_atomically(path, lambda out: out.write(marshal.dumps(value)))
    except OSError:
        return False
    return True


def loaded(path: Path) -> object:
    """What :func:`marshal.dump` wrote to ``path``, read with the cyclic collector paused: 100,000 small dicts
    made at once set it off again and again, for nothing (none of them can be in a cycle)."""
    data = path.read_bytes()
    paused = gc.isenabled()
    gc.disable()
    try:
        return marshal.loads(data)
    finally:
        if paused:
            gc.enable()


def stamp_line(stamp: str) -> str:
    return f'<{LOG_GRAPH}> <{STAMP}> "{stamp}" .'
