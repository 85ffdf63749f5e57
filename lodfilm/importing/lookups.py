"""What an import asks of the store it writes to: the records it held when the import began, the films they are
about, and where they came from. Each is asked once, and only when a stage needs it, so an import whose files are
all unchanged costs one question (the records' sources)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from lodfilm.changelog import token
from lodfilm.identity import FilmClaim
from lodfilm.importing.fingerprint import KnownFiles
from lodfilm.importing.skip import UnchangedFiles
from lodfilm.importing.sources import Sources, SourceTable
from lodfilm.iris import Identities, Iris
from lodfilm.mapping import Mapper
from lodfilm.store.base import Store

if TYPE_CHECKING:
    from lodfilm.store.embedded import EmbeddedStore

#: film IRIs whose holders are asked of the store one by one before the store's film list is read instead
FEW_LOOKUPS = 100


class StoreView:
    """The store as the import began (``store`` None for a validation: an empty view)."""

    def __init__(self, store: Store | None, iris: Iris) -> None:
        self.store = store
        self.iris = iris
        self._asked = 0

    @cached_property
    def known(self) -> HeldRecords:
        """The record graphs the store held: only those can be unchanged or replaced, or give a film its directors
        from an earlier import. (Into a new store, no record costs a lookup.) Asked one by one of an embedded store
        until listing them all is cheaper: a sync that changed a film never lists 100,000 graphs."""
        return HeldRecords(self.store, self.iris.record(""))

    @cached_property
    def known_by_file(self) -> HeldByFile:
        """The same records by their file's part of the key: what an import that re-reads a file may remove."""
        return HeldByFile(self.known, self.iris)

    @cached_property
    def files(self) -> KnownFiles:
        """The fingerprints of the files last hashed, kept in the store's folder (an embedded store: a remote one
        has no folder here, and every file is hashed)."""
        return KnownFiles(beside(self.store, "known-files"))

    def fingerprint(self, real: str, settings: bytes) -> str | None:
        return self.files.fingerprint(real, settings)

    def close(self) -> None:
        """Keep what the run learnt of its files' fingerprints."""
        if "files" in self.__dict__:
            self.files.save()

    @cached_property
    def kept(self) -> Sources | None:
        """The records' sources as the import began and the changes it makes to them (None for a validation)."""
        return Sources(self.store, beside(self.store, "sources")) if self.store is not None else None

    @cached_property
    def sources(self) -> SourceTable:
        """Every stored record's source (fingerprint, file, film): from the copy an embedded store keeps of them
        when the change log vouches for it, else from the log (:mod:`lodfilm.importing.sources`)."""
        return self.kept.read() if self.kept is not None else SourceTable({})

    def held_of_file(self, part: str, file: str) -> set[str]:
        """The record graphs the store holds of one file (``part``: its part of their keys; ``file``: its resolved
        path). Listing the graphs under a key is a scan of every graph's name (a second at 100,000 records), so
        when the copy of the sources vouches that every earlier import finished, the file's sources name its
        graphs: each clean settling writes a source for every graph of the file and drops the rest in the same
        write, and a settling with a rejected record leaves the file no source at all (then it is listed)."""
        kept, store = self.kept, self.store
        if kept is not None and kept.from_copy:
            sourced = self.sources.graphs_of(token(file))
            from lodfilm.store.embedded import EmbeddedStore

            if sourced and isinstance(store, EmbeddedStore):
                return {graph for graph in sourced if store.holds_graph(graph)}
        return self.known_by_file.get(part, set())

    @cached_property
    def unchanged(self) -> UnchangedFiles:
        return UnchangedFiles(self.sources)

    @cached_property
    def mapper(self) -> Mapper:
        """The mapper, given the store's identifiers and its view of which records hold which film."""
        mapper = Mapper(self.iris, Identities(self.store.identifiers() if self.store is not None else ()))
        if self.store is not None and self.known:
            mapper.films.stored = self.claims
            mapper.films.previous = self.previous
        return mapper

    @cached_property
    def films(self) -> set[str]:
        return set(stored_films(self.store)) if self.store is not None else set()

    def claims(self, film: str, record: str) -> list[FilmClaim]:
        """What the store's other records say of ``film``. The first few are asked of the store directly (a sync
        that changed a few films never lists the store's films); past that, the list of the store's films is
        read once, so that only a film the store holds costs a lookup."""
        if self.store is None:
            return []
        self._asked += 1
        if self._asked > FEW_LOOKUPS and film not in self.films:
            return []
        return stored_claims(self.store, film, record)

    def previous(self, record: str) -> str | None:
        """The film a record the store held was about."""
        return previous_film(self.store, record) if self.store is not None and record in self.known else None

    def film_of(self, graph: str) -> str | None:
        """The film a stored record is about: from its source where the log has it, else from the record."""
        source = self.sources.get(graph)
        if source is not None and source.film is not None:
            return source.film
        return previous_film(self.store, graph) if self.store is not None else None


