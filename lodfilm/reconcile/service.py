"""The W3C Reconciliation Service API (version 0.2 of the Entity Reconciliation Community Group) over one store
checkpoint: the manifest, batches of reconciliation queries, suggest (entities, properties, types), previews, and
data extension with its property proposals.

Identifiers are our IRIs written after the base (``film/illegal-2010``): the manifest's ``identifierSpace`` is the
base, so ``identifierSpace + id`` is the IRI, and ``view`` opens the entity's page. Types are schema.org's
(``schemaSpace`` ``http://schema.org/``): ``Movie``, ``Person``, ``Organization``. The HTTP face is
:mod:`lodfilm.web.reconcile`; this module never sees a request.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lodfilm import credits as credit_table
from lodfilm.countries import country_name
from lodfilm.errors import UsageError
from lodfilm.index import Index, fold
from lodfilm.index import credits as agent_credits
from lodfilm.reconcile.matching import Entity, Scored, Wanted, rank
from lodfilm.reconcile.names import Names
from lodfilm.store.base import Store

SDO = "http://schema.org/"
TYPES = {"Movie": "Film", "Person": "Person", "Organization": "Organization"}
BATCH_SIZE = 100
MAX_LIMIT = 100
DEFAULT_LIMIT = 5
CANDIDATES = 25  # retrieved per query before scoring
DIRECTED = 50  # films of each person named as a director, added to the candidates
PREVIEW = {"width": 420, "height": 180}
SAFE_IRI = re.compile(r"^[^\s<>\"{}|\\^`]+$")


class ReconcileError(UsageError):
    """A query, property or identifier the service cannot read; ``str()`` says which and why (a 400)."""


class BatchTooLarge(ReconcileError):
    """More queries in one batch than the manifest's ``batchSize`` (a 413)."""


@dataclass(frozen=True)
class Property:
    id: str
    name: str
    types: tuple[str, ...]  # the entity types that have it
    description: str = ""
    match: bool = False  # usable as a reconciliation query property
    extend: bool = True


# What matching reads and extension returns. Identifiers' names follow the record fields (``wikidata``, ``imdb``).
BASIC: tuple[Property, ...] = (
    Property("year", "Year", ("Movie",), "The film's year (P577); a query's year may be one off.", True),
    Property("directors", "Directors", ("Movie",), "Who directed the film (P57).", True),
    Property("countries", "Countries", ("Movie",), "Countries of origin, ISO 3166-1 codes or names (P495).", True),
    Property("runtime", "Runtime (minutes)", ("Movie",), "Running time in minutes (P2047)."),
    Property("wikidata", "Wikidata ID", ("Movie", "Person", "Organization"), "The Wikidata item, Q…", True),
    Property("imdb", "IMDb ID", ("Movie", "Person", "Organization"), "tt…, nm… or co… (P345).", True),
    Property("films", "Films", ("Person", "Organization"), "Films the person or organisation is credited on.",
             True),
)
# Aliases clients use for the same properties (Wikidata's property ids, singular names).
ALIASES = {"P577": "year", "director": "directors", "P57": "directors", "country": "countries", "P495": "countries",
           "P2047": "runtime", "P345": "imdb", "film": "films"}
# A film's own property for a credit (the rest are roles: schema:contributor → schema:Role with a roleName).
DIRECT_CREDITS = {"P57": f"{SDO}director", "P58": f"{SDO}author", "P86": f"{SDO}musicBy",
                  "P162": f"{SDO}producer", "P272": f"{SDO}productionCompany"}


def credit_properties() -> tuple[Property, ...]:
    """One extension property per Wikidata property the credits table names (P57 director, P344 director of
    photography…), named after the credits that use it."""
    labels: dict[str, list[str]] = {}
    for credit in credit_table.CREDITS:
        if credit.wikidata_property:
            labels.setdefault(credit.wikidata_property, []).append(credit.label)
    return tuple(Property(pid, f"{' / '.join(names)} ({pid})", ("Movie",),
                          f"Credited as {', '.join(names)}: Wikidata property {pid}.")
                 for pid, names in labels.items())


CREDITS = credit_properties()
PROPERTIES = {p.id: p for p in (*BASIC, *CREDITS)}
PIDS_BY_LABEL = {credit_table.label_key(c.label): c.wikidata_property for c in credit_table.CREDITS
                 if c.wikidata_property}


