"""KEY: each record's key within its file, which names its graph (``record/<file part>/<key>``).

In a file of several records each record's key is its ``id``, else its film's (title and year). Two records of one
file with one key are two films when :func:`~lodfilm.identity.same_film` tells them apart (other directors, another
title once case and spacing are set aside): the second is keyed by its first director, or numbered. Otherwise it is
the same film twice, and rejected; so is an ``id`` given twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Set

from lodfilm.errors import RecordError, quote
from lodfilm.identity import FilmClaim, same_film
from lodfilm.importing.spill import SpilledDict
from lodfilm.iris import Iris, record_key, slug
from lodfilm.mapping import film_key
from lodfilm.records.model import Film


class FileKeys:
    """The keys given so far to the records of one file (``part`` is the file's :func:`~lodfilm.iris.file_key`;
    ``multi`` whether the file holds several records, whose keys then name the film)."""

    def __init__(self, part: str, multi: bool) -> None:
        self.part = part
        self.multi = multi
        #: key → (the record's label, its claim's row); a table's 60,000 keys are held in a temporary SQLite file
        self.keys = SpilledDict()

    def assign(self, film: Film, claim: FilmClaim, *, path: str, label: str) -> str | RecordError:
        """The key of the next record of the file, or why it has none (a twin, an ``id`` given twice)."""
        tail = film.id or film_key(film)
        key = record_key(self.part, tail if self.multi else None)
        if key in self.keys and film.id:
            return RecordError(path, label, "id", f"{quote(film.id)} is the id of {self.keys[key][0]} too")
        if key in self.keys:
            # The records of this file keyed like this one: itself, and those already told apart from it (key-…).
            family = [held for k, held in self.keys.under(key) if k == key or k.startswith(f"{key}-")]
            twin = next(((held_label, row) for held_label, row in family if same_film(FilmClaim(*row), claim)), None)
            if twin is not None:
                return twin_error(path, label, twin[0], FilmClaim(*twin[1]), claim)
            options = ([f"{tail}-{slug(film.directors[0].name)}"] if film.directors else []) + \
                [f"{tail}-{n}" for n in range(2, len(self.keys) + 3)]
            key = next(record_key(self.part, option) for option in options
                       if record_key(self.part, option) not in self.keys)
        self.keys[key] = (label, claim.row())
        return key

    def graphs(self, iris: Iris) -> KeyedGraphs:
        """The record graphs the file's records were given (each record's graph is named by its key)."""
        return KeyedGraphs(self, iris.record(""))

    def close(self) -> None:
        self.keys.close()


def twin_error(path: str, label: str, twin: str, held: FilmClaim, claim: FilmClaim) -> RecordError:
    """Why a record is refused as its file's second record of one film. Told apart by an ``id`` unless both name
    the same Wikidata or IMDb id: then it is one film (a query's answer gives a row per value: join them)."""
    shared = sorted(set(held.identifiers) & set(claim.identifiers))
    if not shared:
        return RecordError(path, label, "title", f"same film as {twin} in this file (give one of them an 'id')")
    field = "wikidata" if "wikidata.org" in shared[0] else "imdb"
    code = shared[0].rstrip("/").rsplit("/", 1)[-1]
    return RecordError(path, label, field, f"same film as {twin} in this file, both {code} (one record a film: "
                       "join rows that repeat a film, as a query's answer has a row per value)")


class KeyedGraphs(Set[str]):
    """The record graphs of a file, read from its keys rather than held beside them (a 60,000-row table's graphs
    were a second table of the same names). ``prefix`` is the base's ``record/``."""

    def __init__(self, keys: FileKeys, prefix: str) -> None:
        self.keys = keys
        self.prefix = prefix

    def __contains__(self, graph: object) -> bool:
        return isinstance(graph, str) and graph.startswith(self.prefix) and graph[len(self.prefix):] in self.keys.keys

    def __iter__(self) -> Iterator[str]:
        return (self.prefix + key for key in self.keys.keys)

    def __len__(self) -> int:
        return len(self.keys.keys)

    def close(self) -> None:
        self.keys.close()
