"""Which film a record is about: the rules that decide when two records are one film, and never merge two.

A film's IRI is ``{base}film/{title}-{year}`` when that is free. Records are one film when they cannot be told
apart and something ties them:

1. identifiers first: records sharing a Wikidata or IMDb id are one film whatever they call it; records with
   different ids of one scheme are two films whatever else they share;
2. within one file, records with different ``id``s are two films (that is what an ``id`` says);
3. otherwise the same year and, where both records name directors, a director in common and the same title up
   to accents and punctuation (the seed page's *Illégal* and the LUX table's row); where either names none, the
   same title exactly, up to case and spacing — so *Good Boy* and *Good Boy!*, or *Lost* and *...Lost*, both of
   2003/2004 and with no directors known, are two films.

An IRI, once minted, is never given to another film: a record that is not the same film as the records holding
``{title}-{year}`` gets ``{title}-{year}-{its first director}``, or else ``-2``, ``-3``…, whatever order files come
in; and a record the store already holds keeps the film it was about, so correcting a typo in a title does not
move the film.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from lodfilm.importing.spill import SpilledDict
from lodfilm.iris import Identities, scheme_of, slug


def normal_title(text: str) -> str:
    """A title compared as people read it: case, Unicode form and spacing do not count; accents and punctuation do."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def compact(values: Iterable[str]) -> tuple[str, ...]:
    """A set of strings held in the least memory: sorted and unique in a tuple (an import keeps a claim for every
    record it reads, two in fact; a frozenset of one string costs ~200 bytes, a tuple of one ~50, the empty tuple
    nothing). The sets are a few values each, so meeting them by scanning is as fast as hashing."""
    return tuple(sorted(set(values)))


def meet(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two compact sets share a value."""
    return any(value in b for value in a)


@dataclass(frozen=True, slots=True)
class FilmClaim:
    """What one record says that decides which film it is. Its sets are :func:`compact` tuples."""

    record: str  # the record graph's IRI
    file: str  # the file part of the record's key
    id: str | None
    titles: tuple[str, ...]  # normal_title of the title and of every alternate title
    slugs: tuple[str, ...]  # the same titles' slugs (accents and punctuation gone)
    year: int | None
    directors: tuple[str, ...]  # the directors' IRIs
    identifiers: tuple[str, ...]  # the film's sameAs IRIs (Wikidata, IMDb)

    @classmethod
    def of(cls, *, record: str, file: str, id: str | None, titles: list[str], year: int | None,
           directors: list[str], identifiers: list[str]) -> FilmClaim:
        return cls(record, file, id, compact(normal_title(t) for t in titles), compact(slug(t) for t in titles),
                   year, compact(directors), compact(identifiers))

    def row(self) -> Row:
        """The claim as plain values (what :class:`~lodfilm.importing.spill.SpilledDict` can hold)."""
        return (self.record, self.file, self.id, self.titles, self.slugs, self.year, self.directors, self.identifiers)


Row = tuple[str, str, str | None, tuple[str, ...], tuple[str, ...], int | None, tuple[str, ...], tuple[str, ...]]


def same_film(a: FilmClaim, b: FilmClaim) -> bool:
    """Whether two records are about one film, by the rules in this module's docstring."""
    if meet(a.identifiers, b.identifiers):
        return True
    schemes_a = {scheme_of(i): i for i in a.identifiers}
    if any(scheme_of(i) in schemes_a and schemes_a[scheme_of(i)] != i for i in b.identifiers):
        return False
    if a.file == b.file and a.id and b.id and a.id != b.id:
        return False
    if a.year is not None and b.year is not None and a.year != b.year:
        return False
    if a.directors and b.directors:
        return meet(a.directors, b.directors) and meet(a.slugs, b.slugs)
    return meet(a.titles, b.titles)


@dataclass
class FilmIdentities:
    """Resolves records to film IRIs over one import, against the store as it was when the import began.

    ``stored(film_iri, record_iri)`` gives the claims of the store's other records about a film IRI (empty when the
    store has none); ``previous(record_iri)`` the film a record the store holds was about."""

    identities: Identities
    stored: Callable[[str, str], list[FilmClaim]] = lambda film, record: []
    previous: Callable[[str], str | None] = lambda record: None
    #: film IRI → the claims of the records this run gave it, one row (:meth:`FilmClaim.row`) a record; the run
    #: keeps this for every film it reads, so past a few thousand films it is held in a temporary SQLite file
    claims: SpilledDict = field(default_factory=SpilledDict)
    #: whether the film of the last :meth:`resolve` had no other record about it: then that record's triples are
    #: all the film's, and the import keeps its version from them without reading the store
    alone: bool = False

    def holders(self, film_iri: str, record: str) -> list[FilmClaim]:
        """The claims of other records, in this run and in the store, on ``film_iri``."""
        here = [c for c in self.claims_of(film_iri) if c.record != record]
        seen = {c.record for c in here} | {record}
        return here + [c for c in self.stored(film_iri, record) if c.record not in seen]

    def resolve(self, claim: FilmClaim, base_iri: str, first_director: str | None) -> str:
        """The IRI of the film ``claim`` is about; ``base_iri`` is ``{base}film/{title}-{year}``. Afterwards
        :attr:`alone` says whether no other record, in this run or in the store, was about that film."""
        chosen, self.alone = self._choose(claim, base_iri, first_director)
        others = tuple(row for row in self.claims.get(chosen, ()) if row[0] != claim.record)
        self.claims[chosen] = (*others, claim.row())
        if claim.identifiers:
            self.identities.remember(chosen, sorted(claim.identifiers))
        return chosen

    def claims_of(self, film_iri: str) -> list[FilmClaim]:
        """The claims of the records this run gave ``film_iri``."""
        return [FilmClaim(*row) for row in self.claims.get(film_iri, ())]

    def _choose(self, claim: FilmClaim, base_iri: str, first_director: str | None) -> tuple[str, bool]:
        """The film's IRI, and whether nobody else held it (an IRI known by an identifier is taken as held)."""
        for identifier in sorted(claim.identifiers):
            known = self.identities.by_identifier.get(identifier)
            if known is not None:
                return known, False
        before = self.previous(claim.record)
        for candidate in itertools.chain([before] if before is not None else [], candidates(base_iri, first_director)):
            holders = self.holders(candidate, claim.record)
            if not holders or any(same_film(claim, other) for other in holders):
                return candidate, not holders
        raise AssertionError("unreachable: candidates never end")  # pragma: no cover


def candidates(base_iri: str, first_director: str | None) -> Iterator[str]:
    """``x-2010``, then ``x-2010-{director}``, then ``x-2010-2``, ``x-2010-3``…"""
    yield base_iri
    if first_director:
        yield f"{base_iri}-{slug(first_director)}"
    number = 2
    while True:
        yield f"{base_iri}-{number}"
        number += 1
