"""The names reconciliation matches against, per store checkpoint: every title of every film (in every language,
alternate titles too), every person's and organisation's name, folded as search folds them, and every identifier
(Wikidata, IMDb, ISNI, VIAF) an entity is ``schema:sameAs``.

Why a table of its own beside the search index: search needs every word of a query to match (a visitor refines by
typing more), reconciliation must still find ``Ilegal`` for ``Illégal`` and ``The Lighthose`` for ``The
Lighthouse`` — a spreadsheet's titles are mistyped. So each kind's names have a vocabulary with how many names
hold each word: a query word no name holds is replaced by the vocabulary's nearest words (one or two slips
away), words most names hold are left out, and a candidate is any name that shares the rest (FTS5, ranked by
BM25). A short title is also compared letter by letter with the names of about its length.
What a film's card shows (year, directors, countries) is read from the search index (:mod:`lodfilm.index`),
which both share: one folding, one build per checkpoint.

Built from three SPARQL SELECTs the first time a checkpoint is asked for, into ``{folder}/{generation}.db``
(a temporary file renamed into place, older checkpoints' files removed), then opened read-only.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from lodfilm.index import fold
from lodfilm.store.base import Store

SDO = "http://schema.org/"
KINDS = {f"{SDO}Movie": "Movie", f"{SDO}Person": "Person", f"{SDO}Organization": "Organization"}
NAMES = """SELECT ?e ?kind ?name ?alternate WHERE { ?e a ?kind .
  VALUES ?kind { schema:Movie schema:Person schema:Organization }
  { ?e schema:name ?name BIND(0 AS ?alternate) } UNION { ?e schema:alternateName ?name BIND(1 AS ?alternate) } }"""
YEARS = "SELECT ?f ?y WHERE { ?f a schema:Movie ; schema:dateCreated ?y }"
SAME = """SELECT ?e ?same WHERE { ?e a ?kind ; schema:sameAs ?same .
  VALUES ?kind { schema:Movie schema:Person schema:Organization } }"""
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE names (id INTEGER PRIMARY KEY, iri TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    folded TEXT NOT NULL, year INTEGER);
CREATE INDEX names_iri ON names (iri);
CREATE INDEX names_prefix ON names (kind, folded);
CREATE TABLE ids (key TEXT NOT NULL, iri TEXT NOT NULL, PRIMARY KEY (key, iri)) WITHOUT ROWID;
CREATE INDEX ids_iri ON ids (iri, key);
CREATE TABLE vocabulary (kind TEXT NOT NULL, word TEXT NOT NULL, names INTEGER NOT NULL, PRIMARY KEY (kind, word))
    WITHOUT ROWID;
""" + "".join(f"CREATE VIRTUAL TABLE {table} USING fts5(folded, content='names', content_rowid='id', "
              "tokenize='unicode61 remove_diacritics 0');\n" for table in ("words_movie", "words_person",
                                                                           "words_organization"))
FTS = {"Movie": "words_movie", "Person": "words_person", "Organization": "words_organization"}
VERSION = "4"
SAFE = re.compile(r"[^A-Za-z0-9_.-]")
WORD = re.compile(r"\w+")
#: identifiers as records give them and as sameAs IRIs end: Q42, tt0118694, nm0000229, co0000000
IDENTIFIER = re.compile(r"(Q[1-9][0-9]*|tt[0-9]{7,10}|nm[0-9]{7,10}|co[0-9]{7,10})$")
MAX_WORDS = 16
# A word in more than this share of a kind's names (and at least COMMON_AT_LEAST of them) is common.
COMMON_SHARE = 0.02
COMMON_AT_LEAST = 50
SHORT = 8  # folded titles this long or shorter are also compared letter by letter with names of their length


def identifier_keys(value: str) -> list[str]:
    """The keys a value is found by: the value itself (a full IRI), and the bare identifier it ends with."""
    value = value.strip()
    keys = [value]
    found = IDENTIFIER.search(value.rstrip("/"))
    if found and found.group(1) != value:
        keys.append(found.group(1))
    return keys


@dataclass(frozen=True)
class Name:
    iri: str
    kind: str
    name: str
    folded: str


