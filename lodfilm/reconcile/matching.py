"""Scoring reconciliation candidates: why a row of a spreadsheet is (or is not) one of our films or people.

A query is a name (a title, a person's name) and, optionally, properties: for a film its ``year``, ``directors``,
``countries`` and identifiers (``wikidata``, ``imdb``); for a person the ``films`` they are credited on and
identifiers. Candidates come from :class:`lodfilm.reconcile.names.Names` (words and trigrams of every title in
every language); each is scored on features a client can see and weigh for itself:

* ``name`` — the best similarity (0–1) of the query to any of the candidate's names, folded (case and accents),
  the largest of edit similarities: with a swap of two letters as one edit (a typing slip), and with words
  sorted (``Lighthouse, The``);
* ``year`` — 1 for the same year, 0.5 for one year off (festival and release years differ), 0 otherwise;
* ``directors``, ``countries``, ``films`` — how well the given values meet the candidate's;
* ``identifier`` — true when an identifier given is one the candidate is ``sameAs``.

The score is 100 × the weighted mean of the features that apply. ``match`` (a sure match) is set for an identifier
match, or for a name and properties that agree and stand clearly ahead of the next candidate.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from lodfilm.countries import country_code
from lodfilm.index import fold

WEIGHTS = {"name": 0.6, "year": 0.2, "directors": 0.15, "countries": 0.05, "films": 0.3}
SURE_NAME = 0.88  # name similarity a sure match needs
SURE_SCORE = 75.0
SURE_MARGIN = 8.0  # points ahead of the next candidate


@dataclass
class Entity:
    """What scoring knows of a candidate."""

    iri: str
    kind: str
    names: list[str]
    year: int | None = None
    directors: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO codes
    films: list[str] = field(default_factory=list)  # titles a person or organisation is credited on
    identifiers: list[str] = field(default_factory=list)


@dataclass
class Wanted:
    """A query's name and properties, read and checked."""

    name: str = ""
    year: int | None = None
    directors: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    films: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)


@dataclass
class Scored:
    entity: Entity
    score: float
    features: dict[str, float | bool]
    match: bool = False


@functools.lru_cache(maxsize=65_536)
def folded(text: str) -> str:
    """``fold`` once per name: a candidate's names are compared with every query that retrieves it."""
    return fold(text).strip()


def similarity(a: str, b: str) -> float:
    """0–1: how alike two names are, folded, in their order or with their words sorted."""
    fa, fb = folded(a), folded(b)
    if not fa or not fb:
        return 0.0
    return max(fuzz.ratio(fa, fb) / 100, fuzz.token_sort_ratio(fa, fb) / 100, OSA.normalized_similarity(fa, fb))


def best(given: Sequence[str], have: Sequence[str]) -> float:
    """Mean over the given values of each one's best similarity among the candidate's."""
    if not given:
        return 0.0
    if not have:
        return 0.0
    return sum(max(similarity(g, h) for h in have) for g in given) / len(given)


def year_feature(wanted: int, have: int | None) -> float:
    if have is None:
        return 0.0
    gap = abs(wanted - have)
    return 1.0 if gap == 0 else 0.5 if gap == 1 else 0.0


def countries_feature(given: Sequence[str], have: Sequence[str]) -> float:
    codes = {(country_code(c) or c).upper() for c in given}
    return len(codes & set(have)) / len(codes) if codes else 0.0


def score(wanted: Wanted, entity: Entity) -> Scored:
    features: dict[str, float | bool] = {}
    weights: dict[str, float] = {}
    if wanted.name:
        features["name"] = round(max((similarity(wanted.name, n) for n in entity.names), default=0.0), 4)
        weights["name"] = WEIGHTS["name"]
    if wanted.year is not None and entity.kind == "Movie":
        features["year"] = year_feature(wanted.year, entity.year)
        weights["year"] = WEIGHTS["year"]
    if wanted.directors and entity.kind == "Movie":
        features["directors"] = round(best(wanted.directors, entity.directors), 4)
        weights["directors"] = WEIGHTS["directors"]
    if wanted.countries and entity.kind == "Movie":
        features["countries"] = round(countries_feature(wanted.countries, entity.countries), 4)
        weights["countries"] = WEIGHTS["countries"]
    if wanted.films and entity.kind != "Movie":
        features["films"] = round(best(wanted.films, entity.films), 4)
        weights["films"] = WEIGHTS["films"]
    total = sum(weights.values())
    value = 100 * sum(float(features[k]) * w for k, w in weights.items()) / total if total else 0.0
    if wanted.identifiers:
        known = set(entity.identifiers)
        hit = any(i in known for i in wanted.identifiers)
        features["identifier"] = hit
        value = 100.0 if hit else value * 0.8
    return Scored(entity, round(value, 2), features)


def decide(ranked: list[Scored]) -> None:
    """Set ``match`` on the first candidate when it is sure: an identifier met, or a name and properties that
    agree (no property contradicts it) and a clear lead over the next candidate."""
    if not ranked:
        return
    first = ranked[0]
    if first.features.get("identifier") is True:
        first.match = True
        return
    if "identifier" in first.features:  # an identifier was given and is not this candidate's
        return
    name = float(first.features.get("name", 0.0))
    contradicted = any(float(first.features[k]) == 0.0 for k in ("year", "directors", "countries", "films")
                       if k in first.features)
    lead = first.score - (ranked[1].score if len(ranked) > 1 else 0.0)
    first.match = name >= SURE_NAME and first.score >= SURE_SCORE and not contradicted and lead >= SURE_MARGIN


def rank(wanted: Wanted, entities: Sequence[Entity], limit: int) -> list[Scored]:
    ranked = sorted((score(wanted, e) for e in entities), key=lambda s: (-s.score, s.entity.iri))
    decide(ranked)
    return ranked[:limit]
