"""The pages of people, organisations, countries and prizes, whose lists of films can be long: the head of the
page from the resource's own triples, the films a page at a time from the checkpoint's index, with ``rel=prev/next``
links and a JSON twin (``{IRI}.json``, or ``Accept: application/json``) of the list.

The RDF documents of these resources (Turtle, JSON-LD…) stay whole: they are data, read by programs.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template, request

from lodfilm import index as ix
from lodfilm.publish import documents
from lodfilm.publish.formats import Format
from lodfilm.web.browse import for_html
from lodfilm.web.paging import Links, Page, current_params, finish, json_list, page_number
from lodfilm.web.render import rendered, respond, site
from lodfilm.web.urls import Urls

AGENTS = ("person", "organization", "country")
LISTED = (*AGENTS, "award")


def credit_item(credit: ix.Credit, note: str) -> dict[str, Any]:
    film = credit.film
    return {"iri": film.iri, "name": film.name, "year": film.year, "directors": list(film.directors),
            "countries": list(film.countries), "image": film.image, note: credit.notes}


def listing(kind: str, iri: str) -> tuple[Page, list[dict[str, Any]]]:
    """This request's page of ``iri``'s films (404 past the end, 400 for a page that is no number)."""
    index = site().index
    number = page_number()
    if kind == "award":
        page = Page(number, ix.count_award_films(index, iri))
        page.check()
        return page, [credit_item(c, "status") for c in ix.award_films(index, iri, limit=page.size,
                                                                        offset=page.offset)]
    page = Page(number, ix.count_credits(index, iri))
    page.check()
    return page, [credit_item(c, "credit") for c in ix.credits(index, iri, limit=page.size, offset=page.offset)]


def links_for(iri: str, page: Page) -> Links:
    path = Urls(site().iris.base).href(iri)
    return Links(path, path + ".json", current_params(), page)


def json_twin(kind: str, iri: str) -> Response:
    here = site()
    data = here.document(iri) if kind == "award" else here.cached(f"head {iri}", lambda: documents.head(
        here.store, here.iris, iri))
    if data is None:
        abort(404, description=f"there is no {kind} {iri}")
    page, items = listing(kind, iri)
    graph = documents.to_graph(data)
    return json_list(links_for(iri, page), items, iri=iri, name=documents.name_of(graph, documents.URIRef(iri)))


def html_page(kind: str, iri: str, fmt: Format, negotiated: bool) -> Response:
    """The HTML page of a person, organisation, country or prize, with this request's page of its films."""
    here = site()
    if kind == "award":
        data = here.document(iri)
    else:
        data = here.cached(f"head {iri}", lambda: documents.head(here.store, here.iris, iri))
    if data is None:
        abort(404, description=f"there is no {kind} {iri}")
    page, items = listing(kind, iri)
    links = links_for(iri, page)
    query = request.query_string.decode("latin-1")
    # keyed by the index too: while a new checkpoint's index is built, pages come from the previous one
    key = f"{fmt.name} {iri}?{query} {here.index.generation}"
    body = rendered(key, lambda: render(kind, iri, data, page, links, items))
    response = respond(body, fmt, negotiated=negotiated, iri=iri, modified=here.store.modified)
    return finish(response, links, as_json=False)


def render(kind: str, iri: str, data: bytes, page: Page, links: Links, items: list[dict[str, Any]]) -> bytes:
    graph = documents.to_graph(data)
    rows = [for_html(item) for item in items]
    if kind == "award":
        view = documents.award_view(graph, iri)
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(row["status"], []).append(row)
        return render_template("award.html", award=view, iri=iri, groups=groups, page=page, links=links).encode()
    agent = documents.agent_view(graph, iri, kind)
    return render_template("agent.html", agent=agent, iri=iri, rows=rows, page=page, links=links).encode()
