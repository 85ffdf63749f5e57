"""RDF others publish → records: schema.org ``Movie`` data in Turtle, N-Triples, N-Quads or JSON-LD.

Film sites and other archives publish films as schema.org (JSON-LD with ``"@context": "https://schema.org"``,
Turtle, N-Triples), with ``http`` or ``https`` schema.org terms, people as nodes or as plain names, an actor as a
Person or as a ``PerformanceRole``. Each ``Movie`` node becomes the same plain data a YAML record holds, so it
meets the same record model, identity rules, shapes and one-line errors as every other input; the publisher's
own IRI for the film is kept as a link (``rdfs:seeAlso``). A property with no record field is reported once per
file, with how many values it held.

Nothing is fetched: a JSON-LD ``@context`` naming schema.org is read from the copy shipped with lodfilm, and any
other remote context is refused with a clear error (inline it, or convert the file to Turtle).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from lodfilm.errors import RecordError
from lodfilm.records import AsIs, ReadResult, RecordRef, make_film
from lodfilm.records.model import IMDB_TITLE, WIKIDATA

FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
}
SDO = "http://schema.org/"
SDO_HTTPS = "https://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PROV_ENTITY = "http://www.w3.org/ns/prov#Entity"
DCTERMS_SOURCE = "http://purl.org/dc/terms/source"
# The context URLs that mean schema.org's own context (which lodfilm ships): anything else is refused.
SCHEMA_CONTEXTS = frozenset({
    "https://schema.org", "https://schema.org/", "http://schema.org", "http://schema.org/",
    "https://schema.org/docs/jsonldcontext.jsonld", "http://schema.org/docs/jsonldcontext.jsonld",
    "https://schema.org/docs/jsonldcontext.json", "http://schema.org/docs/jsonldcontext.json",
})

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Index = dict[Any, dict[str, list[Any]]]


def schema_context() -> dict[str, Any]:
    from lodfilm.publish.jsonld import schema_context as shipped

    return shipped()


def inline_contexts(node: Any, path: Path) -> Any:
    """The JSON-LD document with every ``@context`` naming schema.org replaced by the shipped context; any other
    context given by URL is refused (lodfilm never fetches one)."""
    if isinstance(node, list):
        return [inline_contexts(item, path) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "@context":
            out[key] = [context(v, path) for v in value] if isinstance(value, list) else context(value, path)
        else:
            out[key] = inline_contexts(value, path)
    return out


def context(value: Any, path: Path) -> Any:
    if isinstance(value, str):
        if value.strip() in SCHEMA_CONTEXTS:
            return schema_context()
        raise RecordError(str(path), None, "@context",
                          f"remote context {value[:100]!r} refused: lodfilm fetches nothing (only schema.org's "
                          "context is known; inline any other)")
    return value


def parse(raw: bytes, path: Path) -> list[ox.Quad]:
    """Every quad of an RDF file, ``https://schema.org/`` terms read as ``http://schema.org/`` (our namespace)."""
    fmt = FORMATS[path.suffix.lower()]
    if fmt == ox.RdfFormat.JSON_LD:
        try:
            document = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise RecordError(str(path), None, None, f"not valid JSON-LD: {str(exc)[:200]}") from None
        raw = json.dumps(inline_contexts(document, path)).encode()
    try:
        quads = list(ox.parse(raw, format=fmt))
    except (SyntaxError, ValueError) as exc:
        problem = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        raise RecordError(str(path), None, None, f"not valid {fmt.name}: {problem}") from None
    return [ox.Quad(http_schema(q.subject), http_schema(q.predicate), http_schema(q.object), q.graph_name)
            for q in quads]


def http_schema(term: Any) -> Any:
    if isinstance(term, ox.NamedNode) and term.value.startswith(SDO_HTTPS):
        return ox.NamedNode(SDO + term.value[len(SDO_HTTPS):])
    return term


def index(quads: list[ox.Quad]) -> Index:
    out: Index = defaultdict(lambda: defaultdict(list))
    for quad in quads:
        out[quad.subject][quad.predicate.value].append(quad.object)
    return out


