"""Pages for people browsing: the home page with the dataset's figures and a search box, ``/films`` and
``/people`` in pages, and ``/search``. ``/films`` embeds an ``ItemList`` of film pages for search engines."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from markupsafe import Markup

from lodfilm.publish.formats import format_for_name
from lodfilm.publish.jsonld import script_tag
from lodfilm.web.render import respond, site
from lodfilm.web.urls import Urls

bp = Blueprint("browse", __name__)

PAGE_SIZE = 50
HTML = format_for_name("html")
assert HTML is not None


@bp.app_context_processor
def url_builder() -> dict[str, object]:
    """Every template (of every blueprint) links through :class:`Urls`: ``href(iri)``, ``route(name)``."""
    return Urls(site().iris.base).for_templates()


def page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def html(body: str) -> Response:
    assert HTML is not None
    return respond(body.encode(), HTML, negotiated=False, modified=site().store.modified)


@bp.get("/")
def home() -> Response:
    here = site()
    return html(render_template("home.html", stats=here.stats(), title=here.settings.title))


def paged(rows: list[dict[str, str]], page: int) -> tuple[list[dict[str, str]], int]:
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    return rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], pages


@bp.get("/films")
def films() -> Response:
    page = page_number()
    rows, pages = paged(site().films(), page)
    item_list = {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "itemListElement": [
            {"@type": "ListItem", "position": (page - 1) * PAGE_SIZE + i, "url": row["iri"]}
            for i, row in enumerate(rows, start=1)
        ],
    }
    return html(render_template("list.html", heading="Films", rows=rows, page=page, pages=pages,
                                endpoint="browse.films", jsonld=Markup(script_tag(item_list))))


@bp.get("/people")
def people() -> Response:
    page = page_number()
    rows, pages = paged(site().people(), page)
    return html(render_template("list.html", heading="People", rows=rows, page=page, pages=pages,
                                endpoint="browse.people", jsonld=None))


@bp.get("/search")
def search() -> Response:
    text = request.args.get("q", "").strip()[:200]
    rows = site().search(text) if text else []
    return html(render_template("search.html", q=text, rows=rows))


def page_url(endpoint: str, page: int) -> str:
    return url_for(endpoint, page=page)