class HeldRecords:
    """The record graphs a store held as the import began (``prefix``: the base's ``record/``), as a set that is
    listed whole only when iterated or asked often; an embedded store answers the first questions one by one. The
    graphs an import asks of are those of the files it reads, which no other file of the run writes, so an answer
    given after some of the run's writes is the one the listing would have given."""

    def __init__(self, store: Store | None, prefix: str) -> None:
        self.store = store
        self.prefix = prefix
        self.asked = 0
        self._all: set[str] | None = None if store is not None else set()

    @property
    def all(self) -> set[str]:
        if self._all is None:
            assert self.store is not None
            self._all = set(self.store.record_graphs(self.prefix))
        return self._all

    def embedded(self) -> EmbeddedStore | None:
        """The store, while it is embedded and asking one by one is still the cheaper way."""
        from lodfilm.store.embedded import EmbeddedStore

        self.asked += 1
        if self._all is None and self.asked <= FEW_LOOKUPS and isinstance(self.store, EmbeddedStore):
            return self.store
        return None

    def __contains__(self, graph: object) -> bool:
        store = self.embedded() if isinstance(graph, str) and graph.startswith(self.prefix) else None
        return store.holds_graph(graph) if store is not None and isinstance(graph, str) else graph in self.all

    def __bool__(self) -> bool:
        store = self.embedded()
        return store.any_graph(self.prefix) if store is not None else bool(self.all)

    def __iter__(self) -> Iterator[str]:
        return iter(self.all)

    def __len__(self) -> int:
        return len(self.all)

    def of_file(self, record: str) -> set[str]:
        """The graphs ``record`` (a file's record IRI with no film key) or ``record/…``."""
        store = self.embedded()
        if store is not None:
            return set(store.graphs_under(record))
        return {g for g in self.all if g == record or g.startswith(record + "/")}


class HeldByFile:
    """:class:`HeldRecords` by their file's part of the key (``.get(part, default)``)."""

    def __init__(self, held: HeldRecords, iris: Iris) -> None:
        self.held = held
        self.iris = iris

    def get(self, part: str, default: set[str] | None = None) -> set[str]:
        found = self.held.of_file(self.iris.record(part))
        return found if found else (default if default is not None else set())


def stored_films(store: Store) -> list[str]:
    """The films the store holds (their IRIs), so that only a candidate IRI the store holds costs a lookup."""
    return [row["f"] for row in store.select("SELECT DISTINCT ?f WHERE { ?f a schema:Movie }")]


def stored_claims(store: Store, film_iri: str, record_iri: str) -> list[FilmClaim]:
    """What the records other than ``record_iri`` that are about ``film_iri`` say of it (titles, year,
    directors, identifiers): the holders an IRI is checked against before a record may take it."""
    rows = store.select(
        # ``?g schema:about`` keeps to record graphs: a store may hold other graphs (a remote one's merge graph).
        f"SELECT ?g ?title ?year ?d ?same WHERE {{ GRAPH ?g {{ ?g schema:about <{film_iri}> . "
        f"{{ <{film_iri}> schema:name|schema:alternateName ?title }} UNION {{ <{film_iri}> schema:dateCreated ?year }}"
        f" UNION {{ <{film_iri}> schema:director ?d }} UNION {{ <{film_iri}> schema:sameAs ?same }} }} "
        f"FILTER(?g != <{record_iri}>) }}"
    )
    by_record: dict[str, dict[str, list[str]]] = {}
    for row in rows:
        found = by_record.setdefault(row["g"], {"title": [], "year": [], "d": [], "same": []})
        for name in found:
            if name in row:
                found[name].append(row[name])
    # A record that gives no year (a festival table's row, known by its edition's year) claims none: every record
    # holding one candidate IRI was minted under its year anyway.
    years = {g: next((int(y) for y in found["year"] if y.isdigit()), None) for g, found in by_record.items()}
    return [FilmClaim.of(record=g, file=g.rsplit("/record/", 1)[-1].split("/", 1)[0], id=None,
                         titles=found["title"], year=years[g], directors=found["d"], identifiers=found["same"])
            for g, found in by_record.items()]


def previous_film(store: Store, record_iri: str) -> str | None:
    """The film a record the store holds is about."""
    rows = store.select(f"SELECT ?f WHERE {{ GRAPH <{record_iri}> {{ <{record_iri}> schema:about ?f }} }}")
    return rows[0]["f"] if rows else None


def beside(store: Store | None, name: str) -> Path | None:
    """A file the import keeps in an embedded store's folder, to go faster next time (a remote store has no folder
    on this machine: None)."""
    from lodfilm.store.embedded import EmbeddedStore

    return store.path / name if isinstance(store, EmbeddedStore) else None


def has_checkpoint(store: Store) -> bool:
    from lodfilm.store.embedded import EmbeddedStore, current_snapshot

    return not isinstance(store, EmbeddedStore) or current_snapshot(store.path) is not None
