"""Running one SPARQL query on a pyoxigraph store and serialising its answer, with caps on result rows and triples.

Shared by the embedded store (in-process, for the CLI) and its query workers (for the web). A SELECT with more
rows than the cap, or a CONSTRUCT/DESCRIBE with more triples, is cut there *and says so*: ``QueryResult.truncated``,
and in the body where the format has a place for it (the ``link`` of the SPARQL JSON and XML result heads). Below
the cap, or when the query's own ``LIMIT`` keeps it below, pyoxigraph's own serialisers write the answer.

The query text is read as SPARQL 1.1 §19.2 says (:func:`lodfilm.store.guard.decode`), the same text the guard read.
Whether a ``LIMIT`` may be appended is taken from the guard's parse where one was made, else from a token scan;
either way the rows are counted before an answer goes out uncut, so a misread query is cut all the same.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from lodfilm.errors import QueryError, UsageError
from lodfilm.store.base import QUERY_FORMATS, RDF_FORMATS, QueryResult
from lodfilm.store.guard import TOKEN, Parsed, decode
from lodfilm.vocab import PREFIXES

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
TRUNCATED = "urn:lodfilm:truncated"


def execute(
    store: ox.Store,
    text: str,
    *,
    select_format: str | None = "json",
    graph_format: str | None = "ttl",
    max_rows: int | None = None,
    max_triples: int | None = None,
    parsed: Parsed | None = None,
) -> QueryResult:
    """Run ``text``; answer a SELECT/ASK in ``select_format`` and a CONSTRUCT/DESCRIBE in ``graph_format``.

    A format of None means the caller cannot take that kind of answer: :class:`UsageError` says which it can.
    ``parsed`` is the guard's reading of the text, when it made one. pyoxigraph evaluates lazily, as the answer is
    written, so an evaluation error (a store read, a failed ``SERVICE`` in the CLI) may come from any step: each is
    a :class:`QueryError`.
    """
    try:  # decoding is a no-op on a text the web decoded already (the guard refuses escapes that decode again)
        return _execute(store, decode(text), select_format=select_format, graph_format=graph_format,
                        max_rows=max_rows, max_triples=max_triples, parsed=parsed)
    except (OSError, RuntimeError) as exc:
        raise QueryError(f"the query failed: {exc}") from None


def _execute(store: ox.Store, text: str, *, select_format: str | None, graph_format: str | None,
             max_rows: int | None, max_triples: int | None, parsed: Parsed | None) -> QueryResult:
    form = parsed.form if parsed else query_form(text)
    own_limit = parsed.limit if parsed else top_level_limit(text)
    trailing_values = parsed.trailing_values if parsed else has_trailing_values(text)
    # A SELECT that could be longer than the cap runs with LIMIT cap+1 (one evaluation, pyoxigraph's writer);
    # only an answer that is really over the cap is rewritten below, cut and marked, by the Python writers.
    capped = (max_rows is not None and form == "SELECT" and (own_limit is None or own_limit > max_rows)
              and not trailing_values)
    run = f"{text}\nLIMIT {max_rows + 1}" if capped and max_rows is not None else text
    try:
        try:
            result = store.query(run, prefixes=PREFIXES)
        except SyntaxError:
            if run == text:
                raise
            # Report the user's own text (our LIMIT line would move the parser's error), or, if it is our
            # line that does not fit, run the query as written and cut it in Python.
            run = text
            result = store.query(text, prefixes=PREFIXES)
    except SyntaxError as exc:
        raise QueryError(f"malformed query: {exc}") from None
    if isinstance(result, ox.QueryTriples):
        return graph_answer(result, graph_format, max_triples)
    select_format = wanted_format("select", select_format)
    media_type = QUERY_FORMATS[select_format]
    if isinstance(result, ox.QueryBoolean):
        return QueryResult("ask", media_type, result.serialize(format=RESULT_FORMATS[select_format]) or b"")
    if max_rows is None:
        return QueryResult("select", media_type, result.serialize(format=RESULT_FORMATS[select_format]) or b"")
    if run != text or (own_limit is not None and own_limit <= max_rows):
        body = result.serialize(format=RESULT_FORMATS[select_format]) or b""
        if count_rows(body, select_format) <= max_rows:
            return QueryResult("select", media_type, body)
        result = store.query(run, prefixes=PREFIXES)  # over the cap: again, through the writers that cut
        assert isinstance(result, ox.QuerySolutions)
    variables = [v.value for v in result.variables]
    rows: list[ox.QuerySolution] = []
    for solution in result:
        if len(rows) == max_rows:
            body = WRITERS[select_format](variables, rows, True)
            return QueryResult("select", media_type, body, truncated=True)
        rows.append(solution)
    return QueryResult("select", media_type, WRITERS[select_format](variables, rows, False))


def graph_answer(triples: Iterable[ox.Triple], graph_format: str | None, max_triples: int | None) -> QueryResult:
    """A CONSTRUCT/DESCRIBE answer in ``graph_format``, cut after ``max_triples`` triples (and marked so). The
    triples stream from the engine into pyoxigraph's writer; evaluation stops at the cap."""
    name = wanted_format("graph", graph_format)
    source = iter(triples)
    kept = source if max_triples is None else itertools.islice(source, max_triples)
    body = ox.serialize(kept, format=GRAPH_FORMATS[name], prefixes=PREFIXES) or b""
    cut = max_triples is not None and next(source, None) is not None
    return QueryResult("graph", RDF_FORMATS[name], body, truncated=cut)


