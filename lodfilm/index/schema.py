"""The index database's tables: what browsing, facets and search read, built once per store checkpoint.

* ``films`` — one row per film with what a list shows beside its title (year, directors, countries, image) and the
  folded sort key lists are ordered by; ``records`` is how many records (sources) describe it.
* ``records`` — the records (named graphs) by number, so a facet value can say which records it rests on.
* ``facets`` — one row per (facet, value, film): ``sources`` records state the value, listed in ``record_ids``;
  ``single`` is 1 when the film has several records and only one of them states the value (its sources disagree).
* ``facet_labels`` — how a facet value reads (a country's name for ``SE``, a person's name for her key).
* ``facet_counts`` — each value's films and single-source films over the whole store (the unfiltered facets).
* ``credits`` — each agent's (person, organisation, country) films with the credit notes, in list order, so an
  agent's page is read one page at a time.
* ``awards`` — each prize's and prize edition's films with their status, in list order.
* ``agents`` — people, organisations and countries by name, for ``/people``.
* ``docs`` + ``fts`` — what search finds: a row per film, person and organisation, and an FTS5 table over their
  names (every title in every language, alternate titles), the people they name and their synopses.
"""

from __future__ import annotations

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE films (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, name TEXT NOT NULL, year INTEGER,
    directors TEXT NOT NULL, countries TEXT NOT NULL, image TEXT, sort TEXT NOT NULL, records INTEGER NOT NULL);
CREATE TABLE records (id INTEGER PRIMARY KEY, iri TEXT NOT NULL, film INTEGER NOT NULL);
CREATE TABLE facets (facet TEXT NOT NULL, value TEXT NOT NULL, film INTEGER NOT NULL, sources INTEGER NOT NULL,
    single INTEGER NOT NULL, record_ids TEXT NOT NULL, PRIMARY KEY (facet, value, film)) WITHOUT ROWID;
CREATE TABLE facet_labels (facet TEXT NOT NULL, value TEXT NOT NULL, label TEXT NOT NULL,
    PRIMARY KEY (facet, value)) WITHOUT ROWID;
CREATE TABLE facet_counts (facet TEXT NOT NULL, value TEXT NOT NULL, films INTEGER NOT NULL,
    single INTEGER NOT NULL, PRIMARY KEY (facet, value)) WITHOUT ROWID;
CREATE TABLE credits (agent TEXT NOT NULL, sort TEXT NOT NULL, film INTEGER NOT NULL, notes TEXT NOT NULL,
    PRIMARY KEY (agent, sort, film)) WITHOUT ROWID;
CREATE TABLE awards (award TEXT NOT NULL, status TEXT NOT NULL, sort TEXT NOT NULL, film INTEGER NOT NULL,
    PRIMARY KEY (award, status, sort, film)) WITHOUT ROWID;
CREATE TABLE agents (iri TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, sort TEXT NOT NULL)
    WITHOUT ROWID;
CREATE TABLE docs (id INTEGER PRIMARY KEY, iri TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    year INTEGER, directors TEXT NOT NULL, countries TEXT NOT NULL, image TEXT);
CREATE VIRTUAL TABLE fts USING fts5(names, people, synopsis, content='',
    tokenize="unicode61 remove_diacritics 2");
"""

# Filled once every film is in: the unfiltered counts.
COUNTS = """
INSERT INTO facet_counts SELECT facet, value, COUNT(*), SUM(single) FROM facets GROUP BY facet, value;
"""

VERSION = "1"

# Built once every row is in (a B-tree built from sorted rows, not grown one random insert at a time).
INDEXES = """
CREATE INDEX films_sort ON films (sort, id);
CREATE INDEX facets_film ON facets (film, facet, value, single);
CREATE INDEX agents_sort ON agents (kind, sort, iri);
CREATE INDEX facet_counts_rank ON facet_counts (facet, films DESC, value);
CREATE TABLE facet_single AS SELECT facet, COUNT(DISTINCT film) AS films FROM facets WHERE single = 1 GROUP BY facet;
"""
