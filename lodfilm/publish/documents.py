"""The document of each resource: which triples describe a film, a person, an organisation, a country or a record.

One data function per resource kind (a SPARQL CONSTRUCT, so any SPARQL store can answer it); every renderer —
HTML, Turtle, JSON-LD, N-Triples, RDF/XML — is fed the same graph. A film's document holds everything needed to
understand it: the film's own triples, its roles and trailer, the names and types of the people, organisations
and countries it links to, the contact details of its companies, and its records' provenance. A person's (or
organisation's, or country's) document holds its own triples and every film and role that links to it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from lodfilm.iris import Iris
from lodfilm.store.base import Store
from lodfilm.vocab import DCTERMS, FIAF, PROV, RDF, RDFS, SDO

# A document is the union of a few CONSTRUCTs, each one layer of it; ``<IRI>`` is the resource. (Separate
# queries, not one UNION: oxigraph plans each small query well, the big one ten times slower.)
FRAGMENTS = 'FILTER(STRSTARTS(STR(?part), "IRI#"))'
OWN = [
    "CONSTRUCT { <IRI> ?p ?o } WHERE { <IRI> ?p ?o }",
    f"CONSTRUCT {{ ?part ?p ?o }} WHERE {{ <IRI> ?link ?part . ?part ?p ?o {FRAGMENTS} }}",
]
FILM = [
    *OWN,
    # the names and types of what the film and its roles link to
    "CONSTRUCT { ?linked a ?type ; schema:name ?name ; schema:identifier ?id } WHERE { "
    f"{{ <IRI> ?p ?linked }} UNION {{ <IRI> ?p ?part . ?part ?q ?linked {FRAGMENTS} }} "
    "?linked a ?type . OPTIONAL { ?linked schema:name ?name } OPTIONAL { ?linked schema:identifier ?id } }",
    # the contact details of its companies (world sales)
    "CONSTRUCT { ?org ?p ?o . ?address ?ap ?ao } WHERE { "
    f"{{ <IRI> ?link ?org }} UNION {{ <IRI> ?link ?part . ?part ?q ?org {FRAGMENTS} }} "
    # (FILTER EXISTS, not a plain pattern: oxigraph would start from every organisation in the store)
    "FILTER EXISTS { ?org a schema:Organization } ?org ?p ?o . "
    "OPTIONAL { ?org schema:address ?address . ?address ?ap ?ao } }",
    # its records' provenance, and who published its source pages
    "CONSTRUCT { ?record ?p ?o . ?activity ?ap ?ao } WHERE { ?record schema:about <IRI> ; ?p ?o . "
    "OPTIONAL { ?record prov:wasGeneratedBy ?activity . ?activity ?ap ?ao } }",
    "CONSTRUCT { ?page schema:publisher ?pub . ?pub a ?type ; schema:name ?name ; schema:url ?url } WHERE { "
    "<IRI> schema:subjectOf ?page . ?page schema:publisher ?pub . ?pub a ?type ; schema:name ?name . "
    "OPTIONAL { ?pub schema:url ?url } }",
]
# People, organisations and countries: their own triples, and each film that links to them directly or through
# a role, with the film's name and year and the role's label or character.
AGENT = [
    *OWN,
    "CONSTRUCT { ?film ?p <IRI> . ?film a schema:Movie ; schema:name ?name ; schema:dateCreated ?year } WHERE { "
    "?film ?p <IRI> ; schema:name ?name . FILTER EXISTS { ?film a schema:Movie } "
    "OPTIONAL { ?film schema:dateCreated ?year } }",
    "CONSTRUCT { ?film ?p ?role . "
    "?role ?q <IRI> ; a ?type ; schema:roleName ?label ; schema:characterName ?character . "
    "?film a schema:Movie ; schema:name ?name ; schema:dateCreated ?year } WHERE { "
    "?role ?q <IRI> ; a ?type . ?film ?p ?role ; schema:name ?name . FILTER EXISTS { ?film a schema:Movie } "
    "OPTIONAL { ?role schema:roleName ?label } OPTIONAL { ?role schema:characterName ?character } "
    "OPTIONAL { ?film schema:dateCreated ?year } }",
]
RECORD = ["CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <IRI> { ?s ?p ?o } }"]
# A prize or one of its editions: its own triples, the series it belongs to, its editions, and each film's
# part in it (award-or-nomination event, with the status) with the film's name and year.
AWARD = [
    "CONSTRUCT { <IRI> ?p ?o } WHERE { <IRI> ?p ?o }",
    "CONSTRUCT { ?series a ?type ; schema:name ?name } WHERE { <IRI> schema:superEvent ?series . "
    "?series a ?type ; schema:name ?name }",
    "CONSTRUCT { ?edition a ?type ; schema:name ?name ; schema:superEvent <IRI> } WHERE { "
    "?edition schema:superEvent <IRI> ; a ?type ; schema:name ?name . "
    "FILTER NOT EXISTS { ?edition a fiaf:AwardOrNominationEvent } }",
    "CONSTRUCT { ?part ?p ?o . ?film schema:subjectOf ?part ; a schema:Movie ; schema:name ?name ; "
    "schema:dateCreated ?year } WHERE { ?part schema:superEvent <IRI> ; a fiaf:AwardOrNominationEvent ; ?p ?o . "
    "?film schema:subjectOf ?part ; schema:name ?name . OPTIONAL { ?film schema:dateCreated ?year } }",
]

QUERIES = {"film": FILM, "person": AGENT, "organization": AGENT, "country": AGENT, "record": RECORD,
           "award": AWARD}


def document(store: Store, iris: Iris, iri: str) -> bytes | None:
    """The N-Triples of ``iri``'s document, or None when the store says nothing about it."""
    return _collect(store, iris, iri, QUERIES)


