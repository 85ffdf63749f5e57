"""Build the index database of one store checkpoint: read what each film's records say, fold it into the rows of
:mod:`lodfilm.index.schema`, write them to a temporary file and rename it into place.

Two ways to read, one result (a test checks they agree): an embedded store in a few whole-store passes staged in
SQLite (:mod:`lodfilm.index.stage`), a SPARQL server a slice of films at a time (a few SELECTs with ``VALUES``, so
no answer is larger than a server's cap and memory stays flat).

Every value is read inside ``GRAPH ?g`` — per record — so a facet knows which records state it: where two records
of one film disagree (two lists of countries), the film counts under each value, and the value is marked as resting
on one record only.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lodfilm.credits import FIAF, fiaf_class_for
from lodfilm.index.fold import fold, index_text
from lodfilm.index.schema import COUNTS, INDEXES, SCHEMA, VERSION
from lodfilm.store.base import Store

SDO = "http://schema.org/"
FILMS = "SELECT DISTINCT ?f WHERE { GRAPH ?g { ?g schema:about ?f } }"
# What a film's records say of it, record by record; ?name/?code are the names and ISO codes of linked nodes.
FACTS = """SELECT ?g ?f ?p ?o ?name ?code WHERE { VALUES ?f { FILMS } GRAPH ?g { ?g schema:about ?f .
  ?f ?p ?o . VALUES ?p { schema:name schema:alternateName schema:dateCreated schema:countryOfOrigin schema:genre
  schema:inLanguage schema:image schema:description schema:director schema:author schema:musicBy schema:producer
  schema:productionCompany }
  OPTIONAL { ?o schema:name ?name } OPTIONAL { ?o schema:identifier ?code } } }"""
CREDITS = """SELECT ?g ?f ?p ?agent ?type ?name ?label ?class ?character WHERE { VALUES ?f { FILMS }
  GRAPH ?g { ?g schema:about ?f . ?f ?p ?role . VALUES ?p { schema:actor schema:contributor }
  ?role ?p ?agent . ?agent a ?type ; schema:name ?name .
  OPTIONAL { ?role schema:roleName ?label FILTER(isLiteral(?label)) }
  OPTIONAL { ?role schema:roleName ?class FILTER(isIRI(?class)) }
  OPTIONAL { ?role schema:characterName ?character } } }"""
SELECTIONS = """SELECT ?g ?f ?edition ?ename ?prize ?pname ?status WHERE { VALUES ?f { FILMS } GRAPH ?g {
  ?g schema:about ?f . ?f schema:subjectOf ?part .
  ?part a fiaf:AwardOrNominationEvent ; schema:superEvent ?edition ; fiaf:hasAchievement ?status .
  ?edition schema:name ?ename ; schema:superEvent ?prize . ?prize schema:name ?pname } }"""

# Credits stated by a film's own property: the note a person's page shows, and the FIAF class of the credit.
DIRECT = {
    f"{SDO}director": "Director", f"{SDO}author": "Screenplay", f"{SDO}musicBy": "Music",
    f"{SDO}producer": "Producer", f"{SDO}productionCompany": "Production company",
    f"{SDO}countryOfOrigin": "Country of origin",
}
KINDS = {f"{SDO}Person": "Person", f"{SDO}Organization": "Organization", f"{SDO}Country": "Country"}
SLICE = 1000  # films per read: a few thousand rows per SELECT


@dataclass
class FilmFacts:
    """What the records of one film say, merged, with the records behind each facet value."""

    iri: str
    records: set[str] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)  # record → its title
    alternates: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    directors: dict[str, str] = field(default_factory=dict)  # IRI → name
    countries: dict[str, str] = field(default_factory=dict)  # ISO code → name
    images: set[str] = field(default_factory=set)
    synopses: set[str] = field(default_factory=set)
    people: set[str] = field(default_factory=set)  # names of everyone credited, for search
    facets: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    labels: dict[tuple[str, str], str] = field(default_factory=dict)
    credits: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # agent → notes
    agents: dict[str, tuple[str, str]] = field(default_factory=dict)  # IRI → (kind, name)

    def add_facet(self, facet: str, value: str, record: str, label: str = "") -> None:
        self.facets[(facet, value)].add(record)
        if label:
            self.labels[(facet, value)] = label

    @property
    def name(self) -> str:
        return self.names[min(self.names)] if self.names else self.iri

    @property
    def year(self) -> int | None:
        return min(self.years) if self.years else None

    @property
    def sort(self) -> str:
        return f"{fold(self.name)}\x00{self.year or 0:04d}\x00{self.iri}"


# The FIAF class of each credit a film's own property or a cast role states (a handful of labels, looked up once
# each instead of once a credit: the lookup folds the label).
CLASSES: dict[str, str | None] = {}


def class_for(label: str) -> str | None:
    if label not in CLASSES:
        CLASSES[label] = fiaf_class_for(label)
    return CLASSES[label]


def key_of(iri: str) -> str:
    """A facet value for a linked node: the last segment of its IRI (``person/ruben-ostlund`` → ``ruben-ostlund``)."""
    return iri.rstrip("/").rsplit("/", 1)[-1]


def role_of(iri: str) -> str:
    """A FIAF class IRI as the ``role`` facet's value: ``Cinematographer``."""
    return iri[len(FIAF):] if iri.startswith(FIAF) else iri


