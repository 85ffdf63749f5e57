"""The change log as a Linked Data Event Stream: https://semiceu.github.io/LinkedDataEventStreams/ over TREE
(https://w3id.org/tree/specification).

``{base}ldes`` is the ``ldes:EventStream``; its ``tree:view`` is ``{base}ldes/view``, a node without members that
relates to every page (the first by a plain ``tree:Relation``, each later one by a
``tree:GreaterThanOrEqualToRelation`` on its earliest time). The view grows by a relation per page and is never
marked immutable, so a client that saved its state re-reads it, skips the full pages it has, and re-reads the
last one. Each event is one immutable
member, ``{base}ldes/member/{seq}``: a version of its film (``dcterms:isVersionOf``), stamped with the event's
time (``dcterms:modified``, the stream's ``ldes:timestampPath``), holding the film's own triples as of that
version — or, for a delete, an ``as:Tombstone``. Pages hold a fixed number of members in log order, so they are
ordered by time; each page links the next with a ``tree:GreaterThanOrEqualToRelation`` on the timestamp (the
next page's earliest time): a client that remembers the last page it read resumes there. A full page never changes.

Where a version's triples come from (:class:`lodfilm.web.ldes.Versions`): the log keeps only each version's hash,
so each member's triples are copied from the store while that version is the film's current one, and kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyoxigraph as ox

from lodfilm.publish.changes import PAGE_SIZE, Change, film_of, moment, page_count, precise

# The graphs are built as pyoxigraph triples and handed out as N-Triples, the form the site's serialisers take:
# a page of 100 members is ~10,000 triples, which rdflib would take seconds to parse and build.
LDES = "https://w3id.org/ldes#"
TREE = "https://w3id.org/tree#"
AS = "https://www.w3.org/ns/activitystreams#"
DCTERMS = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
MODIFIED = ox.NamedNode(DCTERMS + "modified")
IS_VERSION_OF = ox.NamedNode(DCTERMS + "isVersionOf")


def term(namespace: str, name: str) -> ox.NamedNode:
    return ox.NamedNode(namespace + name)


def stream_iri(base: str) -> str:
    return f"{base}ldes"


def view_iri(base: str) -> str:
    return f"{base}ldes/view"


def page_iri(base: str, number: int) -> str:
    return f"{base}ldes/page/{number}"


def member_iri(base: str, seq: int) -> str:
    return f"{base}ldes/member/{seq}"


def ntriples(triples: list[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def describe_stream(triples: list[ox.Triple], base: str) -> ox.NamedNode:
    stream = ox.NamedNode(stream_iri(base))
    triples += [ox.Triple(stream, RDF_TYPE, term(LDES, "EventStream")),
                ox.Triple(stream, term(LDES, "timestampPath"), MODIFIED),
                ox.Triple(stream, term(LDES, "versionOfPath"), IS_VERSION_OF),
                ox.Triple(stream, term(TREE, "view"), ox.NamedNode(view_iri(base)))]
    return stream


def stream(base: str) -> bytes:
    """The stream's own description: what its members are versions of, where their time is, its view."""
    triples: list[ox.Triple] = []
    describe_stream(triples, base)
    triples.append(ox.Triple(ox.NamedNode(view_iri(base)), RDF_TYPE, term(TREE, "Node")))
    return ntriples(triples)


def relation(triples: list[ox.Triple], node: ox.NamedNode, kind: str, target: str, value: Change | None) -> None:
    """A ``tree:relation`` of ``node`` to ``target``; with ``value``, on the timestamp path, at its time."""
    link = ox.BlankNode()
    triples += [ox.Triple(node, term(TREE, "relation"), link), ox.Triple(link, RDF_TYPE, term(TREE, kind)),
                ox.Triple(link, term(TREE, "node"), ox.NamedNode(target))]
    if value is not None:
        triples += [ox.Triple(link, term(TREE, "path"), MODIFIED),
                    ox.Triple(link, term(TREE, "value"), ox.Literal(precise(moment(value)), datatype=DATETIME))]


def view(base: str, firsts: Sequence[Change]) -> bytes:
    """The root node: a relation to each page; ``firsts`` are the pages' first events (none: one empty page)."""
    triples: list[ox.Triple] = []
    describe_stream(triples, base)
    node = ox.NamedNode(view_iri(base))
    triples.append(ox.Triple(node, RDF_TYPE, term(TREE, "Node")))
    relation(triples, node, "Relation", page_iri(base, 0), None)
    for number, change in enumerate(firsts[1:], start=1):
        relation(triples, node, "GreaterThanOrEqualToRelation", page_iri(base, number), change)
    return ntriples(triples)


def add_member(triples: list[ox.Triple], base: str, change: Change, kept: bytes | None) -> ox.NamedNode:
    """One version: ``kept`` are the film's own triples as of this version (N-Triples), rewritten about the
    member; None when they were not kept (the member then still says which film changed, when, and the version's
    hash)."""
    member = ox.NamedNode(member_iri(base, change.seq))
    film = ox.NamedNode(film_of(change))
    triples += [ox.Triple(member, IS_VERSION_OF, film),
                ox.Triple(member, MODIFIED, ox.Literal(precise(moment(change)), datatype=DATETIME))]
    if change.hash is not None:  # the version's RDFC-1.0 hash, as the log keeps it
        triples.append(ox.Triple(member, term(DCTERMS, "identifier"), ox.Literal(change.hash)))
    if change.kind == "delete":
        triples.append(ox.Triple(member, RDF_TYPE, term(AS, "Tombstone")))
        return member
    for t in ox.parse(kept or b"", format=ox.RdfFormat.N_TRIPLES):
        triples.append(ox.Triple(member if t.subject == film else t.subject, t.predicate,
                                 member if t.object == film else t.object))
    return member


def member(base: str, change: Change, kept: bytes | None) -> bytes:
    triples: list[ox.Triple] = []
    add_member(triples, base, change, kept)
    return ntriples(triples)


def page(base: str, number: int, events: Sequence[Change], *, total: int, versions: Mapping[int, bytes],
         next_first: Change | None, size: int = PAGE_SIZE) -> bytes:
    """Page ``number``: ``events`` are its members (the log's events ``number * size`` onwards); ``next_first``
    is the next page's first event, whose time the relation to it carries. Relations point forward only, so a
    client that starts at the last page it read reads only what is newer."""
    last = page_count(total, size) - 1
    if not 0 <= number <= last:
        raise IndexError(f"there is no page {number}: pages are 0 to {last}")
    triples: list[ox.Triple] = []
    collection = describe_stream(triples, base)
    node = ox.NamedNode(page_iri(base, number))
    triples.append(ox.Triple(node, RDF_TYPE, term(TREE, "Node")))
    if next_first is not None and number < last:
        relation(triples, node, "GreaterThanOrEqualToRelation", page_iri(base, number + 1), next_first)
    for change in events[:size]:
        triples.append(ox.Triple(collection, term(TREE, "member"),
                                 add_member(triples, base, change, versions.get(change.seq))))
    return ntriples(triples)
