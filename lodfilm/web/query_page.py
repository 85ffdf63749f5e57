"""The query page: ``/sparql?query=…`` as a person sees it in a browser — the answer as an HTML table, the query
in an editable box, links to the same answer in every machine format — beside the SPARQL 1.1 Protocol answers
:mod:`lodfilm.web.sparql` gives programs.

Who gets the page: a request with ``format=html``, or one whose ``Accept`` ranks ``text/html`` above every result
and graph format (a browser: ``text/html,…,*/*;q=0.8``). HTML is offered last, so a client that accepts anything
(``*/*``, or no header) and every SPARQL client keeps its machine format, as before the page existed.

The page runs the query as any other request does — the guard, a worker, the time limit, the row and triple caps
— asking for SPARQL JSON or N-Triples and reading the answer back (:mod:`lodfilm.publish.answers`), so it shows
what a program would get. An error (a syntax error, a refused ``SERVICE``, the time limit, a busy server) is shown
on the page with the query kept in the box, under the status a program gets for it. Everything from the query and
the store reaches the page escaped; no script runs, so it works without JavaScript and under the site's CSP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from flask import Response, render_template, request
from markupsafe import Markup

from lodfilm.errors import LodfilmError
from lodfilm.publish.answers import GRAPH_FORMAT, SELECT_FORMAT, Answer, Term, read_answer
from lodfilm.publish.formats import format_for_name, media_types, negotiate
from lodfilm.web.errors import status_of
from lodfilm.web.render import site
from lodfilm.web.urls import Urls

#: HTML last: at equal preference (``*/*``) a machine format wins
OFFERED = [*media_types("results"), *media_types("rdf"), "text/html"]
#: the machine formats each kind of answer links to: (label, ``format=`` value)
SELECT_LINKS = (("CSV", "csv"), ("TSV", "tsv"), ("SPARQL JSON", "json"), ("SPARQL XML", "xml"))
GRAPH_LINKS = (("Turtle", "ttl"), ("N-Triples", "nt"), ("JSON-LD", "jsonld"), ("RDF/XML", "rdfxml"))
TITLES = {400: "Bad request", 403: "Refused", 406: "Not acceptable", 503: "Unavailable"}


@dataclass(frozen=True)
class Failure:
    """Why a query has no answer: the HTTP status a program gets, its title and the message."""

    status: int
    title: str
    message: str


def wants_page() -> bool:
    """Whether this query request is a person's: ``format=html``, or HTML preferred in ``Accept``."""
    name = request.values.get("format")
    if name:
        fmt = format_for_name(name, "html")
        return fmt is not None
    return negotiate(request.headers.get("Accept"), OFFERED) == "text/html"


def answer_page(text: str, *, examples: list[tuple[str, str]], prologue: str) -> Response:
    """The page for query ``text``: its answer, or why it has none, with the query in the box to edit."""
    here = site()
    answer: Answer | None = None
    failure: Failure | None = None
    if not text.strip():
        failure = Failure(400, TITLES[400], "the query is empty")
    else:
        try:
            # A page shows at most LODFILM_MAX_ROWS rows: a SELECT is cut there already; a graph of up to
            # LODFILM_MAX_TRIPLES (100,000) triples would be a page of 50 MB, so its first rows are shown and the
            # page says how many more there are, with the links to the whole answer.
            result = here.query(text, select_format=SELECT_FORMAT, graph_format=GRAPH_FORMAT)
            answer = read_answer(result, limit=here.settings.max_rows)
        except LodfilmError as error:  # lodfilm's own families only: anything else is a 500, logged
            status = status_of(error)
            failure = Failure(status, TITLES.get(status, "Bad request"), str(error))
    settings = here.settings
    urls = Urls(here.iris.base)
    links = format_links(urls, text, answer)
    rows = table_rows(answer, urls.href) if answer is not None else []
    body = render_template("sparql.html", query=text, answer=answer, rows=rows, failure=failure, links=links,
                           examples=examples, prologue=prologue, max_rows=settings.max_rows,
                           max_triples=settings.max_triples, timeout=settings.query_timeout)
    response = Response(body, failure.status if failure else 200, content_type="text/html; charset=utf-8")
    response.vary.add("Accept")
    response.cache_control.no_cache = True
    if failure is not None and failure.status == 503:
        response.headers["Retry-After"] = "5"
    return response


def format_links(urls: Urls, text: str, answer: Answer | None) -> list[tuple[str, str]]:
    """(label, URL) of the same answer in each machine format its kind has: the same query, with ``format=``."""
    if answer is None:
        return []
    names = GRAPH_LINKS if answer.kind == "graph" else SELECT_LINKS
    return [(label, urls.route_with("sparql", {"query": text, "format": name})) for label, name in names]


def table_rows(answer: Answer, href: Callable[[str], str]) -> list[Markup]:
    """Each row of the answer as the ``<tr>`` of the page's table, every value escaped (``html.escape``, quotes
    included, as every value may land in an attribute).

    Written here rather than by a template macro: an answer may hold 10,000 rows of several terms, and a macro
    call (or a ``Markup`` format) per cell is what made such a page slow: about 40 µs a cell, against 3 here."""
    return [Markup("<tr>" + "".join(cell(term, href) for term in row) + "</tr>") for row in answer.rows]


def cell(term: Term | None, href: Callable[[str], str]) -> str:
    """One term as a table cell: an IRI a browser can follow as a link (ours to its page, path-absolute), a
    literal with its language tag or datatype, a blank node marked as one."""
    if term is None:
        return '<td class="unbound"></td>'
    if term.kind == "iri":
        if term.linkable:
            shown = term.text()  # a prefixed name says its IRI on hover
            title = f' title="{escape(term.value)}"' if shown != term.value else ""
            return f'<td class="iri"><a href="{escape(href(term.value))}"{title}>{escape(shown)}</a></td>'
        return f'<td class="iri">{escape(term.value)}</td>'
    if term.kind == "bnode":
        return f'<td class="bnode"><span title="a blank node">_:{escape(term.value)}</span></td>'
    tag = ""
    if term.language:
        tag = f' <span class="lang" title="language tag">@{escape(term.language)}</span>'
    elif term.datatype:
        tag = f' <span class="datatype" title="{escape(term.datatype)}">{escape(term.short_datatype or "")}</span>'
    return f'<td class="literal"><span class="value">{escape(term.value)}</span>{tag}</td>'