def read_slice(store: Store, iris: list[str]) -> dict[str, FilmFacts]:
    values = " ".join(f"<{iri}>" for iri in iris)
    films = {iri: FilmFacts(iri) for iri in iris}
    for row in store.select(FACTS.replace("FILMS", values)):
        add_fact(films[row["f"]], row)
    for row in store.select(CREDITS.replace("FILMS", values)):
        add_credit(films[row["f"]], row)
    for row in store.select(SELECTIONS.replace("FILMS", values)):
        add_selection(films[row["f"]], row)
    return films


def add_selection(film: FilmFacts, row: dict[str, str]) -> None:
    record = row["g"]
    film.records.add(record)
    prize, status = key_of(row["prize"]), row["status"]
    film.add_facet("prize", prize, record, row["pname"])
    film.add_facet("status", status, record)
    film.credits[row["edition"]].add(status)
    film.credits[row["prize"]].add(status)


def add_fact(film: FilmFacts, row: dict[str, str]) -> None:
    fact(film, row["g"], row["p"][len(SDO):], row["o"], row.get("name"), row.get("code"))


def fact(film: FilmFacts, record: str, prop: str, value: str, name: str | None, code: str | None) -> None:
    """One statement of ``record`` about ``film``: its property's schema.org name, the value, and the name and ISO
    code of the node it links to (None when it has none)."""
    film.records.add(record)
    if prop == "name":
        film.names[record] = value
    elif prop == "alternateName":
        film.alternates.add(value)
    elif prop == "dateCreated":
        year = int(value[:4]) if value[:4].isdigit() else None
        if year is not None:
            film.years.add(year)
            film.facets[("year", str(year))].add(record)
            film.facets[("decade", f"{year // 10 * 10}s")].add(record)
    elif prop == "countryOfOrigin":
        code = code or key_of(value)
        label = code if name is None else name
        film.countries[code] = label
        film.add_facet("country", code, record, label)
        film.credits[value].add("Country of origin")
        film.agents[value] = ("Country", label)
    elif prop in ("genre", "inLanguage"):
        film.facets[("genre" if prop == "genre" else "language", value)].add(record)
    elif prop == "image":
        film.images.add(value)
    elif prop == "description":
        film.synopses.add(value)
    else:  # a person or company credited by the film's own property
        if name is None:
            name = key_of(value)
        note = DIRECT[f"{SDO}{prop}"]
        film.credits[value].add(note)
        film.people.add(name)
        film.agents[value] = ("Organization" if prop == "productionCompany" else "Person", name)
        role = class_for("Production" if prop == "productionCompany" else note)
        if role:
            film.facets[("role", role_of(role))].add(record)
        if prop == "director":
            film.directors[value] = name
            film.add_facet("director", key_of(value), record, name)
        if prop != "productionCompany":
            film.add_facet("person", key_of(value), record, name)


