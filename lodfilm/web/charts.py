"""Charts of the collection (issue 15 point 6): ``/charts/years.svg`` (films per year) and ``/charts/countries.svg``
(co-production countries, ranked), each with the numbers behind it as its JSON twin (``/charts/years.json``,
``/charts/countries.json``), under the facet filters ``/films`` takes, as the same query parameters
(``?decade=2010s&country=FR``; ``page`` and other parameters are ignored).

The home page and ``/films`` embed the charts as ``<img>`` (``charts.html``), so the page's CSP holds and the
drawing (:mod:`lodfilm.publish.charts`, SVG with no script) costs the page nothing.

Where the counts come from: :func:`counts`, from the facet tables of the checkpoint being served
(:func:`lodfilm.index.facet_counts`, the numbers ``/films`` shows beside each facet value), so a chart says what
the list says. A film counts under each of its values (two sources giving two countries: both). A filter of the
wrong form is a 400 naming it, as on ``/films``; a value the store does not know leaves no film.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from flask import Blueprint, Response, request

from lodfilm import index as ix
from lodfilm.publish.charts import COUNTRIES_SHOWN, countries_svg, years_svg
from lodfilm.web.render import site
from lodfilm.web.site import Site
from lodfilm.web.urls import Urls

bp = Blueprint("charts", __name__)

#: chart name in the URL → the facet it counts
CHARTS = {"years": "year", "countries": "country"}
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"  # a chart opened on its own: its own CSS, nothing else


@dataclass(frozen=True)
class Chart:
    """One chart's numbers: (value, films) per bar with each value's label, and the films under the filters."""

    name: str
    facet: str
    filters: ix.Filters
    counts: list[tuple[str, int]]
    labels: dict[str, str]
    films: int

    @property
    def shown(self) -> list[tuple[str, int]]:
        """The bars drawn: every year; the countries with the most films."""
        return self.counts[:COUNTRIES_SHOWN] if self.facet == "country" else self.counts


def values(here: Site, facet: str, filters: ix.Filters) -> list[ix.FacetValue]:
    """Every value of ``facet`` with its films under ``filters``, from the served checkpoint's facet tables: years
    in order (oldest first), other facets by films (most first) then value."""
    found = ix.facet_counts(here.index, facet, filters)
    if facet == "year":
        return sorted(found, key=lambda v: int(v.value))
    return sorted(found, key=lambda v: (-v.count, v.value))


def counts(here: Site, facet: str, filters: ix.Filters) -> list[tuple[str, int]]:
    """(value, films) for each value of ``facet`` (``year``, ``country``…) among the films ``filters`` leave."""
    return [(v.value, v.count) for v in values(here, facet, filters)]


def chart(name: str) -> Chart:
    """Chart ``name`` under this request's filters, counted once per checkpoint and filter set."""
    here = site()
    filters = ix.parse_filters(request.args.items(multi=True))
    facet = CHARTS[name]

    def make() -> Chart:
        found = values(here, facet, filters)
        return Chart(name, facet, filters, [(v.value, v.count) for v in found], {v.value: v.label for v in found},
                     ix.count_films(here.index, filters))

    return here.cached(f"chart {name} {filters}", make)  # per checkpoint, as the index it reads


def chart_url(name: str, suffix: str, filters: ix.Filters | None = None) -> str:
    """The URL of chart ``name`` (``years``, ``countries``) as ``svg`` or ``json``, under ``filters`` or else this
    request's facet filters as given: what ``charts.html`` embeds on the home page and ``/films``."""
    pairs = (filters if filters is not None
             else [(k, v) for k, v in request.args.items(multi=True) if k in ix.FACETS])
    params: dict[str, list[str]] = {}
    for key, value in pairs:
        params.setdefault(key, []).append(value)
    return Urls(site().iris.base).route_with(f"charts/{name}.{suffix}", params)



def films_url(filters: ix.Filters | list[tuple[str, str]]) -> str:
    """``/films`` under ``filters``: the films behind one bar."""
    params: dict[str, list[str]] = {}
    for key, value in dict.fromkeys(filters):
        params.setdefault(key, []).append(value)
    return Urls(site().iris.base).route_with("films", params)


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
    key = f"chart svg {name} {found.filters}"
    if found.facet == "country":
        body = site().cached(key, lambda: countries_svg(found.shown, found.labels))
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
        "filters": [{"facet": f, "value": v} for f, v in found.filters],
        "films": found.films,
        "values": len(found.counts),
        "items": [{"value": value, "label": found.labels.get(value, value), "count": count,
                   "films": films_url([*found.filters, (found.facet, value)])} for value, count in found.shown],
        "svg": chart_url(name, "svg", found.filters),
    }
    body = json.dumps(data, ensure_ascii=False).encode()
    return validated(Response(body, 200, content_type="application/json"), body)


@bp.app_context_processor
def for_templates() -> dict[str, object]:
    return {"chart_url": chart_url}