def read(text: str, path: Path, notes: list[str] | None = None) -> Iterator[ReadResult]:
    """Each schema.org ``Movie`` in the file, as a record; or, for one of lodfilm's own dumps, each record graph
    as it was published."""
    try:
        quads = parse(text.encode(), path)
    except RecordError as error:
        yield ReadResult(RecordRef(str(path), None, path.name), None, error)
        return
    own = published_records(quads)
    if own is not None:
        for position, record in enumerate(own, start=1):
            yield ReadResult(RecordRef(str(path), position, f"<{record.graph_iri}>"), None, None, record)
        return
    graph = index(quads)
    movies = [s for s, props in graph.items() if ox.NamedNode(SDO + "Movie") in props.get(RDF_TYPE, [])]
    if not movies:
        problem = RecordError(str(path), None, None, "holds no schema:Movie (lodfilm reads films as schema.org)")
        yield ReadResult(RecordRef(str(path), None, path.name), None, problem)
        return
    unread: Counter[str] = Counter()
    for position, movie in enumerate(sorted(movies, key=str), start=1):
        reader = MovieReader(graph, movie)
        data = reader.data()
        unread.update(reader.unread)
        title = str(data.get("title") or "").strip()
        label = (f"{title[:80]} " if title else "") + f"<{movie.value}>" if isinstance(movie, ox.NamedNode) \
            else (title[:80] or f"film {position}")
        ref = RecordRef(str(path), position, label)
        try:
            yield ReadResult(ref, make_film(data, str(path), label), None)
        except RecordError as error:
            yield ReadResult(ref, None, error)
    if notes is not None:
        for prop, count in sorted(unread.items()):
            notes.append(f"{path}: property <{prop}> has no field ({count:,} value{'s' * (count != 1)} not imported)")


def line(quad: ox.Quad) -> str:
    return f"{quad.subject} {quad.predicate} {quad.object} ."


def published_records(quads: list[ox.Quad]) -> list[AsIs] | None:
    """lodfilm's own records in a dump of its store, or None when the file is not one.

    A dump is known by its record nodes (``prov:Entity``, ``schema:about`` a film, ``dcterms:source`` a file). An
    N-Quads dump keeps each record's graph: each is taken whole. The other dumps hold the merge of all records:
    each film's part of it — the film, its own nodes (``#…``), the nodes it links to and theirs, and the record
    nodes about it — becomes one graph, under the first of those records' IRIs, so the merge is the same graph."""
    entities = {q.subject for q in quads if q.predicate.value == RDF_TYPE and q.object == ox.NamedNode(PROV_ENTITY)}
    sourced = {q.subject for q in quads if q.predicate.value == DCTERMS_SOURCE}
    about = {q.subject: q.object for q in quads
             if q.predicate.value == SDO + "about" and q.subject in entities & sourced
             and isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode)}
    if not about:
        return None
    graphs: dict[ox.NamedNode, set[str]] = defaultdict(set)
    for quad in quads:
        if isinstance(quad.graph_name, ox.NamedNode):
            graphs[quad.graph_name].add(line(quad))
    if graphs:
        return [AsIs(g.value, about[g].value, frozenset(lines)) for g, lines in sorted(graphs.items(), key=str)
                if g in about]
    by_subject: dict[Any, list[ox.Quad]] = defaultdict(list)
    fragments: dict[str, list[Any]] = defaultdict(list)
    for quad in quads:
        by_subject[quad.subject].append(quad)
    for subject in by_subject:
        if isinstance(subject, ox.NamedNode) and "#" in subject.value:
            fragments[subject.value.split("#", 1)[0]].append(subject)
    movies = {q.subject for q in quads if q.predicate.value == RDF_TYPE and q.object == ox.NamedNode(SDO + "Movie")}
    out: list[AsIs] = []
    for film in sorted(set(about.values()), key=str):
        records = sorted((r for r, f in about.items() if f == film), key=str)
        lines: set[str] = set()
        seen: set[Any] = set()
        frontier: list[Any] = [film, *records]
        while frontier:
            node = frontier.pop()
            if node in seen:
                continue
            seen.add(node)
            own_nodes = [node, *(fragments.get(node.value, []) if isinstance(node, ox.NamedNode) else [])]
            for subject in own_nodes:
                seen.add(subject)
                for quad in by_subject.get(subject, []):
                    lines.add(line(quad))
                    target = quad.object
                    if target in by_subject and target not in seen and (target not in movies or target == film):
                        frontier.append(target)
        out.append(AsIs(records[0].value, film.value, frozenset(lines)))
    return out


