"""A query's answer as a table of RDF terms, read back from the bytes the store wrote, for the renderers that show
it to a person: the query page's HTML table (:mod:`lodfilm.web.query_page`) and ``lodfilm query --format table``
(:mod:`lodfilm.publish.text_table`).

Why read the bytes back rather than take pyoxigraph's objects: the answer crosses a process boundary (a query
worker, or a remote SPARQL server) as serialised bytes, capped and marked there; SPARQL JSON results
(https://www.w3.org/TR/sparql11-results-json/) for a SELECT or ASK and N-Triples for a CONSTRUCT or DESCRIBE keep
every term's kind, language and datatype, so the table shows exactly what a machine client gets.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox

from lodfilm.errors import QueryError
from lodfilm.store.base import QueryResult, Store
from lodfilm.store.guard import decode
from lodfilm.store.results import query_form
from lodfilm.vocab import PREFIXES

TermKind = Literal["iri", "literal", "bnode"]
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
#: the formats to ask the store for, so :func:`read_answer` can read the answer back
SELECT_FORMAT = "json"
GRAPH_FORMAT = "nt"
#: datatypes Turtle writes bare (``3``, ``2.5``, ``true``): a terminal table writes them so too
BARE = {f"http://www.w3.org/2001/XMLSchema#{name}" for name in ("integer", "decimal", "double", "boolean")}
#: the columns of a CONSTRUCT or DESCRIBE answer
TRIPLE_COLUMNS = ("subject", "predicate", "object")


@dataclass(frozen=True)
class Term:
    """One RDF term of an answer: an IRI, a literal (with its language tag or its datatype; a plain string has
    neither) or a blank node."""

    kind: TermKind
    value: str
    language: str | None = None
    datatype: str | None = None

    @property
    def linkable(self) -> bool:
        """Whether a page may link to this term: an IRI a browser can follow (never ``javascript:`` and such)."""
        return self.kind == "iri" and self.value.startswith(("http://", "https://"))

    @property
    def short_datatype(self) -> str | None:
        """The datatype as a prefixed name where one of our prefixes fits (``xsd:gYear``), else the IRI."""
        return compact(self.datatype) if self.datatype else None

    def text(self) -> str:
        """The term as text for a terminal: an IRI as a prefixed name or the IRI itself, a literal with ``@lang``
        or ``^^datatype`` (a number or a boolean bare, as Turtle writes it), a blank node as ``_:id``."""
        if self.kind == "iri":
            return compact(self.value)
        if self.kind == "bnode":
            return f"_:{self.value}"
        if self.language:
            return f"{self.value}@{self.language}"
        if self.datatype and self.datatype not in BARE:
            return f"{self.value}^^{self.short_datatype}"
        return self.value


@dataclass(frozen=True)
class Answer:
    """A SELECT's rows (``None`` where a variable is unbound), an ASK's ``boolean``, or a CONSTRUCT/DESCRIBE's
    triples as rows of (subject, predicate, object); ``truncated`` when the store cut it at its cap. ``total`` is
    how many rows the answer holds, of which ``rows`` may be the first (a reader that asked for fewer)."""

    kind: Literal["select", "ask", "graph"]
    columns: tuple[str, ...]
    rows: tuple[tuple[Term | None, ...], ...] = ()
    boolean: bool | None = None
    truncated: bool = False
    total: int = 0


def compact(iri: str) -> str:
    """``http://schema.org/name`` → ``schema:name`` where the rest is a plain local name; other IRIs as they are."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            local = iri[len(namespace):]
            if local and local.replace("_", "").replace("-", "").isalnum():
                return f"{prefix}:{local}"
    return iri


def run_for_answer(store: Store, text: str) -> Answer:
    """Run ``text`` on ``store`` (no caps: the CLI's own store) in the format :func:`read_answer` reads for its
    form, as the query's first form keyword says (``CONSTRUCT``/``DESCRIBE``: a graph)."""
    graph = query_form(decode(text)) in ("CONSTRUCT", "DESCRIBE")
    return read_answer(store.query(text, format=GRAPH_FORMAT if graph else SELECT_FORMAT))


def read_answer(result: QueryResult, *, limit: int | None = None) -> Answer:
    """The answer ``result`` holds, which the store wrote as SPARQL JSON (SELECT, ASK) or N-Triples (a graph); at
    most ``limit`` of its rows are read (``total`` still counts them all)."""
    if result.kind == "graph":
        triples = ox.parse(result.body, format=ox.RdfFormat.N_TRIPLES)
        rows = tuple(_triple_row(t) for t in itertools.islice(triples, limit))
        total = len(rows) if limit is None or len(rows) < limit else _lines(result.body)
        return Answer("graph", TRIPLE_COLUMNS, rows, truncated=result.truncated, total=total)
    try:
        data = json.loads(result.body)
    except ValueError as exc:  # a remote server that answered something else
        raise QueryError(f"the answer is not SPARQL JSON results: {exc}") from None
    if "boolean" in data:
        return Answer("ask", (), boolean=bool(data["boolean"]), truncated=result.truncated)
    columns = tuple(data.get("head", {}).get("vars", []))
    bindings = data.get("results", {}).get("bindings", [])
    rows = tuple(tuple(_json_term(binding.get(column)) for column in columns)
                 for binding in itertools.islice(bindings, limit))
    return Answer("select", columns, rows, truncated=result.truncated, total=len(bindings))


def _lines(body: bytes) -> int:
    """The triples of an N-Triples document as pyoxigraph writes it: one a line (literals' line breaks escaped)."""
    return body.count(b"\n") + (0 if not body or body.endswith(b"\n") else 1)


def _json_term(data: dict[str, str] | None) -> Term | None:
    if data is None:
        return None
    kind = data.get("type")
    value = data.get("value", "")
    if kind == "uri":
        return Term("iri", value)
    if kind == "bnode":
        return Term("bnode", value)
    language = data.get("xml:lang")
    datatype = data.get("datatype")
    if language or datatype in (XSD_STRING, RDF_LANG_STRING):
        datatype = None
    return Term("literal", value, language=language or None, datatype=datatype)


def _triple_row(triple: ox.Triple) -> tuple[Term | None, ...]:
    return (_ox_term(triple.subject), _ox_term(triple.predicate), _ox_term(triple.object))


def _ox_term(term: object) -> Term:
    if isinstance(term, ox.NamedNode):
        return Term("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return Term("bnode", term.value)
    if isinstance(term, ox.Literal):
        datatype = None if term.language or term.datatype.value == XSD_STRING else term.datatype.value
        return Term("literal", term.value, language=term.language or None, datatype=datatype)
    return Term("literal", str(term))  # an RDF-star quoted triple: shown as written
