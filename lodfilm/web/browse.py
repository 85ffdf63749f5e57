"""Pages for people browsing: the home page, ``/films`` (faceted), ``/people`` and ``/search``, each paged, each
with a JSON twin (``/films.json``, or ``Accept: application/json``) of the same data. ``/films`` embeds an
``ItemList`` of film pages for search engines. Everything listed is read from the checkpoint's index
(``lodfilm/index``), not from SPARQL per request."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup

from lodfilm import index as ix
from lodfilm.countries import country_name
from lodfilm.publish.formats import format_for_name
from lodfilm.publish.jsonld import script_tag
from lodfilm.web.paging import Links, Page, current_params, finish, json_list, page_number, wants_json
from lodfilm.web.render import respond, site
from lodfilm.web.urls import Urls, with_query

bp = Blueprint("browse", __name__)

HTML = format_for_name("html")
assert HTML is not None
MAX_Q = 500
KIND_LABELS = {"Movie": "Film", "Person": "Person", "Organization": "Organisation"}


@bp.app_context_processor
def url_builder() -> dict[str, object]:
    """Every template (of every blueprint) links through :class:`Urls`: ``href(iri)``, ``route(name)``."""
    return Urls(site().iris.base).for_templates()


def urls() -> Urls:
    return Urls(site().iris.base)


def html(body: str, links: Links | None = None) -> Response:
    assert HTML is not None
    response = respond(body.encode(), HTML, negotiated=links is not None, modified=site().store.modified)
    if links is not None:
        finish(response, links, as_json=False)
    return response


@bp.get("/")
def home() -> Response:
    here = site()
    return html(render_template("home.html", stats=here.stats(), title=here.settings.title))


def thumbnail(image: str | None) -> str:
    """Where a list shows a film's image from: ours (path-absolute) or https; "" otherwise (the page's CSP
    loads images from nowhere else)."""
    if not image:
        return ""
    own = urls().href(image)
    return own if own != image or image.startswith("https://") else ""


def film_item(row: ix.FilmRow | ix.Hit) -> dict[str, Any]:
    return {"iri": row.iri, "name": row.name, "year": row.year, "directors": list(row.directors),
            "countries": list(row.countries), "image": row.image}


def for_html(item: dict[str, Any]) -> dict[str, Any]:
    """An item as a list line shows it: its link, thumbnail and country names."""
    return {**item, "href": urls().href(item["iri"]), "thumbnail": thumbnail(item.get("image")),
            "country_names": [country_name(c) for c in item.get("countries", [])]}


def list_links(route: str, page: Page) -> Links:
    return Links(urls().route(route), urls().route(route + ".json"), current_params(), page)


# -- /films -------------------------------------------------------------------------------------------------------
@bp.get("/films")
@bp.get("/films.json", endpoint="films_json")
def films() -> Response:
    index = site().index
    filters = ix.parse_filters(request.args.items(multi=True))
    number = page_number()
    page = Page(number, ix.count_films(index, filters))
    page.check()
    rows = ix.films(index, filters, limit=page.size, offset=page.offset)
    items = [film_item(r) for r in rows]
    facets = ix.facets(index, filters)
    links = list_links("films", page)
    facet_data = {name: facet_json(facet, filters, links) for name, facet in facets.items()}
    if wants_json(request.path.endswith(".json")):
        return json_list(links, items, facets=facet_data, filters=[{"facet": f, "value": v} for f, v in filters])
    item_list = {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "numberOfItems": page.total,
        "itemListElement": [{"@type": "ListItem", "position": page.offset + i, "url": row.iri}
                            for i, row in enumerate(rows, start=1)],
    }
    return html(render_template("list.html", heading="Films", rows=[for_html(i) for i in items], page=page,
                                links=links, facets=facet_data, filters=filters,
                                jsonld=Markup(script_tag(item_list))), links)


def facet_json(facet: ix.Facet, filters: ix.Filters, links: Links) -> dict[str, Any]:
    """A facet as the JSON twin and the page show it: each value with its count and the link that adds it to the
    filters (or, when chosen, removes it)."""
    values = []
    for v in facet.values:
        pair = (facet.name, v.value)
        params = [p for p in links.params if p != pair] if v.selected else [*links.params, pair]
        values.append({"value": v.value, "label": v.label, "count": v.count, "single_source": v.single,
                       "selected": v.selected, ("remove" if v.selected else "add"): with_query(links.path, params)})
    return {"values": values, "distinct_values": facet.total, "films_on_one_source": facet.single}


# -- /people ------------------------------------------------------------------------------------------------------
@bp.get("/people")
@bp.get("/people.json", endpoint="people_json")
def people() -> Response:
    index = site().index
    page = Page(page_number(), ix.count_agents(index, "Person"))
    page.check()
    items = [{"iri": a.iri, "name": a.name} for a in ix.agents(index, "Person", limit=page.size, offset=page.offset)]
    links = list_links("people", page)
    if wants_json(request.path.endswith(".json")):
        return json_list(links, items)
    return html(render_template("list.html", heading="People", rows=[for_html(i) for i in items], page=page,
                                links=links, facets=None, filters=(), jsonld=None), links)


# -- /search ------------------------------------------------------------------------------------------------------
@bp.get("/search")
@bp.get("/search.json", endpoint="search_json")
def search() -> Response:
    text = request.args.get("q", "").strip()[:MAX_Q]
    index = site().index
    page = Page(page_number(), ix.search_count(index, text) if text else 0)
    page.check()
    hits = ix.search(index, text, limit=page.size, offset=page.offset) if text else []
    items = [{**film_item(h), "kind": h.kind, "score": round(h.score, 4)} for h in hits]
    links = list_links("search", page)
    if wants_json(request.path.endswith(".json")):
        return json_list(links, items, q=text)
    rows = [{**for_html(i), "kind_label": KIND_LABELS.get(i["kind"], i["kind"])} for i in items]
    return html(render_template("search.html", q=text, rows=rows, page=page, links=links), links)