def add_credit(film: FilmFacts, row: dict[str, str]) -> None:
    credit(film, row["g"], row["p"] == f"{SDO}actor", row["agent"], row["type"], row["name"], row.get("label"),
           row.get("class"), row.get("character"))


PERSON = f"{SDO}Person"


def credit(film: FilmFacts, record: str, cast: bool, agent: str, kind: str, name: str, label: str | None,
           fiaf_class: str | None, character: str | None) -> None:
    """One credit ``record`` states of ``film``: cast (``schema:actor``) or not (``schema:contributor``), the
    agent, its kind's IRI and name, and the role's label, FIAF class and character (None, or "", when not said)."""
    film.records.add(record)
    film.people.add(name)
    note = label or ("Cast" + (f" ({character})" if character else "") if cast else "Contributor")
    film.credits[agent].add(note)
    if kind in KINDS:
        film.agents[agent] = (KINDS[kind], name)
    role = fiaf_class or (class_for("Cast") if cast else None)
    if role:
        film.facets[("role", role_of(role))].add(record)
    if kind == PERSON:
        film.add_facet("person", key_of(agent), record, name)


class Writer:
    """The rows of one index database, gathered film by film and written a batch of films at a time."""

    BATCH = 500  # films between writes

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.film_id = 0
        self.record_id = 0
        self.doc_id = 0
        self.labels: dict[tuple[str, str], str] = {}
        self.pending: dict[str, list[tuple[object, ...]]] = defaultdict(list)

    INSERTS = {
        "records": "INSERT INTO records VALUES (?, ?, ?)",
        "films": "INSERT INTO films VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "facets": "INSERT INTO rows.facets VALUES (?, ?, ?, ?, ?, ?)",
        "credits": "INSERT INTO rows.credits VALUES (?, ?, ?, ?)",
        "awards": "INSERT OR IGNORE INTO awards VALUES (?, ?, ?, ?)",
        "docs": "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        "fts": "INSERT INTO fts (rowid, names, people, synopsis) VALUES (?, ?, ?, ?)",
    }

    def flush(self) -> None:
        for table, rows in self.pending.items():
            self.db.executemany(self.INSERTS[table], rows)
        self.pending.clear()

    def film(self, film: FilmFacts) -> None:
        if not film.records:
            return
        self.film_id += 1
        fid, sort, out = self.film_id, film.sort, self.pending
        ids = {}
        for record in sorted(film.records):
            self.record_id += 1
            ids[record] = self.record_id
            out["records"].append((self.record_id, record, fid))
        directors = json.dumps(sorted(film.directors.values()), ensure_ascii=False)
        countries = json.dumps(sorted(film.countries), ensure_ascii=False)
        image = min(film.images) if film.images else None
        out["films"].append((fid, film.iri, film.name, film.year, directors, countries, image, sort,
                             len(film.records)))
        if len(ids) == 1:  # most films: every value rests on the one record
            only = str(self.record_id)
            out["facets"].extend((facet, value, fid, 1, 0, only) for facet, value in film.facets)
        else:
            out["facets"].extend(
                (facet, value, fid, len(records), int(len(records) == 1),
                 " ".join(str(ids[r]) for r in sorted(records)))
                for (facet, value), records in film.facets.items())
        self.labels.update(film.labels)
        credits = out["credits"]
        for agent, notes in film.credits.items():
            if "/award/" in agent:
                out["awards"].extend((agent, status, sort, fid) for status in notes)
            elif len(notes) == 1:
                credits.append((agent, sort, fid, next(iter(notes))))
            else:
                credits.append((agent, sort, fid, ", ".join(sorted(notes))))
        self.doc_id += 1
        out["docs"].append((self.doc_id, film.iri, "Movie", film.name, film.year, directors, countries, image))
        out["fts"].append((self.doc_id, index_text(" ".join(sorted({*film.names.values(), *film.alternates}))),
                           index_text(" ".join(sorted(film.people))), index_text(" ".join(sorted(film.synopses)))))
        if self.film_id % self.BATCH == 0:
            self.flush()

    def agents(self, agents: dict[str, tuple[str, str]]) -> None:
        """Every agent's row, and a search document for each person and organisation, written in three
        ``executemany`` calls (one ``execute`` per row was a tenth of the build at 10,000 films)."""
        self.flush()
        rows, docs, fts = [], [], []
        for iri, (kind, name) in sorted(agents.items()):
            rows.append((iri, kind, name, f"{fold(name)}\x00{iri}"))
            if kind in ("Person", "Organization"):
                self.doc_id += 1
                docs.append((self.doc_id, iri, kind, name))
                fts.append((self.doc_id, index_text(name)))
        self.db.executemany("INSERT INTO agents VALUES (?, ?, ?, ?)", rows)
        self.db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, NULL, '[]', '[]', NULL)", docs)
        self.db.executemany("INSERT INTO fts (rowid, names, people, synopsis) VALUES (?, ?, '', '')", fts)

    # The two large keyed tables are gathered in film order in plain tables of a file beside the index (``rows``),
    # then copied in their keys' order: one B-tree filled left to right instead of 600,000 inserts at random
    # places in it (at 10,000 films 5.6 s of the build's CPU before).
    ROWS = """PRAGMA rows.journal_mode = OFF; PRAGMA rows.synchronous = OFF;
CREATE TABLE rows.facets (facet TEXT, value TEXT, film INTEGER, sources INTEGER, single INTEGER, record_ids TEXT);
CREATE TABLE rows.credits (agent TEXT, sort TEXT, film INTEGER, notes TEXT);"""
    COPY = """INSERT INTO facets SELECT * FROM rows.facets ORDER BY facet, value, film;
INSERT INTO credits SELECT * FROM rows.credits ORDER BY agent, sort, film;"""

    def finish(self, generation: str) -> None:
        for statement in self.COPY.split(";\n"):
            self.db.execute(statement)
        self.db.executemany("INSERT INTO facet_labels VALUES (?, ?, ?)",
                            [(f, v, label) for (f, v), label in sorted(self.labels.items())])
        self.db.execute(COUNTS)
        for statement in INDEXES.strip().split(";\n"):
            if statement.strip():
                self.db.execute(statement)
        self.db.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("version", VERSION), ("generation", generation), ("built", str(time.time())),
            ("films", str(self.film_id))])
        self.db.execute("INSERT INTO fts (fts) VALUES ('optimize')")


