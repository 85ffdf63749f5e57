"""MAP: a :class:`Film` record → its schema.org graph (one record, one graph, no blank nodes).

The table below is the mapping a reader can check; the functions under it follow it. Every node a record
mentions gets its type and name in the record's graph, so each record's graph stands on its own: it validates
alone, and the document for a film holds the names of all it links to.

Countries: ``countryOfOrigin`` is used as film archives use "country of reference" (EN 15907): every producing
and co-producing country the record lists, not only the production company's seat.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import pyoxigraph as ox
from rdflib import Graph

from lodfilm import vocab
from lodfilm.countries import country_name
from lodfilm.credits import fiaf_class_for
from lodfilm.identity import FilmClaim, FilmIdentities
from lodfilm.iris import Identities, Iris, identifier_iris, slug
from lodfilm.publish.lint import youtube_thumbnail
from lodfilm.records.model import (
    CastCredit,
    CrewCredit,
    Film,
    Organisation,
    Person,
    Rating,
    Selection,
    Source,
    Work,
)
from lodfilm.vocab import Terms

# The vocabularies as pyoxigraph terms: a record is built from them directly (rdflib terms are ten times slower to
# make, and the store, the checks and the writer all read pyoxigraph's N-Triples forms).
#: The version of this mapping: raise it whenever a change here makes the same record map to another graph, so
#: that the next import maps every record again instead of skipping files whose bytes have not changed
#: (:mod:`lodfilm.importing.fingerprint`).
MAPPING_VERSION = "2026.12.2"

SDO, FIAF, PROV, DCTERMS, RDF, RDFS, XSD = (
    Terms(str(ns)) for ns in (vocab.SDO, vocab.FIAF, vocab.PROV, vocab.DCTERMS, vocab.RDF, vocab.RDFS, vocab.XSD)
)


class Row(NamedTuple):
    field: str
    path: str
    object: str
    fiaf: str = ""
    wikidata: str = ""


# record field → schema.org (or PROV/DCTERMS) path → what it points to. The README prints this table.
MAPPING: tuple[Row, ...] = (
    Row("title", "schema:name (language-tagged with title_language)", "text", "", "P1476"),
    Row("alternate_titles", "schema:alternateName (language-tagged)", "text", "", "P1476"),
    Row("wikidata, imdb", "schema:sameAs", "IRI", "", "P345 (IMDb)"),
    Row("directors", "schema:director", "schema:Person", "Director", "P57"),
    Row("screenplay", "schema:author", "schema:Person", "Writer", "P58"),
    Row("music", "schema:musicBy", "schema:Person", "Composer", "P86"),
    Row("producers", "schema:producer", "schema:Person", "Producer", "P162"),
    Row("production_companies", "schema:productionCompany", "schema:Organization", "ProductionCompany", "P272"),
    Row("coproduction_companies", "schema:productionCompany, and schema:contributor → schema:Role "
        "(roleName \"Co-production\" and the FIAF class) → schema:contributor", "schema:Organization",
        "ProductionCompany", "P272"),
    Row("countries", "schema:countryOfOrigin (country of reference)", "schema:Country (schema:identifier = ISO 3166-1)",
        "", "P495"),
    Row("runtime_minutes", "schema:duration", "xsd:duration, canonical form (95 min → PT1H35M)", "", "P2047"),
    Row("year", "schema:dateCreated", "xsd:gYear", "", "P577"),
    Row("release_date", "schema:datePublished", "xsd:date (a record with a release date and no year takes its "
        "year from it)", "", "P577"),
    Row("genres", "schema:genre", "text", "", "P136"),
    Row("content_rating", "schema:contentRating", "text, as the rating board writes it", "", "P1657"),
    Row("languages", "schema:inLanguage", "text, a BCP 47 tag", "", "P364"),
    Row("rating", "schema:aggregateRating → schema:AggregateRating (schema:ratingValue, schema:ratingCount, "
        "schema:bestRating, schema:worstRating; the source as schema:author → schema:Organization)",
        "xsd:double, xsd:integer", "", "P444"),
    Row("keywords", "schema:keywords", "text, one keyword each", "", "P921"),
    Row("based_on", "schema:isBasedOn", "IRI (a web address), or schema:CreativeWork (schema:name, schema:author "
        "→ schema:Person, schema:url)", "SourceMaterial", "P144"),
    Row("distributors", "schema:contributor → schema:Role (roleName \"Distribution\" and the FIAF class) → "
        "schema:contributor", "schema:Organization", "Distributor", "P750"),
    Row("awards", "schema:award", "text (an award won; a prize edition is a selection)", "", "P166"),
    Row("synopsis", "schema:description (language-tagged)", "text", "", ""),
    Row("cast", "schema:actor → schema:PerformanceRole (schema:characterName) → schema:actor", "schema:Person",
        "CastMember", "P161 (character: P453)"),
    Row("crew", "schema:contributor → schema:Role (schema:roleName = label as printed, and the FIAF class URL) → "
        "schema:contributor", "schema:Person or schema:Organization", "per label (see Credits)",
        "per label (see Credits)"),
    Row(
        "world_sales",
        "schema:contributor → schema:Role (roleName \"World sales\" and the FIAF class) → schema:contributor",
        "schema:Organization (address → schema:PostalAddress, telephone, faxNumber, email, url)",
        "WorldDistributor", "P750",
    ),
    Row("trailer", "schema:trailer",
        "schema:VideoObject (schema:embedUrl; schema:thumbnailUrl derived from a YouTube video id)", "", "P1651"),
    Row("image", "schema:image", "IRI", "", "P18"),
    Row("links", "rdfs:seeAlso", "IRI", "", ""),
    Row("sources", "schema:subjectOf", "schema:WebPage (schema:publisher → schema:Organization)", "", "P854"),
    Row("sources (provenance)", "record graph: prov:wasDerivedFrom; prov:wasGeneratedBy → prov:Activity "
        "(prov:used, dcterms:date = retrieval date)", "IRI, xsd:date", "", "P854, P813"),
    Row("selections", "schema:subjectOf → fiaf:AwardOrNominationEvent (fiaf:hasAwardName, fiaf:hasAchievement, "
        "fiaf:nominationOnly; schema:superEvent → the edition, a schema:Event, whose schema:superEvent is the "
        "prize, a schema:EventSeries)", "{base}award/{prize}-{year}", "AwardOrNominationEvent", "P1411"),
    Row("selections (winner)", "schema:award", "text, e.g. \"LUX Prize 2010\"", "", "P166"),
    Row("person description", "schema:description on the person (language-tagged)", "text", "", ""),
)

# Simple person-valued fields: record field → property on the film.
PEOPLE: dict[str, ox.NamedNode] = {
    "directors": SDO.director,
    "screenplay": SDO.author,
    "music": SDO.musicBy,
    "producers": SDO.producer,
}


class RecordGraph:
    """One record's graph, as the set of its N-Triples lines (pyoxigraph writes each term, so escaping and
    literal forms are the store's own): what the checks, the comparison with the store and the writer read."""

    __slots__ = ("lines",)

    def __init__(self) -> None:
        self.lines: set[str] = set()

    def add(self, triple: tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]) -> None:
        self.lines.add(f"{triple[0]} {triple[1]} {triple[2]} .")

    def ntriples(self) -> bytes:
        return "\n".join(sorted(self.lines)).encode()

    def graph(self) -> Graph:
        """The same triples as an rdflib graph (for the search-engine lint and the tests)."""
        return Graph().parse(data=self.ntriples(), format="nt")


