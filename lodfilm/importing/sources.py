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

import marshal
import os
import uuid
from pathlib import Path

from lodfilm import changelog
from lodfilm.changelog import RecordSource
from lodfilm.store.base import LOG_GRAPH, LogLines, Store

STAMP = f"{changelog.NS}sourcesStamp"
FORMAT = 1  # of the copy's file

Kept = tuple[str, str, str | None]  # fingerprint, place, film


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
        self.changes: dict[str, RecordSource | None] = {}

    def read(self) -> dict[str, RecordSource]:
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
        return found

    def log_stamp(self) -> str | None:
        return self.store.log_nodes([LOG_GRAPH]).get(LOG_GRAPH, {}).get(STAMP)

    def load_copy(self) -> dict[str, RecordSource] | None:
        if self.copy is None or self.stamp is None:
            return None
        try:
            kept = marshal.loads(self.copy.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return None
        if not (isinstance(kept, tuple) and len(kept) == 4 and kept[0] == FORMAT and kept[1] == self.stamp
                and isinstance(kept[2], int) and isinstance(kept[3], dict)):
            return None
        newest: int = kept[2]
        if self.store.log_nodes([f"{changelog.EVENT}{newest + 1}"]):
            return None  # an event the copy never saw: written by a lodfilm that keeps no stamp
        self.newest = newest
        return {graph: RecordSource(*entry) for graph, entry in kept[3].items()}

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
        self.changes[graph] = source

    def keep(self, read: dict[str, RecordSource], newest: int | None) -> None:
        """Once every write of the import has landed: keep the sources as they now are, with the log's stamp and
        newest event (``newest``: the import's last event, None when it made none)."""
        if self.copy is None or (self.from_copy and not self.changes and not self.swapped):
            return
        if not self.swapped:  # read from the log, nothing written: stamp the log so the copy can be trusted
            self.store.write([], [], [self.swap()])
        now = {graph: (s.fingerprint, s.file, s.film) for graph, s in read.items()}
        for graph, source in self.changes.items():
            if source is None:
                now.pop(graph, None)
            else:
                now[graph] = (source.fingerprint, source.file, source.film)
        pending = self.copy.with_name(f".{self.copy.name}.{os.getpid()}")
        try:
            pending.write_bytes(marshal.dumps((FORMAT, self.stamp, newest if newest is not None else self.newest,
                                               now)))
            os.replace(pending, self.copy)
        except OSError:
            pending.unlink(missing_ok=True)  # a store on a full disk imports all the same, reading the log next time


def stamp_line(stamp: str) -> str:
    return f'<{LOG_GRAPH}> <{STAMP}> "{stamp}" .'
