"""Helpers for the harvesting doors' tests: a stand-in event (the shape of ``lodfilm.changelog.Event``) and the
OAI-PMH schema validator (the protocol's XSD files in ``tests/fixtures/oai``, loaded offline)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

SCHEMAS = Path(__file__).resolve().parent / "fixtures" / "oai"
T0 = dt.datetime(2026, 12, 1, 10, 0, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Event:
    seq: int
    time: dt.datetime
    kind: str
    record: str
    film: str
    hash: str


def event(seq: int, kind: str, film: str, *, seconds: float | None = None) -> Event:
    """Event ``seq``, ``seconds`` (default ``seq`` minutes) after T0, for ``film`` (a slug or an IRI)."""
    iri = film if film.startswith("http") else f"http://films.example.org/film/{film}"
    offset = dt.timedelta(seconds=seconds) if seconds is not None else dt.timedelta(minutes=seq)
    return Event(seq, T0 + offset, kind, iri.replace("/film/", "/record/"), iri, f"hash{seq}")


class LocalSchemas(etree.Resolver):
    """The W3C ``xml.xsd`` URL that simple Dublin Core imports, answered from the fixtures folder."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        if system_url.endswith("/xml.xsd"):
            return self.resolve_filename(str(SCHEMAS / "xml.xsd"), context)
        return None


@cache
def oai_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(LocalSchemas())
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "harvest.xsd"), parser))


def valid_oai(body: bytes) -> etree._Element:
    """The parsed response, after asserting it is valid OAI-PMH (with oai_dc / rdf:RDF metadata)."""
    root = etree.fromstring(body)
    schema = oai_schema()
    assert schema.validate(root), f"invalid OAI-PMH: {schema.error_log}\n{body.decode()[:3000]}"
    return root


def sync(records: Path, store_dir: Path, base: str, *, prune: bool = False) -> None:
    """Import ``records`` into the embedded store at ``store_dir`` (with ``--prune`` over the same folder)."""
    from lodfilm import pipeline
    from lodfilm.store import open_store

    store = open_store(store_dir)
    try:
        pipeline.run([records], base=base, store=store, progress=False, prune=[records] if prune else None)
    finally:
        store.close()


def update_one_delete_one(pages: list[Path]) -> None:
    """The doors' second sync: the second film's runtime changes (an update), the third's file goes (a delete,
    once pruned)."""
    pages[1].write_text(pages[1].read_text(encoding="utf-8").replace("runtime_minutes: 95", "runtime_minutes: 96"),
                        encoding="utf-8")
    pages[2].unlink()


def three_films(folder: Path, seed: Path) -> list[Path]:
    """Three film pages made from the seed YAML record (titles ``Film 2011``…``Film 2013``), written to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    text = seed.read_text(encoding="utf-8")
    paths = []
    for year in (2011, 2012, 2013):
        path = folder / f"film-{year}.yaml"
        path.write_text(text.replace("title: Illégal", f"title: Film {year}").replace("year: 2010", f"year: {year}"),
                        encoding="utf-8")
        paths.append(path)
    return paths
