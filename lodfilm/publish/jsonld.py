"""The JSON-LD a search engine reads: each film page embeds its film as one schema.org ``Movie`` tree.

How it is made: the film's document graph (an rdflib graph) becomes a pyld RDF dataset, pyld frames it as one
tree rooted at the film — every node it links to embedded where it is linked, so the director reads as a Person
with a name, each actor as a PerformanceRole with its character and its Person — and compacts it against
``schema-org-context.jsonld``, a context shipped in this package. pyld never fetches anything: every call gets
:func:`refuse_remote_documents` as its document loader, which raises for any URL (pyld's own default fetches
any http(s) context with no timeout).

The context we compact with maps the vocabulary ``http://schema.org/`` (our data's namespace) and makes the
properties whose values are web addresses (``url``, ``sameAs``, ``embedUrl``, ``image``, ``thumbnailUrl``…)
take plain strings, as the official schema.org context does. The output then names the official context,
``"https://schema.org"``, which is what Google expects and which reads the same keys the same way (its
``@vocab`` is ``http://schema.org/`` too). Nothing is ever resolved against that URL here.

Choices, made for the reader this JSON-LD has (a search engine), not for RDF fidelity — the Turtle, N-Triples,
RDF/XML and JSON-LD representations of the same film keep everything exactly:

- Language-tagged literals become plain strings (``"Illegal"``, not ``{"@value": "Illegal", "@language":
  "en"}``): Google reads plain strings and the page's ``<html lang>`` says the language.
- Typed literals other than numbers and booleans become plain strings (``"duration": "PT1H35M"``,
  ``"dateCreated": "2010"``): schema.org consumers parse those texts themselves; the official context types
  date properties for them.
- Only schema.org statements are kept (``rdfs:seeAlso`` and the provenance record are not for search engines).
- Arrays are in a stable order (sorted by node IRI), not credit order: RDF keeps no order for the pages to lose.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, NoReturn

from pyld import jsonld
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from lodfilm.vocab import RDF, SDO, XSD

OFFICIAL_CONTEXT = "https://schema.org"
CONTEXT_FILE = "schema-org-context.jsonld"
# Literal datatypes pyld turns into JSON numbers and booleans (``useNativeTypes``); every other one becomes text.
NATIVE_TYPES = frozenset({str(XSD.integer), str(XSD.double), str(XSD.boolean)})
# Characters that must not appear raw inside a <script> element: ``</script>`` or ``<!--`` in record text would
# end it or change how the HTML parser reads it, and U+2028/U+2029 break older JavaScript parsers. JSON lets
# any character be written as ``\\uXXXX`` inside a string, and these can only occur inside strings.
SCRIPT_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


class RemoteDocumentRefused(RuntimeError):
    """pyld tried to load a document (a remote ``@context``); we never let it."""


def refuse_remote_documents(url: str, options: dict[str, Any] | None = None) -> NoReturn:
    """pyld's document loader for lodfilm: refuses every URL, so a context is never fetched during a request."""
    raise RemoteDocumentRefused(f"lodfilm does not load JSON-LD documents from the network: {url}")


@cache
def _context_text() -> str:
    return resources.files(__package__).joinpath(CONTEXT_FILE).read_text(encoding="utf-8")


def schema_context() -> dict[str, Any]:
    """The shipped schema.org context (the object under ``@context``), a fresh copy each call."""
    context: dict[str, Any] = json.loads(_context_text())["@context"]
    return context


def _term(node: Node) -> dict[str, str]:
    """An rdflib term as pyld's dataset term; literals per the module docstring's choices."""
    if isinstance(node, URIRef):
        return {"type": "IRI", "value": str(node)}
    if isinstance(node, BNode):
        return {"type": "blank node", "value": f"_:{node}"}
    assert isinstance(node, Literal)
    datatype = (
        str(node.datatype) if node.datatype is not None and str(node.datatype) in NATIVE_TYPES else None
    )
    return {"type": "literal", "value": str(node), "datatype": datatype or str(XSD.string)}


def _wanted(predicate: Node, obj: Node) -> bool:
    """schema.org statements only, and ``rdf:type`` only for schema.org classes. A credit's ``roleName`` stays
    the label as printed: the FIAFcore class URL beside it is for archives (it is in every RDF format), and a
    search engine expects the role's name as text."""
    if predicate == RDF.type:
        return isinstance(obj, URIRef) and obj.startswith(str(SDO))
    if predicate == SDO.roleName:
        return isinstance(obj, Literal)
    return isinstance(predicate, URIRef) and predicate.startswith(str(SDO))


def _dataset(graph: Graph) -> dict[str, list[dict[str, dict[str, str]]]]:
    """The graph as pyld's RDF dataset, built directly (pyld's own N-Quads parser unescapes too little)."""
    keys = sorted(
        {
            (
                tuple(sorted(_term(s).items())),
                tuple(sorted(_term(p).items())),
                tuple(sorted(_term(o).items())),
            )
            for s, p, o in graph
            if _wanted(p, o)
        }
    )
    return {"@default": [{"subject": dict(s), "predicate": dict(p), "object": dict(o)} for s, p, o in keys]}


def _options() -> dict[str, Any]:
    return {"documentLoader": refuse_remote_documents, "processingMode": "json-ld-1.1"}


def film_jsonld(graph: Graph, film_iri: str) -> dict[str, Any]:
    """The film as one schema.org ``Movie`` tree, ``"@context": "https://schema.org"`` first.

    ``@embed: @always`` matters: with pyld's default (``@once``) a person who is both ``author`` and
    ``director`` would be embedded under ``author`` (keys are framed in sorted order) and ``director`` would get a
    bare ``{"@id": …}`` with no name. Raises LookupError when ``film_iri`` is not a Movie in ``graph``."""
    expanded = jsonld.from_rdf(_dataset(graph), {"useNativeTypes": True})
    frame = {"@context": schema_context(), "@id": film_iri, "@embed": "@always"}
    framed: dict[str, Any] = jsonld.frame(expanded, frame, _options())
    framed.pop("@context", None)
    types = framed.get("@type")
    if "@graph" in framed or "Movie" not in (types if isinstance(types, list) else [types]):
        raise LookupError(f"no schema:Movie {film_iri} in the graph")
    return {"@context": OFFICIAL_CONTEXT, **framed}


def script_tag(data: dict[str, Any]) -> str:
    """``<script type="application/ld+json">…</script>`` for an HTML page, safe whatever text the record holds.

    The JSON is escaped, not the HTML way (entities are not decoded inside <script>) but the JSON way: ``<``,
    ``>``, ``&``, U+2028 and U+2029 as ``\\uXXXX``, so ``</script>`` or ``<!--`` in a synopsis stays inside the
    string and any JSON parser reads back the same value."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    return f'<script type="application/ld+json">{text.translate(SCRIPT_ESCAPES)}</script>'
