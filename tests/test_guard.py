"""The guard (``lodfilm.store.guard``) decides on the parsed query, and the engine runs the very text it read.

The property: whatever disguise a ``SERVICE``, ``FROM`` or ``LOAD`` wears — ``\\u``/``\\U`` escapes, odd case,
comments, short and long strings holding escaped newlines, odd whitespace, a word glued to the keyword — every
generated query is either refused or run by pyoxigraph **in-process, with no network isolation** (this tests the
check itself), and a listener on 127.0.0.1 sees no connection. Each query is also run unguarded against a second
listener, which must see connections: the generated disguises are real attacks on an engine with no guard.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lodfilm.errors import QueryError, QueryRefused
from lodfilm.store.guard import Guard, decode, needs_check, prepare, second_opinion
from lodfilm.store.results import execute, top_level_limit
from tests.test_server import Listener

BASE = "http://films.example.org/"
PORT = "@@PORT@@"  # where the listener's port goes in a generated query
MARKER = "REMOTE-GRAPH"  # the text of the triple stored in the graph a remote FROM would name


@pytest.fixture(scope="module")
def listeners() -> Iterator[tuple[Listener, Listener]]:
    """(guarded, unguarded): the first must see no connection, the second shows the attacks are real."""
    guarded, unguarded = Listener(), Listener()
    yield guarded, unguarded
    guarded.close()
    unguarded.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, listeners: tuple[Listener, Listener]) -> ox.Store:
    """A store on disk with a triple for every object a generated pattern names (so SERVICE always has solutions to
    join to, and the engine evaluates it), and a graph named like each listener's: a FROM that reached the engine
    would bring its marker into the answer."""
    store = ox.Store(str(tmp_path_factory.mktemp("guard") / "store"))
    film = ox.NamedNode(f"{BASE}film/f")
    for text in GLUE:
        if text.startswith("?"):
            continue
        term = next(ox.parse(f"<urn:s> <urn:p> {text} .", format=ox.RdfFormat.TURTLE)).object
        store.add(ox.Quad(film, ox.NamedNode("urn:x:p"), term))
    for listener in listeners:
        graph = ox.NamedNode(f"http://127.0.0.1:{listener.port}/g")
        store.add(ox.Quad(ox.NamedNode("urn:x:marker"), ox.NamedNode("urn:x:p"), ox.Literal(MARKER), graph))
    store.flush()
    return store


@dataclass(frozen=True)
class Attack:
    template: str  # a query with PORT where the listener's port goes

    def text(self, port: int) -> str:
        return self.template.replace(PORT, str(port))


# -- disguises -----------------------------------------------------------------------------------------------------

def escape(char: str, kind: str) -> str:
    code = ord(char)
    return {"u": f"\\u{code:04X}", "ul": f"\\u{code:04x}", "U": f"\\U{code:08X}"}[kind]


@st.composite
def spelled(draw: st.DrawFn, word: str) -> str:
    """``word`` in any case, some letters as codepoint escapes or as lookalikes Python upper-cases to them."""
    out = []
    for char in word:
        kind = draw(st.sampled_from(["same"] * 6 + ["swap", "swap", "u", "ul", "U", "lookalike"]))
        if kind == "same":
            out.append(char)
        elif kind == "swap":
            out.append(char.swapcase())
        elif kind == "lookalike":
            out.append({"S": "\u017f", "K": "\u212a", "I": "\u0131"}.get(char, char.lower()))
        else:
            out.append(escape(char, kind))
    return "".join(out)


@st.composite
def iri(draw: st.DrawFn, path: str) -> str:
    """The listener's IRI, some of its characters (never the port) as escapes."""
    head = "".join(draw(st.sampled_from([c] * 6 + [escape(c, "u")])) for c in "http://127.0.0.1:")
    tail = "".join(draw(st.sampled_from([c] * 6 + [escape(c, "U")])) for c in path)
    return f"<{head}{PORT}{tail}>"


