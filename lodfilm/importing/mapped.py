"""MAP: one read record, keyed, into its graph (or the reason it cannot be)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lodfilm.errors import RecordError, quote
from lodfilm.importing.keys import FileKeys
from lodfilm.iris import Iris
from lodfilm.mapping import Mapper, RecordGraph
from lodfilm.records import Input, ReadResult


@dataclass
class Mapped:
    """A record read and mapped, waiting for validation in its batch."""

    path: Path
    label: str
    graph_iri: str
    film_iri: str
    graph: RecordGraph
    notes: list[str] = field(default_factory=list)
    #: the file it came from (resolved), for the record's source in the change log
    real: Path | None = None
    #: no other record (in this run or the store) is about its film: the film's triples are this record's own
    alone: bool = False


def map_record(result: ReadResult, source: Input, keys: FileKeys, mapper: Mapper, iris: Iris) -> Mapped | RecordError:
    """Map one read record into its graph. A graph read as RDF (lodfilm's own dumps, schema.org RDF) keeps its
    IRIs, which must be under this base; a record read into the model is keyed (:class:`FileKeys`), then mapped."""
    path = source.path
    if result.graph is not None:
        if not result.graph.graph_iri.startswith(iris.record("")):
            return RecordError(str(path), result.ref.label, None, f"a record published under another base IRI: "
                               f"import it with the --base its IRIs were minted under (not {iris.base})")
        graph = RecordGraph()
        graph.lines.update(result.graph.lines)
        return Mapped(path, result.ref.label, result.graph.graph_iri, result.graph.film_iri, graph, real=source.real)
    if result.error is not None or result.film is None:
        return result.error or RecordError(str(path), result.ref.label, None, "unreadable")
    film = result.film
    claim = mapper.claim(film, "", keys.part)
    key = keys.assign(film, claim, path=str(path), label=result.ref.label)
    if isinstance(key, RecordError):
        return key
    graph_iri = iris.record(key)
    try:
        # The file's name, not its path: a record says which file it came from without publishing the
        # server's folders (the digest in the record's IRI tells two files of one name apart).
        film_iri, graph = mapper.map(film, graph_iri, source.real.name, keys.part, claim)
    except ValueError as exc:  # an IRI pyoxigraph refuses (the record model checks addresses; this is the backstop)
        mapper.unclassified.clear()
        return RecordError(str(path), result.ref.label, None, f"cannot be mapped to RDF: {exc}")
    notes = [f"{path}: {result.ref.label}: crew: no FIAF class for the credit {quote(label)}; kept as text"
             for label in dict.fromkeys(mapper.unclassified)]
    mapper.unclassified.clear()
    return Mapped(path, result.ref.label, graph_iri, film_iri, graph, notes, real=source.real,
                  alone=mapper.films.alone)
