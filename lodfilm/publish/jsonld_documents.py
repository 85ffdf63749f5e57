"""JSON-LD documents people can read: a resource's document (``film/x.jsonld``) and the JSON-LD dump, compacted
against one fixed context carried inline, and read back to exactly the triples they were made from.

pyoxigraph writes JSON-LD *expanded*: every key a full IRI, every value an object. This module compacts that
form against :data:`CONTEXT` — ``@vocab`` schema.org (``"name"``, ``"director"``, ``"Movie"``), prefixes for
the other vocabularies (``"prov:wasDerivedFrom"``, ``"fiaf:AwardOrNominationEvent"``), and type coercions for
the properties whose values are always of one kind (web addresses and our own nodes as plain strings, years and
durations as plain strings) — and, in a resource's document, nests the resource's own ``#fragment`` nodes (roles,
trailer, award parts, an address, a retrieval) where they are linked, the resource first.

Why our own compactor, not pyld's: the context is fixed and small, so compacting one node is a few dictionary
look-ups, where pyld's general algorithm took 0.35 s to frame and compact one film's document (ours 0.02 s,
parse included) and cannot stream a dump at all.
The rules below are JSON-LD 1.0/1.1 expansion read backwards (https://www.w3.org/TR/json-ld11-api/#expansion-
algorithms); tests hold every output to pyld's and rdflib's reading of it, triple for triple.

- A key is a term only where expansion gives that term back its IRI: a bare word through ``@vocab`` when it
  has no ``:``, is no keyword and is not itself defined in the context; else ``prefix:suffix``; else the IRI.
- A value is written bare only where expansion makes it the same RDF term: a string for an ``xsd:string``
  under a key with no coercion, for an IRI under an ``@id`` key, for a literal of the key's own datatype;
  ``true``/``false`` for canonical booleans. Anything else is written as an explicit ``{"@id"}`` or ``{"@value",
  "@type"|"@language"}`` object, which no coercion touches.
- The context is inline, never a URL: rdflib and pyld would fetch a context URL (FACTS.md).
- An IRI that would read as a compact IRI (``xsd:x``, ``schema:y`` — no record can make one, every record URL is
  http(s)) cannot be written with this context; :class:`UnwritableIri` says which, rather than change a triple.
"""

from __future__ import annotations

import codecs
import io
import json
import queue
import threading
from collections.abc import Iterable
from functools import lru_cache
from types import TracebackType
from typing import IO, Any

import pyoxigraph as ox

from lodfilm.vocab import DCTERMS, FIAF, PROV, RDF, RDFS, SDO, XSD

VOCAB = str(SDO)
RDF_TYPE = str(RDF.type)
XSD_STRING = str(XSD.string)
XSD_BOOLEAN = str(XSD.boolean)

PREFIXES: dict[str, str] = {
    "schema": VOCAB,
    "fiaf": str(FIAF),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
}
# schema.org properties whose values are IRIs — web addresses (as in the official schema.org context) and our own
# nodes — written as plain strings; and those whose literals always carry one datatype.
IRI_TERMS = (
    "sameAs", "url", "image", "embedUrl", "thumbnailUrl", "contentUrl", "logo", "additionalType",
    "director", "author", "musicBy", "producer", "productionCompany", "countryOfOrigin", "trailer", "subjectOf",
    "superEvent", "about", "publisher", "address", "actor", "contributor",
)
TYPED_TERMS = {"dateCreated": str(XSD.gYear), "duration": str(XSD.duration)}
_ID_KEYS = frozenset(IRI_TERMS)
_BETWEEN_NODES = ']},{"@id":'
_HTTP = ("http://", "https://")  # IRIs that read as themselves whatever the context (no prefix is "http")


def _context() -> dict[str, Any]:
    context: dict[str, Any] = {"@vocab": VOCAB, **PREFIXES}
    for term in IRI_TERMS:
        context[term] = {"@id": f"schema:{term}", "@type": "@id"}
    for term, datatype in TYPED_TERMS.items():
        context[term] = {"@id": f"schema:{term}", "@type": f"xsd:{datatype.removeprefix(str(XSD))}"}
    return context


#: The context every JSON-LD document and dump of lodfilm carries inline.
CONTEXT: dict[str, Any] = _context()
# predicate IRI → (term, coercion: "@id" or a datatype IRI)
_TERMS: dict[str, tuple[str, str]] = {
    **{VOCAB + term: (term, "@id") for term in IRI_TERMS},
    **{VOCAB + term: (term, datatype) for term, datatype in TYPED_TERMS.items()},
}
# Longest namespace first, so a namespace inside another (none today) would win.
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