class Service:
    """Reconciliation over one checkpoint: its store, search index and matching table, IRIs under ``base``."""

    def __init__(self, store: Store, index: Index, names: Names, base: str, title: str) -> None:
        self.store = store
        self.index = index
        self.names = names
        self.base = base
        self.title = title

    # -- identifiers ---------------------------------------------------------------------------------------------
    def id_of(self, iri: str) -> str:
        return iri[len(self.base):] if iri.startswith(self.base) else iri

    def iri_of(self, identifier: str) -> str:
        identifier = clean(identifier).strip()
        iri = identifier if identifier.startswith(("http://", "https://")) else self.base + identifier.lstrip("/")
        if not SAFE_IRI.match(iri):
            raise ReconcileError(f"id {shorten(identifier)} is not an identifier of this service")
        return iri

    # -- the manifest --------------------------------------------------------------------------------------------
    def manifest(self, root: str) -> dict[str, Any]:
        """The service manifest, with every service URL under ``root`` (this service's own address)."""
        root = root.rstrip("/")
        return {
            "versions": ["0.2"],
            "name": f"{self.title} reconciliation",
            "identifierSpace": self.base,
            "schemaSpace": SDO,
            "documentation": root.rsplit("/", 1)[0] + "/",
            "defaultTypes": [{"id": k, "name": v} for k, v in TYPES.items()],
            "view": {"url": self.base + "{{id}}"},
            "preview": {"url": f"{root}/preview?id={{{{id}}}}", **PREVIEW},
            "suggest": {kind: {"service_url": root, "service_path": f"/suggest/{kind}"}
                        for kind in ("entity", "property", "type")},
            "extend": {"propose_properties": {"service_url": root, "service_path": "/properties"},
                       "property_settings": []},
            "batchSize": BATCH_SIZE,
        }

    # -- reconciliation ------------------------------------------------------------------------------------------
    def reconcile_batch(self, batch: Any) -> dict[str, Any]:
        """A query batch (``{"q0": {"query": …}, …}``) → a result batch (``{"q0": {"result": [...]}, …}``)."""
        if not isinstance(batch, dict):
            raise ReconcileError("queries must be a JSON object of queries by key, e.g. {\"q0\": {\"query\": "
                                 "\"Illégal\"}}")
        if len(batch) > BATCH_SIZE:
            raise BatchTooLarge(f"{len(batch)} queries in one batch; at most {BATCH_SIZE} (the manifest's "
                                "batchSize)")
        return {str(key): {"result": [self.candidate(s) for s in self.reconcile(key, query)]}
                for key, query in batch.items()}

    def reconcile(self, key: str, query: Any) -> list[Scored]:
        kinds, wanted, limit = self.read_query(key, query)
        iris: dict[str, None] = {}
        for identifier in wanted.identifiers:
            for iri in self.names.by_identifier(identifier):
                iris.setdefault(iri, None)
        search = wanted.name or " ".join(wanted.films or wanted.directors)
        if search:
            for iri in self.names.candidates(search, kinds, CANDIDATES, year=wanted.year):
                iris.setdefault(iri, None)
        if wanted.directors and "Movie" in kinds:
            # the films of the people named as directors: a title many films share is told apart by who made it
            for person in self.names.candidates(" ".join(wanted.directors), ["Person"], 3):
                for credit in agent_credits(self.index, person, limit=DIRECTED):
                    iris.setdefault(credit.film.iri, None)
        return rank(wanted, self.entities(list(iris), kinds, identifiers=bool(wanted.identifiers)), limit)

    def read_query(self, key: str, query: Any) -> tuple[list[str], Wanted, int]:
        where = f"query {shorten(key)}"
        if not isinstance(query, dict):
            raise ReconcileError(f"{where}: must be an object with a \"query\" and optional \"type\", \"limit\", "
                                 "\"properties\"")
        unknown = set(query) - {"query", "type", "limit", "properties", "type_strict"}
        if unknown:
            raise ReconcileError(f"{where}: unknown field {shorten(sorted(unknown)[0])}")
        text = query.get("query", "")
        if not isinstance(text, str):
            raise ReconcileError(f"{where}: \"query\" must be a string, not {shorten(text)}")
        kinds = self.read_types(where, query.get("type"))
        limit = query.get("limit", DEFAULT_LIMIT)
        if isinstance(limit, bool) or not isinstance(limit, int | float) or not math.isfinite(limit) or limit < 1:
            raise ReconcileError(f"{where}: \"limit\" must be a positive number, not {shorten(limit)}")
        wanted = Wanted(name=clean(text).strip()[:500])
        properties = query.get("properties", [])
        if not isinstance(properties, list):
            raise ReconcileError(f"{where}: \"properties\" must be a list of {{\"pid\", \"v\"}} objects")
        for item in properties:
            self.read_property(where, item, wanted)
        if not wanted.name and not (wanted.identifiers or wanted.films or wanted.directors):
            raise ReconcileError(f"{where}: give a \"query\" (a name or title), or properties to match on")
        return kinds, wanted, min(int(limit), MAX_LIMIT)

    @staticmethod
    def read_types(where: str, given: Any) -> list[str]:
        if given in (None, "", []):
            return list(TYPES)
        values = given if isinstance(given, list) else [given]
        kinds = []
        for value in values:
            name = str(value).removeprefix(SDO).removeprefix("https://schema.org/").removeprefix("schema:")
            if name not in TYPES:
                raise ReconcileError(f"{where}: type {shorten(value)} is not one of {', '.join(TYPES)}")
            kinds.append(name)
        return kinds

    def read_property(self, where: str, item: Any, wanted: Wanted) -> None:
        if not isinstance(item, dict) or "pid" not in item or "v" not in item:
            raise ReconcileError(f"{where}: each property is an object {{\"pid\": …, \"v\": …}}, not "
                                 f"{shorten(item)}")
        pid = ALIASES.get(str(item["pid"]), str(item["pid"]))
        if pid not in PROPERTIES or not PROPERTIES[pid].match:
            usable = ", ".join(p.id for p in BASIC if p.match)
            raise ReconcileError(f"{where}: property {shorten(item['pid'])} cannot be matched on (use {usable})")
        values = [v.get("id") or v.get("name", "") if isinstance(v, dict) else v
                  for v in (item["v"] if isinstance(item["v"], list) else [item["v"]])]
        texts = [clean(str(v)).strip()[:500] for v in values[:50] if str(v).strip()]
        if pid == "year":
            for text in texts:
                found = re.match(r"^\s*(\d{4})(?!\d)", text)
                if not found:
                    raise ReconcileError(f"{where}: year {shorten(text)} is not a year")
                wanted.year = int(found.group(1))
        elif pid in ("wikidata", "imdb"):
            wanted.identifiers += texts
        elif pid == "films":
            wanted.films += [self.name_of(t) for t in texts]
        else:
            getattr(wanted, pid).extend(texts)

    def name_of(self, value: str) -> str:
        """A property value given as one of our ids (a reconciled cell) → its name; else the value itself."""
        if "/" in value and not value.startswith(("http://", "https://")) or value.startswith(self.base):
            names = self.names.names([self.iri_of(value)])
            found = next(iter(names.values()), [])
            if found:
                return found[0].name
        return value

    def entities(self, iris: Sequence[str], kinds: Sequence[str], *, identifiers: bool = False) -> list[Entity]:
        """What scoring needs of each candidate, from the matching table and the search index (their
        identifiers only when the query gives some)."""
        names = self.names.names(iris)
        out = []
        films = self.film_rows(iris)
        known = self.names.identifiers(iris) if identifiers else {}
        for iri in iris:
            found = names.get(iri) or []
            if not found or found[0].kind not in kinds:
                continue
            entity = Entity(iri, found[0].kind, [n.name for n in found], identifiers=known.get(iri, []))
            if entity.kind == "Movie" and iri in films:
                entity.year, entity.directors, entity.countries = films[iri]
            elif entity.kind != "Movie":
                entity.films = [c.film.name for c in agent_credits(self.index, iri, limit=200)]
            out.append(entity)
        return out

    def film_rows(self, iris: Sequence[str]) -> dict[str, tuple[int | None, list[str], list[str]]]:
        out: dict[str, tuple[int | None, list[str], list[str]]] = {}
        for start in range(0, len(iris), 500):
            chunk = list(iris[start:start + 500])
            for iri, year, directors, countries in self.index.rows(
                    f"SELECT iri, year, directors, countries FROM films WHERE iri IN ({', '.join('?' * len(chunk))})",
                    chunk):
                out[iri] = (year, json.loads(directors), json.loads(countries))
        return out

    def candidate(self, scored: Scored) -> dict[str, Any]:
        entity = scored.entity
        return {
            "id": self.id_of(entity.iri),
            "name": entity.names[0],
            "description": describe(entity),
            "type": [{"id": entity.kind, "name": TYPES[entity.kind]}],
            "score": scored.score,
            "match": scored.match,
            "features": [{"id": k, "value": v} for k, v in scored.features.items()],
        }

    # -- suggest -------------------------------------------------------------------------------------------------
    def suggest_entities(self, prefix: str, cursor: int, types: Any = None) -> dict[str, Any]:
        kinds = self.read_types("suggest", types)
        limit = 10
        prefix = clean(prefix)
        found = self.names.prefixed(prefix, kinds, limit, cursor)
        if len(found) < limit and cursor == 0:  # a word inside the name (prefix of a later word)
            seen = {n.iri for n in found}
            for iri in self.names.candidates(prefix, kinds, limit):
                if iri not in seen and len(found) < limit:
                    named = self.names.names([iri])[iri]
                    if named and fold(prefix).strip() in named[0].folded:
                        found.append(named[0])
                        seen.add(iri)
        entities = {e.iri: e for e in self.entities([n.iri for n in found], kinds)}
        return {"result": [{"id": self.id_of(n.iri), "name": n.name,
                            "description": describe(entities[n.iri]) if n.iri in entities else "",
                            "notable": [{"id": n.kind, "name": TYPES[n.kind]}]} for n in found]}

    @staticmethod
    def suggest_properties(prefix: str, cursor: int = 0) -> dict[str, Any]:
        folded = fold(clean(prefix)).strip()
        found = [p for p in PROPERTIES.values() if not folded or folded in fold(f"{p.id} {p.name}")]
        return {"result": [{"id": p.id, "name": p.name, "description": p.description}
                           for p in found[cursor:cursor + 20]]}

    @staticmethod
    def suggest_types(prefix: str, cursor: int = 0) -> dict[str, Any]:
        folded = fold(clean(prefix)).strip()
        found = [(k, v) for k, v in TYPES.items() if not folded or folded in fold(f"{k} {v}")]
        return {"result": [{"id": k, "name": v} for k, v in found[cursor:cursor + 20]]}

    # -- data extension ------------------------------------------------------------------------------------------
    @staticmethod
    def propose_properties(type_id: str, limit: int | None) -> dict[str, Any]:
        kind = Service.read_types("properties", type_id)[0]
        found = [p for p in PROPERTIES.values() if kind in p.types and p.extend]
        out: dict[str, Any] = {"type": type_id, "properties": [{"id": p.id, "name": p.name,
                                                                 "description": p.description}
                                                                for p in found[:limit]]}
        if limit is not None:
            out["limit"] = limit
        return out

    def extend(self, query: Any) -> dict[str, Any]:
        """A data extension query (``{"ids": [...], "properties": [{"id": "year"}, ...]}``) → its response."""
        if not isinstance(query, dict) or not isinstance(query.get("ids"), list) or not isinstance(
                query.get("properties"), list):
            raise ReconcileError("extend must be an object {\"ids\": [...], \"properties\": [{\"id\": …}, ...]}")
        if len(query["ids"]) > BATCH_SIZE * 10:
            raise BatchTooLarge(f"{len(query['ids'])} ids in one extension; at most {BATCH_SIZE * 10}")
        wanted = []
        for item in query["properties"]:
            pid = item.get("id") if isinstance(item, dict) else None
            pid = ALIASES.get(str(pid), str(pid))
            if pid not in PROPERTIES:
                raise ReconcileError(f"extend: unknown property {shorten(item)} (see {'/properties?type=Movie'})")
            wanted.append(PROPERTIES[pid])
        ids = [str(i) for i in query["ids"]]
        iris = {i: self.iri_of(i) for i in ids}
        values = self.values(list(iris.values()), wanted)
        return {
            "meta": [{"id": p.id, "name": p.name, **({"type": {"id": "Person", "name": "Person"}}
                                                       if p.id in ("directors",) else {})} for p in wanted],
            "rows": {i: {p.id: values.get((iris[i], p.id), []) for p in wanted} for i in ids},
        }

    def values(self, iris: list[str], wanted: Sequence[Property]) -> dict[tuple[str, str], list[dict[str, Any]]]:
        out: dict[tuple[str, str], list[dict[str, Any]]] = {}

        def add(iri: str, pid: str, value: dict[str, Any]) -> None:
            cell = out.setdefault((iri, pid), [])
            if value not in cell:
                cell.append(value)

        ids = set(p.id for p in wanted)
        films = [i for i in iris if SAFE_IRI.match(i)]
        if not films:
            return out
        values = " ".join(f"<{i}>" for i in films)
        for row in self.store.select(
                f"SELECT ?f ?p ?o ?name ?code WHERE {{ VALUES ?f {{ {values} }} ?f ?p ?o . VALUES ?p {{ "
                "schema:dateCreated schema:duration schema:director schema:author schema:musicBy schema:producer "
                "schema:productionCompany schema:countryOfOrigin schema:sameAs } OPTIONAL { ?o schema:name ?name } "
                "OPTIONAL { ?o schema:identifier ?code } }"):
            f, p, o = row["f"], row["p"], row["o"]
            if p == f"{SDO}dateCreated" and "year" in ids and o[:4].isdigit():
                add(f, "year", {"int": int(o[:4])})
            elif p == f"{SDO}duration" and "runtime" in ids and (minutes := iso_minutes(o)) is not None:
                add(f, "runtime", {"int": minutes})
            elif p == f"{SDO}countryOfOrigin" and "countries" in ids:
                code = row.get("code") or o.rsplit("/", 1)[-1]
                add(f, "countries", {"id": self.id_of(o), "name": row.get("name") or country_name(code)})
            elif p == f"{SDO}sameAs":
                for scheme, pattern in (("wikidata", r"/(Q[1-9][0-9]*)$"), ("imdb", r"/((?:tt|nm|co)[0-9]+)/?$")):
                    if scheme in ids and (found := re.search(pattern, o)):
                        add(f, scheme, {"str": found.group(1)})
            else:
                entity = {"id": self.id_of(o), "name": row.get("name") or self.id_of(o)}
                if p == f"{SDO}director" and "directors" in ids:
                    add(f, "directors", entity)
                for pid, prop in DIRECT_CREDITS.items():
                    if prop == p and pid in ids:
                        add(f, pid, entity)
        role_pids = ids & {p.id for p in CREDITS}
        if role_pids:
            for row in self.store.select(
                    f"SELECT ?f ?agent ?name ?label WHERE {{ VALUES ?f {{ {values} }} "
                    "{ ?f schema:actor ?role . ?role schema:actor ?agent BIND(\"Cast\" AS ?label) } UNION "
                    "{ ?f schema:contributor ?role . ?role schema:contributor ?agent ; schema:roleName ?label "
                    "FILTER(isLiteral(?label)) } ?agent schema:name ?name }"):
                credit = credit_table.credit_for(row["label"])
                role_pid = credit.wikidata_property if credit else None
                if role_pid is not None and role_pid in role_pids:
                    add(row["f"], role_pid, {"id": self.id_of(row["agent"]), "name": row["name"]})
        return out

    # -- preview -------------------------------------------------------------------------------------------------
    def preview(self, identifier: str) -> dict[str, Any] | None:
        """What a preview card shows of an entity, or None for an id this service does not hold."""
        iri = self.iri_of(identifier)
        entities = self.entities([iri], list(TYPES))
        if not entities:
            return None
        entity = entities[0]
        image = self.index.value("SELECT image FROM films WHERE iri = ?", [iri]) if entity.kind == "Movie" else None
        return {"iri": iri, "id": self.id_of(iri), "kind": TYPES[entity.kind], "name": entity.names[0],
                "other_names": entity.names[1:4], "description": describe(entity), "image": image,
                "films": entity.films[:5]}


