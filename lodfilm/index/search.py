"""Ranked full-text search over films (every title in every language, alternate titles, the people credited,
synopses), people and organisations (their names).

This is the API the web's ``/search`` and the reconciliation service share; its signature is kept stable::

    from lodfilm.index import fold, search, search_count
    hits = search(index, "ostlund", kinds=("Person",), limit=5)
    # → [Hit(iri=…, kind="Person", name="Ruben Östlund", year=None, directors=(), countries=(), score=9.1)]

``text`` is what a person typed, never FTS5 syntax: words are folded (:func:`lodfilm.index.fold.fold`) and each is
quoted, so no input can be a syntax error; a word ending in ``*`` is a prefix (``illeg*``). Every word must
match (AND). Hits are ranked by BM25 (titles weigh most, then credited names, then synopses); ``score`` is the
negated BM25 value, higher is better, comparable within one query only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from lodfilm.index.database import Index
from lodfilm.index.fold import match_expression

KINDS: tuple[str, ...] = ("Movie", "Person", "Organization")
WEIGHTS = (10.0, 3.0, 1.0)  # names, people, synopsis
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Hit:
    iri: str
    kind: str  # "Movie", "Person" or "Organization"
    name: str
    year: int | None
    directors: tuple[str, ...]
    countries: tuple[str, ...]  # ISO 3166-1 codes
    score: float
    image: str | None = None


def _where(text: str, kinds: Sequence[str]) -> tuple[str, list[object]] | None:
    expression = match_expression(text)
    wanted = [k for k in kinds if k in KINDS]
    if not expression or not wanted:
        return None
    marks = ", ".join("?" for _ in wanted)
    return f"fts MATCH ? AND d.kind IN ({marks})", [expression, *wanted]


def search(index: Index, text: str, kinds: Sequence[str] = KINDS, limit: int = 20, offset: int = 0) -> list[Hit]:
    """The best ``limit`` hits for ``text`` among ``kinds``, from the ``offset``-th (0-based)."""
    where = _where(text, kinds)
    if where is None or limit <= 0:
        return []
    clause, params = where
    rows = index.rows(
        f"SELECT d.iri, d.kind, d.name, d.year, d.directors, d.countries, bm25(fts, {', '.join(map(str, WEIGHTS))}) "
        f"AS rank, d.image FROM fts JOIN docs d ON d.id = fts.rowid WHERE {clause} ORDER BY rank, d.id "
        "LIMIT ? OFFSET ?", [*params, min(limit, MAX_LIMIT), max(0, offset)])
    return [Hit(iri, kind, name, year, tuple(json.loads(directors)), tuple(json.loads(countries)), -rank, image)
            for iri, kind, name, year, directors, countries, rank, image in rows]


def search_count(index: Index, text: str, kinds: Sequence[str] = KINDS) -> int:
    """How many hits ``text`` has among ``kinds`` in all."""
    where = _where(text, kinds)
    if where is None:
        return 0
    clause, params = where
    return int(index.value(f"SELECT COUNT(*) FROM fts JOIN docs d ON d.id = fts.rowid WHERE {clause}", params))
