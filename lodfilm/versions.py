"""The film triples of each LDES member (each version of a film), kept so a member stays the same for ever.

The change log keeps each version's hash, not its triples, and the store holds only each film's current
triples. So an import keeps the triples of each film it changes in ``ldes-versions.sqlite`` beside the store,
under the number of the film's event (:class:`ImportVersions`): from the lines it wrote when one record is the
film's only one, else copied from the store once its writes have landed (under the film's newest event). What it
costs is what changed, and no version is missed however many imports run with no server reading them.
The web does the same for every film whose newest event has no copy yet (:meth:`Versions.keep_current`) when it
serves a new checkpoint: a store imported before versions were kept, or a SPARQL server written by another
machine's import. Copies are never rewritten. A version that was current only between two checkpoints of a
store neither of them kept carries its film, time and hash but no triples.
"""

from __future__ import annotations

import hashlib
import sqlite3
import tempfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from pathlib import Path

from lodfilm.publish.changes import Change, film_of, moment
from lodfilm.store.base import Store
from lodfilm.store.embedded import EmbeddedStore
from lodfilm.store.remote import RemoteStore

FILE = "ldes-versions.sqlite"
BATCH = 200  # films per CONSTRUCT when copying
# a copy is never rewritten, unless it was another store's event of that number
UPSERT = ("INSERT INTO kept (seq, event, film, triples) VALUES (?, ?, ?, ?) ON CONFLICT (seq) DO UPDATE SET "
          "event = excluded.event, film = excluded.film, triples = excluded.triples WHERE kept.event != excluded.event")
#: one kept version: (event number, the event's identity, film, zlib-compressed N-Triples)
Version = tuple[int, str, str, bytes]