# Weighted (by repetition) so that most generated queries are well-formed: a malformed one tests little.
EOLS = ["\n"] * 3 + ["\r\n", "\r\n", "\r", "\r", "\\u000a", "\\u000d", "\\u000D\\u000A", "\\U0000000A"]
SPACES = [" "] * 12 + ["\t", "\n", "\n", "\r\n", "\\u0020", "\\u0009", "\\u000a", "\x0b", "\x0c", "\u00a0", "\u2028"]
STRING_BITS = ["a", "a", "#", "# ", "}", "{", "<", "SERVICE", "FROM", "\\n", "\\\\", "\\u000a", "\\u000d",
               "\\u0022", "\\u0027", "\\u005C"]
QUOTED_BITS = {'"': ['\\"', "'"], "'": ["\\'", '"']}  # an escaped quote of its own kind, the other kind
GLUE = ["true", "false", "1", "1.5", "1e3", '"x"', "'x'", '"x"@en', "<urn:x>", "?o", "_:b", "<urn:x#>"]
HIDDEN = [  # SERVICE as text only: what the guard must let through
    f"# SERVICE <http://127.0.0.1:{PORT}/>\n",
    f'BIND("SERVICE <http://127.0.0.1:{PORT}/>" AS ?h)',
    "BIND('''\nSERVICE <http://127.0.0.1:" + PORT + "/> { }''' AS ?h)",
]


@st.composite
def noise(draw: st.DrawFn) -> str:
    """Something a query may hold before or after the attack: a comment, a string, a filter, a triple, space."""
    kind = draw(st.sampled_from(["comment", "comment", "string", "string", "long", "space", "filter", "triple"]))
    if kind == "comment":
        body = "".join(draw(st.lists(st.sampled_from([*STRING_BITS, '"', "'", ">"]), max_size=4)))
        return f"#{body}{draw(st.sampled_from(EOLS))}"
    if kind in ("string", "long"):
        quote = draw(st.sampled_from(['"', "'"]))
        bits = STRING_BITS + QUOTED_BITS[quote] + (["\n", quote, quote * 2] if kind == "long" else [])
        body = "".join(draw(st.lists(st.sampled_from(bits), max_size=4)))
        quotes = quote * (3 if kind == "long" else 1)
        return f" BIND({quotes}{body}{quotes} AS ?v{draw(st.integers(0, 9))}) "
    if kind == "filter":
        return draw(st.sampled_from([" FILTER(?s<?o)#>\n", " FILTER(?s<?o) ", " FILTER(1<2)#>\n", " FILTER(true) "]))
    if kind == "triple":
        return f" ?s ?p {draw(st.sampled_from(GLUE))} . "
    return draw(st.sampled_from(SPACES))


def gap(draw: st.DrawFn) -> str:
    return draw(st.sampled_from([*SPACES, "", " "]))