def head(store: Store, iris: Iris, iri: str) -> bytes | None:
    """A person's, organisation's or country's own triples (and its fragments'), without the films linking to it:
    what its page shows above its credits, which the page reads a page at a time from the index (a person credited
    on 50,000 films has a document of megabytes, and a page of 50 films)."""
    return _collect(store, iris, iri, {"person": OWN, "organization": OWN, "country": OWN})


def _collect(store: Store, iris: Iris, iri: str, queries: dict[str, list[str]]) -> bytes | None:
    kind = iris.kind_of(iri)
    if kind not in queries or "#" in iri or not is_iri(iri):
        return None
    lines: set[bytes] = set()
    for query in queries[kind]:
        lines.update(store.construct(query.replace("IRI", iri)).splitlines())
    typed = f"<{iri}> <{RDF.type}> ".encode()
    if kind != "record" and not any(line.startswith(typed) for line in lines):
        return None
    return b"\n".join(sorted(lines)) + b"\n" if lines else None


def is_iri(text: str) -> bool:
    """Whether ``text`` is an IRI pyoxigraph accepts, so that ``<text>`` in a query is one IRI and nothing else
    (no malformed ``%`` escape, control character, space or ``>`` that would break or change the query)."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def to_graph(data: bytes) -> Graph:
    return Graph().parse(data=data, format="nt")


# -- views: the structures the HTML templates read -----------------------------------------------------------
@dataclass
class Link:
    iri: str
    name: str
    note: str = ""


@dataclass
class Contact:
    iri: str
    name: str
    street: str = ""
    postal_code: str = ""
    locality: str = ""
    country: str = ""
    telephone: str = ""
    fax: str = ""
    email: str = ""
    url: str = ""


@dataclass
class SourcePage:
    """A web page a record was taken from."""

    url: str
    publisher: Link | None = None
    retrieved: str = ""


@dataclass
class SourceView:
    """One record about the film (source number ``number``) and the pages it was taken from: one entry per
    record, so ``#source-n`` names one place on the page however many pages the record cites."""

    number: int
    file: str = ""
    modified: str = ""
    pages: list[SourcePage] = field(default_factory=list)


@dataclass
class FilmView:
    iri: str
    title: str
    alternate: list[str] = field(default_factory=list)
    year: str = ""
    runtime: int | None = None
    countries: list[Link] = field(default_factory=list)
    directors: list[Link] = field(default_factory=list)
    screenplay: list[Link] = field(default_factory=list)
    music: list[Link] = field(default_factory=list)
    producers: list[Link] = field(default_factory=list)
    companies: list[Link] = field(default_factory=list)  # production companies that are not co-producers
    cast: list[Link] = field(default_factory=list)
    crew: dict[str, list[Link]] = field(default_factory=dict)
    synopsis: str = ""
    trailer: str = ""
    image: str = ""
    awards: list[str] = field(default_factory=list)  # awards won that no prize edition below already says
    sales: list[Contact] = field(default_factory=list)
    sources: list[SourceView] = field(default_factory=list)
    same_as: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    selections: list[Link] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)


@dataclass
class Fact:
    """One statement about a film with the records that make it (numbers into the film's sources)."""

    label: str
    value: str
    iri: str
    records: list[int]


@dataclass
class AwardView:
    iri: str
    name: str
    series: Link | None = None
    editions: list[Link] = field(default_factory=list)
    by_status: dict[str, list[Link]] = field(default_factory=dict)