class UnwritableIri(ValueError):
    """An IRI this context would read back as another (``xsd:x`` reads as the XSD namespace's ``x``)."""

    def __init__(self, iri: str) -> None:
        super().__init__(f"the IRI {iri!r} would read as a compact IRI under lodfilm's JSON-LD context")
        self.iri = iri


def _reads_as_itself(iri: str) -> bool:
    """True when ``iri`` written as it is expands to itself: a blank node, or an absolute IRI whose scheme is
    no key of the context (JSON-LD 1.0 expands ``term:rest`` through any term)."""
    if iri.startswith("_:"):
        return True
    scheme, colon, _ = iri.partition(":")
    return bool(colon) and scheme not in CONTEXT and not iri.startswith("@")


def node_id(iri: str) -> str:
    """An ``@id`` value (or a value under an ``@id`` key): the IRI itself, which must read back as itself."""
    if not _reads_as_itself(iri):
        raise UnwritableIri(iri)
    return iri


def vocab_iri(iri: str) -> str:
    """A key, an ``@type`` value or a datatype: vocabulary-relative where that is safe, else ``prefix:suffix``,
    else the IRI itself."""
    if iri.startswith(VOCAB):
        suffix = iri[len(VOCAB):]
        if suffix and ":" not in suffix and not suffix.startswith("@") and suffix not in CONTEXT:
            return suffix
    for prefix, namespace in _BY_LENGTH:
        if iri.startswith(namespace):
            suffix = iri[len(namespace):]
            if suffix and not suffix.startswith("//"):
                return f"{prefix}:{suffix}"
    return node_id(iri)


def _value(value: dict[str, Any], coercion: str | None) -> Any:
    """One expanded value object as the compact value that expands back to it under a key with ``coercion``."""
    if "@id" in value:
        iri = node_id(value["@id"])
        return iri if coercion == "@id" else {"@id": iri}
    lexical = value["@value"]
    if "@language" in value:
        return {"@value": lexical, "@language": value["@language"]}
    datatype = value.get("@type", XSD_STRING)
    if not isinstance(lexical, str):  # a native value in expanded input: keep it exactly as it came
        return {"@value": lexical, "@type": vocab_iri(datatype)} if "@type" in value else {"@value": lexical}
    if datatype == XSD_STRING:
        return lexical if coercion is None else {"@value": lexical}
    if datatype == coercion:
        return lexical
    if datatype == XSD_BOOLEAN and coercion is None and lexical in ("true", "false"):
        return lexical == "true"
    return {"@value": lexical, "@type": vocab_iri(datatype)}


def _sort_key(value: Any) -> tuple[int, str]:
    if isinstance(value, dict):
        return 1, json.dumps(value, sort_keys=True, ensure_ascii=False)
    return 0, str(value)


class Compactor:
    """Compacts expanded node objects (as pyoxigraph writes them) against :data:`CONTEXT`."""

    def __init__(self, *, sort: bool = True) -> None:
        self._keys: dict[str, tuple[str, str | None]] = {}
        self._sort = sort

    def node(self, expanded: dict[str, Any]) -> dict[str, Any]:
        """One node object: ``@id``, ``@type``, then its properties (``name`` first, the rest by key).

        Written for speed (a dump compacts every node of the store): the common cases — an http(s) IRI, a plain
        string under a key with no coercion — are decided inline, the rest by :func:`_value`."""
        out: dict[str, Any] = {}
        iri = expanded.get("@id")
        if iri is not None:
            out["@id"] = iri if iri.startswith(_HTTP) else node_id(iri)
        types: list[str] = [_type(t) for t in expanded.get("@type", ())]
        properties: dict[str, list[Any]] = {}
        keys = self._keys
        for predicate, values in expanded.items():
            if predicate[0] == "@":
                continue
            if predicate == RDF_TYPE:
                rest = []
                for value in values:
                    if "@id" in value:
                        types.append(_type(value["@id"]))
                    else:
                        rest.append(value)
                if not rest:
                    continue
                values = rest
            found = keys.get(predicate)
            if found is None:
                found = keys[predicate] = _TERMS.get(predicate) or (vocab_iri(predicate), None)
            key, coercion = found
            compact = properties.setdefault(key, [])
            for value in values:
                target = value.get("@id")
                if target is not None:
                    if not target.startswith(_HTTP):
                        node_id(target)
                    compact.append(target if coercion == "@id" else {"@id": target})
                elif coercion is None and len(value) == 1 and type(value["@value"]) is str:
                    compact.append(value["@value"])
                else:
                    compact.append(_value(value, coercion))
        if types:
            types = sorted(set(types)) if self._sort else types
            out["@type"] = types[0] if len(types) == 1 else types
        for key in sorted(properties, key=_key_order) if self._sort else properties:
            values = properties[key]
            if self._sort and len(values) > 1:
                values.sort(key=_sort_key)
            out[key] = values[0] if len(values) == 1 else values
        return out


