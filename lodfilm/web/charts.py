"""Charts of the collection (issue 15 point 6): ``/charts/years.svg`` (films per year) and ``/charts/countries.svg``
(co-production countries, ranked), each with the numbers behind it as its JSON twin (``/charts/years.json``,
``/charts/countries.json``), under the filters ``/films`` takes as query parameters.

The home page and ``/films`` embed the charts as ``<img>`` (``charts.html``), so the page's CSP holds and the
drawing (:mod:`lodfilm.publish.charts`, SVG with no script) costs the page nothing. Counts are made once per
checkpoint and filter set, and cached with everything else the site caches.

Where the counts come from: :func:`counts`, by a SPARQL aggregate over the store, for the filters ``year``,
``decade`` and ``country``. A film counts under each of its values (two sources giving two countries: both).
A filter the charts cannot apply is refused (400, naming it), so a chart never shows unfiltered numbers under a
filtered page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask import Blueprint, Response, request

from lodfilm.countries import country_code, country_name
from lodfilm.errors import UsageError
from lodfilm.publish.charts import COUNTRIES_SHOWN, countries_svg, years_svg
from lodfilm.web.render import site
from lodfilm.web.site import Site
from lodfilm.web.urls import Urls

bp = Blueprint("charts", __name__)

FACETS = ("year", "country")
#: filter parameter → what a value must look like, and the message when it does not
FILTERS: dict[str, tuple[re.Pattern[str], str]] = {
    "year": (re.compile(r"^\d{4}$"), "is not a year (four digits, e.g. 2010)"),
    "decade": (re.compile(r"^\d{3}0s$"), "is not a decade (e.g. 2010s)"),
    "country": (re.compile(r"^[A-Za-z]{2}$"), "is not an ISO 3166-1 country code (e.g. FR)"),
}
#: /films facets the charts do not filter by (yet): refused rather than ignored
UNSUPPORTED = ("director", "person", "genre", "language", "prize", "status", "role")
CHARTS = {"years": "year", "countries": "country"}
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"  # a chart opened on its own: its own CSS, nothing else

Filters = Mapping[str, Sequence[str]]


class BadFilter(UsageError):
    """A filter parameter with a value the charts cannot use (400)."""


@dataclass(frozen=True)
class Chart:
    """One chart's numbers: (value, count) per bar, the films under the filters, and how its values read."""

    name: str
    facet: str
    filters: dict[str, tuple[str, ...]]
    counts: list[tuple[str, int]]
    films: int

    def label(self, value: str) -> str:
        return country_name(value) if self.facet == "country" else value

    @property
    def shown(self) -> list[tuple[str, int]]:
        """The bars drawn: every year; the countries with the most films."""
        return self.counts[:COUNTRIES_SHOWN] if self.facet == "country" else self.counts


