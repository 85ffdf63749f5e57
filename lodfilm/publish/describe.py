"""Descriptions of the dataset as a whole: VoID + DCAT (https://www.w3.org/TR/void/, https://www.w3.org/TR/vocab-dcat-3/),
the SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/), and the sitemap
(https://www.sitemaps.org/protocol.html)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import cast
from xml.sax.saxutils import escape

from rdflib import BNode, Graph, Literal, Namespace, URIRef

from lodfilm.publish.dumps import Dump
from lodfilm.store.base import Stats
from lodfilm.vocab import DCTERMS, PROV, RDF, SDO, VOID, XSD

DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                  "Turtle", "N-Triples", "JSON-LD", "RDF_XML")
IANA = "https://www.iana.org/assignments/media-types/"
SITEMAP_LIMIT = 50_000  # URLs per sitemap file (the protocol's limit)


def timestamp(seconds: float) -> Literal:
    moment = dt.datetime.fromtimestamp(seconds, dt.UTC).replace(microsecond=0)
    return Literal(moment.isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)


def void(base: str, *, title: str, license: str, stats: Stats, modified: float, dumps: list[Dump],
         example: str | None) -> Graph:
    """The VoID/DCAT description served at ``/.well-known/void``."""
    g = Graph()
    for prefix, ns in (("void", VOID), ("dcat", DCAT), ("dcterms", DCTERMS), ("spdx", SPDX), ("schema", SDO)):
        g.bind(prefix, ns)
    doc = URIRef(f"{base}.well-known/void")
    dataset = URIRef(f"{base}.well-known/void#dataset")
    g.add((doc, RDF.type, VOID.DatasetDescription))
    g.add((doc, DCTERMS.title, Literal(f"Description of the {title} dataset", lang="en")))
    g.add((doc, URIRef("http://xmlns.com/foaf/0.1/primaryTopic"), dataset))
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, DCTERMS.title, Literal(title, lang="en")))
    g.add((dataset, DCTERMS.description, Literal(
        "Films, the people and organisations who made them, and the countries they come from, as schema.org "
        "linked data, with the source of every record.", lang="en")))
    g.add((dataset, DCTERMS.license, URIRef(license)))
    g.add((dataset, DCTERMS.modified, timestamp(modified)))
    g.add((dataset, VOID.sparqlEndpoint, URIRef(f"{base}sparql")))
    g.add((dataset, VOID.uriSpace, Literal(base)))
    g.add((dataset, VOID.rootResource, URIRef(f"{base}films")))
    for vocabulary in (SDO, PROV, DCTERMS):
        g.add((dataset, VOID.vocabulary, URIRef(str(vocabulary))))
    g.add((dataset, VOID.triples, Literal(stats.triples)))
    g.add((dataset, VOID.entities, Literal(stats.films + stats.people + stats.organisations + stats.countries)))
    if example:
        g.add((dataset, VOID.exampleResource, URIRef(example)))
    for cls, count in ((SDO.Movie, stats.films), (SDO.Person, stats.people),
                       (SDO.Organization, stats.organisations), (SDO.Country, stats.countries)):
        partition = URIRef(f"{base}.well-known/void#{str(cls).rsplit('/', 1)[-1]}")
        g.add((dataset, VOID.classPartition, partition))
        g.add((partition, VOID["class"], cls))
        g.add((partition, VOID.entities, Literal(count)))
    for dump in dumps:
        url = URIRef(f"{base}dumps/{dump.file}")
        g.add((dataset, VOID.dataDump, url))
        g.add((dataset, DCAT.distribution, url))
        g.add((url, RDF.type, DCAT.Distribution))
        g.add((url, DCAT.downloadURL, url))
        g.add((url, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{dump.media_type}")))
        if dump.compressed:
            g.add((url, DCAT.compressFormat, URIRef("https://www.iana.org/assignments/media-types/application/gzip")))
        g.add((url, DCAT.byteSize, Literal(dump.bytes, datatype=XSD.nonNegativeInteger)))
        g.add((url, DCTERMS.modified, timestamp(dump.modified)))
        g.add((url, VOID.triples, Literal(dump.triples)))
        checksum = URIRef(f"{url}#sha256")
        g.add((url, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(dump.sha256, datatype=XSD.hexBinary)))
    return g


@dataclass
class DumpRow:
    url: str
    media_type: str
    bytes: int
    triples: int
    sha256: str
    modified: str


@dataclass
class VoidView:
    """What the HTML view of the VoID description shows, read from the very graph the RDF views serialise."""

    iri: str
    title: str
    description: str
    license: str
    modified: str
    endpoint: str
    uri_space: str
    triples: int
    entities: int
    example: str
    classes: list[tuple[str, int]] = field(default_factory=list)
    dumps: list[DumpRow] = field(default_factory=list)


def void_view(graph: Graph, base: str) -> VoidView:
    dataset = URIRef(f"{base}.well-known/void#dataset")

    def one(subject: URIRef, predicate: URIRef) -> str:
        value = graph.value(subject, predicate)
        return str(value) if value is not None else ""

    view = VoidView(
        iri=str(dataset), title=one(dataset, DCTERMS.title), description=one(dataset, DCTERMS.description),
        license=one(dataset, DCTERMS.license), modified=one(dataset, DCTERMS.modified),
        endpoint=one(dataset, VOID.sparqlEndpoint), uri_space=one(dataset, VOID.uriSpace),
        triples=int(one(dataset, VOID.triples) or 0), entities=int(one(dataset, VOID.entities) or 0),
        example=one(dataset, VOID.exampleResource),
    )
    for partition in graph.objects(dataset, VOID.classPartition):
        cls = one(cast(URIRef, partition), VOID["class"])
        view.classes.append((cls.rsplit("/", 1)[-1], int(one(cast(URIRef, partition), VOID.entities) or 0)))
    view.classes.sort()
    for url in sorted(graph.objects(dataset, VOID.dataDump), key=str):
        node = cast(URIRef, url)
        checksum = cast(URIRef, graph.value(node, SPDX.checksum))
        view.dumps.append(DumpRow(
            url=str(url), media_type=one(node, DCAT.mediaType).removeprefix(IANA),
            bytes=int(one(node, DCAT.byteSize) or 0), triples=int(one(node, VOID.triples) or 0),
            modified=one(node, DCTERMS.modified),
            sha256=one(checksum, SPDX.checksumValue) if checksum is not None else "",
        ))
    return view


def service_description(base: str, *, stats: Stats) -> Graph:
    """What ``/sparql`` is: SPARQL 1.1 Query, its result formats, and a default graph that merges all records."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    endpoint = URIRef(f"{base}sparql")
    g.add((endpoint, RDF.type, SD.Service))
    g.add((endpoint, SD.endpoint, endpoint))
    g.add((endpoint, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((endpoint, SD.feature, SD.UnionDefaultGraph))
    for name in RESULT_FORMATS:
        g.add((endpoint, SD.resultFormat, FORMATS[name]))
    dataset, default = BNode(), BNode()
    g.add((endpoint, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(stats.triples)))
    return g


def sitemap(entries: list[tuple[str, str]]) -> str:
    """A ``urlset`` of (page URL, lastmod date) pairs."""
    rows = "".join(f"<url><loc>{escape(url)}</loc><lastmod>{escape(day)}</lastmod></url>\n" for url, day in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}</urlset>\n')


def sitemap_index(urls: list[str], day: str) -> str:
    rows = "".join(f"<sitemap><loc>{escape(url)}</loc><lastmod>{day}</lastmod></sitemap>\n" for url in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}</sitemapindex>\n')