@lru_cache(maxsize=4096)
def _type(iri: str) -> str:
    """An ``@type`` value (a class: few distinct ones, so cached)."""
    return vocab_iri(iri)


def _key_order(key: str) -> tuple[bool, str]:
    return key != "name", key


def _document_of(iri: str) -> str:
    return iri.split("#", 1)[0]


def _nest(node: dict[str, Any], nodes: dict[str, dict[str, Any]], placed: set[str]) -> None:
    """Put in place, under ``node``, each node of its own document (``{doc}#…``) it links to, once."""
    document = _document_of(node.get("@id", ""))
    for key, value in node.items():
        if key.startswith("@"):
            continue
        values = value if isinstance(value, list) else [value]
        changed = False
        for index, item in enumerate(values):
            if isinstance(item, str) and key in _ID_KEYS:
                target: str | None = item
            elif isinstance(item, dict) and set(item) == {"@id"}:
                target = item["@id"]
            else:
                target = None
            if target is not None and target in nodes and target not in placed and target.startswith(document + "#"):
                placed.add(target)
                child = nodes[target]
                _nest(child, nodes, placed)
                values[index] = child
                changed = True
        if changed and not isinstance(value, list):
            node[key] = values[0]


def frame(expanded: Iterable[dict[str, Any]], root: str | None = None) -> dict[str, Any]:
    """A resource's document: ``root`` first with its own ``#fragment`` nodes nested where it links to them,
    then every other node (sorted by IRI, each with its own fragments nested), under the inline context."""
    merged: dict[str, dict[str, Any]] = {}
    loose: list[dict[str, Any]] = []
    for item in expanded:  # one object per node (a writer may split a node whose triples came apart)
        if "@id" not in item:
            loose.append(item)
            continue
        into = merged.setdefault(item["@id"], {"@id": item["@id"]})
        for key, values in item.items():
            if key != "@id":
                into.setdefault(key, []).extend(values)
    compactor = Compactor()
    nodes = {iri: compactor.node(item) for iri, item in merged.items()}
    loose = [compactor.node(item) for item in loose]
    order = sorted(nodes, key=lambda iri: (iri != root, "#" in iri, iri))
    placed: set[str] = set()
    top: list[dict[str, Any]] = []
    for iri in order:  # documents first, so each takes its own fragments before any stray one is listed
        if iri in placed:
            continue
        placed.add(iri)
        _nest(nodes[iri], nodes, placed)
        top.append(nodes[iri])
    top.extend(loose)
    if len(top) == 1:
        return {"@context": CONTEXT, **top[0]}
    return {"@context": CONTEXT, "@graph": top}


