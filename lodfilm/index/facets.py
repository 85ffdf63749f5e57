"""Facets over the films: filters from query parameters, the films they leave (in list order, a page at a time),
and each facet's values with their counts under those filters.

A filter is a (facet, value) pair; several are AND-ed, a facet repeated included (``country=SE&country=DK``: films
of both). A value the store does not know leaves no film; a value of the wrong form (``year=abc``,
``decade=19x``) is the client's mistake and raises :class:`UsageError` naming the parameter and the value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lodfilm.errors import UsageError
from lodfilm.index.database import Index

FACETS: tuple[str, ...] = ("year", "decade", "country", "director", "person", "genre", "language", "prize",
                           "status", "role")
FORMS = {
    "year": (re.compile(r"\d{1,4}"), "a year is written in digits, e.g. year=2010"),
    "decade": (re.compile(r"\d{0,3}0s"), "a decade is written as its first year and s, e.g. decade=2010s"),
}
BY_VALUE = ("year", "decade")  # facets listed by value (newest first); the others by count
MAX_FILTERS = 20

Filters = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class FilmRow:
    iri: str
    name: str
    year: int | None
    directors: tuple[str, ...]
    countries: tuple[str, ...]
    image: str | None


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int  # films under the current filters with this value
    single: int  # of which rest on one record only (their records disagree)
    selected: bool = False


@dataclass
class Facet:
    name: str
    values: list[FacetValue] = field(default_factory=list)
    total: int = 0  # distinct values under the filters
    single: int = 0  # films under the filters whose value of this facet rests on one record only


def parse_filters(pairs: Iterable[tuple[str, str]]) -> Filters:
    """The facet filters among query parameters (others, such as ``page``, are left alone), checked for form."""
    found: list[tuple[str, str]] = []
    for name, value in pairs:
        if name not in FACETS:
            continue
        if name in FORMS and not FORMS[name][0].fullmatch(value):
            raise UsageError(f"{name}={value!r} is not a {name}: {FORMS[name][1]}")
        if name == "year":
            value = str(int(value))
        if (name, value) not in found:
            found.append((name, value))
    if len(found) > MAX_FILTERS:
        raise UsageError(f"{len(found)} facet filters given; at most {MAX_FILTERS} are combined")
    return tuple(found)


def _films_sql(index: Index, filters: Filters) -> tuple[str, list[str]]:
    """A subquery of the ids of the films that pass every filter: the rarest value's films, each looked up under
    the other values by primary key. (An ``INTERSECT`` of the values' film lists sorts every list in a temporary
    B-tree: at 100,000 films a decade and a country took 2-3 times as long as this join.)"""
    if not filters:
        return "SELECT id FROM films", []
    ordered = sorted(filters, key=lambda pair: _films_with(index, pair))
    joins = "".join(f" CROSS JOIN facets f{i} ON f{i}.facet = ? AND f{i}.value = ? AND f{i}.film = f0.film"
                    for i in range(1, len(ordered)))
    first, *rest = ordered
    return (f"SELECT f0.film FROM facets f0{joins} WHERE f0.facet = ? AND f0.value = ?",
            [*(x for pair in rest for x in pair), *first])


def _films_with(index: Index, pair: tuple[str, str]) -> int:
    """How many films have this facet value over the whole store (0 for a value it does not know)."""
    return int(index.value("SELECT films FROM facet_counts WHERE facet = ? AND value = ?", list(pair)) or 0)


def count_films(index: Index, filters: Filters = ()) -> int:
    if not filters:
        return index.films
    sql, params = _films_sql(index, filters)
    return int(index.value(f"SELECT COUNT(*) FROM ({sql})", params))


def films(index: Index, filters: Filters = (), *, limit: int = 50, offset: int = 0) -> list[FilmRow]:
    """The films that pass ``filters``, by title, ``limit`` of them from the ``offset``-th."""
    sql, params = _films_sql(index, filters)
    where = f"WHERE id IN ({sql})" if filters else ""
    rows = index.rows(f"SELECT iri, name, year, directors, countries, image FROM films {where} ORDER BY sort "
                      "LIMIT ? OFFSET ?", [*params, limit, offset])
    return [film_row(row) for row in rows]


def film_row(row: Sequence[object]) -> FilmRow:
    iri, name, year, directors, countries, image = row
    return FilmRow(str(iri), str(name), year if isinstance(year, int) else None, tuple(json.loads(str(directors))),
                   tuple(json.loads(str(countries))), str(image) if image else None)


def facet_counts(index: Index, facet: str, filters: Filters = ()) -> list[FacetValue]:
    """Every value of ``facet`` with its count of films under ``filters`` (most films first; years and decades
    in order): what a chart of one facet draws."""
    if facet not in FACETS:
        raise UsageError(f"unknown facet {facet!r}: use one of {', '.join(FACETS)}")
    return _values(index, facet, filters, limit=None)


def _values(index: Index, facet: str, filters: Filters, limit: int | None) -> list[FacetValue]:
    order = "value DESC" if facet in BY_VALUE else "n DESC, value"
    if facet == "year":
        order = "CAST(value AS INTEGER) DESC"
    cap = "" if limit is None else f"LIMIT {int(limit)}"
    if filters:
        sql, params = _films_sql(index, filters)
        rows = index.rows(f"SELECT value, COUNT(*) AS n, SUM(single) FROM facets WHERE facet = ? AND film IN ({sql}) "
                          f"GROUP BY value ORDER BY {order} {cap}", [facet, *params])
    else:
        rows = index.rows(f"SELECT value, films AS n, single FROM facet_counts WHERE facet = ? ORDER BY {order} "
                          f"{cap}", [facet])
    chosen = {v for f, v in filters if f == facet}
    labels = _labels(index, facet, [r[0] for r in rows])
    return [FacetValue(value, labels.get(value, value), int(n), int(single or 0), value in chosen)
            for value, n, single in rows]


def _labels(index: Index, facet: str, values: list[str]) -> dict[str, str]:
    if not values:
        return {}
    marks = ", ".join("?" for _ in values)
    return dict(index.rows(f"SELECT value, label FROM facet_labels WHERE facet = ? AND value IN ({marks})",
                           [facet, *values]))


def facets(index: Index, filters: Filters = (), *, top: int = 12) -> dict[str, Facet]:
    """Every facet under ``filters``: its ``top`` values (and any value filtered on), how many values it has, and
    how many of the films rest on one record only for it. Filtered, it is one pass over the chosen films' facet
    rows (grouped by SQLite), not one per facet."""
    if not filters:
        return _unfiltered(index, top)
    sql, params = _films_sql(index, filters)
    chosen = set(filters)
    grouped: dict[str, list[tuple[str, int, int]]] = {name: [] for name in FACETS}
    for facet, value, n, single in index.rows(
            f"WITH chosen AS MATERIALIZED ({sql}) SELECT facet, value, COUNT(*), SUM(single) FROM facets "
            "WHERE film IN chosen GROUP BY facet, value", params):
        grouped.setdefault(facet, []).append((value, n, single))
    singles = dict(index.rows(f"WITH chosen AS MATERIALIZED ({sql}) SELECT facet, COUNT(DISTINCT film) FROM facets "
                              "WHERE single = 1 AND film IN chosen GROUP BY facet", params))
    out: dict[str, Facet] = {}
    for name in FACETS:
        rows = grouped[name]
        if name == "year":
            rows.sort(key=lambda r: -int(r[0]) if r[0].isdigit() else 0)
        elif name in BY_VALUE:
            rows.sort(key=lambda r: r[0], reverse=True)
        else:
            rows.sort(key=lambda r: (-r[1], r[0]))
        shown = [r for r in rows[:top]] + [r for r in rows[top:] if (name, r[0]) in chosen]
        labels = _labels(index, name, [r[0] for r in shown])
        values = [FacetValue(v, labels.get(v, v), n, int(single or 0), (name, v) in chosen) for v, n, single in shown]
        out[name] = Facet(name, values, len(rows), int(singles.get(name, 0)))
    return out


def _unfiltered(index: Index, top: int) -> dict[str, Facet]:
    totals = dict(index.rows("SELECT facet, COUNT(*) FROM facet_counts GROUP BY facet"))
    singles = dict(index.rows("SELECT facet, films FROM facet_single"))
    return {name: Facet(name, _values(index, name, (), limit=top), int(totals.get(name, 0)),
                        int(singles.get(name, 0))) for name in FACETS}
