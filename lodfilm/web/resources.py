"""Dereferenceable IRIs: ``{base}film/…``, ``person/…``, ``organization/…``, ``country/…``, ``record/…``.

Each answers in HTML (for people and search engines, with the film's JSON-LD embedded), Turtle, JSON-LD,
N-Triples or RDF/XML, by ``Accept`` at the IRI itself, or explicitly at ``IRI.ttl`` (``.jsonld``, ``.nt``,
``.rdf``, ``.html``) or ``IRI?format=ttl``; 404 for what does not exist, 406 for what we cannot serve.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request
from markupsafe import Markup

from lodfilm.publish import documents
from lodfilm.publish.formats import Format, serialize_graph
from lodfilm.publish.jsonld import film_jsonld, script_tag
from lodfilm.web.errors import NotAnIri
from lodfilm.web.pages import summary
from lodfilm.web.render import chosen_format, rendered, respond, site, split_suffix
from lodfilm.web.urls import Urls

bp = Blueprint("resources", __name__)

KINDS = ("film", "person", "organization", "country", "record", "award")


@bp.get("/<any(film, person, organization, country, record, award):kind>/<path:key>")
def resource(kind: str, key: str) -> Response:
    key, explicit = split_suffix(key)
    here = site()
    iri = f"{here.iris.base}{kind}/{key}"
    check_iri(iri)
    data = here.document(iri)
    if data is None:
        abort(404, description=f"there is no {kind} {iri}")
    fmt, negotiated = chosen_format(explicit)
    # A film's last change is its newest event in the change log; a record stored before the log began, and
    # anything else, has the newest dcterms:modified its document states.
    logged = here.film_modified(iri) if kind == "film" else None
    modified = logged or here.cached(f"modified {iri}", lambda: documents.last_modified(data, iri))
    body = rendered(f"{fmt.name} {iri}", lambda: render(kind, iri, data, fmt))
    return respond(body, fmt, negotiated=negotiated, iri=iri, modified=modified or here.store.modified)


def check_iri(iri: str) -> None:
    """Raise :class:`NotAnIri` unless the requested path, decoded, makes an IRI that pyoxigraph accepts.

    werkzeug decodes the path's percent-escapes as UTF-8, replacing bytes that are not UTF-8 with U+FFFD and
    keeping malformed escapes as they are; either way the IRI would be one no store holds and no query can name.
    """
    target = str(request.environ.get("REQUEST_URI") or request.path).split("?")[0]  # as the client sent it
    raw = request.environ.get("PATH_INFO", "").encode("latin-1")  # WSGI: the decoded bytes, as Latin-1 text
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotAnIri(target, f"percent-encoded bytes that are not UTF-8 (0x{raw[error.start]:02x})") from None
    try:
        ox.NamedNode(iri)
    except ValueError as error:  # pyoxigraph's IRI parser: "Invalid IRI percent encoding '%zz'", …
        raise NotAnIri(target, str(error)) from None


def render(kind: str, iri: str, data: bytes, fmt: Format) -> bytes:
    if fmt.kind == "rdf":
        return serialize_graph(data, fmt.media_type, root=iri)
    graph = documents.to_graph(data)
    if kind == "film":
        view = documents.film_view(graph, iri)
        sources = site().store.select(documents.FACT_SOURCES.replace("IRI", iri))
        view.facts = documents.facts(graph, iri, sources, documents.records_of(graph, iri))
        embedded = Markup(script_tag(film_jsonld(graph, iri)))  # escaped JSON, safe inside <script>
        return render_template("film.html", film=view, jsonld=embedded, iri=iri, description=film_description(view),
                               image_src=image_src(view.image), image_alt=image_alt(view)).encode()
    if kind == "award":
        return render_template("award.html", award=documents.award_view(graph, iri), iri=iri).encode()
    if kind == "record":
        return render_template("record.html", iri=iri, turtle=serialize_graph(data, "text/turtle").decode()).encode()
    agent = documents.agent_view(graph, iri, kind)
    return render_template("agent.html", agent=agent, iri=iri).encode()


def film_description(view: documents.FilmView) -> str:
    """What a link preview or a search result says of a film: ``Illégal (2010): a film by Olivier
    Masset-Depasse; Belgium, France, Luxembourg; 95 min.`` and the start of its synopsis."""
    facts = []
    if view.directors:
        facts.append("a film by " + ", ".join(d.name for d in view.directors))
    if view.countries:
        facts.append(", ".join(c.name for c in view.countries))
    if view.runtime:
        facts.append(f"{view.runtime} min")
    lead = view.title + (f" ({view.year})" if view.year else "") + (": " + "; ".join(facts) if facts else "") + "."
    return f"{lead} {summary(view.synopsis, limit=max(80, 300 - len(lead)))}".strip() if view.synopsis else lead


def image_src(image: str) -> str:
    """Where a film page loads the film's image from, or "" when the page cannot show it: an image on this site
    (linked path-absolute) or over https. The page's Content-Security-Policy loads images from nowhere else,
    so an ``http://`` image elsewhere would only be a broken image and a console error; it stays a link, in the
    facts table."""
    if not image:
        return ""
    own = Urls(site().iris.base).href(image)
    return own if own != image or image.startswith("https://") else ""


def image_alt(view: documents.FilmView) -> str:
    return f"Image of {view.title}" + (f" ({view.year})" if view.year else "")
