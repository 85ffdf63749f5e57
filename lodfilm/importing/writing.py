"""WRITE: what a valid record needs written (nothing, when the store holds it already), and a writer that writes
batches in order from a background thread."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from lodfilm.importing.mapped import Mapped
from lodfilm.store.base import LogLines, RecordDrop, RecordWrite, Store, adds_only

MODIFIED = "<http://purl.org/dc/terms/modified>"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"


def stamped(item: Mapped, now: str) -> tuple[frozenset[str], frozenset[str]]:
    """The record's triples without its ``dcterms:modified`` stamp, and the stamp: a graph read back from a dump
    brings its own (when lodfilm last changed it); a mapped one gets ``now``, the time of its change-log event."""
    lines = frozenset(line for line in item.graph.lines if f"> {MODIFIED} " not in line)
    stamps = frozenset(item.graph.lines) - lines or frozenset(
        {f'<{item.graph_iri}> {MODIFIED} "{now}"^^<{XSD_DATETIME}> .'})
    return lines, stamps


def stored_version(item: Mapped, store: Store | None) -> frozenset[str] | None:
    """The record as the store holds it, stamp aside; None when the store did not hold it (``store`` is None for
    a record the store did not hold when the import began, and for a validation)."""
    if store is None:
        return None
    stored = frozenset(line for line in store.record_triples(item.graph_iri) if f"> {MODIFIED} " not in line)
    return stored or None


def plan(item: Mapped, store: Store | None, now: str) -> RecordWrite | None:
    """The write a valid record needs, or None when the store holds it already. Its event is added by the log
    stage (:func:`lodfilm.importing.events.logged`)."""
    lines, stamps = stamped(item, now)
    stored = stored_version(item, store)
    if stored == lines:
        return None
    return RecordWrite(item.graph_iri, lines | stamps, replaces=stored is not None)


class Writer:
    """Writes batches to the store from a background thread, one at a time and in order, so the store's own work
    (pyoxigraph and HTTP both release the GIL) overlaps reading and mapping what follows. Up to ``DEPTH`` writes
    wait their turn, so the store keeps working while a large file is parsed (a YAML file of 1,000 films takes
    ~1.5 s) and reading goes on while the store loads. A write's error is raised at a later write, or at
    :meth:`wait`; nothing after a failed write is written.

    Batches that only add (new records, their events, a file's sources) are gathered, in order, until they hold
    the store's ``new_records_per_write`` records, and written as one: still one transaction holding whole records
    with their events, just fewer of them. Anything else first writes what is gathered. ``then`` runs in the
    writer's thread once the batch it came with has landed (the versions of the films it wrote)."""

    DEPTH = 4

    def __init__(self, store: Store) -> None:
        self.store = store
        self.gather = max(1, getattr(store, "new_records_per_write", 1))
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="lodfilm-writer")
        self._pending: deque[Future[None]] = deque()
        self._failed = threading.Event()
        self._held = Gathered()

    def write(self, writes: list[RecordWrite], drops: list[RecordDrop], log: list[LogLines] | None = None,
              then: Callable[[], None] | None = None) -> None:
        log = log or []
        if self.gather > 1 and adds_only(writes, drops, log):
            self._held.add(writes, log, then)
            if self._held.records >= self.gather:
                self._send_held()
            return
        self._send_held()
        self._send(writes, drops, log, [then] if then is not None else [])

    def _send_held(self) -> None:
        if self._held:
            held, self._held = self._held, Gathered()
            self._send(held.writes, [], held.log, held.then)

    def _send(self, writes: list[RecordWrite], drops: list[RecordDrop], log: list[LogLines],
              then: list[Callable[[], None]]) -> None:
        while len(self._pending) >= self.DEPTH or (self._pending and self._pending[0].done()):
            self._pending.popleft().result()
        self._pending.append(self._thread.submit(self._write, writes, drops, log, then))

    def _write(self, writes: list[RecordWrite], drops: list[RecordDrop], log: list[LogLines],
               then: list[Callable[[], None]]) -> None:
        if self._failed.is_set():  # an earlier batch failed: write nothing after it
            return
        try:
            if log:
                self.store.write(writes, drops, log)
            else:
                self.store.write(writes, drops)
        except BaseException:
            self._failed.set()
            raise
        for after in then:
            after()

    def wait(self) -> None:
        """Until every batch given is written (raising the first error, if a write failed)."""
        self._send_held()
        while self._pending:
            self._pending.popleft().result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._thread.shutdown(wait=True)


@dataclass
class Gathered:
    """Batches that only add, held in order to be written as one."""

    writes: list[RecordWrite] = field(default_factory=list)
    log: list[LogLines] = field(default_factory=list)
    then: list[Callable[[], None]] = field(default_factory=list)

    @property
    def records(self) -> int:
        return len(self.writes)

    def __bool__(self) -> bool:
        return bool(self.writes or self.log or self.then)

    def add(self, writes: list[RecordWrite], log: list[LogLines], then: Callable[[], None] | None) -> None:
        self.writes.extend(writes)
        self.log.extend(log)
        if then is not None:
            self.then.append(then)
