"""Reading an embedded store for the index in a few whole-store queries, each answer written by pyoxigraph as TSV
to a file beside the index being built, the record-by-record part of it staged in SQLite and read back ordered by
film, one film's rows at a time.

What a build costs is the store's decoding of terms and its joins, not the scans: every IRI and every literal longer
than a few bytes in an answer is one lookup in the store's dictionary (~5 µs on the bench machine), whether pyoxigraph
hands it to Python or writes it as text, and a join evaluated by looking the other side up per row costs a seek per
row. So the queries

* join by hash: each side is its own subquery (pyoxigraph evaluates those once and joins them in memory; the same
  join written as one group pattern looks the right side up row by row, three times the cost);
* decode each record's and film's IRI once: the facts and the credits of a record come as one row per record, its
  values concatenated by ``GROUP_CONCAT`` in the store (fields split by U+001F, items by U+001E), not a row each;
* never decode what only joins: the credits' role nodes, the predicates (each becomes a short name by ``VALUES``);
* read the names and ISO codes of people, organisations and countries once each, from the merged default graph,
  into dicts, rather than once per credit.

A value holding one of the two separators cannot be split back: such a film is read again by the per-slice queries
(:func:`lodfilm.index.build.read_slice`), which give the same facts.

Why not the per-slice reads any SPARQL store can answer: pyoxigraph plans a ``VALUES`` slice joined with
``GRAPH ?g`` and several ``OPTIONAL``s poorly; on a 1,500-film store the sliced reads cost five times the
whole-store passes for the same rows, and the index must be built in a fraction of an import's time. A SPARQL
server is still read in slices (its answers are capped, and nothing is streamed).
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from lodfilm.index.build import SDO, SELECTIONS, FilmFacts, add_selection, credit, fact, read_slice
from lodfilm.store.embedded import EmbeddedStore

FIELD, ITEM = "\x1f", "\x1e"  # how the store's GROUP_CONCATs separate a row's values, and its rows
_F, _I = "\\u001F", "\\u001E"  # the same, written in SPARQL
FACT_PROPERTIES = ("name", "alternateName", "dateCreated", "countryOfOrigin", "genre", "inLanguage", "image",
                   "description", "director", "author", "musicBy", "producer", "productionCompany")
_PROPERTIES = " ".join(f'(schema:{p} "{p}")' for p in FACT_PROPERTIES)
KINDS = {"P": f"{SDO}Person", "O": f"{SDO}Organization", "C": f"{SDO}Country"}

# The names (and kinds) of people, organisations and countries, from the merged default graph.
NAMES = """SELECT ?a ?t ?name WHERE {
  { SELECT ?a ?t WHERE { VALUES (?type ?t) { (schema:Person "P") (schema:Organization "O") (schema:Country "C") }
    ?a a ?type } }
  { SELECT ?a ?name WHERE { ?a schema:name ?name } } }"""
CODES = "SELECT ?c ?code WHERE { ?c a schema:Country ; schema:identifier ?code }"
# Per record of a film: "property␟value" for each of its facts.
FACTS = f"""SELECT ?g ?f (GROUP_CONCAT(?v; separator="{_I}") AS ?x) WHERE {{
  {{ SELECT ?g ?f WHERE {{ GRAPH ?g {{ ?f a schema:Movie }} }} }}
  {{ SELECT ?g ?f ?v WHERE {{ GRAPH ?g {{ VALUES (?p ?k) {{ {_PROPERTIES} }} ?f ?p ?o }}
    BIND(CONCAT(?k, "{_F}", COALESCE(STR(?o), "")) AS ?v) }} }}
}} GROUP BY ?g ?f"""
# Per record of a film: "a|c␟agent␟label␟class␟character" for each credit (the film's actor/contributor role node
# and the role's agent by the same property; the role's literal and IRI roleName and its characterName).
CREDITS = f"""SELECT ?g ?f (GROUP_CONCAT(CONCAT(?k, "{_F}", COALESCE(STR(?agent), ""), "{_F}",
    COALESCE(STR(?label), ""), "{_F}", COALESCE(STR(?class), ""), "{_F}", COALESCE(STR(?c), "")); separator="{_I}")
    AS ?x) WHERE {{
  {{ SELECT ?g ?f ?p ?k ?role WHERE {{ GRAPH ?g {{
    VALUES (?p ?k) {{ (schema:actor "a") (schema:contributor "c") }} ?f ?p ?role }} }} }}
  {{ SELECT ?g ?p ?role ?agent WHERE {{ GRAPH ?g {{
    VALUES ?p {{ schema:actor schema:contributor }} ?role ?p ?agent }} }} }}
  OPTIONAL {{ SELECT ?g ?role ?label WHERE {{ GRAPH ?g {{
    ?role schema:roleName ?label FILTER(isLiteral(?label)) }} }} }}
  OPTIONAL {{ SELECT ?g ?role ?class WHERE {{ GRAPH ?g {{ ?role schema:roleName ?class FILTER(isIRI(?class)) }} }} }}
  OPTIONAL {{ SELECT ?g ?role ?c WHERE {{ GRAPH ?g {{ ?role schema:characterName ?c }} }} }}
}} GROUP BY ?g ?f"""
SELECTION_KEYS = ("g", "f", "edition", "ename", "prize", "pname", "status")
SELECTION_ROWS = SELECTIONS.replace("VALUES ?f { FILMS }", "")
FACT, CREDIT, SELECTION = 0, 1, 2  # the parts of a record, in the order a film's rows are folded

ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
ECHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2)
    return chr(int(code, 16)) if code else ECHARS.get(match.group(3), match.group(0))


def term_value(term: str) -> str | None:
    """A TSV answer's term as its lexical value: an IRI without its brackets, a literal's text unescaped, a bare
    number or boolean as written; None when unbound.

    >>> term_value('<http://x/a>'), term_value('"a \\\\"b\\\\"\\\\tc"@en'), term_value('"2010"^^<http://x/y>')
    ('http://x/a', 'a "b"\\tc', '2010')
    """
    first = term[:1]
    if first == '"':
        text = term[1:term.rfind('"')]
        return ESCAPE.sub(_unescape, text) if "\\" in text else text
    if first == "<":
        return term[1:-1]
    if not first:
        return None
    return term[2:] if term.startswith("_:") else term


def tsv_rows(store: EmbeddedStore, query: str, spool: Path) -> Iterator[list[str]]:
    """The raw TSV terms of each row of a SELECT, written by the store to ``spool`` in one call (removed after)."""
    store.select_tsv(query, spool)
    return spooled_rows(spool)


def spooled_rows(spool: Path) -> Iterator[list[str]]:
    """The raw TSV terms of each row of an answer the store wrote to ``spool`` (removed after)."""
    try:
        with spool.open(encoding="utf-8", newline="\n") as lines:
            next(lines, None)  # the variables
            for line in lines:
                yield line.rstrip("\n").split("\t")
    finally:
        spool.unlink(missing_ok=True)


class Stage:
    """The store's answers for one build: names and codes in memory, each record's parts staged in SQLite."""

    def __init__(self, store: EmbeddedStore, path: Path) -> None:
        self.store = store
        self.spool = path.with_name(path.name + ".tsv")
        # The credits, the longest of the reads, are written by the store in a thread of their own while this one
        # reads the rest (pyoxigraph lets go of the GIL while it evaluates and writes an answer): a second core,
        # where there is one, takes ~5 of the build's seconds at 10,000 films. The CPU spent is the same.
        self.credits_spool = path.with_name(path.name + ".credits.tsv")
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lodfilm-index-read")
        credits = self.pool.submit(store.select_tsv, CREDITS, self.credits_spool)
        try:
            self.read(store, path, credits)
        except BaseException:
            self.close()
            raise

    def read(self, store: EmbeddedStore, path: Path, credits: Future[None]) -> None:
        self.names: dict[str, tuple[str, str]] = {}  # IRI → (kind IRI, name)
        for a, t, name in tsv_rows(store, NAMES, self.spool):
            iri, text = term_value(a), term_value(name)
            if iri is not None and iri not in self.names and text is not None:
                self.names[iri] = (KINDS[term_value(t) or ""], text)
        self.codes: dict[str, str] = {}
        for c, code in tsv_rows(store, CODES, self.spool):
            iri, value = term_value(c), term_value(code)
            if iri is not None and value is not None:
                self.codes.setdefault(iri, value)
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                              "CREATE TABLE parts (f TEXT, g TEXT, part INTEGER, items TEXT);")
        self.db.execute("BEGIN")
        insert = "INSERT INTO parts VALUES (?, ?, ?, ?)"
        selections = ({k: v for k, t in zip(SELECTION_KEYS, row, strict=True) if (v := term_value(t)) is not None}
                      for row in tsv_rows(store, SELECTION_ROWS, self.spool))
        self.db.executemany(insert, ((values["f"], values["g"], SELECTION, json.dumps(values, ensure_ascii=False))
                                     for values in selections))
        self.db.executemany(insert, ((term_value(f), term_value(g), FACT, term_value(x) or "")
                                     for g, f, x in tsv_rows(store, FACTS, self.spool)))
        credits.result()
        self.db.executemany(insert, ((term_value(f), term_value(g), CREDIT, term_value(x) or "")
                                     for g, f, x in spooled_rows(self.credits_spool)))
        self.db.execute("COMMIT")
        self.db.execute("CREATE INDEX parts_film ON parts (f, part, g)")

    def films(self) -> Iterator[FilmFacts]:
        """Every film, in IRI order, with what its records say."""
        rows = self.db.execute("SELECT f, g, part, items FROM parts ORDER BY f, part, g")
        for film_iri, parts in itertools.groupby(rows, key=lambda row: row[0]):
            film = self.film(film_iri, [row[1:] for row in parts])
            if film is None:
                film = read_slice(self.store, [film_iri])[film_iri]
            yield film

    def film(self, iri: str, parts: list[tuple[str, int, str]]) -> FilmFacts | None:
        """The film folded from its records' parts; None when a value held a separator (read it by slice)."""
        film = FilmFacts(iri)
        named = False  # credits count for a film only when a record names it (as the staged join did)
        names, codes = self.names, self.codes
        for record, part, items in parts:
            if part == SELECTION:
                add_selection(film, json.loads(items))
                continue
            for item in items.split(ITEM) if items else ():
                fields = item.split(FIELD)
                if part == FACT:
                    if len(fields) != 2:
                        return None
                    prop, value = fields
                    named = named or prop == "name"
                    known = names.get(value)
                    fact(film, record, prop, value, None if known is None else known[1], codes.get(value))
                else:
                    if len(fields) != 5:
                        return None
                    k, agent, label, fiaf_class, character = fields
                    known = names.get(agent)
                    if named and known is not None:
                        credit(film, record, k == "a", agent, known[0], known[1], label, fiaf_class, character)
        return film

    def close(self) -> None:
        self.pool.shutdown(wait=True)  # (after a failure, the credits may still be being written)
        if hasattr(self, "db"):
            self.db.close()
        self.spool.unlink(missing_ok=True)
        self.credits_spool.unlink(missing_ok=True)


def staged_films(store: EmbeddedStore, path: Path) -> Iterator[FilmFacts]:
    """Every film of ``store`` with what its records say, one at a time, staged in ``path`` (removed after)."""
    try:
        stage = Stage(store, path)
        try:
            yield from stage.films()
        finally:
            stage.close()
    finally:
        path.unlink(missing_ok=True)
