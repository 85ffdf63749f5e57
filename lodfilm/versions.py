"""The film triples of each LDES member (each version of a film), kept so a member stays the same for ever.

The change log keeps each version's hash, not its triples, and the store holds only each film's current
triples. So an import, once its records are written, copies the current triples of each film it changed into
``ldes-versions.sqlite`` beside the store, under the number of the film's newest event (:func:`keep_imported`):
what it costs is what changed, and no version is missed however many imports run with no server reading them.
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
from collections.abc import Iterable, Sequence
from contextlib import closing
from pathlib import Path

from lodfilm.publish.changes import Change, film_of, moment
from lodfilm.store.base import Store
from lodfilm.store.embedded import EmbeddedStore
from lodfilm.store.remote import RemoteStore

FILE = "ldes-versions.sqlite"
BATCH = 200  # films per CONSTRUCT when copying


def folder_for(store: Store) -> Path | None:
    """Where a store's versions are kept: beside an embedded store; for a SPARQL server's store, in a folder of
    this machine's named after the server (the importer and a server on one machine then share it)."""
    if isinstance(store, EmbeddedStore):
        return store.path
    if isinstance(store, RemoteStore):
        key = hashlib.sha256(store.endpoint.query_url.encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"lodfilm-{key}"
    return None


def keep_imported(store: Store, after: int, upto: int | None = None) -> int:
    """Keep the current triples of each film an import changed: the films of the log's events after sequence
    number ``after`` (this import's, up to ``upto``). Returns how many versions were copied."""
    folder = folder_for(store)
    if folder is None:
        return 0
    from lodfilm import changelog  # the log reads the store; versions are only its companion

    # an event of a record about no film has no version (and nothing a harvester of films could fetch)
    events = [e for e in changelog.events(store, after=after, newest=upto) if e.film is not None]
    return Versions(folder).keep_current(store, events)


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
                # a copy is never rewritten, unless it was another store's event of that number
                db.executemany("INSERT INTO kept (seq, event, film, triples) VALUES (?, ?, ?, ?) ON CONFLICT (seq) "
                               "DO UPDATE SET event = excluded.event, film = excluded.film, triples = excluded.triples "
                               "WHERE kept.event != excluded.event",
                               [(c.seq, identity(c), film_of(c), zlib.compress(triples.get(film_of(c), b""), 1))
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
