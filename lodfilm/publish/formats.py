"""The one table of formats we serve, and HTTP content negotiation over it.

Every name a URL or the CLI may use (``?format=ttl``, ``film.ttl``), every media type a client may ask for, and
the serialiser behind each live in :data:`FORMATS`, so the web layer, the CLI and the tests cannot disagree.

Three kinds of format: ``html`` (the page a person reads), ``rdf`` (a film's graph, a CONSTRUCT's answer) and
``results`` (a SELECT/ASK answer). Names can collide across kinds — ``xml`` is RDF/XML to a film page and SPARQL
XML results to the query endpoint — so the lookups take the kind the caller is serving; without one, page and
graph formats win. File suffixes never collide (RDF/XML is ``.rdf``, JSON-LD ``.jsonld``; ``.xml`` and ``.json``
are SPARQL results, as the SPARQL 1.1 specs name them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox
from rdflib import Graph

from lodfilm.publish import jsonld_documents
from lodfilm.vocab import PREFIXES

Kind = Literal["html", "rdf", "results"]

# A header longer than this, or listing more media ranges, is refused before any real work is done on it: no
# client needs more, and the parse is linear in the header but the match is (ranges × offered).
MAX_ACCEPT_LENGTH = 8 * 1024
MAX_ACCEPT_ENTRIES = 64


@dataclass(frozen=True)
class Format:
    """One served format: its names, its media type, its file suffixes and what serialises it."""

    name: str
    media_type: str
    kind: Kind
    suffixes: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    rdf_format: ox.RdfFormat | None = None
    results_format: ox.QueryResultsFormat | None = None

    @property
    def suffix(self) -> str:
        """The suffix we put on URLs and files (the first of :attr:`suffixes`)."""
        return self.suffixes[0]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value: text formats say their charset, since some clients guess Latin-1."""
        textual = self.media_type.startswith("text/") or self.kind == "results"
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type


