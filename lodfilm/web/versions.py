"""The film triples of each LDES member (each version of a film), kept so a member stays the same for ever.

The change log keeps each version's hash, not its triples, and the store holds only each film's current
triples. So whenever the web serves a new checkpoint, the current triples of every film whose newest event has
no kept copy yet are copied from the store into ``ldes-versions.sqlite`` beside it, under that event's number;
they are never rewritten. A version that was current only between two checkpoints the web never served (two
syncs while no server ran) was never seen: its member then carries its film, time and hash but no triples.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import closing
from pathlib import Path

from lodfilm.publish.changes import Change, film_of
from lodfilm.publish.documents import is_iri
from lodfilm.store.base import Store

FILE = "ldes-versions.sqlite"
BATCH = 200  # films per CONSTRUCT when copying


class Versions:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / FILE
        with closing(self.connect()) as db, db:
            db.execute("CREATE TABLE IF NOT EXISTS versions (seq INTEGER PRIMARY KEY, film TEXT NOT NULL, "
                       "triples BLOB NOT NULL)")

    def connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def get(self, seqs: Iterable[int]) -> dict[int, bytes]:
        """The kept N-Triples of each event in ``seqs`` that has them."""
        wanted = list(seqs)
        found: dict[int, bytes] = {}
        with closing(self.connect()) as db:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows = db.execute(f"SELECT seq, triples FROM versions WHERE seq IN ({','.join('?' * len(chunk))})",
                                  chunk)
                found.update((int(seq), bytes(triples)) for seq, triples in rows)
        return found

    def keep_current(self, store: Store, events: Sequence[Change], live: set[str]) -> int:
        """Copy the current triples of each live film whose newest event has none kept; returns how many."""
        newest: dict[str, Change] = {}
        for change in events:
            newest[film_of(change)] = change
        candidates = [c for film, c in newest.items() if c.kind != "delete" and film in live and is_iri(film)]
        kept = set(self.get(c.seq for c in candidates))
        missing = [c for c in candidates if c.seq not in kept]
        for start in range(0, len(missing), BATCH):
            chunk = missing[start : start + BATCH]
            triples = own_triples(store, [film_of(c) for c in chunk])
            with closing(self.connect()) as db, db:
                db.executemany("INSERT OR IGNORE INTO versions (seq, film, triples) VALUES (?, ?, ?)",
                               [(c.seq, film_of(c), triples.get(film_of(c), b"")) for c in chunk])
        return len(missing)


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
