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
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from lodfilm.iris import TOKEN
from lodfilm.iris import path_token as token  # a file's and a folder's token in a source's place
from lodfilm.store.base import LOG_GRAPH, LogLines, Store

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
    """Where a stored record came from: its source fingerprint, its file's place (:func:`place`; made from a
    resolved path when given one), and the film it is about (so a skipped file's films are known without reading
    it)."""

    fingerprint: str
    file: str
    film: str | None = None

    def __post_init__(self) -> None:
        if not self.file.startswith(PLACE):
            object.__setattr__(self, "file", place(self.file))

    @property
    def file_token(self) -> str:
        """The token of the file itself (:func:`token` of its path): the first, of fixed length."""
        return file_token(self.file)

    @property
    def folder_tokens(self) -> list[str]:
        """The tokens of the folders the file is in, the nearest first."""
        return self.file[1:].split(".")[1:]


# -- a file's place: the log holds no path of the publisher's disk ----------------------------------------------
# The log graph is part of the store that /sparql answers from, so a source names its file by tokens: the digest of
# the file's path (the one its records' IRIs already carry, file_key) and those of the folders it is in, so that
# ``--prune FOLDER`` still finds the records of files under FOLDER that are gone, and nothing else.
PLACE = "@"


def place(path: str) -> str:
    """``@`` and the tokens of a resolved path and of each folder above it (not ``/``), nearest first."""
    where = Path(path)
    return PLACE + ".".join(token(os.fspath(p)) for p in [where, *where.parents] if p != p.parent)


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


def file_token(place: str) -> str:
    """The token of the file a :func:`place` names: its first, of fixed length."""
    return place[1:TOKEN + 1]


def source_lines(record: str, source: RecordSource) -> frozenset[str]:
    """The lines that say where ``record`` came from."""
    return frozenset({source_line(record, source)})


def source_line(record: str, source: RecordSource) -> str:
    """The one line that says where ``record`` came from."""
    # One triple a record, read in one scan: "fingerprint film file" (neither a fingerprint nor an IRI holds a
    # space; the file, which may, comes last; "-" for no film).
    value = f"{source.fingerprint} {source.film or '-'} {source.file}"
    return f"<{record}> <{NS}source> {ox.Literal(value)} ."


def graph_hash(triples: Iterable[str]) -> str:
    """SHA-256 (hex) of a graph's RDFC-1.0 canonical N-Quads: the same for the same graph however its blank nodes
    are named or its lines ordered. ``triples`` are N-Triples lines as pyoxigraph writes terms.

    A graph with no blank node is its own canonical form (RDFC-1.0 only relabels blank nodes), so its hash is that
    of its lines sorted: a seventh of the cost, and what every record lodfilm maps is. Any other goes through
    pyoxigraph's RDFC-1.0."""
    if not any("_:" in line for line in triples):
        return hashlib.sha256("".join(sorted({f"{line}\n" for line in triples})).encode()).hexdigest()
    dataset = ox.Dataset(ox.parse("\n".join(triples).encode(), format=ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    canonical = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS) or b""
    # The canonical form is its lines in code point order (RDFC-1.0 §4.5, "serialized canonical form").
    lines = sorted(canonical.decode().splitlines(keepends=True))
    return hashlib.sha256("".join(lines).encode()).hexdigest()


# -- reading ---------------------------------------------------------------------------------------------------
def events(store: Store, after: int = 0, limit: int | None = None, newest: int | None = None) -> list[Event]:
    """The events after sequence number ``after``, oldest first, at most ``limit`` of them (up to ``newest``, when
    the caller knows the log's newest number: an import that just wrote its events need not ask the store).

    Events are looked up by their IRIs, which carry their numbers, a page at a time: a page costs what it holds,
    however long the log (no sort of the whole log for each page)."""
    found: list[Event] = []
    if newest is None:
        newest = latest(store)
    cursor = after
    while cursor < newest and (limit is None or len(found) < limit):
        span = PAGE if limit is None else min(PAGE, limit - len(found))
        wanted = [f"{EVENT}{seq}" for seq in range(cursor + 1, min(cursor + span, newest) + 1)]
        nodes = store.log_nodes(wanted)
        found.extend(_event(nodes[iri]) for iri in wanted if iri in nodes)
        cursor = min(cursor + span, newest)
    return found


def latest(store: Store) -> int:
    """The sequence number of the newest event (0 for a store with none)."""
    rows = store.select_log(f"SELECT (MAX(?seq) AS ?n) WHERE {{ GRAPH <{LOG_GRAPH}> {{ ?e <{NS}seq> ?seq }} }}")
    return int(rows[0]["n"]) if rows and "n" in rows[0] else 0


def film_modified(store: Store) -> dict[str, dt.datetime]:
    """Each film's last change: the time of the newest event of any record about it."""
    times = dict(store.log_values(f"{NS}time"))
    newest: dict[str, str] = {}
    for event, film in store.log_values(f"{NS}film"):
        time = times.get(event)
        if time is not None and time > newest.get(film, ""):  # one format, to the second, UTC: text order is time order
            newest[film] = time
    return {film: parse_time(time) for film, time in newest.items()}


def last_modified(store: Store, film: str) -> dt.datetime | None:
    """One film's last change, or None when the log holds no event about it."""
    rows = store.select_log(f"SELECT (MAX(?time) AS ?m) WHERE {{ GRAPH <{LOG_GRAPH}> {{ "
                            f"?e <{NS}film> <{film}> ; <{NS}time> ?time }} }}")
    return parse_time(rows[0]["m"]) if rows and "m" in rows[0] else None


def record_sources(store: Store) -> dict[str, RecordSource]:
    """Every stored record's source fingerprint, file and film, by record IRI."""
    return read_sources(store)[0]


def read_sources(store: Store) -> tuple[dict[str, RecordSource], LogLines]:
    """Every stored record's source, and the log lines that would rewrite the sources an older lodfilm wrote with
    the file's path in them (none when there are none)."""
    found: dict[str, RecordSource] = {}
    old: set[str] = set()
    new: set[str] = set()
    for record, value in store.log_values(f"{NS}source"):
        parts = value.split(" ", 2)
        if len(parts) != 3:
            continue  # not a source lodfilm wrote: the record is read again, and its source written anew
        fingerprint, film, file = parts
        source = found[record] = RecordSource(fingerprint, file, None if film == "-" else film)
        if not file.startswith(PLACE):
            old.add(f"<{record}> <{NS}source> {ox.Literal(value)} .")
            new |= source_lines(record, source)
    return found, LogLines(add=frozenset(new), remove=frozenset(old))


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)


def _event(node: dict[str, str]) -> Event:
    kind = node[f"{NS}kind"]
    if kind not in KINDS:
        raise ValueError(f"the change log holds an event of unknown kind {kind!r}")
    return Event(seq=int(node[f"{NS}seq"]), time=parse_time(node[f"{NS}time"]), kind=kind,
                 record=node[f"{NS}record"], film=node.get(f"{NS}film"), hash=node.get(f"{NS}hash"))