def text(value: str, language: str | None) -> ox.Literal:
    return ox.Literal(value, language=language) if language else ox.Literal(value)


def duration(minutes: int) -> ox.Literal:
    """An xsd:duration in its canonical form (95 → PT1H35M, 1500 → P1DT1H), as the store keeps it."""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    time_part = (f"{hours}H" if hours else "") + (f"{mins}M" if mins else "")
    return ox.Literal(("P" + (f"{days}D" if days else "") + (f"T{time_part}" if time_part else "")) or "PT0S",
                      datatype=XSD.duration)


@dataclass
class Mapper:
    """Maps records under one base, sharing one :class:`Identities` (people, organisations) and one
    :class:`FilmIdentities` (films) so that identifiers decide identity and two films never share an IRI.

    ``films`` is given the store's view by the pipeline (which records hold which film); with the claims of the
    records mapped earlier in this run, it decides each record's film (:mod:`lodfilm.identity`).
    """

    iris: Iris
    identities: Identities
    films: FilmIdentities = field(init=False)
    #: credit labels met that have no FIAF class (kept as text); the pipeline reports them
    unclassified: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.films = FilmIdentities(self.identities)

    def claim(self, film: Film, record_iri: str = "", file: str = "") -> FilmClaim:
        """What ``film`` says that decides which film it is (see :mod:`lodfilm.identity`)."""
        return FilmClaim.of(
            record=record_iri, file=file, id=film.id,
            titles=[film.title, *(t.text for t in film.alternate_titles)], year=key_year(film),
            directors=[self.person_iri(d) for d in film.directors], identifiers=identifier_iris(film, "title"))

    def film_iri(self, film: Film, record_iri: str = "", file: str = "", claim: FilmClaim | None = None) -> str:
        """The film's IRI: by its identifiers, else ``{title}-{year}`` unless another film holds it.

        Two records of one title and year are one film when they share a director (the seed page and its row
        in the LUX table), and two films when their directors have nothing in common (*Home*, 2008, by Yann
        Arthus-Bertrand and by Ursula Meier): the second gets ``{title}-{year}-{its first director}``."""
        first = film.directors[0].name if film.directors else None
        # A claim made already (to key the record in its file) is taken as it is, its sets shared: the run keeps
        # one set of them a record, not two.
        held = replace(claim, record=record_iri) if claim is not None else self.claim(film, record_iri, file)
        return self.films.resolve(held, self.iris.film(film_key(film)), first)

    def person_iri(self, person: Person) -> str:
        return self.identities.resolve(self.iris.person(slug(person.name)), identifier_iris(person, "name"))

    def map(self, film: Film, record_iri: str, file_name: str, file: str = "",
            claim: FilmClaim | None = None) -> tuple[str, RecordGraph]:
        """(film IRI, graph) for one record. ``record_iri`` names the graph and the record node in it; ``file`` is
        its file's part of the record key (records of one file with different ``id``s are different films)."""
        g = RecordGraph()
        f = ox.NamedNode(self.film_iri(film, record_iri, file, claim))
        g.add((f, RDF.type, SDO.Movie))
        g.add((f, SDO.name, text(film.title, film.title_language)))
        for alt in film.alternate_titles:
            if alt.text == film.title and alt.language in (None, film.title_language):
                continue  # the title again (an export's English-title column often repeats it): nothing more said
            g.add((f, SDO.alternateName, text(alt.text, alt.language)))
        for iri in identifier_iris(film, "title"):
            g.add((f, SDO.sameAs, ox.NamedNode(iri)))
        for field_name, prop in PEOPLE.items():
            for person in getattr(film, field_name):
                g.add((f, prop, self.person(g, person)))
        for org in [*film.production_companies, *film.coproduction_companies]:
            g.add((f, SDO.productionCompany, self.organisation(g, org)))
        for code in film.countries:
            country = ox.NamedNode(self.iris.country(code))
            g.add((f, SDO.countryOfOrigin, country))
            g.add((country, RDF.type, SDO.Country))
            g.add((country, SDO.name, ox.Literal(country_name(code), language="en")))
            g.add((country, SDO.identifier, ox.Literal(code)))
        if film.runtime_minutes is not None:
            g.add((f, SDO.duration, duration(film.runtime_minutes)))
        if film.year is not None:
            g.add((f, SDO.dateCreated, ox.Literal(f"{film.year:04d}", datatype=XSD.gYear)))
        if film.release_date is not None:
            g.add((f, SDO.datePublished, ox.Literal(film.release_date.isoformat(), datatype=XSD.date)))
        if film.synopsis:
            g.add((f, SDO.description, text(film.synopsis, film.synopsis_language)))
        for prop, values in ((SDO.genre, film.genres), (SDO.keywords, film.keywords), (SDO.award, film.awards),
                             (SDO.inLanguage, film.languages)):
            for value in values:
                g.add((f, prop, ox.Literal(value)))
        if film.content_rating:
            g.add((f, SDO.contentRating, ox.Literal(film.content_rating)))
        if film.rating is not None:
            self.rating(g, f, film.rating)
        for index, work in enumerate(film.based_on, start=1):
            g.add((f, SDO.isBasedOn, self.work(g, f, work, index)))
        for credit in film.cast:
            self.cast(g, f, credit)
        for crew in film.crew:
            self.crew(g, f, crew)
        for org in film.coproduction_companies:
            self.crew(g, f, CrewCredit(role="Co-production", organisation=org))
        for org in film.world_sales:
            self.crew(g, f, CrewCredit(role="World sales", organisation=org))
        for org in film.distributors:
            self.crew(g, f, CrewCredit(role="Distribution", organisation=org))
        if film.trailer:
            video = ox.NamedNode(f"{f.value}#trailer")
            g.add((f, SDO.trailer, video))
            g.add((video, RDF.type, SDO.VideoObject))
            g.add((video, SDO.embedUrl, ox.NamedNode(film.trailer)))
            thumbnail = youtube_thumbnail(film.trailer)
            if thumbnail:  # exact, not invented: YouTube serves this image for the video id in the URL
                g.add((video, SDO.thumbnailUrl, ox.NamedNode(thumbnail)))
        if film.image:
            g.add((f, SDO.image, ox.NamedNode(film.image)))
        for link in film.links:
            g.add((f, RDFS.seeAlso, ox.NamedNode(link)))
        for selection in film.selections:
            self.selection(g, f, selection)
        self.provenance(g, f, film.sources, ox.NamedNode(record_iri), file_name)
        return f.value, g

    def person(self, g: RecordGraph, person: Person) -> ox.NamedNode:
        same = identifier_iris(person, "name")
        node = ox.NamedNode(self.person_iri(person))
        g.add((node, RDF.type, SDO.Person))
        g.add((node, SDO.name, ox.Literal(person.name)))
        for iri in same:
            g.add((node, SDO.sameAs, ox.NamedNode(iri)))
        if person.description:
            g.add((node, SDO.description, text(person.description, person.description_language)))
        return node

    def organisation(self, g: RecordGraph, org: Organisation) -> ox.NamedNode:
        same = identifier_iris(org, "company")
        node = ox.NamedNode(self.identities.resolve(self.iris.organization(slug(org.name)), same))
        g.add((node, RDF.type, SDO.Organization))
        g.add((node, SDO.name, ox.Literal(org.name)))
        for iri in same:
            g.add((node, SDO.sameAs, ox.NamedNode(iri)))
        for attr, prop in (("telephone", SDO.telephone), ("fax", SDO.faxNumber), ("email", SDO.email)):
            value = getattr(org, attr)
            if value:
                g.add((node, prop, ox.Literal(value)))
        if org.url:
            g.add((node, SDO.url, ox.NamedNode(org.url)))
        if org.address:
            address = ox.NamedNode(f"{node.value}#address")
            g.add((node, SDO.address, address))
            g.add((address, RDF.type, SDO.PostalAddress))
            for attr, prop in (
                ("street", SDO.streetAddress),
                ("postal_code", SDO.postalCode),
                ("locality", SDO.addressLocality),
                ("region", SDO.addressRegion),
                ("country", SDO.addressCountry),
            ):
                value = getattr(org.address, attr)
                if value:
                    g.add((address, prop, ox.Literal(value)))
        return node

    def rating(self, g: RecordGraph, film: ox.NamedNode, rating: Rating) -> None:
        """The aggregate rating of one source, a fragment of the film: ``{film}#rating-imdb``."""
        node = ox.NamedNode(f"{film.value}#rating" + (f"-{slug(rating.source)}" if rating.source else ""))
        g.add((film, SDO.aggregateRating, node))
        g.add((node, RDF.type, SDO.AggregateRating))
        g.add((node, SDO.ratingValue, ox.Literal(float(rating.value))))
        if rating.count is not None:
            g.add((node, SDO.ratingCount, ox.Literal(int(rating.count))))
        for prop, value in ((SDO.bestRating, rating.best), (SDO.worstRating, rating.worst)):
            if value is not None:
                g.add((node, prop, ox.Literal(float(value))))
        if rating.source:
            g.add((node, SDO.author, self.organisation(g, Organisation(name=rating.source))))

    def work(self, g: RecordGraph, film: ox.NamedNode, work: Work, index: int) -> ox.NamedNode:
        """What the film is based on: its web address, or a ``CreativeWork`` fragment of the film with a title."""
        if work.title is None:
            assert work.url is not None
            return ox.NamedNode(work.url)
        node = ox.NamedNode(f"{film.value}#based-on-{index}")
        g.add((node, RDF.type, SDO.CreativeWork))
        g.add((node, SDO.name, ox.Literal(work.title)))
        if work.author is not None:
            g.add((node, SDO.author, self.person(g, work.author)))
        if work.url:
            g.add((node, SDO.url, ox.NamedNode(work.url)))
        return node

    def cast(self, g: RecordGraph, film: ox.NamedNode, credit: CastCredit) -> None:
        actor = self.person(g, credit.person)
        role = ox.NamedNode(f"{film.value}#cast-{actor.value.rsplit('/', 1)[-1]}")
        g.add((film, SDO.actor, role))
        g.add((role, RDF.type, SDO.PerformanceRole))
        g.add((role, SDO.actor, actor))
        if credit.character:
            g.add((role, SDO.characterName, ox.Literal(credit.character)))

    def crew(self, g: RecordGraph, film: ox.NamedNode, credit: CrewCredit) -> None:
        agent: ox.NamedNode
        if credit.person is not None:
            agent = self.person(g, credit.person)
        else:
            assert credit.organisation is not None
            agent = self.organisation(g, credit.organisation)
        role = ox.NamedNode(f"{film.value}#{slug(credit.role)}-{agent.value.rsplit('/', 1)[-1]}")
        g.add((film, SDO.contributor, role))
        g.add((role, RDF.type, SDO.Role))
        g.add((role, SDO.roleName, ox.Literal(credit.role)))
        fiaf_class = fiaf_class_for(credit.role)
        if fiaf_class:  # the credit named by its FIAFcore activity class, beside the label as printed
            g.add((role, SDO.roleName, ox.NamedNode(fiaf_class)))
        else:
            self.unclassified.append(credit.role)
        g.add((role, SDO.contributor, agent))

    def selection(self, g: RecordGraph, film: ox.NamedNode, selection: Selection) -> None:
        """A film's part in a prize edition, with FIAFcore's meaning: an award-or-nomination event that names the
        award, says whether it was a nomination only, and what was achieved. ``schema:award`` (which means *won*)
        only for winners."""
        edition_name = f"{selection.prize} {selection.year}"
        prize = ox.NamedNode(self.iris.award(slug(selection.prize)))
        edition = ox.NamedNode(self.iris.award(f"{slug(selection.prize)}-{selection.year}"))
        part = ox.NamedNode(f"{film.value}#award-{slug(edition_name)}")
        g.add((prize, RDF.type, SDO.EventSeries))
        g.add((prize, SDO.name, ox.Literal(selection.prize)))
        g.add((edition, RDF.type, SDO.Event))
        g.add((edition, SDO.name, ox.Literal(edition_name)))
        g.add((edition, SDO.superEvent, prize))
        g.add((film, SDO.subjectOf, part))
        g.add((part, RDF.type, FIAF.AwardOrNominationEvent))
        g.add((part, RDF.type, SDO.Event))
        g.add((part, SDO.superEvent, edition))
        g.add((part, FIAF.hasAwardName, ox.Literal(edition_name)))
        g.add((part, FIAF.hasAchievement, ox.Literal(selection.status)))
        nomination_only = "false" if selection.status == "winner" else "true"
        g.add((part, FIAF.nominationOnly, ox.Literal(nomination_only, datatype=XSD.boolean)))
        if selection.status == "winner":
            g.add((film, SDO.award, ox.Literal(edition_name)))

    def provenance(
        self, g: RecordGraph, film: ox.NamedNode, sources: list[Source], record: ox.NamedNode, file_name: str
    ) -> None:
        """The record node (the named graph's own IRI) says what it describes and where its facts came from."""
        g.add((record, RDF.type, PROV.Entity))
        g.add((record, SDO.about, film))
        g.add((record, DCTERMS.source, ox.Literal(file_name)))
        for index, source in enumerate(sources, start=1):
            page = ox.NamedNode(source.url)
            g.add((film, SDO.subjectOf, page))
            g.add((page, RDF.type, SDO.WebPage))
            g.add((record, PROV.wasDerivedFrom, page))
            if source.publisher is not None:
                g.add((page, SDO.publisher, self.organisation(g, source.publisher)))
            if source.retrieved is not None:
                retrieval = ox.NamedNode(f"{record.value}#retrieval-{index}")
                g.add((record, PROV.wasGeneratedBy, retrieval))
                g.add((retrieval, RDF.type, PROV.Activity))
                g.add((retrieval, PROV.used, page))
                g.add((retrieval, DCTERMS.date, ox.Literal(source.retrieved.isoformat(), datatype=XSD.date)))


def key_year(film: Film) -> int | None:
    """The year a film is known by: its own, else its first prize edition's (a festival table's rows)."""
    return film.year or min((s.year for s in film.selections), default=None)


def film_key(film: Film) -> str:
    """``illegal-2010``: the original title and the year (the film's own, else its first prize edition's)."""
    year = key_year(film)
    return f"{slug(film.title)}-{year}" if year else slug(film.title)
