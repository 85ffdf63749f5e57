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

from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef

from lodfilm.publish.changes import Change, film_of, moment, precise
from lodfilm.vocab import DCTERMS

LDES = Namespace("https://w3id.org/ldes#")
TREE = Namespace("https://w3id.org/tree#")
AS = Namespace("https://www.w3.org/ns/activitystreams#")
PAGE_SIZE = 100


def stream_iri(base: str) -> str:
    return f"{base}ldes"


def view_iri(base: str) -> str:
    return f"{base}ldes/view"


def page_iri(base: str, number: int) -> str:
    return f"{base}ldes/page/{number}"


def member_iri(base: str, seq: int) -> str:
    return f"{base}ldes/member/{seq}"


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // size))


def is_full(number: int, total: int, size: int = PAGE_SIZE) -> bool:
    return (number + 1) * size <= total


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in (("ldes", LDES), ("tree", TREE), ("as", AS), ("dcterms", DCTERMS)):
        graph.bind(prefix, namespace)
    return graph


def describe_stream(graph: Graph, base: str) -> URIRef:
    stream = URIRef(stream_iri(base))
    graph.add((stream, RDF.type, LDES.EventStream))
    graph.add((stream, LDES.timestampPath, DCTERMS.modified))
    graph.add((stream, LDES.versionOfPath, DCTERMS.isVersionOf))
    graph.add((stream, TREE.view, URIRef(view_iri(base))))
    return stream


def stream(base: str) -> Graph:
    """The stream's own description: what its members are versions of, where their time is, its view."""
    graph = new_graph()
    describe_stream(graph, base)
    graph.add((URIRef(view_iri(base)), RDF.type, TREE.Node))
    return graph


def view(base: str, firsts: Sequence[Change]) -> Graph:
    """The root node: a relation to each page; ``firsts`` are the pages' first events (none: one empty page)."""
    graph = new_graph()
    describe_stream(graph, base)
    node = URIRef(view_iri(base))
    graph.add((node, RDF.type, TREE.Node))
    first = BNode()
    graph.add((node, TREE.relation, first))
    graph.add((first, RDF.type, TREE.Relation))
    graph.add((first, TREE.node, URIRef(page_iri(base, 0))))
    for number, change in enumerate(firsts[1:], start=1):
        relation(graph, node, TREE.GreaterThanOrEqualToRelation, page_iri(base, number), change)
    return graph


def relation(graph: Graph, page: URIRef, kind: URIRef, target: str, value: Change) -> None:
    node = BNode()
    graph.add((page, TREE.relation, node))
    graph.add((node, RDF.type, kind))
    graph.add((node, TREE.node, URIRef(target)))
    graph.add((node, TREE.path, DCTERMS.modified))
    graph.add((node, TREE.value, Literal(precise(moment(value)), datatype=XSD.dateTime)))


def add_member(graph: Graph, base: str, change: Change, triples: Graph | None) -> URIRef:
    """One version: ``triples`` are the film's own triples as of this version, rewritten about the member; None
    when they were not kept (the member then still says which film changed, when, and the version's hash)."""
    member = URIRef(member_iri(base, change.seq))
    film = URIRef(film_of(change))
    graph.add((member, DCTERMS.isVersionOf, film))
    graph.add((member, DCTERMS.modified, Literal(precise(moment(change)), datatype=XSD.dateTime)))
    if change.hash is not None:  # the version's RDFC-1.0 hash, as the log keeps it
        graph.add((member, DCTERMS.identifier, Literal(change.hash)))
    if change.kind == "delete":
        graph.add((member, RDF.type, AS.Tombstone))
        return member
    for s, p, o in triples or ():
        graph.add((member if s == film else s, p, member if o == film else o))
    return member


def page(base: str, number: int, events: Sequence[Change], *, total: int, versions: Mapping[int, Graph],
         next_first: Change | None, size: int = PAGE_SIZE) -> Graph:
    """Page ``number``: ``events`` are its members (the log's events ``number * size`` onwards); ``next_first``
    is the next page's first event, whose time the relation to it carries. Relations point forward only, so a
    client that starts at the last page it read reads only what is newer."""
    last = page_count(total, size) - 1
    if not 0 <= number <= last:
        raise IndexError(f"there is no page {number}: pages are 0 to {last}")
    graph = new_graph()
    collection = describe_stream(graph, base)
    node = URIRef(page_iri(base, number))
    graph.add((node, RDF.type, TREE.Node))
    if next_first is not None and number < last:
        relation(graph, node, TREE.GreaterThanOrEqualToRelation, page_iri(base, number + 1), next_first)
    for change in events[:size]:
        graph.add((collection, TREE.member, add_member(graph, base, change, versions.get(change.seq))))
    return graph