def filters_from(args: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """The chart filters of a request's query parameters, checked: ``{"country": ("FR",), "decade": ("2010s",)}``.
    Parameters that are not filters (``page``) are left alone; a facet the charts cannot apply is refused."""
    found: dict[str, tuple[str, ...]] = {}
    for name in UNSUPPORTED:
        if args.get(name):
            raise BadFilter(f"{name}: the charts cannot filter by {name} yet (they take year, decade and country)")
    for name, (pattern, problem) in FILTERS.items():
        values = tuple(dict.fromkeys(v.strip() for v in args.get(name, ()) if v.strip()))
        for value in values:
            if not pattern.match(value):
                raise BadFilter(f"{name}: {value[:40]!r} {problem}")
            if name == "country" and country_code(value) != value.upper():
                raise BadFilter(f"country: {value!r} is not an ISO 3166-1 country code lodfilm knows")
        if values:
            found[name] = tuple(v.upper() for v in values) if name == "country" else values
    return found


def where(filters: Mapping[str, Sequence[str]]) -> tuple[str, dict[str, str]]:
    """The graph pattern that keeps the films ``?film`` matching every filter, and its bindings (values reach the
    query as literals written by the store's escaper, never as text)."""
    lines: list[str] = []
    bindings: dict[str, str] = {}
    for name, values in sorted(filters.items()):
        for i, value in enumerate(values):
            key = f"{name}{i}"
            if name == "year":
                lines.append(f"?film schema:dateCreated ?{key} . FILTER(SUBSTR(STR(?{key}), 1, 4) = «{key}»)")
                bindings[key] = value
            elif name == "decade":
                lines.append(f"?film schema:dateCreated ?{key} . FILTER(SUBSTR(STR(?{key}), 1, 3) = «{key}»)")
                bindings[key] = value[:3]
            else:
                lines.append(f"?film schema:countryOfOrigin/schema:identifier «{key}» .")
                bindings[key] = value
    return "\n".join(lines), bindings


FACET_PATTERNS = {
    "year": "?film schema:dateCreated ?date . BIND(SUBSTR(STR(?date), 1, 4) AS ?value)",
    "country": "?film schema:countryOfOrigin/schema:identifier ?value .",
}


def counts(here: Site, facet: str, filters: Filters) -> list[tuple[str, int]]:
    """(value, films) for each value of ``facet`` (``year`` or ``country``) among the films matching ``filters``:
    years in order, countries by count (most first) then code. Made once per checkpoint and filter set."""
    if facet not in FACET_PATTERNS:
        raise ValueError(f"no chart facet {facet!r}")
    pattern, bindings = where(filters)
    key = f"chart {facet} {sorted((k, tuple(v)) for k, v in filters.items())}"
    text = (f"SELECT ?value (COUNT(DISTINCT ?film) AS ?n) WHERE {{ ?film a schema:Movie . "
            f"{FACET_PATTERNS[facet]}\n{pattern} }} GROUP BY ?value")

    def make() -> list[tuple[str, int]]:
        rows = [(row["value"], int(row["n"])) for row in here.store.select(text, **bindings) if "value" in row]
        if facet == "year":
            return sorted(rows)
        return sorted(rows, key=lambda r: (-r[1], r[0]))

    return here.cached(key, make)


def films_matching(here: Site, filters: Filters) -> int:
    """How many films match ``filters`` (with a year or not)."""
    pattern, bindings = where(filters)
    key = f"chart films {sorted((k, tuple(v)) for k, v in filters.items())}"
    text = f"SELECT (COUNT(DISTINCT ?film) AS ?n) WHERE {{ ?film a schema:Movie .\n{pattern} }}"
    return here.cached(key, lambda: int(here.store.select(text, **bindings)[0]["n"]))


def chart(name: str) -> Chart:
    here = site()
    filters = filters_from(request.args.to_dict(flat=False))
    facet = CHARTS[name]
    return Chart(name, facet, filters, counts(here, facet, filters), films_matching(here, filters))


def chart_url(name: str, suffix: str, filters: Filters | None = None) -> str:
    """The URL of chart ``name`` (``years``, ``countries``) as ``svg`` or ``json``, under ``filters`` or else this
    request's filter parameters as given: what ``charts.html`` embeds on the home page and ``/films``."""
    params: Filters = filters if filters is not None else {key: request.args.getlist(key) for key in FILTERS}
    return Urls(site().iris.base).route_with(f"charts/{name}.{suffix}", {k: list(v) for k, v in params.items()})


def validated(response: Response, body: bytes) -> Response:
    """``response`` with the validators and caching every published answer has (conditional requests are then
    answered by :func:`lodfilm.web.render.preconditions`)."""
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    modified = site().store.modified
    if modified is not None:
        response.last_modified = (modified if isinstance(modified, dt.datetime)
                                  else dt.datetime.fromtimestamp(modified, dt.UTC))
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response


@bp.get("/charts/<any(years, countries):name>.svg")
def svg(name: str) -> Response:
    found = chart(name)
    key = f"chart svg {name} {sorted(found.filters.items())}"
    if found.facet == "country":
        labels = {code: found.label(code) for code, _ in found.shown}
        body = site().cached(key, lambda: countries_svg(found.shown, labels))
    else:
        body = site().cached(key, lambda: years_svg(found.shown))
    response = Response(body, 200, content_type="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_CSP
    return validated(response, body)


@bp.get("/charts/<any(years, countries):name>.json")
def numbers(name: str) -> Response:
    found = chart(name)
    data = {
        "chart": name,
        "facet": found.facet,
        "filters": {k: list(v) for k, v in found.filters.items()},
        "films": found.films,
        "values": len(found.counts),
        "items": [{"value": value, "label": found.label(value), "count": count} for value, count in found.shown],
        "svg": chart_url(name, "svg", found.filters),
    }
    body = json.dumps(data, ensure_ascii=False).encode()
    return validated(Response(body, 200, content_type="application/json"), body)


@bp.app_context_processor
def for_templates() -> dict[str, object]:
    return {"chart_url": chart_url}