def keywords(text: str) -> list[str]:
    """The bare words of a decoded query (keywords and function names), upper-cased, in order."""
    return [m[0].upper() for m in TOKEN.finditer(text) if m.lastgroup == "name" and ":" not in m[0]]


def top_level_limit(text: str) -> int | None:
    """The query's own final ``LIMIT n`` (outside every brace), if it has one, as a token scan reads it."""
    depth = 0
    limit: int | None = None
    expect_number = False
    for match in TOKEN.finditer(text):
        kind, token = match.lastgroup, match[0]
        if kind in ("space", "comment"):
            continue
        if expect_number:
            limit = int(token) if token.isdigit() else limit
            expect_number = False
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif kind == "name" and depth == 0 and token.upper() == "LIMIT":
            expect_number = True
    return limit


def wanted_format(kind: str, name: str | None) -> str:
    """The format a caller asked for a ``graph`` or ``select`` answer, or :class:`UsageError` naming the ones that
    kind of answer can take (a table format for a CONSTRUCT, say)."""
    if kind == "graph":
        if name not in GRAPH_FORMATS:
            raise UsageError("a CONSTRUCT or DESCRIBE result is RDF: use one of ttl, nt, jsonld, rdfxml")
    elif name not in RESULT_FORMATS:
        raise UsageError(f"a SELECT or ASK result is a table: use one of {', '.join(RESULT_FORMATS)}")
    assert name is not None
    return name


def query_form(text: str) -> str | None:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: the query's first form keyword."""
    return next((w for w in keywords(text) if w in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")), None)


def has_trailing_values(text: str) -> bool:
    """Whether the query ends with a top-level ``VALUES`` block (after which a ``LIMIT`` may not be appended)."""
    depth = 0
    for match in TOKEN.finditer(text):
        token = match[0]
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif match.lastgroup == "name" and depth == 0 and token.upper() == "VALUES":
            return True
    return False


def count_rows(body: bytes, format: str) -> int:
    """How many solutions a serialised SELECT answer holds."""
    if format == "json":
        return len(json.loads(body)["results"]["bindings"])
    if format == "xml":
        return body.count(b"<result>") + body.count(b"<result ")
    if format == "tsv":
        return max(0, body.count(b"\n") - 1)  # literals' newlines are escaped in TSV
    return max(0, sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8")))) - 1)


def _term_json(term: object) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "literal", "value": str(term)}  # pragma: no cover - RDF-star triples are not stored


def _json(variables: list[str], rows: Iterable[ox.QuerySolution], truncated: bool) -> bytes:
    head: dict[str, object] = {"vars": variables}
    if truncated:
        head["link"] = [TRUNCATED]
    bindings = [{v: _term_json(row[v]) for v in variables if row[v] is not None} for row in rows]
    return json.dumps({"head": head, "results": {"bindings": bindings}}, ensure_ascii=False).encode()


def _xml(variables: list[str], rows: Iterable[ox.QuerySolution], truncated: bool) -> bytes:
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
    out += [f"<variable name={quoteattr(v)}/>" for v in variables]
    if truncated:
        out.append(f"<link href={quoteattr(TRUNCATED)}/>")
    out.append("</head><results>")
    for row in rows:
        out.append("<result>")
        for v in variables:
            term = row[v]
            if term is None:
                continue
            data = _term_json(term)
            if data["type"] == "uri":
                inner = f"<uri>{escape(data['value'])}</uri>"
            elif data["type"] == "bnode":
                inner = f"<bnode>{escape(data['value'])}</bnode>"
            else:
                attrs = ""
                if "xml:lang" in data:
                    attrs = f" xml:lang={quoteattr(data['xml:lang'])}"
                elif "datatype" in data:
                    attrs = f" datatype={quoteattr(data['datatype'])}"
                inner = f"<literal{attrs}>{escape(data['value'])}</literal>"
            out.append(f"<binding name={quoteattr(v)}>{inner}</binding>")
        out.append("</result>")
    out.append("</results></sparql>\n")
    return "".join(out).encode()


def _csv(variables: list[str], rows: Iterable[ox.QuerySolution], truncated: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow(["" if row[v] is None else getattr(row[v], "value", str(row[v])) for v in variables])
    return buffer.getvalue().encode()


def _tsv(variables: list[str], rows: Iterable[ox.QuerySolution], truncated: bool) -> bytes:
    lines = ["\t".join(f"?{v}" for v in variables)]
    for row in rows:
        lines.append("\t".join("" if row[v] is None else str(row[v]) for v in variables))
    return ("\n".join(lines) + "\n").encode()


WRITERS = {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}