@st.composite
def attacks(draw: st.DrawFn) -> Attack:
    """A query naming the listener in SERVICE, FROM or LOAD, or holding SERVICE only as text (``hidden``)."""
    construct = draw(st.sampled_from(["service"] * 5 + ["from", "load", "hidden"]))
    before = "".join(draw(st.lists(noise(), max_size=3)))
    after = "".join(draw(st.lists(noise(), max_size=2)))
    if construct == "load":
        return Attack(f"{before}{draw(spelled('LOAD'))}{gap(draw)}{draw(iri('/data.ttl'))}")
    if construct == "from":
        named = draw(st.sampled_from(["", "", " NAMED", "\\u0020NAMED"]))
        return Attack(f"SELECT *{gap(draw)}{draw(spelled('FROM'))}{named}{gap(draw)}{draw(iri('/g'))}"
                      f" WHERE {{ ?s ?p ?o {before} }}{after}")
    if construct == "hidden":
        return Attack(f"SELECT * WHERE {{ ?s ?p ?o . {before} {draw(st.sampled_from(HIDDEN))} {after} }}")
    prologue = ""
    target_kind = draw(st.sampled_from(["iri", "iri", "iri", "prefixed", "variable"]))
    if target_kind == "iri":
        target = draw(iri("/sparql"))
    elif target_kind == "prefixed":
        prologue = f"PREFIX t: <http://127.0.0.1:{PORT}/>\n"
        target = draw(st.sampled_from(["t:sparql", "t:", "t:\\u0073parql"]))
    else:
        target = "?svc"
        before = f"VALUES ?svc {{ {draw(iri('/sparql'))} }} {before}"
    glue = draw(st.sampled_from(["", "", "", " ", "?s ?p true", "?s ?p 1", "?s ?p 'x'", "?s ?p <urn:x>"]))
    silent = draw(st.sampled_from(["", "", " SILENT", "SILENT"]))
    keyword = draw(spelled("SERVICE"))
    end = draw(st.sampled_from(["", "\n"]))  # a line feed ends a comment for every reader
    return Attack(f"{prologue}SELECT * WHERE {{ ?s ?p ?o . {before}{glue}{keyword}{silent}{gap(draw)}{target}"
                  f"{gap(draw)}{{ ?a ?b ?c }}{after}{end} }}")


# Each one walked around a guard that read the text apart from the engine.
KNOWN_BYPASSES = [
    # the first guard decoded \u000a to a newline, lost the string, and read the rest of the line as a comment
    f'SELECT * WHERE {{ BIND("\\u000a#" AS ?x) SERVICE <http://127.0.0.1:{PORT}/sparql> {{ ?s ?p ?o }} }}',
    # pyoxigraph reads `true` then SERVICE; the first guard read one word, trueSERVICE
    f"SELECT * WHERE {{ ?s ?p trueSERVICE <http://127.0.0.1:{PORT}/sparql> {{ }} }}",
    # pyoxigraph ends a comment at a lone CR, rdflib's parser only at LF
    f"SELECT * WHERE {{ ?s ?p ?o #\rSERVICE <http://127.0.0.1:{PORT}/sparql> {{ ?a ?b ?c }}\n }}",
    # SERVICE: reads as a prefixed name to a token scan
    f"PREFIX : <http://127.0.0.1:{PORT}/> SELECT * WHERE {{ ?s ?p ?o SERVICE:{{ ?a ?b ?c }} }}",
]


def outcome(store: ox.Store, text: str, guard: Guard) -> str:
    """What happens to ``text`` at the endpoint's check and engine, in-process."""
    try:
        decoded, parsed = prepare(text, guard=guard)
    except QueryRefused:
        return "refused"
    except QueryError:
        return "malformed"
    try:
        result = execute(store, decoded, max_rows=100, max_triples=100, parsed=parsed)
    except QueryError:
        return "failed in the engine"
    assert MARKER.encode() not in result.body, f"a FROM naming another graph reached the engine: {decoded!r}"
    return "ran"


ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def unguarded(store: ox.Store, text: str) -> None:
    """Run ``text`` as an engine with no guard would: as written, and with its escapes decoded."""
    decoded = ESCAPE.sub(lambda m: chr(min(int(m[1] or m[2], 16), 0x10FFFF)), text)
    for variant in {text, decoded}:
        try:
            for _ in store.query(variant):  # type: ignore[union-attr]
                pass
        except (SyntaxError, OSError, RuntimeError, UnicodeEncodeError):
            pass