class Names:
    """The matching table of one checkpoint, read-only, one connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._short: dict[tuple[tuple[str, ...], int], tuple[list[str], list[str]]] = {}
        self._vocabulary: dict[str, dict[str, int]] = {}
        self._by_length: dict[str, dict[int, list[str]]] = {}
        self.common: dict[str, int] = {}
        self._lock = threading.Lock()
        self.generation = str(self._rows("SELECT value FROM meta WHERE key = 'generation'")[0][0])

    @property
    def db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            db.execute("PRAGMA query_only = ON")
            self._local.db = db
        return db

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        return self.db.execute(sql, list(params)).fetchall()

    def candidates(self, text: str, kinds: Sequence[str], limit: int = 25, year: int | None = None) -> list[str]:
        """IRIs of ``kinds`` whose names share the query's words — or, for a word no name has, the words nearest
        it (a typing slip) — the likeliest first; for a short query also names letter by letter alike. With a
        ``year``, films of that year or the next or last are looked for apart as well: a title many films share
        ("Harbour") must not leave the right one behind the first ``limit``."""
        folded = fold(text)
        words = list(dict.fromkeys(WORD.findall(folded)))[:MAX_WORDS]
        found: dict[str, None] = {}
        for kind in kinds:
            vocabulary = self.vocabulary(kind)
            terms: list[str] = []
            for word in words:
                terms += [word] if word in vocabulary else self.near(kind, word)
            terms = list(dict.fromkeys(terms))
            # words most names share ("the", "de") find everything and rank nothing: they only count when
            # nothing rarer was typed (then every word must match)
            rare = [t for t in terms if vocabulary[t] <= self.common[kind]]
            if rare:
                expression = " OR ".join(f'"{t}"' for t in rare)
            elif terms:
                expression = " AND ".join(f'"{t}"' for t in terms)
            else:
                continue
            for (iri,) in self._rows(
                    f"SELECT n.iri FROM {FTS[kind]} w JOIN names n ON n.id = w.rowid WHERE {FTS[kind]} MATCH ? "
                    f"ORDER BY bm25({FTS[kind]}) LIMIT ?", [expression, limit]):
                found.setdefault(str(iri), None)
            if year is not None and kind == "Movie":
                for (iri,) in self._rows(
                        f"SELECT n.iri FROM {FTS[kind]} w JOIN names n ON n.id = w.rowid WHERE {FTS[kind]} MATCH ? "
                        f"AND n.year BETWEEN ? AND ? ORDER BY bm25({FTS[kind]}) LIMIT ?",
                        [expression, year - 1, year + 1, limit]):
                    found.setdefault(str(iri), None)
        if len(folded) <= SHORT:
            # a mistyped short title may share no word with its film ("kelr", "kler" when no word is near):
            # compare it with every name of about its length (a few thousand even at 100k films)
            for iri in self.alike(folded, tuple(kinds), limit):
                found.setdefault(iri, None)
        return list(found)

    def vocabulary(self, kind: str) -> dict[str, int]:
        """Every word of ``kind``'s names, with how many names hold it (read once per checkpoint)."""
        cached = self._vocabulary.get(kind)
        if cached is None:
            cached = {str(w): int(str(n)) for w, n in self._rows("SELECT word, names FROM vocabulary WHERE kind = ?",
                                                                 [kind])}
            by_length: dict[int, list[str]] = {}
            for word in cached:
                by_length.setdefault(len(word), []).append(word)
            with self._lock:
                self._vocabulary[kind] = cached
                self._by_length[kind] = by_length
                names = int(str(self._rows("SELECT COUNT(*) FROM names WHERE kind = ?", [kind])[0][0]))
                self.common[kind] = max(COMMON_AT_LEAST, int(names * COMMON_SHARE))
        return cached

    def near(self, kind: str, word: str) -> list[str]:
        """The words of ``kind``'s names nearest ``word`` (one or two slips away, by its length), at most 3."""
        self.vocabulary(kind)
        by_length = self._by_length[kind]
        choices = [w for n in range(max(1, len(word) - 1), len(word) + 2) for w in by_length.get(n, ())]
        cutoff = 0.74 if len(word) >= 5 else 0.5
        return [w for w, _, _ in process.extract(word, choices, scorer=OSA.normalized_similarity, limit=3,
                                                  score_cutoff=cutoff)]

    def alike(self, folded: str, kinds: tuple[str, ...], limit: int) -> list[str]:
        """IRIs of names within two letters of ``folded``'s length, by edit similarity."""
        choices: list[str] = []
        owners: list[str] = []
        for length in range(max(1, len(folded) - 2), len(folded) + 3):
            names, iris = self._of_length(kinds, length)
            choices += names
            owners += iris
        return [owners[i] for _, _, i in process.extract(folded, choices, scorer=OSA.normalized_similarity,
                                                        limit=limit, score_cutoff=0.5)]

    def _of_length(self, kinds: tuple[str, ...], length: int) -> tuple[list[str], list[str]]:
        key = (kinds, length)
        cached = self._short.get(key)
        if cached is None:
            marks = ", ".join("?" for _ in kinds)
            rows = self._rows(f"SELECT folded, iri FROM names WHERE kind IN ({marks}) AND length(folded) = ?",
                              [*kinds, length])
            cached = ([str(f) for f, _ in rows], [str(i) for _, i in rows])
            with self._lock:
                self._short[key] = cached
        return cached

    def names(self, iris: Iterable[str]) -> dict[str, list[Name]]:
        """Every name of each IRI (a film's titles in every language)."""
        wanted = list(dict.fromkeys(iris))
        out: dict[str, list[Name]] = {iri: [] for iri in wanted}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for iri, kind, name, folded in self._rows(
                    f"SELECT iri, kind, name, folded FROM names WHERE iri IN ({', '.join('?' for _ in chunk)}) "
                    "ORDER BY id", chunk):
                out[str(iri)].append(Name(str(iri), str(kind), str(name), str(folded)))
        return out

    def by_identifier(self, value: str) -> list[str]:
        """The entities ``schema:sameAs`` this identifier (``Q42``, ``tt0118694`` or a full IRI)."""
        keys = identifier_keys(value)
        marks = ", ".join("?" for _ in keys)
        return [str(iri) for (iri,) in self._rows(f"SELECT DISTINCT iri FROM ids WHERE key IN ({marks})", keys)]

    def identifiers(self, iris: Sequence[str]) -> dict[str, list[str]]:
        """Each IRI's identifiers (full sameAs IRIs and the bare ids they end with)."""
        out: dict[str, list[str]] = {iri: [] for iri in iris}
        for start in range(0, len(iris), 500):
            chunk = list(iris[start:start + 500])
            for iri, key in self._rows(f"SELECT iri, key FROM ids WHERE iri IN ({', '.join('?' for _ in chunk)}) "
                                       "ORDER BY iri, key", chunk):
                out[str(iri)].append(str(key))
        return out

    def prefixed(self, prefix: str, kinds: Sequence[str], limit: int, offset: int) -> list[Name]:
        """Names starting with ``prefix`` (folded), shortest first: what auto-completion offers."""
        folded = fold(prefix).strip()
        if not folded:
            return []
        marks = ", ".join("?" for _ in kinds)
        # names from the prefix up to (not including) the prefix with its last letter one higher
        upper = folded[:-1] + chr(ord(folded[-1]) + 1) if ord(folded[-1]) < 0x10FFFF else folded + "\U0010ffff"
        rows = self._rows(
            f"SELECT iri, kind, MIN(name), MIN(folded) FROM names WHERE kind IN ({marks}) AND folded >= ? "
            "AND folded < ? GROUP BY iri ORDER BY length(MIN(folded)), MIN(folded), iri LIMIT ? OFFSET ?",
            [*kinds, folded, upper, limit, offset])
        return [Name(str(i), str(k), str(n), str(f)) for i, k, n, f in rows]


