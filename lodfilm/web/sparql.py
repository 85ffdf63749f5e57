"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` (https://www.w3.org/TR/sparql11-protocol/).

Queries by ``GET ?query=``, ``POST`` form-encoded and ``POST application/sparql-query``; answers in SPARQL
JSON/XML/CSV/TSV or, for CONSTRUCT/DESCRIBE, Turtle/N-Triples/JSON-LD/RDF-XML, by ``Accept`` or a ``format``
parameter; ``HEAD`` answers as ``GET`` does, without the body. Read-only: updates (``update=``,
``application/sparql-update``), ``LOAD``, ``SERVICE`` and ``FROM`` naming another graph than a record are refused
with 403 and the reason (:mod:`lodfilm.store.guard`). Each query runs in a worker process with a time limit (503
when it passes it, or at once when the query queue is full) and a cap on result rows and triples that the answer
announces (``Lodfilm-Truncated`` header, and the result head's ``link``). Without a query, a browser gets a query
page with examples, anything else the SPARQL Service Description; with one, a browser (HTML ranked first in
``Accept``, or ``format=html``) gets the answer as a page (:mod:`lodfilm.web.query_page`), anything else the answer
in a machine format, as the protocol says.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from lodfilm.errors import QueryRefused, UsageError
from lodfilm.publish.describe import service_description
from lodfilm.publish.formats import (
    format_for_media_type,
    format_for_name,
    media_types,
    negotiate,
    serialize_graph,
)
from lodfilm.web import query_page
from lodfilm.web.errors import NotAcceptable
from lodfilm.web.render import chosen_format, respond, site

bp = Blueprint("sparql", __name__)

RESULTS = media_types("results")
GRAPHS = media_types("rdf")

EXAMPLES: list[tuple[str, str]] = [
    ("Films and their directors", """SELECT ?title ?year ?director WHERE {
  ?film a schema:Movie ; schema:name ?title ; schema:director/schema:name ?director .
  OPTIONAL { ?film schema:dateCreated ?year }
} ORDER BY ?title LIMIT 100"""),
    ("Films per country", """SELECT ?country (COUNT(DISTINCT ?film) AS ?films) WHERE {
  ?film schema:countryOfOrigin/schema:name ?country .
} GROUP BY ?country ORDER BY DESC(?films)"""),
    ("Directors with more than one film", """SELECT ?name (COUNT(?film) AS ?films) WHERE {
  ?film schema:director ?person . ?person schema:name ?name .
} GROUP BY ?name HAVING (COUNT(?film) > 1) ORDER BY DESC(?films)"""),
    ("Cast with their characters", """SELECT ?title ?actor ?character WHERE {
  ?film schema:name ?title ; schema:actor ?role .
  ?role schema:actor/schema:name ?actor . OPTIONAL { ?role schema:characterName ?character }
} LIMIT 100"""),
    ("Which source said it", """SELECT ?film ?record ?file ?page WHERE {
  GRAPH ?record { ?film schema:countryOfOrigin ?country }
  ?record dcterms:source ?file . OPTIONAL { ?record prov:wasDerivedFrom ?page }
} LIMIT 100"""),
]
PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (
    ("schema", "http://schema.org/"), ("prov", "http://www.w3.org/ns/prov#"), ("dcterms", "http://purl.org/dc/terms/")))


def one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise BadRequest(f"give the {name} parameter once")
    return values[0] if values else None


def query_text() -> str | None:
    """The query of this request, from whichever of the protocol's three forms it uses."""
    if request.method in ("GET", "HEAD"):  # HEAD answers as GET does, without the body
        if request.args.getlist("update"):
            raise QueryRefused("updates are not allowed: this endpoint is read-only")
        return one(request.args.getlist("query"), "query")
    content_type = (request.mimetype or "").lower()
    if content_type == "application/sparql-update":
        raise QueryRefused("updates are not allowed: this endpoint is read-only")
    if content_type == "application/sparql-query":
        return request.get_data(as_text=True)
    if content_type == "application/x-www-form-urlencoded":
        if request.form.getlist("update"):
            raise QueryRefused("updates are not allowed: this endpoint is read-only")
        text = one(request.form.getlist("query"), "query")
        if text is None:
            raise BadRequest("a POSTed form needs a query parameter")
        return text
    raise UnsupportedMediaType("POST a query as application/sparql-query or application/x-www-form-urlencoded")


def formats() -> tuple[str | None, str | None]:
    """(results format, graph format) this client takes: from ``format``, else from ``Accept``."""
    name = request.values.get("format")
    if name:
        table, graph = format_for_name(name, "results"), format_for_name(name, "rdf")
        if table is None and graph is None:
            raise NotAcceptable(f"unknown format {name!r}: json, xml, csv, tsv; ttl, nt, jsonld, rdfxml")
        return (table.name if table else None), (graph.name if graph else None)
    accept = request.headers.get("Accept")
    table_type, graph_type = negotiate(accept, RESULTS), negotiate(accept, GRAPHS)
    table = format_for_media_type(table_type) if table_type else None
    graph = format_for_media_type(graph_type) if graph_type else None
    return (table.name if table else None), (graph.name if graph else None)


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    text = query_text()
    if text is None:
        return description()
    if query_page.wants_page():
        return query_page.answer_page(text, examples=EXAMPLES, prologue=PROLOGUE)
    if not text.strip():
        raise BadRequest("the query is empty")
    table, graph = formats()
    try:
        result = site().query(text, select_format=table, graph_format=graph)
    except UsageError as error:
        raise NotAcceptable(str(error)) from None
    fmt = format_for_media_type(result.media_type)
    response = Response(result.body, 200, content_type=fmt.content_type if fmt else result.media_type)
    response.vary.add("Accept")
    response.cache_control.no_cache = True
    if result.truncated:
        settings = site().settings
        response.headers["Lodfilm-Truncated"] = (f"triples={settings.max_triples}" if result.kind == "graph"
                                                 else f"rows={settings.max_rows}")
    return response


def description() -> Response:
    """The query page for browsers; the Service Description for everything else."""
    html, _ = chosen_format(None, offered=media_types("html", "rdf"))
    here = site()
    if html.kind == "html":
        page = render_template("sparql.html", query=None, answer=None, failure=None, links=[], examples=EXAMPLES,
                               prologue=PROLOGUE, max_rows=here.settings.max_rows,
                               max_triples=here.settings.max_triples, timeout=here.settings.query_timeout)
        return respond(page.encode(), html, negotiated=True, modified=here.store.modified, alternates=False)
    graph = here.cached("sd", lambda: service_description(here.iris.base, stats=here.stats()))
    return respond(serialize_graph(graph, html.media_type), html, negotiated=True, modified=here.store.modified)
