"""``/vocabulary``: the credits table (label variants → FIAFcore class → Wikidata property) as HTML for people
and as SKOS for machines, so an archive can align its own credit labels with ours."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from rdflib import Graph, Literal, URIRef

from lodfilm.credits import CREDITS
from lodfilm.iris import slug
from lodfilm.publish.formats import serialize_graph
from lodfilm.vocab import DCTERMS, RDF, SKOS
from lodfilm.web.render import chosen_format, respond, site, split_suffix

bp = Blueprint("vocabulary", __name__)


def skos(base: str) -> Graph:
    """Each credit as a SKOS concept: its label, the variants records print, and its FIAF and Wikidata matches."""
    g = Graph()
    scheme = URIRef(f"{base}vocabulary")
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, DCTERMS.title, Literal("Film credits: labels, FIAFcore classes, Wikidata properties", lang="en")))
    for credit in CREDITS:
        concept = URIRef(f"{base}vocabulary#{slug(credit.label)}")
        g.add((concept, RDF.type, SKOS.Concept))
        g.add((concept, SKOS.inScheme, scheme))
        g.add((concept, SKOS.prefLabel, Literal(credit.label, lang="en")))
        for variant in credit.variants:
            if variant != credit.label:
                g.add((concept, SKOS.altLabel, Literal(variant, lang="en")))
        if credit.fiaf_class:
            g.add((concept, SKOS.exactMatch, URIRef(credit.fiaf_class)))
        if credit.wikidata_property:
            g.add((concept, SKOS.closeMatch, URIRef(f"http://www.wikidata.org/entity/{credit.wikidata_property}")))
    return g


@bp.get("/vocabulary")
@bp.get("/vocabulary.<suffix>")
def vocabulary(suffix: str | None = None) -> Response:
    _, explicit = split_suffix(f"vocabulary.{suffix}") if suffix else ("", None)
    fmt, negotiated = chosen_format(explicit)
    here = site()
    iri = f"{here.iris.base}vocabulary"
    if fmt.kind == "rdf":
        body = here.cached(f"vocabulary {fmt.name}", lambda: serialize_graph(skos(here.iris.base), fmt.media_type))
    else:
        body = render_template("vocabulary.html", credits=CREDITS, iri=iri).encode()
    return respond(body, fmt, negotiated=negotiated, iri=iri)