def read_films(store: Store, part: Path, slice_size: int) -> Iterator[FilmFacts]:
    """Every film of ``store``, in IRI order, with what its records say: an embedded store in whole-store passes
    (:mod:`lodfilm.index.stage`), any other in slices of ``slice_size`` films."""
    from lodfilm.index.stage import staged_films
    from lodfilm.store.embedded import EmbeddedStore

    if isinstance(store, EmbeddedStore):
        yield from staged_films(store, part.with_name(part.name + ".stage"))
        return
    iris = sorted(row["f"] for row in store.select(FILMS))
    for start in range(0, len(iris), slice_size):
        chunk = iris[start:start + slice_size]
        films = read_slice(store, chunk)
        for iri in chunk:
            yield films[iri]


def build(store: Store, target: Path, generation: str, *, slice_size: int = SLICE) -> Path:
    """Write the index of ``store``'s current data to ``target`` (atomically: a reader sees the old file or the
    whole new one, never a part), and return it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.{os.getpid()}.{time.time_ns()}.part")
    rows = part.with_name(part.name + ".rows")
    db = sqlite3.connect(part, isolation_level=None)
    try:
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;")
        db.executescript(SCHEMA)
        db.execute("ATTACH DATABASE ? AS rows", [str(rows)])
        db.executescript(Writer.ROWS)
        db.execute("BEGIN")
        writer = Writer(db)
        agents: dict[str, tuple[str, str]] = {}
        for film in read_films(store, part, slice_size):
            for iri, known in film.agents.items():
                agents.setdefault(iri, known)
            writer.film(film)
        writer.agents(agents)
        writer.finish(generation)
        db.execute("COMMIT")
        db.execute("DETACH DATABASE rows")
        db.execute("PRAGMA journal_mode = DELETE")
    except BaseException:
        db.close()
        part.unlink(missing_ok=True)
        rows.unlink(missing_ok=True)
        raise
    db.close()
    rows.unlink(missing_ok=True)
    os.replace(part, target)
    return target
