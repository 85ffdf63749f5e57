"""The three doors harvesters use, named once: their paths, what they are, and the specification each follows.
The VoID/DCAT description lists them as distributions of the dataset, and the home page links them."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from lodfilm.publish.describe import DCAT


@dataclass(frozen=True)
class Door:
    path: str  # under the base, as the URL builder's routes are named
    title: str
    spec: str


DOORS = (
    Door("activity", "Change feed (Activity Streams 2.0, IIIF Change Discovery 1.0)", "https://iiif.io/api/discovery/1.0/"),
    Door("ldes", "Linked Data Event Stream", "https://w3id.org/ldes/specification"),
    Door("oai", "OAI-PMH 2.0 repository (oai_dc, EDM)", "http://www.openarchives.org/OAI/2.0/openarchivesprotocol.htm"),
)


def add_doors(graph: Graph, base: str, dataset: URIRef) -> None:
    """Each door as a ``dcat:Distribution`` of ``dataset``: its URL and the specification it conforms to."""
    for door in DOORS:
        node = URIRef(base + door.path)
        graph.add((dataset, DCAT.distribution, node))
        graph.add((node, RDF.type, DCAT.Distribution))
        graph.add((node, DCAT.accessURL, node))
        graph.add((node, DCTERMS.title, Literal(door.title, lang="en")))
        graph.add((node, DCTERMS.conformsTo, URIRef(door.spec)))