def describe(entity: Entity) -> str:
    """One line that tells namesakes apart: ``2010 film by Olivier Masset-Depasse (BE, FR, LU)``."""
    if entity.kind == "Movie":
        parts = [f"{entity.year} film" if entity.year else "Film"]
        if entity.directors:
            parts.append("by " + ", ".join(entity.directors[:3]))
        if entity.countries:
            parts.append(f"({', '.join(entity.countries)})")
        return " ".join(parts)
    credited = len(entity.films)
    if not credited:
        return TYPES[entity.kind]
    shown = ", ".join(entity.films[:2])
    return f"{TYPES[entity.kind]} credited on {credited}{'+' if credited >= 200 else ''} film" \
           f"{'s' * (credited != 1)}: {shown}{'…' if credited > 2 else ''}"


def iso_minutes(duration: str) -> int | None:
    found = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:\d+S)?", duration)
    if not found or not any(found.groups()):
        return None
    return int(found.group(1) or 0) * 60 + int(found.group(2) or 0)


def clean(text: str) -> str:
    """``text`` without lone surrogates (JSON may carry ``"\\ud800"``; no store or index can hold one)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def shorten(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = text if len(text) <= limit else text[:limit] + "…"
    return repr(text) if isinstance(value, str) else text


def parse_json(name: str, text: str | None) -> Any:
    """The JSON of a form field or body, or a clear error naming it."""
    if text is None or not text.strip():
        raise ReconcileError(f"{name} is empty: send a JSON object")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ReconcileError(f"{name} is not JSON: {exc}") from None