def build(store: Store, target: Path, generation: str) -> float:
    """Write the matching table of ``store``'s checkpoint ``generation`` to ``target``; the seconds it took."""
    start = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.part")
    part.unlink(missing_ok=True)
    db = sqlite3.connect(part)
    try:
        db.executescript(SCHEMA)
        seen: set[tuple[str, str]] = set()
        rows = []
        # an entity's own name first (names are read back in this order), then its alternate titles
        for row in sorted(store.select(NAMES), key=lambda r: r["alternate"]):
            kind = KINDS.get(row["kind"])
            key = (row["e"], row["name"])
            if kind is None or key in seen:
                continue
            seen.add(key)
            rows.append((row["e"], kind, row["name"], fold(row["name"])))
        db.executemany("INSERT INTO names (iri, kind, name, folded) VALUES (?, ?, ?, ?)", rows)
        years: dict[str, int] = {}
        for row in store.select(YEARS):
            if row["y"][:4].isdigit():
                years.setdefault(row["f"], int(row["y"][:4]))
        db.executemany("UPDATE names SET year = ? WHERE iri = ?", [(y, f) for f, y in years.items()])
        db.executemany("INSERT OR IGNORE INTO ids VALUES (?, ?)",
                       [(key, row["e"]) for row in store.select(SAME) for key in identifier_keys(row["same"])])
        for kind, table in FTS.items():
            db.execute(f"INSERT INTO {table} (rowid, folded) SELECT id, folded FROM names WHERE kind = ?", [kind])
        counts: dict[tuple[str, str], int] = {}
        for _, kind, _, name in rows:
            for word in set(WORD.findall(name)):
                counts[(kind, word)] = counts.get((kind, word), 0) + 1
        db.executemany("INSERT INTO vocabulary VALUES (?, ?, ?)", [(k, w, n) for (k, w), n in counts.items()])
        db.executemany("INSERT INTO meta VALUES (?, ?)", [("generation", generation), ("version", VERSION)])
        db.commit()
    finally:
        db.close()
    os.replace(part, target)
    return time.perf_counter() - start


class Tables:
    """The matching tables of one store's checkpoints, in ``folder``: built once per checkpoint, on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._open: Names | None = None

    def current(self, store: Store, generation: str) -> Names:
        names = self._open
        if names is not None and names.generation == generation:
            return names
        with self._lock:
            if self._open is not None and self._open.generation == generation:
                return self._open
            target = self.folder / f"{SAFE.sub('_', generation)}-v{VERSION}.db"
            if not target.is_file():
                build(store, target, generation)
            self._open = Names(target)
            for old in self.folder.glob("*.db"):
                if old != target:
                    old.unlink(missing_ok=True)
            return self._open