# Order matters: it is the order of preference when a client accepts several equally (see :func:`negotiate`).
FORMATS: tuple[Format, ...] = (
    Format("html", "text/html", "html", ("html", "htm")),
    Format("ttl", "text/turtle", "rdf", ("ttl",), ("turtle",), rdf_format=ox.RdfFormat.TURTLE),
    Format(
        "jsonld", "application/ld+json", "rdf", ("jsonld",), ("json-ld",), rdf_format=ox.RdfFormat.JSON_LD
    ),
    Format(
        "nt",
        "application/n-triples",
        "rdf",
        ("nt",),
        ("ntriples", "n-triples"),
        rdf_format=ox.RdfFormat.N_TRIPLES,
    ),
    Format(
        "rdfxml",
        "application/rdf+xml",
        "rdf",
        ("rdf",),
        ("rdf", "xml", "rdf-xml", "rdf/xml", "rdf+xml"),  # rdf+xml: SPARQLWrapper's name (format=rdf+xml)
        rdf_format=ox.RdfFormat.RDF_XML,
    ),
    Format(
        "json",
        "application/sparql-results+json",
        "results",
        ("srj", "json"),
        ("srj", "sparql-json"),
        results_format=ox.QueryResultsFormat.JSON,
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        "results",
        ("srx", "xml"),
        ("srx", "sparql-xml"),
        results_format=ox.QueryResultsFormat.XML,
    ),
    Format("csv", "text/csv", "results", ("csv",), results_format=ox.QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", "results", ("tsv",), results_format=ox.QueryResultsFormat.TSV),
)

# Without a kind, a name is looked up among pages and graphs first (``xml`` → RDF/XML), then results.
_LOOKUP_ORDER: tuple[Kind, ...] = ("html", "rdf", "results")


def media_types(*kinds: Kind) -> list[str]:
    """The media types of these kinds, in table order: what to offer :func:`negotiate` (``media_types("html",
    "rdf")`` for a film page, ``media_types("results")`` for a SELECT)."""
    return [f.media_type for f in FORMATS if f.kind in kinds]


def _in_lookup_order(kind: Kind | None) -> Iterable[Format]:
    kinds = _LOOKUP_ORDER if kind is None else (kind,)
    return (f for k in kinds for f in FORMATS if f.kind == k)


def format_for_name(name: str, kind: Kind | None = None) -> Format | None:
    """The format called ``name`` (``ttl``, ``turtle``, ``json-ld``, ``xml``…; any case), or None."""
    wanted = name.strip().lower()
    return next((f for f in _in_lookup_order(kind) if wanted in f.names), None)


def format_for_suffix(suffix: str, kind: Kind | None = None) -> Format | None:
    """The format of a file suffix, with or without its dot (``.ttl``, ``jsonld``), or None."""
    wanted = suffix.strip().lower().removeprefix(".")
    return next((f for f in _in_lookup_order(kind) if wanted in f.suffixes), None)


def format_for_media_type(media_type: str) -> Format | None:
    """The format served as ``media_type`` (parameters such as ``charset`` are ignored), or None."""
    bare = media_type.split(";", 1)[0].strip().lower()
    return next((f for f in FORMATS if f.media_type == bare), None)


# -- content negotiation (RFC 9110 §12.5.1) ------------------------------------------------------------------


class BadAccept(ValueError):
    """An ``Accept`` header we will not negotiate with (too long, too many entries, or nothing parseable).

    The caller decides what that means: a 400, or serving the default as if no header had been sent."""


_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# RFC 9110's qvalue is ``0[.ddd]`` or ``1[.000]``; Java's ``q=.2`` is also seen in the wild, so accept it too.
_QVALUE = re.compile(r"^(?:0(?:\.\d{0,3})?|\.\d{1,3}|1(?:\.0{0,3})?)$")


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header: ``type/subtype`` (either may be ``*``) and its weight."""

    type: str
    subtype: str
    q: float

    def matches(self, type_: str, subtype: str) -> bool:
        return self.type in ("*", type_) and self.subtype in ("*", subtype)

    @property
    def specificity(self) -> int:
        """2 for ``text/turtle``, 1 for ``text/*``, 0 for ``*/*``: a more specific range decides first."""
        return (self.type != "*") + (self.subtype != "*")


def _split(text: str, separator: str) -> list[str]:
    """Split on ``separator`` outside double-quoted strings (a JSON-LD ``profile`` may hold commas)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _media_range(entry: str) -> MediaRange | None:
    """Parse one entry (``text/html;level=1;q=0.8``), or None when it is malformed.

    Parameters other than ``q`` (``charset``, a JSON-LD ``profile``, ``level``) are not matched: we serve one
    representation per media type, and a client that names a profile is better served than refused. Whatever
    follows ``q`` is an accept-extension and is ignored."""
    media, *params = _split(entry, ";")
    media = media.strip()
    if media == "*":  # Java's HttpURLConnection sends a bare ``*``.
        media = "*/*"
    type_, _, subtype = media.lower().partition("/")
    if not (_TOKEN.match(type_) and _TOKEN.match(subtype)) or (type_ == "*" and subtype != "*"):
        return None
    q = 1.0
    for param in params:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            value = value.strip()
            if not _QVALUE.match(value):
                return None
            q = float(value)
            break
    return MediaRange(type_, subtype, q)


def parse_accept(header: str | None) -> list[MediaRange] | None:
    """The media ranges of an Accept header, or None when there is no header (or it is blank).

    Malformed entries are skipped (one odd entry should not cost a client its page); a header in which no entry
    parses, or one over the caps, raises :class:`BadAccept`."""
    if header is None or not header.strip():
        return None
    if len(header) > MAX_ACCEPT_LENGTH:
        raise BadAccept(f"Accept header longer than {MAX_ACCEPT_LENGTH} characters")
    entries = [e for e in _split(header, ",") if e.strip()]
    if not entries:
        return None
    if len(entries) > MAX_ACCEPT_ENTRIES:
        raise BadAccept(f"Accept header with more than {MAX_ACCEPT_ENTRIES} entries")
    ranges = [r for r in map(_media_range, entries) if r is not None]
    if not ranges:
        raise BadAccept(f"no media range in Accept header {header[:80]!r}")
    return ranges


def _quality(ranges: Sequence[MediaRange], media_type: str) -> tuple[float, int]:
    """(q, specificity) the client gives ``media_type``: the most specific matching range decides, so
    ``text/html;q=0, */*`` refuses HTML; where one range is listed twice the higher q counts (rapper lists
    ``text/html`` at 0.2 and at 0.6)."""
    type_, _, subtype = media_type.split(";", 1)[0].strip().lower().partition("/")
    matching = [r for r in ranges if r.matches(type_, subtype)]
    if not matching:
        return 0.0, -1
    specificity = max(r.specificity for r in matching)
    return max(r.q for r in matching if r.specificity == specificity), specificity


def negotiate(accept_header: str | None, offered: Sequence[str]) -> str | None:
    """The media type of ``offered`` to send for this ``Accept`` header, or None when none is acceptable (406).

    Highest q wins; at equal q a type the client named beats one only a wildcard admitted (``text/turtle, */*``
    gets Turtle even where HTML is offered first); then the order of ``offered``. No header, or a blank one,
    accepts anything: the first offered. ``q=0`` refuses. Raises :class:`BadAccept` for malformed headers."""
    if not offered:
        return None
    ranges = parse_accept(accept_header)
    if ranges is None:
        return offered[0]
    best: str | None = None
    best_key: tuple[float, int, int] | None = None
    for index, media_type in enumerate(offered):
        q, specificity = _quality(ranges, media_type)
        key = (q, specificity, -index)
        if q > 0 and (best_key is None or key > best_key):
            best, best_key = media_type, key
    return best


# -- serialising graphs -------------------------------------------------------------------------------------


_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _triples(source: bytes | Graph) -> list[ox.Triple]:
    """The triples of N-Triples bytes or an rdflib graph, once each, sorted so each subject's triples sit
    together, its type first (the Turtle and RDF/XML writers then group them: ``<film> a schema:Movie ;``), and
    the output is the same on every run."""
    data = source.serialize(format="nt", encoding="utf-8") if isinstance(source, Graph) else source
    unique = set(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    return sorted(
        unique, key=lambda t: (str(t.subject), t.predicate != _RDF_TYPE, str(t.predicate), str(t.object))
    )


def serialize_graph(triples_ntriples: bytes | Graph, media_type: str, *, root: str | None = None) -> bytes:
    """Serialise a graph (N-Triples bytes, as the store hands them out, or an rdflib graph) as ``media_type``.

    pyoxigraph does the writing (many times faster than rdflib); Turtle and RDF/XML use our prefixes. JSON-LD is
    compacted against lodfilm's inline context, ``root`` first with its own ``#fragment`` nodes nested
    (:mod:`lodfilm.publish.jsonld_documents`). Raises ValueError for a media type that is not an RDF format
    (HTML is a template's job)."""
    fmt = format_for_media_type(media_type)
    if fmt is None or fmt.rdf_format is None:
        raise ValueError(f"not an RDF graph format: {media_type!r}")
    triples = _triples(triples_ntriples)
    if fmt.rdf_format == ox.RdfFormat.JSON_LD:
        return jsonld_documents.document(triples, root)
    out = ox.serialize(triples, format=fmt.rdf_format, prefixes=PREFIXES)
    assert out is not None  # pyoxigraph returns bytes when given no output file
    return out
