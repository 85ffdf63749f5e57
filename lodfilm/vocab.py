"""Namespaces, defined once. Only published vocabularies: schema.org (``http://schema.org/``, the namespace the
official JSON-LD context expands to), PROV-O, DCTERMS, VoID, RDF/RDFS/XSD."""

import pyoxigraph as ox
from rdflib import Namespace
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, VOID, XSD

SDO = Namespace("http://schema.org/")
# FIAFcore, the FIAF cataloguing model as an ontology: credit activity classes and award/nomination events.
FIAF = Namespace("https://ontology.fiafcore.org/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")

PREFIXES: dict[str, str] = {
    "schema": str(SDO),
    "fiaf": str(FIAF),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "void": str(VOID),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
}

# Where an identifier scheme's IRIs live; a record's identifiers become ``schema:sameAs`` links to these.
IDENTIFIER_IRIS: dict[str, str] = {
    "wikidata": "http://www.wikidata.org/entity/{}",
    "imdb": "https://www.imdb.com/{kind}/{}/",
    "isni": "https://isni.org/isni/{}",
    "viaf": "http://viaf.org/viaf/{}",
}

__all__ = ["DCTERMS", "FIAF", "SKOS", "IDENTIFIER_IRIS", "PREFIXES", "PROV", "RDF", "RDFS", "SDO", "Terms", "VOID",
           "XSD"]


class Terms:
    """A namespace's IRIs as pyoxigraph terms (``Terms("http://schema.org/").name``), made once each."""

    def __init__(self, base: str) -> None:
        self._base = base

    def __getattr__(self, name: str) -> ox.NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        node = ox.NamedNode(self._base + name)
        setattr(self, name, node)
        return node
