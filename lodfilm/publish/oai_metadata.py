"""The two metadata formats OAI-PMH offers for a film: ``oai_dc`` (the protocol's mandatory simple Dublin Core)
and ``edm`` (the Europeana Data Model in RDF/XML, what film-archive aggregators such as the European Film
Gateway prefer).

EDM (https://pro.europeana.eu/page/edm-documentation): the film is an ``edm:ProvidedCHO``; an
``ore:Aggregation`` says who provides it, under which rights, and where it is shown (``edm:isShownAt``, the
film's page here). Both formats are built from :class:`FilmFields`, the few facts a crosswalk needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


#: where an element's values come from: a film's facts, or who provides it
Values = Callable[[FilmFields, Provider], Iterable[str]]


def many(name: str) -> Values:
    """Every value of the film's field ``name`` (a list)."""
    return lambda film, _provider: getattr(film, name)


def one(name: str) -> Values:
    """The film's field ``name`` when it has one."""
    return lambda film, _provider: [value] if (value := getattr(film, name)) else []


def fixed(value: str) -> Values:
    return lambda _film, _provider: [value]


def IDENTIFIER(film: FilmFields, _provider: Provider) -> list[str]:  # noqa: N802 (a table's constant)
    return [film.iri]


def PUBLISHER(_film: FilmFields, provider: Provider) -> list[str]:  # noqa: N802
    return [provider.name]


def RIGHTS(_film: FilmFields, provider: Provider) -> list[str]:  # noqa: N802
    return [provider.rights]

#: simple Dublin Core's elements for a film, in the order they are written (the directors are its creators; the
#: DCMI Type Vocabulary's term for a film is MovingImage; countries are its coverage)
DUBLIN_CORE: list[tuple[str, Values]] = [
    (f"{{{DC}}}title", many("titles")), (f"{{{DC}}}creator", many("directors")),
    (f"{{{DC}}}subject", many("genres")), (f"{{{DC}}}description", many("descriptions")),
    (f"{{{DC}}}publisher", PUBLISHER), (f"{{{DC}}}date", one("year")), (f"{{{DC}}}type", fixed("MovingImage")),
    (f"{{{DC}}}identifier", IDENTIFIER), (f"{{{DC}}}language", many("languages")),
    (f"{{{DC}}}coverage", many("countries")), (f"{{{DC}}}rights", RIGHTS),
]

#: the ``edm:ProvidedCHO``'s elements (EDM takes Dublin Core's and DCMI terms' elements, and its own type)
PROVIDED_CHO: list[tuple[str, Values]] = [
    (f"{{{DC}}}title", many("titles")), (f"{{{DC}}}creator", many("directors")),
    (f"{{{DC}}}description", many("descriptions")), (f"{{{DC}}}subject", many("genres")),
    (f"{{{DC}}}language", many("languages")), (f"{{{DCTERMS}}}spatial", many("countries")),
    (f"{{{DCTERMS}}}created", one("year")), (f"{{{DC}}}identifier", IDENTIFIER), (f"{{{EDM}}}type", fixed("VIDEO")),
]


def write(parent: etree._Element, elements: list[tuple[str, Values]], film: FilmFields, provider: Provider) -> None:
    """One text element per value, in the table's order."""
    for tag, values in elements:
        for value in values(film, provider):
            etree.SubElement(parent, tag).text = value


def oai_dc(film: FilmFields, provider: Provider) -> etree._Element:
    """``<oai_dc:dc>`` for ``film``: title, creator (its directors), date, description, type, identifier…"""
    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
    write(root, DUBLIN_CORE, film, provider)
    return root


def edm(film: FilmFields, provider: Provider) -> etree._Element:
    """``<rdf:RDF>`` with the film as ``edm:ProvidedCHO`` and its ``ore:Aggregation``."""
    root = etree.Element(f"{{{RDF}}}RDF", nsmap={"rdf": RDF, "edm": EDM, "ore": ORE, "dc": DC, "dcterms": DCTERMS})
    cho = etree.SubElement(root, f"{{{EDM}}}ProvidedCHO", {f"{{{RDF}}}about": film.iri})
    write(cho, PROVIDED_CHO, film, provider)
    aggregation = etree.SubElement(root, f"{{{ORE}}}Aggregation", {f"{{{RDF}}}about": f"{film.iri}#aggregation"})
    etree.SubElement(aggregation, f"{{{EDM}}}aggregatedCHO", {f"{{{RDF}}}resource": film.iri})
    write(aggregation, [(f"{{{EDM}}}dataProvider", PUBLISHER), (f"{{{EDM}}}provider", PUBLISHER)], film, provider)
    etree.SubElement(aggregation, f"{{{EDM}}}isShownAt", {f"{{{RDF}}}resource": film.iri})
    etree.SubElement(aggregation, f"{{{EDM}}}rights", {f"{{{RDF}}}resource": provider.rights})
    return root


CROSSWALKS = {"oai_dc": oai_dc, "edm": edm}