class MovieReader:
    """One ``Movie`` node and what hangs from it → plain record data."""

    def __init__(self, graph: Index, movie: Any) -> None:
        self.graph = graph
        self.movie = movie
        self.unread: Counter[str] = Counter()

    def values(self, node: Any, prop: str) -> list[Any]:
        return self.graph.get(node, {}).get(SDO + prop, [])

    def text(self, term: Any) -> str | None:
        """A literal's text, or a node's name."""
        if isinstance(term, ox.Literal):
            return term.value.strip() or None
        names = self.values(term, "name")
        if names and isinstance(names[0], ox.Literal):
            return names[0].value.strip() or None
        return None

    def agent(self, term: Any, kind: str) -> dict[str, Any] | None:
        """A person or organisation: a name, or a node with a name and its identifiers (``sameAs``)."""
        name = self.text(term)
        if name is None:
            return None
        out: dict[str, Any] = {"name": name}
        for same in self.values(term, "sameAs") + ([term] if isinstance(term, ox.NamedNode) else []):
            scheme, value = identifier(getattr(same, "value", ""), kind)
            if scheme and scheme not in out:
                out[scheme] = value
        return out

    def people(self, prop: str) -> list[dict[str, Any]]:
        return [a for a in (self.agent(t, "person") for t in self.values(self.movie, prop)) if a]

    def data(self) -> dict[str, Any]:
        m = self.movie
        used = {RDF_TYPE}
        data: dict[str, Any] = {}

        def take(prop: str) -> list[Any]:
            used.add(SDO + prop)
            return self.values(m, prop)

        names = [t for t in take("name") if isinstance(t, ox.Literal)]
        if names:
            data["title"] = names[0].value
            if names[0].language:
                data["title_language"] = names[0].language
        alternates = names[1:] + [t for t in take("alternateName") if isinstance(t, ox.Literal)]
        if alternates:
            data["alternate_titles"] = [{"text": t.value, **({"language": t.language} if t.language else {})}
                                        for t in alternates]
        for prop, field in (("director", "directors"), ("author", "screenplay"), ("musicBy", "music"),
                            ("producer", "producers")):
            used.add(SDO + prop)
            found = self.people(prop)
            if found:
                data[field] = found
        companies = [a for a in (self.agent(t, "company") for t in take("productionCompany")) if a]
        if companies:
            data["production_companies"] = companies
        cast = [c for c in (self.cast(t) for t in take("actor")) if c]
        if cast:
            data["cast"] = cast
        crew = [c for t in take("contributor") for c in self.crew(t)]
        if crew:
            data["crew"] = crew
        countries = [self.country(t) for t in take("countryOfOrigin")]
        if any(countries):
            data["countries"] = [c for c in countries if c]
        durations = take("duration")
        if durations:
            data["runtime_minutes"] = self.text(durations[0])
        created = take("dateCreated")
        if created:
            data["year"] = self.text(created[0])
        published = take("datePublished")
        if published:
            data["release_date"] = self.text(published[0])
        descriptions = [t for t in take("description") if isinstance(t, ox.Literal)]
        if descriptions:
            data["synopsis"] = descriptions[0].value
            if descriptions[0].language:
                data["synopsis_language"] = descriptions[0].language
        for prop, field in (("genre", "genres"), ("keywords", "keywords"), ("award", "awards")):
            texts = [x for t in take(prop) for x in self.texts(t, split=prop == "keywords")]
            if texts:
                data[field] = texts
        ratings = [self.text(t) for t in take("contentRating")]
        if any(ratings):
            data["content_rating"] = next(r for r in ratings if r)
        languages = [self.language(t) for t in take("inLanguage")]
        if any(languages):
            data["languages"] = [lang for lang in languages if lang]
        aggregate = take("aggregateRating")
        if aggregate:
            data["rating"] = self.rating(aggregate[0])
        based = [b for b in (self.work(t) for t in take("isBasedOn")) if b]
        if based:
            data["based_on"] = based
        images = [self.url(t, "contentUrl", "url") for t in take("image")]
        if any(images):
            data["image"] = next(i for i in images if i)
        trailers = [self.url(t, "embedUrl", "contentUrl", "url") for t in take("trailer")]
        if any(trailers):
            data["trailer"] = next(t for t in trailers if t)
        for same in take("sameAs") + ([m] if isinstance(m, ox.NamedNode) else []):
            scheme, value = identifier(getattr(same, "value", ""), "title")
            if scheme and scheme not in data:
                data[scheme] = value
        links = [m.value] if isinstance(m, ox.NamedNode) else []
        links += [u.value for u in take("url") if isinstance(u, ox.NamedNode | ox.Literal) and u.value not in links]
        if links:
            data["links"] = links
        for prop, objects in self.graph.get(m, {}).items():
            if prop not in used:
                self.unread[prop] += len(objects)
        return data

    def texts(self, term: Any, *, split: bool) -> list[str]:
        text = self.text(term)
        if text is None:
            return []
        return [t.strip() for t in text.split(",") if t.strip()] if split else [text]

    def cast(self, term: Any) -> dict[str, Any] | None:
        """An actor: a Person (or a name), or a PerformanceRole whose ``actor`` is the person."""
        inner = self.values(term, "actor")
        if inner:
            person = self.agent(inner[0], "person")
            if person is None:
                return None
            character = next((self.text(c) for c in self.values(term, "characterName")), None)
            return {**person, "character": character} if character else person
        return self.agent(term, "person")

    def crew(self, term: Any) -> list[dict[str, Any]]:
        """A Role with a roleName and its contributor → a crew credit; a bare contributor has no role to keep."""
        inner = self.values(term, "contributor")
        labels = [t.value for t in self.values(term, "roleName") if isinstance(t, ox.Literal)]
        if not inner or not labels:
            return []
        types = {getattr(t, "value", "") for t in self.graph.get(inner[0], {}).get(RDF_TYPE, [])}
        if SDO + "Organization" in types:
            org = self.agent(inner[0], "company")
            return [{"role": labels[0], "organisation": org}] if org else []
        person = self.agent(inner[0], "person")
        return [{"role": labels[0], **person}] if person else []

    def country(self, term: Any) -> str | None:
        codes = [t.value for t in self.values(term, "identifier") if isinstance(t, ox.Literal)]
        return codes[0] if codes else self.text(term)

    def language(self, term: Any) -> str | None:
        if isinstance(term, ox.Literal):
            return term.value.strip() or None
        codes = [t.value for t in self.values(term, "alternateName") if isinstance(t, ox.Literal)]
        return codes[0] if codes else self.text(term)

    def rating(self, term: Any) -> dict[str, Any] | None:
        if isinstance(term, ox.Literal):
            return {"value": term.value}
        out: dict[str, Any] = {}
        for prop, key in (("ratingValue", "value"), ("ratingCount", "count"), ("bestRating", "best"),
                          ("worstRating", "worst")):
            values = self.values(term, prop)
            if values and isinstance(values[0], ox.Literal):
                out[key] = values[0].value
        if "count" not in out:
            counts = self.values(term, "reviewCount")
            if counts and isinstance(counts[0], ox.Literal):
                out["count"] = counts[0].value
        authors = [self.text(a) for a in self.values(term, "author")]
        if any(authors):
            out["source"] = next(a for a in authors if a)
        return out or None

    def work(self, term: Any) -> dict[str, Any] | str | None:
        if isinstance(term, ox.Literal):
            return term.value.strip() or None
        name = self.text(term)
        if name is None:
            return term.value if isinstance(term, ox.NamedNode) else None
        out: dict[str, Any] = {"title": name}
        authors = [a for a in (self.agent(t, "person") for t in self.values(term, "author")) if a]
        if authors:
            out["author"] = authors[0]
        return out

    def url(self, term: Any, *props: str) -> str | None:
        if isinstance(term, ox.NamedNode):
            found = [t for p in props for t in self.values(term, p) if isinstance(t, ox.NamedNode | ox.Literal)]
            return found[0].value if found else term.value
        if isinstance(term, ox.Literal):
            return term.value
        found = [t for p in props for t in self.values(term, p)]
        return getattr(found[0], "value", None) if found else None


def identifier(iri: str, kind: str) -> tuple[str | None, str | None]:
    """``http://www.wikidata.org/entity/Q42`` → (``wikidata``, ``Q42``); an IMDb title page → (``imdb``, ``tt…``)."""
    import re

    tail = iri.rstrip("/").rsplit("/", 1)[-1]
    if "wikidata.org/" in iri and re.fullmatch(WIKIDATA, tail):
        return "wikidata", tail
    if "imdb.com/" in iri:
        prefix = {"title": "tt", "person": "nm", "company": "co"}[kind]
        if tail.startswith(prefix) and (kind != "title" or re.fullmatch(IMDB_TITLE, tail)):
            return "imdb", tail
    return None, None
