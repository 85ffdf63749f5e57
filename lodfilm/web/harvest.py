"""For harvesters: dumps at ``/dumps/…``, the VoID + DCAT description at ``/.well-known/void``, ``/sitemap.xml``
and ``/robots.txt``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from urllib.parse import urlparse

from flask import Blueprint, Response, abort, render_template, request, send_file
from rdflib import URIRef

from lodfilm.publish.describe import SITEMAP_LIMIT, sitemap, sitemap_index, void, void_view
from lodfilm.publish.doors import DOORS, add_doors
from lodfilm.publish.dumps import BY_FILE, describe, digest_fields
from lodfilm.publish.formats import format_for_name, media_types, serialize_graph
from lodfilm.web.render import chosen_format, respond, site

bp = Blueprint("harvest", __name__)


def day(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).date().isoformat()


@bp.get("/dumps/")
@bp.get("/dumps")
def dumps() -> Response:
    here = site()
    listing = here.dumps.all(here.store, here.generation)
    if request.args.get("format") == "json" or request.accept_mimetypes.best == "application/json":
        body = json.dumps({"dumps": [describe(d) for d in listing]}, indent=2).encode()
        response = Response(body, 200, content_type="application/json")
        response.set_etag(hashlib.sha256(body).hexdigest()[:32])
        response.make_conditional(request)
        return response
    html = format_for_name("html")
    assert html is not None
    return respond(render_template("dumps.html", dumps=listing).encode(), html,
                   negotiated=False, modified=here.store.modified)


@bp.get("/dumps/<name>")
def dump(name: str) -> Response:
    if name not in BY_FILE:
        abort(404, description=f"there is no dump {name}; see {site().iris.base}dumps/")
    here = site()
    found = here.dumps.get(here.store, here.generation, name)
    response = send_file(found.path, mimetype=found.media_type, as_attachment=False, download_name=name,
                         conditional=True, etag=found.sha256, last_modified=found.modified, max_age=60)
    if found.compressed:
        # The file *is* gzip data (a .gz download), not a gzip-encoded transfer of N-Triples.
        response.headers["Content-Type"] = "application/gzip"
    if response.status_code in (200, 206):
        fields = digest_fields(found.sha256)
        response.headers.update(fields)
        if response.status_code == 200 and request.method == "GET":  # the content sent is the whole file
            response.headers["Content-Digest"] = fields["Repr-Digest"]
    return response


@bp.get("/.well-known/void")
def void_description() -> Response:
    """The VoID + DCAT description: RDF for harvesters (Turtle to ``*/*`` and to no ``Accept``: RDF comes first),
    and an HTML view of the same graph for a browser, which asks for ``text/html`` by name."""
    fmt, negotiated = chosen_format(None, offered=media_types("rdf") + media_types("html"))
    here = site()

    def make() -> bytes:
        films = here.films()
        graph = void(here.iris.base, title=here.settings.title, license=here.settings.license, stats=here.stats(),
                     modified=here.store.modified, dumps=here.dumps.all(here.store, here.generation),
                     example=films[0]["iri"] if films else None)
        add_doors(graph, here.iris.base, URIRef(f"{here.iris.base}.well-known/void#dataset"))
        if fmt.kind == "html":
            view = void_view(graph, here.iris.base)
            return render_template("void.html", void=view, iri=f"{here.iris.base}.well-known/void",
                                   doors=DOORS).encode()
        return serialize_graph(graph, fmt.media_type, root=f"{here.iris.base}.well-known/void")

    return respond(here.cached(f"void {fmt.name}", make), fmt, negotiated=negotiated, modified=here.store.modified)


@bp.get("/sitemap.xml")
@bp.get("/sitemap-<int:number>.xml")
def sitemap_xml(number: int | None = None) -> Response:
    here = site()
    today = day(here.store.modified)
    dates = here.film_dates()
    entries = [(row["iri"], dates.get(row["iri"], today)[:10]) for row in here.films()]
    entries += [(row["iri"], today) for row in here.people()]
    chunks = [entries[i : i + SITEMAP_LIMIT] for i in range(0, len(entries), SITEMAP_LIMIT)] or [[]]
    if number is None and len(chunks) > 1:
        body = sitemap_index([f"{here.iris.base}sitemap-{n}.xml" for n in range(1, len(chunks) + 1)], today)
    elif number is None:
        body = sitemap(chunks[0])
    elif 1 <= number <= len(chunks):
        body = sitemap(chunks[number - 1])
    else:
        abort(404)
    response = Response(body, 200, content_type="application/xml; charset=utf-8")
    response.last_modified = dt.datetime.fromtimestamp(here.store.modified, dt.UTC)
    response.make_conditional(request)
    return response


@bp.get("/robots.txt")
def robots() -> Response:
    base = site().iris.base
    body = f"User-agent: *\nDisallow: {urlparse(base).path}sparql\n\nSitemap: {base}sitemap.xml\n"
    return Response(body, 200, content_type="text/plain; charset=utf-8")