def test_no_disguise_of_service_from_or_load_reaches_the_network(
        store: ox.Store, listeners: tuple[Listener, Listener]) -> None:
    guarded, control = listeners
    outcomes: Counter[str] = Counter()
    embedded, remote = Guard(BASE), Guard(BASE, remote=True)

    @settings(max_examples=400, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(attack=attacks())
    @example(attack=Attack(KNOWN_BYPASSES[0]))
    @example(attack=Attack(KNOWN_BYPASSES[1]))
    @example(attack=Attack(KNOWN_BYPASSES[2]))
    @example(attack=Attack(KNOWN_BYPASSES[3]))
    def check(attack: Attack) -> None:
        text = attack.text(guarded.port)
        for guard in (embedded, remote):
            result = outcome(store, text, guard)
            outcomes[result] += 1
            assert guarded.connections == 0, f"{result}: {text!r} reached the listener"
        unguarded(store, attack.text(control.port))

    check()
    assert guarded.connections == 0
    # The disguises are real: run with no guard, many of them connect (not every one: some are plain syntax
    # errors, and pyoxigraph does not fetch FROM or a SERVICE named by a variable).
    assert control.connections >= 40, (control.connections, outcomes)
    assert outcomes["refused"] > 0 and outcomes["ran"] > 0, outcomes


@pytest.mark.parametrize("template", KNOWN_BYPASSES)
def test_known_bypasses_connect_without_the_guard_and_are_refused_with_it(
        store: ox.Store, listeners: tuple[Listener, Listener], template: str) -> None:
    guarded, control = listeners
    before = control.connections
    unguarded(store, template.replace(PORT, str(control.port)))  # pyoxigraph reads SERVICE and goes out
    assert control.connections > before
    assert outcome(store, template.replace(PORT, str(guarded.port)), Guard(BASE)) in ("refused", "malformed")
    assert guarded.connections == 0


# -- the pre-pass: one reading of escapes, for checker and engine ----------------------------------------------------

@pytest.mark.parametrize(("text", "decoded"), [
    ("\\u0053ERVICE", "SERVICE"),
    ("\\U00000053ERVICE", "SERVICE"),
    ('"caf\\u00e9"', '"café"'),
    ('"\\U0001F3AC"', '"\U0001F3AC"'),
    ("SELECT * {}", "SELECT * {}"),
    ('"a\\nb"', '"a\\nb"'),  # string escapes are the parser's, not the pre-pass's
])
def test_codepoint_escapes_are_decoded_once(text: str, decoded: str) -> None:
    assert decode(text) == decoded


@pytest.mark.parametrize(("text", "why"), [
    ("\\u005Cu0053ERVICE", "decode to another escape, \\u0053"),
    ("\\u005C\\u0075\\u0030\\u0030\\u0035\\u0033", "decode to another escape"),
    ('"\\U0041"', "decode to another escape, \\U0041"),  # rdflib would read \U with 4 digits
    ('"\\uD800"', "\\uD800 (at offset 1) is not a character"),
    ('"\\U00110000"', "is not a character"),
    ("SELECT * { # x\rSERVICE <http://127.0.0.1:1/> {} \n}", "not followed by a line feed (at offset 14)"),
    ("SELECT * { # x\\u000dSERVICE <http://127.0.0.1:1/> {} \n}", "carriage return not followed by a line feed"),
])
def test_texts_two_readers_could_read_apart_are_refused_as_malformed(text: str, why: str) -> None:
    with pytest.raises(QueryError) as caught:
        decode(text)
    assert not isinstance(caught.value, QueryRefused)
    assert str(caught.value).startswith("malformed query: ") and why in str(caught.value)


def test_crlf_line_ends_are_fine() -> None:
    assert decode("SELECT * {\r\n}\r\n") == "SELECT * {\r\n}\r\n"


# -- the fast path ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "SELECT ?t WHERE { ?f schema:name ?t ; schema:dateCreated ?y ; schema:address ?a }",
    "SELECT ?from ?load WHERE { ?from schema:name ?load }",
    "ASK {}",
    'SELECT * WHERE { ?f schema:name "Winter Sleep" }',
])
def test_queries_without_those_words_need_no_parse(text: str) -> None:
    assert not needs_check(text)