def context_text(indent: str = "") -> str:
    """The context as JSON, one term a line (indented, it is a screenful rather than three)."""
    lines = [f"{indent}  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in CONTEXT.items()]
    return "{\n" + ",\n".join(lines) + f"\n{indent}}}"


def dumps(data: dict[str, Any]) -> bytes:
    """A framed document as indented JSON, ``@context`` first and one term a line."""
    rest = {k: v for k, v in data.items() if k != "@context"}
    body = json.dumps(rest, ensure_ascii=False, indent=2)
    head = '{\n  "@context": ' + context_text("  ")
    return (head + (",\n" + body[2:] if rest else "\n}") + "\n").encode()


def document(triples: bytes | Iterable[ox.Triple], root: str | None = None) -> bytes:
    """A resource's document as JSON-LD: its triples (N-Triples bytes, as
    :func:`lodfilm.publish.documents.document` makes them, or pyoxigraph triples), ``root`` first."""
    if isinstance(triples, bytes):
        triples = ox.parse(triples, format=ox.RdfFormat.N_TRIPLES)
    expanded = json.loads(ox.serialize(triples, format=ox.RdfFormat.JSON_LD) or b"[]")
    return dumps(frame(expanded, root))


class _Compacting:
    """Reads pyoxigraph's expanded JSON-LD chunk by chunk and writes each node compacted, one a line."""

    def __init__(self, output: IO[bytes]) -> None:
        self._output = output
        self._text = codecs.getincrementaldecoder("utf-8")()
        self._buffer = ""
        self._decoder = json.JSONDecoder()
        self._compactor = Compactor(sort=False)
        self._encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
        self._nodes = 0
        self._opened = False
        self._ended = False
        output.write(b'{\n"@context": ' + context_text().encode() + b',\n"@graph": [')

    def feed(self, data: bytes) -> None:
        self._buffer += self._text.decode(data)
        buffer, at, size = self._buffer, 0, len(self._buffer)
        nodes: list[dict[str, Any]] = []
        while True:
            while at < size and buffer[at] in " \t\r\n,":
                at += 1
            if at >= size:
                break
            char = buffer[at]
            if self._ended:
                raise ValueError("text after the end of the expanded JSON-LD")
            if not self._opened:
                if char != "[":
                    raise ValueError(f"expanded JSON-LD starts with '[', not {char!r}")
                self._opened = True
                at += 1
                continue
            if char == "]":
                self._ended = True
                at += 1
                continue
            # Fast path: every whole node of the chunk in one parse. pyoxigraph ends a node with ``]}`` and starts
            # the next with ``{"@id":``; a cut anywhere but between two top-level nodes would leave the text inside
            # a string or unbalanced, which no parse accepts — so a parse that succeeds read whole nodes.
            cut = buffer.rfind(_BETWEEN_NODES, at)
            if cut > at:
                try:
                    nodes.extend(json.loads(f"[{buffer[at:cut + 2]}]"))
                    at = cut + 2
                    continue
                except json.JSONDecodeError:
                    pass
            try:
                item, at = self._decoder.raw_decode(buffer, at)
            except json.JSONDecodeError:
                break  # the rest of this node is in the next chunk
            nodes.append(item)
        if nodes:
            node, encode = self._compactor.node, self._encode
            text = ",\n".join([encode(node(item)) for item in nodes])
            self._output.write((("\n" if self._nodes == 0 else ",\n") + text).encode())
            self._nodes += len(nodes)
        self._buffer = buffer[at:]

    def finish(self) -> None:
        self.feed(b"")
        self._buffer += self._text.decode(b"", final=True)
        if self._buffer.strip() or (self._opened and not self._ended):
            raise ValueError("the expanded JSON-LD ended inside a node")
        self._output.write(b"\n]}\n")


class DumpWriter(io.RawIOBase):
    """A binary sink for pyoxigraph's expanded JSON-LD that writes the compacted dump to ``output`` as it comes.

    pyoxigraph streams a top-level array of node objects, one per subject; each is compacted and written on a
    line of its own under ``"@graph"``, so memory holds a few chunks, never the graph. The compacting runs in a
    thread of its own, beside pyoxigraph reading the store (which holds no GIL while it reads), as
    :class:`lodfilm.publish.dumps.GzipWriter` does for compression; at most ``QUEUED`` chunks wait.

    Nodes stay at the top level: the store's index orders subjects by hash, so a film and its roles are far apart
    in the stream, and bringing them together would cost a look-up per role (measured at 10k films: the
    look-ups alone took longer than the whole dump). Values keep the store's order (sorting changes no triple)."""

    QUEUED = 16

    def __init__(self, output: IO[bytes]) -> None:
        self._compacting = _Compacting(output)
        self._chunks: queue.Queue[bytes | None] = queue.Queue(self.QUEUED)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="lodfilm-jsonld", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while (chunk := self._chunks.get()) is not None:
                if self._error is None:
                    self._compacting.feed(chunk)
            if self._error is None:
                self._compacting.finish()
        except BaseException as error:  # noqa: BLE001 - handed to the writing thread at its next write or close
            self._error = error
            while self._chunks.get() is not None:  # let the writer finish putting
                pass

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self._error is not None:
            raise self._error
        self._chunks.put(bytes(data))
        return len(data)

    def close(self) -> None:
        if self.closed:
            return
        self._chunks.put(None)
        self._thread.join()
        super().close()
        if self._error is not None:
            raise self._error

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if kind is not None:  # the dump failed: stop the thread, keep the original error
            self._error = self._error or value
            try:
                self.close()
            except BaseException:  # noqa: BLE001
                pass
            return
        self.close()