@dataclass
class AgentView:
    iri: str
    kind: str
    name: str
    description: str = ""
    identifier: str = ""
    same_as: list[str] = field(default_factory=list)
    contact: Contact | None = None
    films: list[Link] = field(default_factory=list)


def text(graph: Graph, subject: Node, predicate: URIRef) -> str:
    value = graph.value(subject, predicate)
    return str(value) if value is not None else ""


def name_of(graph: Graph, node: Node) -> str:
    return text(graph, node, SDO.name) or str(node).rsplit("/", 1)[-1]


def links(graph: Graph, subject: Node, predicate: URIRef) -> list[Link]:
    return sorted((Link(str(o), name_of(graph, o)) for o in graph.objects(subject, predicate)),
                  key=lambda link: link.name.casefold())


def minutes(duration: str) -> int | None:
    """``PT1H35M`` → 95 (days, hours and minutes; what our durations hold)."""
    import re

    match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?", duration)
    if not match:
        return None
    days, hours, mins = (int(g or 0) for g in match.groups())
    return days * 1440 + hours * 60 + mins


def contact(graph: Graph, org: Node) -> Contact:
    address = graph.value(org, SDO.address)
    part = (lambda p: text(graph, address, p)) if address is not None else (lambda p: "")
    return Contact(
        iri=str(org), name=name_of(graph, org), street=part(SDO.streetAddress), postal_code=part(SDO.postalCode),
        locality=part(SDO.addressLocality), country=part(SDO.addressCountry), telephone=text(graph, org, SDO.telephone),
        fax=text(graph, org, SDO.faxNumber), email=text(graph, org, SDO.email), url=text(graph, org, SDO.url),
    )


def film_view(graph: Graph, iri: str) -> FilmView:
    film = URIRef(iri)
    view = FilmView(iri=iri, title=name_of(graph, film))
    view.alternate = sorted(str(o) for o in graph.objects(film, SDO.alternateName))
    view.year = text(graph, film, SDO.dateCreated)
    view.runtime = minutes(text(graph, film, SDO.duration))
    view.countries = links(graph, film, SDO.countryOfOrigin)
    view.directors = links(graph, film, SDO.director)
    view.screenplay = links(graph, film, SDO.author)
    view.music = links(graph, film, SDO.musicBy)
    view.producers = links(graph, film, SDO.producer)
    view.synopsis = text(graph, film, SDO.description)
    view.image = min((str(o) for o in graph.objects(film, SDO.image)), default="")  # one, the same each time
    view.same_as = sorted(str(o) for o in graph.objects(film, SDO.sameAs))
    view.links = sorted(str(o) for o in graph.objects(film, RDFS.seeAlso))
    trailer = graph.value(film, SDO.trailer)
    if trailer is not None:
        view.trailer = text(graph, trailer, SDO.embedUrl) or text(graph, trailer, SDO.url)
    for role in graph.objects(film, SDO.actor):
        for actor in graph.objects(role, SDO.actor):
            view.cast.append(Link(str(actor), name_of(graph, actor), text(graph, role, SDO.characterName)))
    view.cast.sort(key=lambda link: link.name.casefold())
    crew: dict[str, list[Link]] = defaultdict(list)
    for role in graph.objects(film, SDO.contributor):
        label = role_label(graph, role)
        for agent in graph.objects(role, SDO.contributor):
            if label == SALES:  # shown once, with its contact details, under its own heading
                view.sales.append(contact(graph, agent))
            else:
                crew[label].append(Link(str(agent), name_of(graph, agent)))
    view.crew = {label: sorted(people, key=lambda link: link.name.casefold()) for label, people in sorted(crew.items())}
    view.sales.sort(key=lambda sales: sales.name.casefold())
    # A co-producer is also a ``productionCompany`` (what schema.org readers look for): one company, one credit.
    coproducers = {link.iri for link in crew.get(COPRODUCTION, [])}
    view.companies = [link for link in links(graph, film, SDO.productionCompany) if link.iri not in coproducers]
    view.sources = sources(graph, iri)
    view.selections, won = selections(graph, film)
    # A win is stated twice in the data — ``schema:award`` (text, what search engines read) and the prize
    # edition the film won — and is one fact: the award text a won edition already names is not shown again.
    view.awards = sorted({str(o) for o in graph.objects(film, SDO.award)} - won)
    return view


SALES = "World sales"
COPRODUCTION = "Co-production"


