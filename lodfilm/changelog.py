"""The change log: every create, update and delete of a record, kept with the store.

The log lives in the store itself, in its bookkeeping graph (:data:`~lodfilm.store.base.LOG_GRAPH`), so it works
the same for the embedded store and a remote SPARQL server, and each event is written in the same transaction (the
same update request) as the record it tells of: a kill at any moment never leaves a record without its event, or an
event without its record. An event is a node of that graph::

    <urn:x-lodfilm:event:42> a lflog:Event ; lflog:seq 42 ; lflog:time "2026-12-02T07:00:00Z"^^xsd:dateTime ;
        lflog:kind "update" ; lflog:record <…/record/…> ; lflog:film <…/film/…> ; lflog:hash "9f2c…" .

``seq`` grows by one per event (one importer writes a store at a time); ``hash`` is the SHA-256 of the record's
graph in RDFC-1.0 canonical form (https://www.w3.org/TR/rdf-canon/), as the store holds it; a delete has none and
stays in the log for good (a tombstone). Beside the events, each record has its source fingerprint (what the
import read it from, :mod:`lodfilm.importing.fingerprint`) and its source file, so an unchanged file is skipped
and ``--prune`` can find records whose file is gone.

Reading: :func:`events`, :func:`latest`, :func:`film_modified`, :func:`last_modified`; the feeds build on them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox

from lodfilm.store.base import LOG_GRAPH, Store

NS = "urn:x-lodfilm:log:"
EVENT = "urn:x-lodfilm:event:"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
PAGE = 10_000  # rows per request when reading the whole log (servers cap the rows of one answer)

Kind = Literal["create", "update", "delete"]
KINDS: tuple[Kind, ...] = ("create", "update", "delete")


@dataclass(frozen=True)
class Event:
    """One change of one record. ``hash`` is None for a delete (its tombstone)."""

    seq: int
    time: dt.datetime
    kind: Kind
    record: str
    film: str | None
    hash: str | None


@dataclass(frozen=True)
class RecordSource:
    """Where a stored record came from: its source fingerprint, its file (a resolved path), and the film it is
    about (so a skipped file's films are known without reading it)."""

    fingerprint: str
    file: str
    film: str | None = None


# -- writing: the lines an event or a record's source adds to the log graph -------------------------------------
def timestamp(moment: dt.datetime) -> str:
    """``moment`` as an xsd:dateTime in UTC, to the second (``2026-12-02T07:00:00Z``)."""
    return moment.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def event_lines(seq: int, time: str, kind: Kind, record: str, film: str | None, hash: str | None) -> frozenset[str]:
    """The N-Triples lines of one event; ``time`` as :func:`timestamp` writes it."""
    node = f"<{EVENT}{seq}>"
    lines = {
        f"{node} <{RDF_TYPE}> <{NS}Event> .",
        f'{node} <{NS}seq> "{seq}"^^<{XSD}integer> .',
        f'{node} <{NS}time> "{time}"^^<{XSD}dateTime> .',
        f'{node} <{NS}kind> "{kind}" .',
        f"{node} <{NS}record> <{record}> .",
    }
    if film is not None:
        lines.add(f"{node} <{NS}film> <{film}> .")
    if hash is not None:
        lines.add(f'{node} <{NS}hash> "{hash}" .')
    return frozenset(lines)


def source_lines(record: str, source: RecordSource) -> frozenset[str]:
    """The lines that say where ``record`` came from."""
    lines = {f"<{record}> <{NS}source> {ox.Literal(source.fingerprint)} .",
             f"<{record}> <{NS}file> {ox.Literal(source.file)} ."}
    if source.film is not None:
        lines.add(f"<{record}> <{NS}about> <{source.film}> .")
    return frozenset(lines)


def graph_hash(triples: Iterable[str]) -> str:
    """SHA-256 (hex) of a graph's RDFC-1.0 canonical N-Quads: the same for the same graph however its blank nodes
    are named or its lines ordered. ``triples`` are N-Triples lines."""
    dataset = ox.Dataset(ox.parse("\n".join(triples).encode(), format=ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    canonical = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS) or b""
    # The canonical form is its lines in code point order (RDFC-1.0 §4.5, "serialized canonical form").
    lines = sorted(canonical.decode().splitlines(keepends=True))
    return hashlib.sha256("".join(lines).encode()).hexdigest()


# -- reading ---------------------------------------------------------------------------------------------------
def events(store: Store, after: int = 0, limit: int | None = None) -> list[Event]:
    """The events after sequence number ``after``, oldest first, at most ``limit`` of them."""
    found: list[Event] = []
    cursor = after
    while limit is None or len(found) < limit:
        page = PAGE if limit is None else min(PAGE, limit - len(found))
        rows = store.select_log(
            f"SELECT ?seq ?time ?kind ?record ?film ?hash WHERE {{ GRAPH <{LOG_GRAPH}> {{ "
            f"?e <{NS}seq> ?seq ; <{NS}time> ?time ; <{NS}kind> ?kind ; <{NS}record> ?record . "
            f"OPTIONAL {{ ?e <{NS}film> ?film }} OPTIONAL {{ ?e <{NS}hash> ?hash }} }} FILTER(?seq > {cursor}) }} "
            f"ORDER BY ?seq LIMIT {page}")
        found.extend(_event(row) for row in rows)
        if len(rows) < page:
            break
        cursor = found[-1].seq
    return found


def latest(store: Store) -> int:
    """The sequence number of the newest event (0 for a store with none)."""
    rows = store.select_log(f"SELECT (MAX(?seq) AS ?n) WHERE {{ GRAPH <{LOG_GRAPH}> {{ ?e <{NS}seq> ?seq }} }}")
    return int(rows[0]["n"]) if rows and "n" in rows[0] else 0


def film_modified(store: Store) -> dict[str, dt.datetime]:
    """Each film's last change: the time of the newest event of any record about it."""
    rows = _paged(store, "?film", f"GRAPH <{LOG_GRAPH}> {{ ?e <{NS}film> ?film ; <{NS}time> ?time }}",
                  select="?film (MAX(?time) AS ?m)", group="GROUP BY ?film")
    return {row["film"]: parse_time(row["m"]) for row in rows if "m" in row}


def last_modified(store: Store, film: str) -> dt.datetime | None:
    """One film's last change, or None when the log holds no event about it."""
    rows = store.select_log(f"SELECT (MAX(?time) AS ?m) WHERE {{ GRAPH <{LOG_GRAPH}> {{ "
                            f"?e <{NS}film> <{film}> ; <{NS}time> ?time }} }}")
    return parse_time(rows[0]["m"]) if rows and "m" in rows[0] else None


def record_sources(store: Store) -> dict[str, RecordSource]:
    """Every stored record's source fingerprint and file, by record IRI."""
    rows = _paged(store, "?r", f"GRAPH <{LOG_GRAPH}> {{ ?r <{NS}source> ?fp ; <{NS}file> ?file "
                  f"OPTIONAL {{ ?r <{NS}about> ?film }} }}", select="?r ?fp ?file ?film")
    return {row["r"]: RecordSource(row["fp"], row["file"], row.get("film")) for row in rows}


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)


def _event(row: dict[str, str]) -> Event:
    kind = row["kind"]
    if kind not in KINDS:
        raise ValueError(f"the change log holds an event of unknown kind {kind!r}")
    return Event(seq=int(row["seq"]), time=parse_time(row["time"]), kind=kind,
                 record=row["record"], film=row.get("film"), hash=row.get("hash"))


def _paged(store: Store, key: str, where: str, *, select: str, group: str = "") -> Iterator[dict[str, str]]:
    """Every row of a query over the log, in pages ordered by ``key`` (a server's answer may be capped)."""
    offset = 0
    while True:
        rows = store.select_log(f"SELECT {select} WHERE {{ {where} }} {group} ORDER BY {key} "
                                f"LIMIT {PAGE} OFFSET {offset}")
        yield from rows
        if len(rows) < PAGE:
            return
        offset += PAGE
