"""Reading an embedded store for the index in a few whole-store passes: each SELECT is one simple pattern that
pyoxigraph answers as an index scan, its rows streamed into a staging SQLite file beside the index being built,
then read back joined and ordered by film, one film's rows at a time.

Why not the per-slice reads any SPARQL store can answer (:func:`lodfilm.index.build.read_slice`): pyoxigraph plans
a ``VALUES`` slice joined with ``GRAPH ?g`` and several ``OPTIONAL``s poorly; on a 1,500-film store the sliced
reads cost five times the whole-store passes for the same rows, and the index must be built in a fraction of an
import's time. A SPARQL server is still read in slices (its answers are capped, and nothing is streamed).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from lodfilm.index.build import SELECTIONS, FilmFacts, add_credit, add_fact, add_selection
from lodfilm.store.embedded import EmbeddedStore

P = ("schema:name schema:alternateName schema:dateCreated schema:countryOfOrigin schema:genre schema:inLanguage "
     "schema:image schema:description schema:director schema:author schema:musicBy schema:producer "
     "schema:productionCompany")
PASSES = {
    "facts": f"SELECT ?f ?g ?p ?o WHERE {{ VALUES ?p {{ {P} }} GRAPH ?g {{ ?f ?p ?o . ?f a schema:Movie }} }}",
    # (each link once, joined in SQLite: pyoxigraph's join of the two links costs more than the scan)
    "links": "SELECT ?g ?s ?p ?o WHERE { VALUES ?p { schema:actor schema:contributor } GRAPH ?g { ?s ?p ?o } }",
    "labels": "SELECT ?g ?role ?label WHERE { GRAPH ?g { ?role schema:roleName ?label FILTER(isLiteral(?label)) } }",
    "classes": "SELECT ?g ?role ?class WHERE { GRAPH ?g { ?role schema:roleName ?class FILTER(isIRI(?class)) } }",
    "chars": "SELECT ?g ?role ?c WHERE { GRAPH ?g { ?role schema:characterName ?c } }",
    "names": "SELECT ?a ?type ?name WHERE { ?a a ?type ; schema:name ?name "
             "VALUES ?type { schema:Person schema:Organization schema:Country } }",
    "codes": "SELECT ?c ?code WHERE { ?c a schema:Country ; schema:identifier ?code }",
    "sel": SELECTIONS.replace("VALUES ?f { FILMS }", ""),
}
TABLES = """
CREATE TABLE facts (f TEXT, g TEXT, p TEXT, o TEXT);
CREATE TABLE links (g TEXT, s TEXT, p TEXT, o TEXT);
CREATE TABLE labels (g TEXT, role TEXT, label TEXT);
CREATE TABLE classes (g TEXT, role TEXT, class TEXT);
CREATE TABLE chars (g TEXT, role TEXT, c TEXT);
CREATE TABLE names (a TEXT PRIMARY KEY, type TEXT, name TEXT);
CREATE TABLE codes (c TEXT PRIMARY KEY, code TEXT);
CREATE TABLE sel (g TEXT, f TEXT, edition TEXT, ename TEXT, prize TEXT, pname TEXT, status TEXT);
"""
JOINS = """
CREATE INDEX links_key ON links (g, s, p);
CREATE INDEX facts_film ON facts (f);
CREATE INDEX labels_key ON labels (g, role); CREATE INDEX classes_key ON classes (g, role);
CREATE INDEX chars_key ON chars (g, role);
CREATE TABLE roles AS SELECT a.s AS f, a.g AS g, a.p AS p, a.o AS role, b.o AS agent FROM links a
    JOIN links b ON b.g = a.g AND b.s = a.o AND b.p = a.p
    WHERE a.s IN (SELECT f FROM facts WHERE p = 'http://schema.org/name');
"""
FACT_ROWS = ("SELECT x.g, x.f, x.p, x.o, n.name, c.code FROM facts x LEFT JOIN names n ON n.a = x.o "
             "LEFT JOIN codes c ON c.c = x.o ORDER BY x.f")
CREDIT_ROWS = ("SELECT r.g, r.f, r.p, r.agent, n.type, n.name, l.label, k.class, ch.c FROM roles r "
               "JOIN names n ON n.a = r.agent "
               "LEFT JOIN labels l ON l.g = r.g AND l.role = r.role "
               "LEFT JOIN classes k ON k.g = r.g AND k.role = r.role "
               "LEFT JOIN chars ch ON ch.g = r.g AND ch.role = r.role ORDER BY r.f")
SELECTION_ROWS = "SELECT g, f, edition, ename, prize, pname, status FROM sel ORDER BY f"


def stage(store: EmbeddedStore, path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + TABLES)
    db.execute("BEGIN")
    for table, query in PASSES.items():
        rows = store.rows(query)
        first = next(rows, None)
        if first is None:
            continue
        marks = ", ".join("?" for _ in first)
        verb = "INSERT OR IGNORE" if table in ("names", "codes") else "INSERT"
        db.executemany(f"{verb} INTO {table} VALUES ({marks})", itertools.chain([first], rows))
    db.execute("COMMIT")
    db.executescript(JOINS)
    return db


def by_film(db: sqlite3.Connection, sql: str, keys: tuple[str, ...]) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """(film, its rows as {name: value} without the unbound ones), in film order."""
    rows = ({k: v for k, v in zip(keys, row, strict=True) if v is not None} for row in db.execute(sql))
    for film, group in itertools.groupby(rows, key=lambda r: r["f"]):
        yield film, list(group)


def staged_films(store: EmbeddedStore, path: Path) -> Iterator[FilmFacts]:
    """Every film of ``store`` with what its records say, one at a time, staged in ``path`` (removed after)."""
    db = stage(store, path)
    try:
        streams = [
            (by_film(db, FACT_ROWS, ("g", "f", "p", "o", "name", "code")), add_fact),
            (by_film(db, CREDIT_ROWS, ("g", "f", "p", "agent", "type", "name", "label", "class", "character")),
             add_credit),
            (by_film(db, SELECTION_ROWS, ("g", "f", "edition", "ename", "prize", "pname", "status")), add_selection),
        ]
        heads = [next(stream, None) for stream, _ in streams]
        while any(h is not None for h in heads):
            film_iri = min(h[0] for h in heads if h is not None)
            film = FilmFacts(film_iri)
            for i, (stream, add) in enumerate(streams):
                head = heads[i]
                if head is not None and head[0] == film_iri:
                    for row in head[1]:
                        add(film, row)
                    heads[i] = next(stream, None)
            yield film
    finally:
        db.close()
        path.unlink(missing_ok=True)