def sources(graph: Graph, iri: str) -> list[SourceView]:
    """The film's records, numbered, each with the pages it was taken from (when it was retrieved, and by whom
    each was published)."""
    out: list[SourceView] = []
    for number, record_iri in enumerate(records_of(graph, iri), start=1):
        record = URIRef(record_iri)
        retrieved = {str(graph.value(a, PROV.used)): text(graph, a, DCTERMS.date)
                     for a in graph.objects(record, PROV.wasGeneratedBy)}
        view = SourceView(number=number, file=text(graph, record, DCTERMS.source),
                          modified=text(graph, record, DCTERMS.modified))
        for page in sorted(graph.objects(record, PROV.wasDerivedFrom), key=str):
            publisher = graph.value(page, SDO.publisher)
            view.pages.append(SourcePage(
                url=str(page), retrieved=retrieved.get(str(page), ""),
                publisher=Link(str(publisher), name_of(graph, publisher)) if publisher else None,
            ))
        out.append(view)
    return out


def selections(graph: Graph, film: URIRef) -> tuple[list[Link], set[str]]:
    """The prize editions the film took part in (the edition, and the status as the note), and the names of
    the ones it won, as its ``schema:award`` text writes them."""
    found: list[Link] = []
    won: set[str] = set()
    for part in graph.objects(film, SDO.subjectOf):
        if (part, RDF.type, FIAF.AwardOrNominationEvent) not in graph:
            continue
        edition = graph.value(part, SDO.superEvent)
        status = text(graph, part, FIAF.hasAchievement)
        found.append(Link(str(edition), name_of(graph, edition) if edition else "", status))
        if status == "winner":
            won.update(str(o) for o in graph.objects(part, FIAF.hasAwardName))
            if edition is not None:
                won.add(name_of(graph, edition))
    return sorted(found, key=lambda link: (link.name, link.note)), won


def records_of(graph: Graph, iri: str) -> list[str]:
    """The records (named graphs) about a film, in a stable order (by file name): source number n is the n-th."""
    records = graph.subjects(SDO.about, URIRef(iri))
    return [str(r) for r in sorted(records, key=lambda r: (text(graph, r, DCTERMS.source), str(r)))]


def role_label(graph: Graph, role: Node) -> str:
    """A role's label as printed (its text ``roleName``; the other one is the FIAF class URL)."""
    labels = [str(o) for o in graph.objects(role, SDO.roleName) if isinstance(o, Literal)]
    return labels[0] if labels else ""


FACT_LABELS: dict[URIRef, str] = {
    SDO.name: "Title", SDO.alternateName: "Other title", SDO.dateCreated: "Year", SDO.duration: "Runtime",
    SDO.countryOfOrigin: "Country", SDO.director: "Director", SDO.author: "Screenplay", SDO.musicBy: "Music",
    SDO.producer: "Producer", SDO.productionCompany: "Production company", SDO.award: "Award",
    SDO.datePublished: "Release date", SDO.genre: "Genre", SDO.contentRating: "Content rating",
    SDO.inLanguage: "Language", SDO.aggregateRating: "Rating", SDO.keywords: "Keyword", SDO.isBasedOn: "Based on",
    SDO.image: "Image", SDO.sameAs: "Same as",
}

# Which record states each fact about a film (a record is a named graph).
FACT_SOURCES = "SELECT ?g ?p ?o WHERE { GRAPH ?g { <IRI> ?p ?o } }"


def facts(graph: Graph, iri: str, sources: list[dict[str, str]], records: list[str]) -> list[Fact]:
    """The film's main facts, each with the numbers (1-based, in ``records`` order) of the records stating it:
    where sources disagree (two countries lists, two spellings) both values are shown, each with its own."""
    by_fact: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in sources:
        by_fact[(row["p"], row["o"])].add(row["g"])
    number = {record: n for n, record in enumerate(records, start=1)}
    out: list[Fact] = []
    for predicate, label in FACT_LABELS.items():
        for obj in sorted(graph.objects(URIRef(iri), predicate), key=str):
            if isinstance(obj, URIRef) and (obj, SDO.name, None) in graph:
                shown, link = name_of(graph, obj), str(obj)
            elif predicate == SDO.duration:
                shown, link = f"{minutes(str(obj))} min", ""
            elif predicate == SDO.aggregateRating:
                shown, link = rating_text(graph, obj), ""
            else:
                shown, link = str(obj), str(obj) if isinstance(obj, URIRef) else ""
            refs = sorted(number[g] for g in by_fact.get((str(predicate), str(obj)), ()) if g in number)
            out.append(Fact(label, shown, link, refs))
    return out


