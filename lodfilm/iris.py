"""The only place IRIs and slugs are made.

``{base}film/{slug}``, ``{base}person/{slug}``, ``{base}organization/{slug}``, ``{base}country/{code}`` and
``{base}record/{key}`` (one named graph per record, keyed by its file's path: :func:`file_key`). Slugs keep letters
of every script (IRIs are Unicode), drop accents, and join words with ``-``: ``Ruben Östlund`` → ``ruben-ostlund``,
``Светът е голям`` → ``светът-е-голям``.

Identity: an identifier (Wikidata, IMDb, ISNI, VIAF) decides it before a name does. :class:`Identities` remembers
which node each identifier belongs to (loaded from the store, then kept up to date during an import), so two
records that share an identifier share a node whatever they call it, and two people with one name but different
identifiers get two nodes.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from lodfilm.vocab import IDENTIFIER_IRIS

MAX_SLUG = 80


@lru_cache(maxsize=1 << 16)
def slug(text: str) -> str:
    """A readable, stable path segment for ``text``; never empty. Cached: an import slugs the same names (prolific
    people, countries, crew labels) thousands of times, and Unicode normalisation is a third of mapping's cost."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    out = re.sub(r"[^\w]+|_", "-", unicodedata.normalize("NFC", kept)).strip("-")
    out = out[:MAX_SLUG].rstrip("-")
    return out or "x" + hashlib.sha1(text.encode()).hexdigest()[:10]


def same_as(scheme: str, value: str, kind: str) -> str:
    """The IRI of an identifier: ``("wikidata", "Q42", "person")`` → ``http://www.wikidata.org/entity/Q42``."""
    template = IDENTIFIER_IRIS[scheme]
    if scheme == "imdb":
        return template.format(value, kind={"tt": "title", "nm": "name", "co": "company"}[value[:2]])
    return template.format(value)


def identifier_iris(thing: object, kind: str) -> list[str]:
    """The sameAs IRIs of a record object, in the order that decides identity (Wikidata, IMDb, ISNI, VIAF)."""
    out = []
    for scheme in ("wikidata", "imdb", "isni", "viaf"):
        value = getattr(thing, scheme, None)
        if value:
            out.append(same_as(scheme, value, kind))
    return out


class Iris:
    """Mints IRIs under one base."""

    def __init__(self, base: str) -> None:
        self.base = base

    def film(self, key: str) -> str:
        return f"{self.base}film/{key}"

    def person(self, key: str) -> str:
        return f"{self.base}person/{key}"

    def organization(self, key: str) -> str:
        return f"{self.base}organization/{key}"

    def country(self, code: str) -> str:
        return f"{self.base}country/{code}"

    def award(self, key: str) -> str:
        return f"{self.base}award/{key}"

    def record(self, key: str) -> str:
        return f"{self.base}record/{key}"

    def kind_of(self, iri: str) -> str | None:
        """``film``, ``person``… for an IRI this base minted, else None."""
        if not iri.startswith(self.base):
            return None
        return iri[len(self.base) :].split("/", 1)[0] or None


def record_key(file_part: str, film_key: str | None) -> str:
    """The key of a record's named graph: its file's :func:`file_key` and, for files of several records, the
    film's key (``films-yaml-3f2a…/home-2008``)."""
    return f"{file_part}/{film_key}" if film_key else file_part


def file_key(real: Path) -> str:
    """The part of a record's key that names its file (``real``: its resolved absolute path): the slug of the
    file's name, for people, and a digest of the path, so that files of one name in two folders
    (``a/films.yaml``, ``b/films.yaml``), or of names one slug apart (``Film.yaml``, ``film.yaml``), never share a
    record. The digest is 64 bits of SHA-256: n files of one name share a key with odds of about n²/2⁶⁵."""
    return f"{slug(real.name)}-{path_token(real)}"


#: hex digits of a :func:`path_token`
TOKEN = 16


def path_token(path: str | os.PathLike[str]) -> str:
    """64 bits of the SHA-256 of a path: what a record's key says of its file, and what the change log names a
    file and its folders by (the log names no path of the publisher's disk)."""
    return hashlib.sha256(os.fsencode(path)).hexdigest()[:TOKEN]


class Identities:
    """Which node each identifier names (``sameAs`` IRI → our IRI), so identifiers decide identity."""

    def __init__(self, known: Iterable[tuple[str, str]] = ()) -> None:
        self.by_identifier: dict[str, str] = {}
        self.identifiers_of: dict[str, set[str]] = {}
        for node, identifier in known:
            self.remember(node, [identifier])

    def remember(self, node: str, identifiers: Iterable[str]) -> None:
        for identifier in identifiers:
            self.by_identifier.setdefault(identifier, node)
            self.identifiers_of.setdefault(node, set()).add(identifier)

    def resolve(self, candidate: str, identifiers: list[str]) -> str:
        """The node for something named ``candidate`` (the name-based IRI) with these identifiers."""
        for identifier in identifiers:
            if identifier in self.by_identifier:
                node = self.by_identifier[identifier]
                self.remember(node, identifiers)
                return node
        if identifiers:
            taken = self.identifiers_of.get(candidate, set())
            schemes = {scheme_of(i) for i in identifiers}
            if any(scheme_of(t) in schemes for t in taken):
                # Same name, different identifier of the same scheme: a different entity.
                candidate = f"{candidate}-{slug(identifiers[0].rstrip('/').rsplit('/', 1)[-1])}"
            self.remember(candidate, identifiers)
        return candidate


def scheme_of(identifier: str) -> str:
    for scheme, template in IDENTIFIER_IRIS.items():
        prefix = template.split("{", 1)[0]
        if identifier.startswith(prefix):
            return scheme
    return identifier