@pytest.mark.parametrize("text", [
    "SELECT * { trueSERVICE <x> {} }", "SELECT * { 1SERVICE <x> {} }", "SELECT * { service <x> {} }",
    "SELECT * { \u017fERVICE <x> {} }", 'SELECT * { ?f schema:name "Public Service" }', "SELECT *FROM <x> {}",
    "SELECT * {} #insert", "DROP ALL", "LOAD <x>", "WITH <g> DELETE WHERE { ?s ?p ?o }", "COPY <a> TO <b>",
])
def test_any_of_those_words_means_a_parse(text: str) -> None:
    assert needs_check(text)


# -- the parse: what is refused, what passes, what it says of the query ----------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", "SERVICE is not allowed"),
    ("SELECT * WHERE { OPTIONAL { SERVICE SILENT ?x { } } }", "SERVICE is not allowed"),
    ("ASK { { SELECT * { SERVICE <urn:x> {} } } }", "SERVICE is not allowed"),
    ("SELECT * FROM <http://127.0.0.1:1/g> WHERE { ?s ?p ?o }", "FROM <http://127.0.0.1:1/g> is not allowed"),
    ("SELECT * FROM NAMED <http://127.0.0.1:1/g> WHERE { ?s ?p ?o }", "FROM <http://127.0.0.1:1/g> is not allowed"),
    ("PREFIX r: <http://127.0.0.1:1/> DESCRIBE ?s FROM r:g WHERE { ?s ?p ?o }", "FROM <http://127.0.0.1:1/g>"),
    (f"BASE <{BASE}record/> SELECT * FROM <../x> WHERE {{ }}", "FROM with a relative or undeclared IRI"),
    (f"SELECT * FROM <{BASE}record/../../x> WHERE {{ }}", "is not allowed"),
    ("LOAD <http://127.0.0.1:1/x.ttl>", "LOAD is not allowed"),
    ("DROP ALL", "updates are not allowed (DROP)"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "updates are not allowed (INSERT DATA)"),
    ("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "updates are not allowed (DELETE/INSERT)"),
    ("CLEAR ALL ; LOAD <urn:x>", "LOAD is not allowed"),
])
def test_the_parse_refuses(text: str, message: str) -> None:
    with pytest.raises(QueryRefused, match=re.escape(message)):
        Guard(BASE).check(text)


@pytest.mark.parametrize("text", [
    f"SELECT * FROM <{BASE}record/illegal-2010.txt> WHERE {{ ?s ?p ?o }}",
    f"PREFIX rec: <{BASE}record/> SELECT * FROM NAMED rec:a.yaml WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    'SELECT ?t WHERE { ?f schema:name ?t FILTER(CONTAINS(?t, "Service from the deep")) } # SERVICE, FROM',
    "SELECT ?t WHERE { ?f <http://example.org/service> ?t }",
    "SELECT ?service WHERE { ?service a schema:Service }",
])
def test_the_parse_passes_what_only_looks_alike(text: str) -> None:
    assert Guard(BASE).check(text).form == "SELECT"


def test_a_remote_store_refuses_extension_functions_too() -> None:
    text = 'SELECT (bif:http_get("http://127.0.0.1:1/") AS ?x) WHERE { }'
    assert Guard(BASE).check(text).form == "SELECT"  # pyoxigraph has no such function: it is unbound there
    with pytest.raises(QueryRefused, match="function with an undeclared prefix is not allowed"):
        Guard(BASE, remote=True).check(text)
    with pytest.raises(QueryRefused, match="function <urn:f> is not allowed"):
        Guard(BASE, remote=True).check("SELECT (<urn:f>(1) AS ?x) WHERE { }")
    assert Guard(BASE, remote=True).check('SELECT (xsd:integer("1") AS ?x) (STR(?s) AS ?y) WHERE { }').form == "SELECT"


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { ?x ?y }",
    "SELECT * WHERE { BIND(\"a\\'b\" AS ?x) SERVICE <x> {} }",  # SPARQL allows \' in "…"; rdflib does not
])
def test_what_the_parser_cannot_read_is_malformed_with_its_message(text: str) -> None:
    with pytest.raises(QueryError) as caught:
        Guard(BASE).check(text)
    assert not isinstance(caught.value, QueryRefused)
    assert str(caught.value).startswith("malformed query: ") and "char" in str(caught.value)