def rating_text(graph: Graph, node: Node) -> str:
    """An aggregate rating as people read one: ``7.6 / 10 (8,123 ratings, IMDb)``."""
    def one(prop: URIRef) -> Node | None:
        return next(iter(graph.objects(node, prop)), None)

    value, best, count, author = (one(SDO.ratingValue), one(SDO.bestRating), one(SDO.ratingCount),
                                  one(SDO.author))
    text = f"{number_text(value)}" + (f" / {number_text(best)}" if best is not None else "")
    details = [f"{int(str(count)):,} ratings"] if count is not None and str(count).isdigit() else []
    if author is not None:
        details.append(name_of(graph, author) or str(author))
    return text + (f" ({', '.join(details)})" if details else "")


def number_text(value: Node | None) -> str:
    """``7.6``, ``10`` (not ``1.0E1``): a rating's number as written."""
    try:
        number = float(str(value))
    except ValueError:
        return str(value)
    return f"{number:g}"


ROLE_LABELS = {
    SDO.director: "Director", SDO.author: "Screenplay", SDO.musicBy: "Music", SDO.producer: "Producer",
    SDO.productionCompany: "Production company", SDO.countryOfOrigin: "Country of origin",
}


def agent_view(graph: Graph, iri: str, kind: str) -> AgentView:
    node = URIRef(iri)
    view = AgentView(iri=iri, kind=kind, name=name_of(graph, node), description=text(graph, node, SDO.description),
                     identifier=text(graph, node, SDO.identifier),
                     same_as=sorted(str(o) for o in graph.objects(node, SDO.sameAs)))
    if kind == "organization":
        view.contact = contact(graph, node)
    films: dict[str, set[str]] = defaultdict(set)
    for film, predicate in graph.subject_predicates(node):
        label = ROLE_LABELS.get(URIRef(str(predicate)))
        if (film, RDF.type, SDO.Movie) in graph and label:
            films[str(film)].add(label)
    for role, predicate in graph.subject_predicates(node):
        if predicate not in (SDO.actor, SDO.contributor) or (role, RDF.type, SDO.Movie) in graph:
            continue
        label = role_label(graph, role)
        character = text(graph, role, SDO.characterName)
        note = label or ("Cast" + (f" ({character})" if character else ""))
        for subject in graph.subjects(None, role):
            films[str(subject)].add(note)
    for film_iri, notes in films.items():
        year = text(graph, URIRef(film_iri), SDO.dateCreated)
        title = name_of(graph, URIRef(film_iri)) + (f" ({year})" if year else "")
        view.films.append(Link(film_iri, title, ", ".join(sorted(notes))))
    view.films.sort(key=lambda link: link.name.casefold())
    return view


def last_modified(data: bytes, iri: str) -> dt.datetime | None:
    """The newest ``dcterms:modified`` of the records about ``iri``, read from its document's N-Triples with
    pyoxigraph's parser (every request for a resource asks, whatever the format: no rdflib graph for this)."""
    about, modified = ox.NamedNode(f"{SDO}about"), ox.NamedNode(str(DCTERMS.modified))
    target = ox.NamedNode(iri)
    records: set[str] = set()
    stamps: dict[str, dt.datetime] = {}
    for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):
        if t.predicate == about and t.object == target:
            records.add(str(t.subject))
        elif t.predicate == modified and isinstance(t.object, ox.Literal):
            try:
                stamps[str(t.subject)] = dt.datetime.fromisoformat(t.object.value)
            except ValueError:
                continue
    found = [stamp for record, stamp in stamps.items() if record in records]
    return max(found) if found else None


STATUS_ORDER = ("winner", "finalist", "official selection")


def award_view(graph: Graph, iri: str) -> AwardView:
    node = URIRef(iri)
    view = AwardView(iri=iri, name=name_of(graph, node))
    series = graph.value(node, SDO.superEvent)
    if series is not None:
        view.series = Link(str(series), name_of(graph, series))
    view.editions = sorted((Link(str(e), name_of(graph, e)) for e in graph.subjects(SDO.superEvent, node)
                            if (e, RDF.type, FIAF.AwardOrNominationEvent) not in graph), key=lambda link: link.name)
    groups: dict[str, list[Link]] = defaultdict(list)
    for part in graph.subjects(RDF.type, FIAF.AwardOrNominationEvent):
        status = text(graph, part, FIAF.hasAchievement)
        for film in graph.subjects(SDO.subjectOf, part):
            year = text(graph, film, SDO.dateCreated)
            groups[status].append(Link(str(film), name_of(graph, film) + (f" ({year})" if year else "")))
    view.by_status = {s: sorted(groups[s], key=lambda link: link.name.casefold())
                      for s in (*STATUS_ORDER, *sorted(set(groups) - set(STATUS_ORDER))) if s in groups}
    return view
