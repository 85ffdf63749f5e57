"""The two metadata formats OAI-PMH offers for a film: ``oai_dc`` (the protocol's mandatory simple Dublin Core)
and ``edm`` (the Europeana Data Model in RDF/XML, what film-archive aggregators such as the European Film
Gateway prefer).

EDM (https://pro.europeana.eu/page/edm-documentation): the film is an ``edm:ProvidedCHO``; an
``ore:Aggregation`` says who provides it, under which rights, and where it is shown (``edm:isShownAt``, the
film's page here). Both formats are built from :class:`FilmFields`, the few facts a crosswalk needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from lodfilm.publish.oai import MetadataFormat

DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
EDM = "http://www.europeana.eu/schemas/edm/"
ORE = "http://www.openarchives.org/ore/terms/"

FORMATS = (
    MetadataFormat("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC),
    MetadataFormat("edm", "http://www.europeana.eu/schemas/edm/EDM.xsd", EDM),
)


@dataclass(frozen=True)
class FilmFields:
    """What the crosswalks read of a film (names, not IRIs, where Dublin Core wants text)."""

    iri: str
    titles: list[str] = field(default_factory=list)
    year: str | None = None
    descriptions: list[str] = field(default_factory=list)
    directors: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Provider:
    """Who publishes: the site's title (``edm:dataProvider``/``edm:provider``, ``dc:publisher``) and its
    licence (``edm:rights``, ``dc:rights``)."""

    name: str
    rights: str


def text(parent: etree._Element, tag: str, value: str) -> None:
    etree.SubElement(parent, tag).text = value


def oai_dc(film: FilmFields, provider: Provider) -> etree._Element:
    """``<oai_dc:dc>`` for ``film``: title, creator (its directors), date, description, type, identifier…"""
    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
    for title in film.titles:
        text(root, f"{{{DC}}}title", title)
    for director in film.directors:
        text(root, f"{{{DC}}}creator", director)
    for genre in film.genres:
        text(root, f"{{{DC}}}subject", genre)
    for description in film.descriptions:
        text(root, f"{{{DC}}}description", description)
    text(root, f"{{{DC}}}publisher", provider.name)
    if film.year:
        text(root, f"{{{DC}}}date", film.year)
    text(root, f"{{{DC}}}type", "MovingImage")  # the DCMI Type Vocabulary's term for films
    text(root, f"{{{DC}}}identifier", film.iri)
    for language in film.languages:
        text(root, f"{{{DC}}}language", language)
    for country in film.countries:
        text(root, f"{{{DC}}}coverage", country)
    text(root, f"{{{DC}}}rights", provider.rights)
    return root


def edm(film: FilmFields, provider: Provider) -> etree._Element:
    """``<rdf:RDF>`` with the film as ``edm:ProvidedCHO`` and its ``ore:Aggregation``."""
    root = etree.Element(f"{{{RDF}}}RDF", nsmap={"rdf": RDF, "edm": EDM, "ore": ORE, "dc": DC, "dcterms": DCTERMS})
    cho = etree.SubElement(root, f"{{{EDM}}}ProvidedCHO", {f"{{{RDF}}}about": film.iri})
    for title in film.titles:
        text(cho, f"{{{DC}}}title", title)
    for director in film.directors:
        text(cho, f"{{{DC}}}creator", director)
    for description in film.descriptions:
        text(cho, f"{{{DC}}}description", description)
    for genre in film.genres:
        text(cho, f"{{{DC}}}subject", genre)
    for language in film.languages:
        text(cho, f"{{{DC}}}language", language)
    for country in film.countries:
        text(cho, f"{{{DCTERMS}}}spatial", country)
    if film.year:
        text(cho, f"{{{DCTERMS}}}created", film.year)
    text(cho, f"{{{DC}}}identifier", film.iri)
    text(cho, f"{{{EDM}}}type", "VIDEO")
    aggregation = etree.SubElement(root, f"{{{ORE}}}Aggregation", {f"{{{RDF}}}about": f"{film.iri}#aggregation"})
    etree.SubElement(aggregation, f"{{{EDM}}}aggregatedCHO", {f"{{{RDF}}}resource": film.iri})
    text(aggregation, f"{{{EDM}}}dataProvider", provider.name)
    text(aggregation, f"{{{EDM}}}provider", provider.name)
    etree.SubElement(aggregation, f"{{{EDM}}}isShownAt", {f"{{{RDF}}}resource": film.iri})
    etree.SubElement(aggregation, f"{{{EDM}}}rights", {f"{{{RDF}}}resource": provider.rights})
    return root


CROSSWALKS = {"oai_dc": oai_dc, "edm": edm}