def folder_for(store: Store) -> Path | None:
    """Where a store's versions are kept: beside an embedded store; for a SPARQL server's store, in a folder of
    this machine's named after the server (the importer and a server on one machine then share it)."""
    if isinstance(store, EmbeddedStore):
        return store.path
    if isinstance(store, RemoteStore):
        key = hashlib.sha256(store.endpoint.query_url.encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"lodfilm-{key}"
    return None


class ImportVersions:
    """The versions one import keeps, as it writes (:class:`~lodfilm.pipeline.Import` tells it each event).

    A film that only one record is about (most films) has that record's triples as its own: its version is made
    from the lines written, and kept once they have landed, so nothing is read back from the store and nothing
    waits for the end of the run (60,000 films: 24 s and 120 MB at the end before). The events of films that other
    records are about too, and deletes, are kept as before once every write has landed (:meth:`finish`), from the
    store's current triples."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.folder = folder_for(store)
        self._made: list[Version] = []
        self._shared: list[Change] = []

    def heard(self, event: Change, lines: frozenset[str] | None) -> None:
        """An event of this import; ``lines`` the written record's, when no other record is about its film."""
        if self.folder is None or event.film is None:
            return
        if lines is None or event.kind == "delete":
            self._shared.append(event)
            return
        film = film_of(event)
        self._made.append((event.seq, identity(event), film, zlib.compress(film_lines(film, lines), 1)))

    def landed(self) -> Callable[[], None] | None:
        """What keeps the versions heard since the last call, to run once their write has landed (None: none)."""
        made, self._made = self._made, []
        if not made or self.folder is None:
            return None
        folder = self.folder
        return lambda: Versions(folder).put(made)

    def finish(self) -> int:
        """Keep the versions of the films other records are about too (after every write has landed)."""
        if self.folder is None or not self._shared:
            return 0
        return Versions(self.folder).keep_current(self.store, self._shared)


def keep_imported(store: Store, after: int, upto: int | None = None) -> int:
    """Keep the current triples of each film changed by the log's events after sequence number ``after`` (up to
    ``upto``) whose newest event has none kept yet. Returns how many versions were copied."""
    folder = folder_for(store)
    if folder is None:
        return 0
    from lodfilm import changelog  # the log reads the store; versions are only its companion

    # an event of a record about no film has no version (and nothing a harvester of films could fetch)
    events = [e for e in changelog.events(store, after=after, newest=upto) if e.film is not None]
    return Versions(folder).keep_current(store, events)


def film_lines(film: str, lines: Iterable[str]) -> bytes:
    """The film's own triples and its ``#`` parts' among one record's lines, as :func:`own_triples` gives them
    from the store when that record is the only one about the film."""
    head, part_head = f"<{film}> ", f"<{film}#"
    own = [line for line in lines if line.startswith(head)]
    # "<film> <predicate> object ." — a part is an object IRI under the film's own
    parts = {obj for line in own if (obj := line[line.index("> ", len(head)) + 2 : -2]).startswith(part_head)}
    of_parts = [line for line in lines if line.startswith(part_head) and line[: line.index(">") + 1] in parts]
    return ("\n".join(sorted({*own, *of_parts})) + "\n").encode()


def newest_by_film(events: Iterable[Change]) -> dict[str, Change]:
    newest: dict[str, Change] = {}
    for change in events:
        newest[film_of(change)] = change
    return newest


class Versions:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / FILE
        with closing(self.connect()) as db, db:
            # ``triples`` are zlib-compressed N-Triples (~15 KB a film otherwise: 1.5 GB at 100,000 films).
            # ``event`` tells one store's event n from another's: a store made anew at the same place (or a SPARQL
            # server wiped and refilled) numbers its events from 1 again, and must not inherit the old copies.
            db.execute("CREATE TABLE IF NOT EXISTS kept (seq INTEGER PRIMARY KEY, event TEXT NOT NULL, "
                       "film TEXT NOT NULL, triples BLOB NOT NULL)")

    def connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def put(self, made: Sequence[Version]) -> None:
        """Keep versions made elsewhere: (number, event identity, film, compressed N-Triples) each."""
        with closing(self.connect()) as db, db:
            db.executemany(UPSERT, made)

    def get(self, changes: Iterable[Change]) -> dict[int, bytes]:
        """The kept N-Triples of each of these events that has them (by number, for this very event)."""
        wanted = {c.seq: identity(c) for c in changes}
        numbers = list(wanted)
        found: dict[int, bytes] = {}
        with closing(self.connect()) as db:
            for start in range(0, len(numbers), 500):
                chunk = numbers[start : start + 500]
                rows = db.execute(f"SELECT seq, event, triples FROM kept WHERE seq IN ({','.join('?' * len(chunk))})",
                                  chunk)
                found.update((int(seq), zlib.decompress(triples)) for seq, event, triples in rows
                             if wanted[int(seq)] == event)
        return found

    def keep_current(self, store: Store, events: Sequence[Change], live: set[str] | None = None) -> int:
        """Copy the current triples of each film whose newest event has none kept (of those in ``live``, the films
        the store describes now, when given: an import knows its films whose newest event is no delete are);
        returns how many."""
        # the web's module, and its imports: an import that changed nothing never needs them
        from lodfilm.publish.documents import is_iri

        candidates = [c for film, c in newest_by_film(events).items()
                      if c.kind != "delete" and (live is None or film in live) and is_iri(film)]
        kept = set(self.get(candidates))
        missing = [c for c in candidates if c.seq not in kept]
        for start in range(0, len(missing), BATCH):
            chunk = missing[start : start + BATCH]
            triples = own_triples(store, [film_of(c) for c in chunk])
            with closing(self.connect()) as db, db:
                db.executemany(UPSERT, [(c.seq, identity(c), film_of(c), zlib.compress(triples.get(film_of(c), b""), 1))
                                for c in chunk])
        return len(missing)


def identity(change: Change) -> str:
    """What tells an event from another store's event of the same number: its time, film and hash."""
    return f"{moment(change).isoformat()} {film_of(change)} {change.hash}"


def own_triples(store: Store, films: Sequence[str]) -> dict[str, bytes]:
    """Each film's own triples and those of its ``#`` parts (roles, trailer), as N-Triples per film. (Two
    queries, not one UNION: oxigraph runs the pair in half the time.)"""
    values = "VALUES ?f { " + " ".join(f"<{film}>" for film in films) + " }"
    own = store.construct("CONSTRUCT { ?f ?p ?o } WHERE { " + values + " ?f ?p ?o }")
    parts = store.construct("CONSTRUCT { ?part ?q ?v } WHERE { " + values + " ?f ?link ?part . "
                            'FILTER(isIRI(?part) && STRSTARTS(STR(?part), CONCAT(STR(?f), "#"))) ?part ?q ?v }')
    lines: dict[str, list[bytes]] = {}
    for line in (own + b"\n" + parts).splitlines():
        if line.startswith(b"<"):
            subject = line[1 : line.index(b">")].decode()
            lines.setdefault(subject.split("#", 1)[0], []).append(line)
    return {film: b"\n".join(sorted(found)) + b"\n" for film, found in lines.items()}