def test_nesting_too_deep_for_the_parser_is_malformed_not_a_crash() -> None:
    text = "SELECT * WHERE " + "{" * 2000 + "}" * 2000 + " # from"
    with pytest.raises(QueryError, match="malformed query"):
        Guard(BASE).check(text)


@pytest.mark.parametrize(("text", "form", "limit", "values"), [
    ("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 3 } } LIMIT 10 OFFSET 2 # from", "SELECT", 10, False),
    ("SELECT * { ?s ?p ?o } VALUES ?s { <urn:a> } # from", "SELECT", None, True),
    ("ASK { } # from", "ASK", None, False),
    ("DESCRIBE <urn:x> # from", "DESCRIBE", None, False),
    ('SELECT * { BIND("} LIMIT 1 {" AS ?x) } # from', "SELECT", None, False),
])
def test_the_parse_tells_the_form_and_the_cap_what_they_need(text: str, form: str, limit: int | None,
                                                              values: bool) -> None:
    parsed = Guard(BASE).check(text)
    assert (parsed.form, parsed.limit, parsed.trailing_values) == (form, limit, values)


def test_a_scan_misreading_a_limit_cannot_lift_the_row_cap(tmp_path: Path) -> None:
    """A token scan reads ``<2)#>`` as an IRI, and so reads a LIMIT 1 outside every brace where the engine reads a
    comment: the rows are counted before an answer leaves uncut, so the cap holds all the same."""
    store = ox.Store(str(tmp_path / "store"))
    for i in range(30):
        store.add(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(str(i))))
    text = "SELECT * { ?s ?p ?o FILTER(1<2)#> } LIMIT 1 {\n}"
    assert top_level_limit(text) == 1  # the scan's misreading
    for fmt in ("json", "xml", "csv", "tsv"):
        result = execute(store, text, select_format=fmt, max_rows=5)
        assert result.truncated, fmt


def test_construct_answers_are_cut_at_the_triple_cap(tmp_path: Path) -> None:
    store = ox.Store(str(tmp_path / "store"))
    for i in range(30):
        store.add(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(str(i))))
    for fmt in ("ttl", "nt", "jsonld", "rdfxml"):
        cut = execute(store, "CONSTRUCT WHERE { ?s ?p ?o }", graph_format=fmt, max_triples=7)
        parsed = ox.parse(cut.body, format={"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                                            "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}[fmt])
        assert cut.truncated and len(list(parsed)) == 7, fmt
    whole = execute(store, "DESCRIBE <urn:s1>", graph_format="nt", max_triples=7)
    assert not whole.truncated and whole.body.count(b"\n") == 1
    exact = execute(store, "CONSTRUCT WHERE { ?s ?p ?o }", graph_format="nt", max_triples=30)
    assert not exact.truncated and exact.body.count(b"\n") == 30


@pytest.mark.parametrize(("text", "datasets"), [
    ("SELECT * FROM <urn:g> WHERE { }", 0),  # a FROM the parse did not see
    ("SELECT * WHERE { }", 1),  # a FROM the scan did not see
    ("SELECT * WHERE { ?s ?p trueSERVICE <urn:x> {} }", 0),
    ("SELECT * WHERE { ?s ?p ?o } #\n1DROP", 0),
])
def test_the_token_scan_is_a_second_opinion_that_must_agree(text: str, datasets: int) -> None:
    with pytest.raises(QueryRefused):
        second_opinion(text, datasets)
    second_opinion("SELECT * FROM <urn:g> WHERE { ?s schema:address ?a } # SERVICE", 1)
