"""The remote store: any SPARQL 1.1 server, spoken to only through the standards.

* SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/): queries are POSTed form-encoded (``query=``,
  ``default-graph-uri=``), updates likewise (``update=``) to the update URL.
* SPARQL 1.1 Query and Update (https://www.w3.org/TR/sparql11-update/): nothing server-specific is written.

The data model is the embedded store's (:mod:`lodfilm.store.embedded`): one named graph per record, and a graph
holding the RDF merge of all records, which is what queries see. Where that merge lives depends on the server:

* ``merge_graph=None``: in the server's own default graph, as in pyoxigraph. Right for servers whose default graph
  is a real, separate graph (Apache Jena Fuseki/TDB2 as shipped, Oxigraph).
* ``merge_graph=IRI`` (the default, :data:`MERGE_GRAPH`): in a named graph of that IRI, and every query is sent
  with ``default-graph-uri=IRI``. Right for servers whose default graph is the union of every graph (Virtuoso,
  which also counts its own system graphs in it; GraphDB; Amazon Neptune): without it a triple two records state
  would be counted twice, and Virtuoso's thousands of system triples would show up in every answer.

A small bookkeeping graph, :data:`META_GRAPH`, lists the record graphs (so counting and dumping records never
touch graphs that are not ours) and holds the store's last-modified stamp, which :meth:`RemoteStore.checkpoint`
writes at the end of an import: web processes poll it (at most once a second) as their cache generation, so
several ``lodfilm serve`` processes sharing one server notice each other's imports.

A batch of records is written as one update request — for each record: take out of the merge what no other record
states, drop its graph, then ``INSERT DATA`` the new graphs and the merge — and SPARQL 1.1 Update (§2.2) says a
request SHOULD be applied atomically, so a film is replaced as a unit. A large batch is split between records into
several requests, never inside one.

Credentials never appear in a URL we send, a message we raise, or a ``repr``: they travel only in the
``Authorization`` header (HTTP Basic or Digest, whichever the server asks for).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, cast
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import pyoxigraph as ox

from lodfilm.errors import QueryError, QueryTimeout, StoreError, UsageError
from lodfilm.publish.jsonld_documents import DumpWriter
from lodfilm.store.base import (
    ENTITY_COUNTS,
    LOG_GRAPH,
    QUERY_FORMATS,
    LogLines,
    QueryResult,
    RecordDrop,
    RecordWrite,
    Stats,
    drop_of,
)
from lodfilm.store.guard import Parsed, decode
from lodfilm.store.results import WRITERS, graph_answer, keywords, wanted_format
from lodfilm.vocab import PREFIXES

if TYPE_CHECKING:  # requests is imported when a server is first asked: an embedded store's import never needs it
    import requests
    from requests.auth import AuthBase

SCHEMES = {"sparql+http": "http", "sparql+https": "https"}
MERGE_GRAPH = "urn:x-lodfilm:merge"
META_GRAPH = "urn:x-lodfilm:meta"
STORE_NODE = "urn:x-lodfilm:store"
RECORD_CLASS = "urn:x-lodfilm:Record"
GENERATION = "urn:x-lodfilm:generation"
MODIFIED = "http://purl.org/dc/terms/modified"
SCHEMA_SAME_AS = "http://schema.org/sameAs"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XSD_DURATION = "http://www.w3.org/2001/XMLSchema#duration"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
PROLOGUE = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
# How many N-Triples lines one update request may carry: big enough that a bulk import makes few requests,
# small enough for a server's request-size and SQL-compiler limits (Virtuoso refuses a request that compiles to
# more than 32 KB of code: "SQ199 Maximum size (32767) of a code vector exceeded").
UPDATE_LINES = 3_000
INSERT_LINES = 500  # N-Triples lines per INSERT DATA operation (see RemoteStore._replacement)
PAGE_ROWS = 10_000  # rows per page when reading everything (Virtuoso caps any answer at ResultSetMaxRows)
DUMP_FORMATS = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD,
                "nq": ox.RdfFormat.N_QUADS}
SERVER_TIMEOUTS = ("none", "virtuoso", "seconds")
# An ASK answer in each result format, written as pyoxigraph writes it, so both stores answer alike.
ASK_WRITERS = {
    "json": lambda value: json.dumps({"head": {}, "boolean": value}, separators=(",", ":")).encode(),
    "xml": lambda value: ('<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head></head>'
                          f"<boolean>{str(value).lower()}</boolean></sparql>").encode(),
    "csv": lambda value: str(value).lower().encode(),
    "tsv": lambda value: str(value).lower().encode(),
}


def is_remote(location: object) -> bool:
    """Whether a ``--store`` value names a SPARQL server (``sparql+http(s)://…``) rather than a directory."""
    return isinstance(location, str) and location.split("://", 1)[0] in SCHEMES


@dataclass(frozen=True)
class Endpoint:
    """Where a SPARQL server answers and how to sign in: URLs without credentials, credentials apart.

    ``server_timeout`` names how the server takes a per-query time limit as a request parameter, if it does:
    ``virtuoso`` (``timeout`` in milliseconds), ``seconds`` (``timeout`` in seconds: Fuseki, GraphDB) or ``none``.
    """

    query_url: str
    update_url: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    merge_graph: str | None = MERGE_GRAPH
    server_timeout: str = "none"
    timeout: float = 300.0  # seconds for lodfilm's own requests (imports, dumps); the web passes its own

    @classmethod
    def parse(
        cls,
        location: str,
        *,
        update_url: str | None = None,
        user: str | None = None,
        password: str | None = None,
        merge_graph: str | None = MERGE_GRAPH,
        server_timeout: str = "none",
    ) -> Endpoint:
        """``sparql+http://[user:password@]host:port/path`` → an endpoint. The update URL defaults to the query
        URL (Virtuoso, Neptune, Stardog take both at one URL); credentials in the URL are used when none are
        given apart."""
        parts = urlsplit(location)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise UsageError("a remote store is sparql+http://host[:port]/path or sparql+https://…")
        if server_timeout not in SERVER_TIMEOUTS:
            raise UsageError(f"the server timeout parameter is one of {', '.join(SERVER_TIMEOUTS)}")
        url_user = unquote(parts.username) if parts.username else None
        url_password = unquote(parts.password) if parts.password else None
        query_url = clean_url(location)
        update = clean_url(update_url) if update_url else query_url
        return cls(query_url, update, user or url_user, password or url_password, merge_graph or None,
                   server_timeout)

    def redact(self, text: str) -> str:
        """``text`` with the password (raw and URL-encoded) and the user name replaced by ``***``."""
        for secret in (self.password, self.user):
            if secret:
                text = text.replace(secret, "***").replace(quote(secret, safe=""), "***")
        return text

    def __str__(self) -> str:
        return self.query_url


def clean_url(url: str) -> str:
    """A URL for the wire: ``sparql+`` dropped from the scheme, user and password dropped from the host."""
    parts = urlsplit(url)
    scheme = SCHEMES.get(parts.scheme, parts.scheme)
    if scheme not in ("http", "https") or not parts.hostname:
        raise UsageError("a SPARQL URL is http(s)://host[:port]/path")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def duration_insert(line: str, graph: str | None) -> str:
    """The insert of one N-Triples line whose object is an ``xsd:duration``, with the literal built by
    ``STRDT``: Virtuoso 7 cannot compile such a literal written in ``INSERT DATA`` (SQ200 "No column PT1H35MD"),
    and ``STRDT`` is plain SPARQL 1.1 every server takes."""
    triple = next(iter(ox.parse(line, format=ox.RdfFormat.N_TRIPLES))).triple
    assert isinstance(triple.object, ox.Literal)
    pattern = f"{triple.subject} {triple.predicate} ?value"
    template = f"GRAPH <{graph}> {{ {pattern} }}" if graph else pattern
    return (f"INSERT {{ {template} }} WHERE {{ BIND(STRDT({ox.Literal(triple.object.value)}, <{XSD_DURATION}>) "
            "AS ?value) }")


class _Row(dict[str, Any]):
    """A result row that answers None for an unbound variable, as pyoxigraph's solutions do."""

    def __missing__(self, key: str) -> None:
        return None


def duration(literal: ox.Literal) -> ox.Literal:
    """A literal in the canonical form lodfilm writes, whatever the server normalised it to: an ``xsd:duration``
    as ``PT1H35M`` / ``P1DT1H`` (Virtuoso 7 stores durations as seconds: ``"5700.0"^^xsd:duration``), an
    ``xsd:boolean`` as ``true``/``false`` (Virtuoso answers ``1``/``0``)."""
    if literal.datatype.value == XSD_BOOLEAN:  # Virtuoso gives booleans back as 1 and 0
        return ox.Literal({"1": "true", "0": "false"}.get(literal.value, literal.value), datatype=literal.datatype)
    if literal.datatype.value != XSD_DURATION:
        return literal
    try:
        total = float(literal.value)
    except ValueError:
        return literal  # already a lexical duration
    days, rest = divmod(int(round(total)), 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    text = "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
    return ox.Literal(text if text != "P" else "PT0S", datatype=literal.datatype)


def restored(triple: ox.Triple) -> ox.Triple:
    obj = triple.object
    return ox.Triple(triple.subject, triple.predicate, duration(obj)) if isinstance(obj, ox.Literal) else triple


def term(binding: dict[str, str]) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A SPARQL JSON results term → a pyoxigraph term (``typed-literal`` is SPARQL 1.0 JSON, which Virtuoso
    still writes)."""
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return ox.BlankNode(value)
    if "xml:lang" in binding:
        return ox.Literal(value, language=binding["xml:lang"])
    datatype = binding.get("datatype")
    if datatype and datatype != XSD_STRING:
        return duration(ox.Literal(value, datatype=ox.NamedNode(datatype)))
    return ox.Literal(value)


def query_kind(text: str) -> str:
    """``select``, ``ask`` or ``graph``: the query form, read from its first form keyword (so the right format
    can be asked of the server before it answers)."""
    for word in keywords(text):
        if word in ("SELECT", "ASK"):
            return word.lower()
        if word in ("CONSTRUCT", "DESCRIBE"):
            return "graph"
    raise QueryError("malformed query: no SELECT, ASK, CONSTRUCT or DESCRIBE")


class RemoteStore:
    """A SPARQL 1.1 server behind lodfilm's store interface. Thread-safe: each thread has its own HTTP session."""

    #: each batch of new records is its own update, as sent (a server's limits on an update's size are its own)
    new_records_per_write = 1

    def __init__(self, endpoint: Endpoint, *, read_only: bool = False) -> None:
        self.endpoint = endpoint
        self.read_only = read_only
        self._local = threading.local()
        self._auth: AuthBase | None = None
        self._generation: tuple[str, float] | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()

    # -- HTTP --------------------------------------------------------------------------------------------------
    @property
    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            import requests

            session = self._local.session = requests.Session()
            session.headers["User-Agent"] = "lodfilm"
            session.trust_env = False  # no proxies or .netrc from the environment: we talk to this server only
        return session

    def _post(self, url: str, data: dict[str, Any], accept: str, timeout: float | None) -> requests.Response:
        """POST a form; on a 401 challenge, answer it with the configured credentials (Digest or Basic, as the
        server asks) and keep that scheme for the next requests."""
        import requests
        from requests.auth import HTTPBasicAuth, HTTPDigestAuth

        limit = timeout or self.endpoint.timeout
        try:
            response = self._session.post(url, data=data, headers={"Accept": accept}, auth=self._auth,
                                          timeout=(10, limit))
            if response.status_code == 401 and self._auth is None and self.endpoint.user is not None:
                challenge = response.headers.get("WWW-Authenticate", "").lower()
                user, password = self.endpoint.user, self.endpoint.password or ""
                self._auth = (HTTPDigestAuth(user, password) if challenge.startswith("digest")
                              else HTTPBasicAuth(user, password))
                response = self._session.post(url, data=data, headers={"Accept": accept}, auth=self._auth,
                                              timeout=(10, limit))
        except requests.Timeout:
            raise QueryTimeout(f"the SPARQL server at {self.endpoint} did not answer within {limit:g} s") from None
        except requests.RequestException as exc:
            raise StoreError(self.endpoint.redact(
                f"cannot reach the SPARQL server at {self.endpoint}: {type(exc).__name__}")) from None
        if response.status_code in (401, 403):
            raise StoreError(f"the SPARQL server at {url} refused lodfilm ({response.status_code}): check "
                             "LODFILM_SPARQL_USER and LODFILM_SPARQL_PASSWORD, and that the user may do this")
        return response

    def _failure(self, response: requests.Response, what: str) -> str:
        """The first meaningful line of a server's error page, redacted and one line."""
        lines = [line.strip() for line in response.text.splitlines() if line.strip()]
        detail = lines[0][:300] if lines else response.reason
        return self.endpoint.redact(f"{what} ({response.status_code}): {detail}")

    def _query(self, text: str, accept: str, *, timeout: float | None = None, dataset: bool = True) -> bytes:
        """Run a query over the merge (``dataset``) or over the server's own dataset; the answer's bytes."""
        data: dict[str, Any] = {"query": PROLOGUE + text}
        if dataset and self.endpoint.merge_graph:
            data["default-graph-uri"] = self.endpoint.merge_graph
        if timeout and self.endpoint.server_timeout == "virtuoso":
            data["timeout"] = str(int(timeout * 1000))
        elif timeout and self.endpoint.server_timeout == "seconds":
            data["timeout"] = f"{timeout:g}"
        response = self._post(self.endpoint.query_url, data, accept, (timeout + 2) if timeout else None)
        # Virtuoso's "anytime" queries answer a partial result at the time limit and say so only here.
        if response.headers.get("X-SQL-State") == "S1TAT":
            raise QueryTimeout(f"the query ran past the {timeout or 0:g} s time limit and was stopped")
        if response.status_code == 400:
            raise QueryError(self._failure(response, "malformed query"))
        if response.status_code in (500, 503) and "timeout" in response.text.lower():
            raise QueryTimeout(self._failure(response, "the query ran past its time limit"))
        if response.status_code != 200:
            raise QueryError(self._failure(response, "the SPARQL server could not run the query"))
        return response.content

    def _update(self, text: str) -> None:
        if self.read_only:
            raise StoreError("this store was opened read-only")
        response = self._post(self.endpoint.update_url, {"update": PROLOGUE + text}, "*/*", None)
        if response.status_code not in (200, 204):
            raise StoreError(self._failure(response, f"the SPARQL server at {self.endpoint.update_url} refused "
                                                     "an update"))

    def _rows(self, text: str, *, dataset: bool = True, timeout: float | None = None
              ) -> tuple[list[str], list[_Row]]:
        body = self._query(text, QUERY_FORMATS["json"], dataset=dataset, timeout=timeout)
        try:
            data = json.loads(body)
            variables = list(data["head"].get("vars", []))
            rows = [_Row({k: term(v) for k, v in row.items()}) for row in data["results"]["bindings"]]
        except (ValueError, KeyError, TypeError):
            raise QueryError(f"the SPARQL server at {self.endpoint} sent an answer that is not SPARQL JSON") from None
        return variables, rows

    def _all_rows(self, text: str, order: str, *, dataset: bool = True) -> Iterator[_Row]:
        """Every row of a SELECT, page by page (``ORDER BY order``, so pages neither overlap nor skip): servers
        cap the rows of one answer (Virtuoso's ResultSetMaxRows), and a cut must never pass for the whole."""
        offset = 0
        while True:
            _, rows = self._rows(f"{text} ORDER BY {order} LIMIT {PAGE_ROWS} OFFSET {offset}", dataset=dataset)
            yield from rows
            if len(rows) < PAGE_ROWS:
                return
            offset += PAGE_ROWS

    # -- records ---------------------------------------------------------------------------------------------
    def record_triples(self, graph: str) -> frozenset[str]:
        rows = self._all_rows(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", "?s ?p ?o",
                              dataset=False)
        return frozenset(f"{row['s']} {row['p']} {row['o']} ." for row in rows)

    def record_graphs(self, prefix: str) -> list[str]:
        rows = self._all_rows(
            f"SELECT ?g WHERE {{ GRAPH <{META_GRAPH}> {{ ?g a <{RECORD_CLASS}> }} "
            f"FILTER(STRSTARTS(STR(?g), {ox.Literal(prefix)})) }}", "?g", dataset=False)
        return sorted(cast(ox.NamedNode, row["g"]).value for row in rows)

    def write(self, writes: Iterable[RecordWrite], drops: Iterable[str | RecordDrop] = (),
              log: Iterable[LogLines] = ()) -> None:
        """One update request per group of records (a record, with its log lines, is never split between two)."""
        group: list[RecordWrite | RecordDrop | LogLines] = []
        lines = 0
        items: list[RecordWrite | RecordDrop | LogLines] = [*(drop_of(d) for d in drops), *writes,
                                                             *(lines for lines in log if lines)]
        for item in items:
            size = (len(item.triples) * 2 + len(item.log) if isinstance(item, RecordWrite)
                    else 1 + len(item.log) if isinstance(item, RecordDrop) else len(item))
            if group and lines + size > UPDATE_LINES:
                self._update(self._replacement(group))
                group, lines = [], 0
            group.append(item)
            lines += size
        if group:
            self._update(self._replacement(group))

    def _replacement(self, items: list[RecordWrite | RecordDrop | LogLines]) -> str:
        """The update that replaces (or drops) each record, and the merge with them, and writes their log lines."""
        merge = self.endpoint.merge_graph
        parts: list[str] = []
        for item in items:
            if isinstance(item, LogLines) or (isinstance(item, RecordWrite) and not item.replaces):
                continue  # bookkeeping alone, or a record the store cannot hold yet: nothing to take out
            graph = item.graph
            # Out of the merge goes what no *other record* states (the merge graph itself is not a record).
            target = f"GRAPH <{merge}> {{ ?s ?p ?o }}" if merge else "?s ?p ?o"
            parts.append(
                f"DELETE {{ {target} }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} FILTER NOT EXISTS {{ "
                f"GRAPH <{META_GRAPH}> {{ ?other a <{RECORD_CLASS}> }} GRAPH ?other {{ ?s ?p ?o }} "
                f"FILTER(?other != <{graph}>) }} }}"
            )
            parts.append(f"DROP SILENT GRAPH <{graph}>")
            parts.append(f"DELETE DATA {{ GRAPH <{META_GRAPH}> {{ <{graph}> a <{RECORD_CLASS}> }} }}")
        logs = [item if isinstance(item, LogLines) else item.log for item in items]
        unlogged = sorted(line for lines in logs for line in lines.remove)
        for start in range(0, len(unlogged), INSERT_LINES):
            chunk = "\n".join(unlogged[start : start + INSERT_LINES])
            parts.append(f"DELETE DATA {{ GRAPH <{LOG_GRAPH}> {{\n{chunk}\n}} }}")
        records = [item for item in items if isinstance(item, RecordWrite)]
        merged = sorted({line for record in records for line in record.triples})
        graphs: list[tuple[str | None, list[str]]] = [(merge, merged)] if merged else []
        graphs += [(record.graph, sorted(record.triples)) for record in records]
        if records:
            graphs.append((META_GRAPH, [f"<{r.graph}> a <{RECORD_CLASS}> ." for r in records]))
        logged = sorted(line for lines in logs for line in lines.add)
        if logged:
            graphs.append((LOG_GRAPH, logged))
        for target_graph, lines in graphs:
            plain = [line for line in lines if not line.endswith(f"^^<{XSD_DURATION}> .")]
            # Several small INSERT DATA operations in the one request: Virtuoso compiles each operation to SQL
            # and refuses one of more than about a thousand triples; the request as a whole is still one update.
            for start in range(0, len(plain), INSERT_LINES):
                chunk = "\n".join(plain[start : start + INSERT_LINES])
                parts.append(f"INSERT DATA {{ GRAPH <{target_graph}> {{\n{chunk}\n}} }}" if target_graph
                             else f"INSERT DATA {{\n{chunk}\n}}")
            parts += [duration_insert(line, target_graph) for line in lines if line not in set(plain)]
        return " ;\n".join(parts)

    def identifiers(self) -> Iterator[tuple[str, str]]:
        rows = self._all_rows(f"SELECT ?s ?o WHERE {{ ?s <{SCHEMA_SAME_AS}> ?o FILTER(isIRI(?s) && isIRI(?o)) }}",
                              "?s ?o")
        for row in rows:
            yield cast(ox.NamedNode, row["s"]).value, cast(ox.NamedNode, row["o"]).value

    # -- queries ---------------------------------------------------------------------------------------------
    def query(self, text: str, *, format: str | None = None) -> QueryResult:
        return self.run(text, select_format=format or "json", graph_format=format or "ttl")

    def run(self, text: str, *, select_format: str | None, graph_format: str | None, max_rows: int | None = None,
            max_triples: int | None = None, timeout: float | None = None, parsed: Parsed | None = None
            ) -> QueryResult:
        """A query answered as :func:`lodfilm.store.results.execute` answers it on the embedded store.

        SELECT: we always ask the server for SPARQL JSON, keep at most ``max_rows`` rows and write the answer
        ourselves in the format asked (saying so where it was cut). Forwarding the server's bytes when the query's
        own ``LIMIT`` is under the cap would save a little work, but servers' answers differ (Virtuoso writes
        SPARQL 1.0 ``typed-literal``s and gives durations back as seconds): written by one writer, both stores
        answer a query with the same bytes. ASK likewise (Virtuoso 7 answers it as a one-row SELECT of
        ``__ASK_RETVAL``). CONSTRUCT/DESCRIBE come as N-Triples and are written in the asked format with
        lodfilm's prefixes, cut after ``max_triples``. ``timeout`` (seconds) bounds the request and, where the
        server takes one, is passed on as its own time limit so the server stops too. The text is sent decoded
        (SPARQL 1.1 §19.2), as the guard read it; ``parsed`` is the guard's reading, when it made one.
        """
        text = decode(text)
        kind = {"SELECT": "select", "ASK": "ask"}.get(parsed.form, "graph") if parsed else query_kind(text)
        if kind == "graph":
            wanted_format("graph", graph_format)
            return graph_answer(self._triples(text, timeout=timeout), graph_format, max_triples)
        select_format = wanted_format("select", select_format)
        media_type = QUERY_FORMATS[select_format]
        if kind == "ask":
            return QueryResult(kind, media_type, ASK_WRITERS[select_format](self._ask(text, timeout=timeout)))
        variables, rows = self._rows(text, timeout=timeout)
        cut = max_rows is not None and len(rows) > max_rows
        kept = rows[:max_rows] if max_rows is not None else rows
        body = WRITERS[select_format](variables, cast(list[ox.QuerySolution], kept), cut)
        return QueryResult("select", media_type, body, truncated=cut)

    def _ask(self, text: str, *, timeout: float | None) -> bool:
        try:
            data = json.loads(self._query(text, QUERY_FORMATS["json"], timeout=timeout))
            if "boolean" in data:
                return bool(data["boolean"])
            bindings = data["results"]["bindings"]
            return bool(bindings) and next(iter(bindings[0].values()))["value"] in ("1", "true")
        except (ValueError, KeyError, TypeError, StopIteration):
            raise QueryError(f"the SPARQL server at {self.endpoint} sent an ASK answer that is not SPARQL JSON"
                             ) from None

    def _triples(self, text: str, *, timeout: float | None = None) -> list[ox.Triple]:
        body = self._query(text, "application/n-triples, text/plain;q=0.5", timeout=timeout)
        try:
            return [restored(q.triple) for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
        except SyntaxError:
            # A server that prefers Turtle whatever we ask: Turtle reads N-Triples' superset.
            return [restored(q.triple) for q in ox.parse(body, format=ox.RdfFormat.TURTLE)]

    def construct(self, text: str) -> bytes:
        return ox.serialize(self._triples(text), format=ox.RdfFormat.N_TRIPLES) or b""

    def select_log(self, text: str) -> list[dict[str, str]]:
        """Over the server's own dataset, not the merge: the log is a named graph of its own."""
        variables, rows = self._rows(text, dataset=False)
        return [{v: row[v].value for v in variables if row[v] is not None} for row in rows]

    def log_values(self, predicate: str) -> Iterator[tuple[str, str]]:
        rows = self._all_rows(f"SELECT ?s ?o WHERE {{ GRAPH <{LOG_GRAPH}> {{ ?s <{predicate}> ?o }} }}", "?s ?o",
                              dataset=False)
        for row in rows:
            subject, value = row["s"], row["o"]
            if isinstance(subject, ox.NamedNode) and value is not None:
                yield subject.value, value.value

    def log_nodes(self, subjects: list[str]) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for start in range(0, len(subjects), 200):
            values = " ".join(f"<{s}>" for s in subjects[start : start + 200])
            _, rows = self._rows(f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} "
                                 f"GRAPH <{LOG_GRAPH}> {{ ?s ?p ?o }} }}", dataset=False)
            for row in rows:
                found.setdefault(cast(ox.NamedNode, row["s"]).value, {})[cast(ox.NamedNode, row["p"]).value] = \
                    row["o"].value
        return found

    def select(self, text: str, **bindings: str) -> list[dict[str, str]]:
        """Rows of a SELECT as {variable: lexical value}; each ``«name»`` becomes a literal escaped by pyoxigraph,
        so user input cannot change the query."""
        for name, value in bindings.items():
            text = text.replace(f"«{name}»", str(ox.Literal(value)))
        variables, rows = self._rows(text)
        return [{v: row[v].value for v in variables if row[v] is not None} for row in rows]

    def dump(self, output: IO[bytes], format: str) -> int:
        """Stream the merge (or, for ``nq``, every record's graph) page by page; the count is checked against the
        server's own, so a server that cut an answer short makes the dump fail instead of lying."""
        if format not in DUMP_FORMATS:
            raise UsageError(f"unknown dump format {format!r}: use one of {', '.join(DUMP_FORMATS)}")
        count = 0
        sink = cast(IO[bytes], _Sink(output))
        if format == "nq":
            where = (f"GRAPH <{META_GRAPH}> {{ ?g a <{RECORD_CLASS}> }} GRAPH ?g {{ ?s ?p ?o }}")

            def quads() -> Iterator[ox.Quad]:
                nonlocal count
                for row in self._all_rows(f"SELECT ?g ?s ?p ?o WHERE {{ {where} }}", "?g ?s ?p ?o", dataset=False):
                    count += 1
                    yield ox.Quad(row["s"], row["p"], row["o"], row["g"])

            ox.serialize(quads(), sink, format=ox.RdfFormat.N_QUADS)
            expected = self._count(where, dataset=False)
        else:
            def triples() -> Iterator[ox.Triple]:
                nonlocal count
                for row in self._all_rows("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", "?s ?p ?o"):
                    count += 1
                    yield ox.Triple(row["s"], row["p"], row["o"])

            if format == "jsonld":  # pyoxigraph's JSON-LD is expanded: compacted as it comes, as the embedded store's
                with DumpWriter(sink) as compacting:
                    ox.serialize(triples(), cast(IO[bytes], compacting), format=ox.RdfFormat.JSON_LD)
            else:
                ox.serialize(triples(), sink, format=DUMP_FORMATS[format], prefixes=PREFIXES)
            expected = self._count("?s ?p ?o")
        if count != expected:
            raise StoreError(f"the SPARQL server at {self.endpoint} gave {count} of {expected} triples: raise its "
                             "result row limit (Virtuoso: ResultSetMaxRows) to at least "
                             f"{PAGE_ROWS}")
        return count

    def _count(self, where: str, *, dataset: bool = True) -> int:
        _, rows = self._rows(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", dataset=dataset)
        return int(cast(ox.Literal, rows[0]["n"]).value)

    def stats(self) -> Stats:
        row = self.select(ENTITY_COUNTS)[0]
        triples = self._count("?s ?p ?o")
        records = self._count(f"GRAPH <{META_GRAPH}> {{ ?g a <{RECORD_CLASS}> }}", dataset=False)
        quads = self._count(f"GRAPH <{META_GRAPH}> {{ ?g a <{RECORD_CLASS}> }} GRAPH ?g {{ ?s ?p ?o }}",
                            dataset=False)
        return Stats(films=int(row["films"]), people=int(row["people"]), organisations=int(row["organisations"]),
                     countries=int(row["countries"]), records=records, triples=triples, quads=quads + triples)

    # -- publishing to readers ---------------------------------------------------------------------------------
    def checkpoint(self) -> str:
        """Writes are live already; what this publishes is the store's last-modified stamp and a new generation,
        which every web process sharing the server takes as the sign to drop its caches."""
        generation = uuid.uuid4().hex
        now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        self._update(
            f"DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ <{STORE_NODE}> ?p ?o }} }} ;\n"
            f"INSERT DATA {{ GRAPH <{META_GRAPH}> {{ <{STORE_NODE}> <{MODIFIED}> "
            f"\"{now}\"^^<http://www.w3.org/2001/XMLSchema#dateTime> ; <{GENERATION}> \"{generation}\" }} }}"
        )
        with self._lock:
            self._checked = float("-inf")
        return generation

    def refresh(self, *, every: float = 1.0) -> bool:
        """Read the generation stamp again if ``every`` seconds have passed since it was last read; True if it
        changed (another process finished an import)."""
        import time

        now = time.monotonic()
        with self._lock:
            if now - self._checked < every:
                return False
            self._checked = now
            before = self._generation
        _, rows = self._rows(f"SELECT ?g ?m WHERE {{ GRAPH <{META_GRAPH}> {{ <{STORE_NODE}> <{GENERATION}> ?g ; "
                             f"<{MODIFIED}> ?m }} }}", dataset=False)
        if rows:
            stamp = dt.datetime.fromisoformat(cast(ox.Literal, rows[0]["m"]).value.replace("Z", "+00:00"))
            current = (cast(ox.Literal, rows[0]["g"]).value, stamp.timestamp())
        else:
            current = ("empty", 0.0)
        with self._lock:
            self._generation = current
        return before is not None and before != current

    @property
    def generation(self) -> str:
        if self._generation is None:
            self.refresh(every=0)
        assert self._generation is not None
        return self._generation[0]

    @property
    def modified(self) -> float:
        """When the last import into the server finished (POSIX seconds), as its stamp says."""
        if self._generation is None:
            self.refresh(every=0)
        assert self._generation is not None
        return self._generation[1]

    def close(self) -> None:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is not None:
            session.close()
            self._local.session = None


class _Sink(io.RawIOBase):
    """A binary writer pyoxigraph can stream into, passing bytes on to ``inner``."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.inner.write(bytes(data))
        return len(data)

    def flush(self) -> None:
        self.inner.flush()
