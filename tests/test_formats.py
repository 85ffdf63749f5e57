"""The format table, content negotiation with headers real clients send, and graph serialisation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from lodfilm.iris import Identities, Iris, record_key
from lodfilm.mapping import Mapper
from lodfilm.publish.formats import (
    FORMATS,
    MAX_ACCEPT_ENTRIES,
    MAX_ACCEPT_LENGTH,
    BadAccept,
    Format,
    format_for_media_type,
    format_for_name,
    format_for_suffix,
    media_types,
    negotiate,
    serialize_graph,
)
from lodfilm.records import read_path
from lodfilm.vocab import SDO, XSD
from tests.conftest import BASE, SEED_PAGE

HTML = "text/html"
TURTLE = "text/turtle"
JSONLD = "application/ld+json"
NTRIPLES = "application/n-triples"
RDFXML = "application/rdf+xml"
SRJ = "application/sparql-results+json"
SRX = "application/sparql-results+xml"
# What a film page offers, HTML first: a person's browser is the commonest client.
PAGE = [HTML, TURTLE, JSONLD, NTRIPLES, RDFXML]

CURL = "*/*"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CHROME = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
    "application/signed-exchange;v=b3;q=0.7"
)
# rapper (Raptor 2.0.14), as reported in zazukoians/trifid-ld#25: HTML listed twice, at 0.2 and 0.6.
RAPPER = (
    "application/rdf+xml, text/rdf;q=0.6, application/n-triples, text/plain;q=0.1, text/turtle, "
    "application/x-turtle, application/turtle, text/n3;q=0.3, text/rdf+n3;q=0.3, application/rdf+n3;q=0.3, "
    "application/x-trig, application/rss;q=0.8, application/rss+xml;q=0.8, text/rss;q=0.8, "
    "application/xml;q=0.3, text/xml;q=0.3, application/atom+xml;q=0.3, text/html;q=0.2, "
    "application/xhtml+xml;q=0.4, text/html;q=0.6, application/xhtml+xml;q=0.8, text/x-nquads, */*;q=0.1"
)
# Java's HttpURLConnection default: a bare "*" and "q=.2", neither strictly RFC 9110.
JAVA = "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2"
RDF_PARSERS = {TURTLE: "turtle", JSONLD: "json-ld", NTRIPLES: "nt", RDFXML: "xml"}


@pytest.fixture(scope="module")
def seed_graph() -> Graph:
    """The seed film's record graph, mapped as the pipeline maps it."""
    result = next(iter(read_path(SEED_PAGE)))
    assert result.film is not None
    iris = Iris(BASE)
    record = iris.record(record_key(SEED_PAGE.name, None))
    return Mapper(iris, Identities()).map(result.film, record, SEED_PAGE.name)[1].graph()


@pytest.fixture(scope="module")
def tricky_graph() -> Graph:
    """Literals that break naive writers: quotes, backslashes, newlines, non-Latin text, tags, datatypes."""
    g = Graph()
    film = URIRef("http://films.example.org/film/x")
    g.add((film, SDO.name, Literal('Say "hi"\\ \n\ttwice', lang="en")))
    g.add((film, SDO.alternateName, Literal("Светът е голям")))
    # Lower case: pyoxigraph writes language tags lower-cased (they are case-insensitive), and rdflib's
    # isomorphism test compares them case-sensitively; see test_language_tags_come_out_lower_cased.
    g.add((film, SDO.alternateName, Literal("禪 <b>&amp;</b>", lang="zh-hant")))
    g.add((film, SDO.dateCreated, Literal("2010", datatype=XSD.gYear, normalize=False)))
    g.add((film, SDO.duration, Literal("PT1H35M", datatype=XSD.duration)))
    role = BNode()
    g.add((film, SDO.actor, role))
    g.add((role, SDO.characterName, Literal("Tania")))
    g.add((film, SDO.url, URIRef("https://example.org/ill%C3%A9gal?a=1&b=2")))
    return g


# -- negotiation: absent and trivial headers -----------------------------------------------------------------


def test_no_accept_header_gets_the_first_offered() -> None:
    assert negotiate(None, PAGE) == HTML


def test_blank_accept_header_gets_the_first_offered() -> None:
    assert negotiate("  ", [TURTLE, HTML]) == TURTLE


def test_curl_star_star_gets_the_first_offered() -> None:
    assert negotiate(CURL, [TURTLE, HTML]) == TURTLE


def test_nothing_offered_negotiates_nothing() -> None:
    assert negotiate(CURL, []) is None


# -- negotiation: real clients -------------------------------------------------------------------------------


def test_firefox_gets_html_even_when_html_is_offered_last() -> None:
    assert negotiate(FIREFOX, [TURTLE, JSONLD, HTML]) == HTML


def test_chrome_gets_html() -> None:
    assert negotiate(CHROME, [TURTLE, HTML]) == HTML


def test_rapper_gets_rdf_although_it_ranks_html_high() -> None:
    assert negotiate(RAPPER, PAGE) == TURTLE


def test_rapper_gets_html_over_a_format_only_its_wildcard_admits() -> None:
    # HTML at 0.6 (the higher of its two entries) beats JSON-LD at */*;q=0.1.
    assert negotiate(RAPPER, [JSONLD, HTML]) == HTML


def test_java_bare_star_and_short_q_are_understood() -> None:
    assert negotiate(JAVA, [TURTLE]) == TURTLE


def test_browser_asking_the_sparql_endpoint_gets_json_results() -> None:
    assert negotiate(FIREFOX, media_types("results")) == SRJ


def test_sparql_client_asking_for_xml_results_gets_them() -> None:
    accept = "application/sparql-results+xml, application/sparql-results+json;q=0.8"
    assert negotiate(accept, media_types("results")) == SRX


# -- negotiation: the rules ----------------------------------------------------------------------------------


def test_higher_q_wins() -> None:
    assert negotiate("text/turtle;q=0.5, application/ld+json;q=0.9", PAGE) == JSONLD


def test_q_zero_refuses_a_type_a_wildcard_would_admit() -> None:
    assert negotiate("text/html;q=0, */*", PAGE) == TURTLE


def test_only_refused_types_means_not_acceptable() -> None:
    assert negotiate("text/html;q=0", [HTML]) is None


def test_unserved_type_means_not_acceptable() -> None:
    assert negotiate("image/png", PAGE) is None


def test_subtype_wildcard_matches_its_type_only() -> None:
    assert negotiate("application/*", PAGE) == JSONLD


def test_most_specific_range_decides_a_types_q() -> None:
    # text/* gives HTML 0.3 although */* would give it 0.5; JSON-LD, matched by */* only, gets 0.5.
    assert negotiate("text/*;q=0.3, text/turtle;q=0.7, */*;q=0.5", [HTML, JSONLD]) == JSONLD


def test_equal_q_is_broken_by_the_order_offered() -> None:
    accept = "text/turtle, application/ld+json"
    assert (negotiate(accept, [JSONLD, TURTLE]), negotiate(accept, [TURTLE, JSONLD])) == (JSONLD, TURTLE)


def test_at_equal_q_a_named_type_beats_a_wildcard_match() -> None:
    assert negotiate("text/turtle, */*", PAGE) == TURTLE


def test_media_types_match_case_insensitively() -> None:
    assert negotiate("TEXT/Turtle", PAGE) == TURTLE


def test_media_type_parameters_do_not_prevent_a_match() -> None:
    accept = 'application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted, x", text/html;q=0.5'
    assert negotiate(accept, PAGE) == JSONLD


def test_a_malformed_entry_is_skipped() -> None:
    assert negotiate("garbage, text/turtle;q=0.5", PAGE) == TURTLE


def test_an_entry_with_an_invalid_q_is_skipped() -> None:
    assert negotiate("text/html;q=2, text/turtle;q=0.5", PAGE) == TURTLE


def test_a_header_with_no_parseable_entry_is_bad() -> None:
    with pytest.raises(BadAccept):
        negotiate("nonsense; q=wat, */html", PAGE)


def test_an_oversized_header_is_bad() -> None:
    header = "text/turtle;q=0.5, " + "x" * MAX_ACCEPT_LENGTH
    with pytest.raises(BadAccept):
        negotiate(header, PAGE)


def test_too_many_entries_is_bad() -> None:
    with pytest.raises(BadAccept):
        negotiate(", ".join(["text/turtle"] * (MAX_ACCEPT_ENTRIES + 1)), PAGE)


def test_as_many_entries_as_allowed_is_fine() -> None:
    assert negotiate(", ".join(["text/turtle"] * MAX_ACCEPT_ENTRIES), PAGE) == TURTLE


def test_bad_accept_is_a_value_error() -> None:
    assert issubclass(BadAccept, ValueError)


@given(st.text(max_size=300))
def test_any_header_negotiates_an_offered_type_or_nothing_or_is_bad(header: str) -> None:
    try:
        assert negotiate(header, PAGE) in [*PAGE, None]
    except BadAccept:
        pass


# -- the table and its lookups -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("ttl", TURTLE),
        ("turtle", TURTLE),
        ("TTL", TURTLE),
        ("nt", NTRIPLES),
        ("ntriples", NTRIPLES),
        ("jsonld", JSONLD),
        ("json-ld", JSONLD),
        ("rdf", RDFXML),
        ("xml", RDFXML),
        ("rdfxml", RDFXML),
        ("html", HTML),
        ("json", SRJ),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
    ],
)
def test_format_names(name: str, media_type: str) -> None:
    fmt = format_for_name(name)
    assert fmt is not None and fmt.media_type == media_type


def test_xml_names_sparql_results_when_serving_results() -> None:
    fmt = format_for_name("xml", "results")
    assert fmt is not None and fmt.media_type == SRX


def test_unknown_name_is_none() -> None:
    assert format_for_name("docx") is None


@pytest.mark.parametrize(
    ("suffix", "media_type"),
    [
        (".ttl", TURTLE),
        ("ttl", TURTLE),
        (".jsonld", JSONLD),
        (".nt", NTRIPLES),
        (".rdf", RDFXML),
        (".html", HTML),
        (".srj", SRJ),
        (".json", SRJ),
        (".srx", SRX),
        (".xml", SRX),
        (".csv", "text/csv"),
        (".TSV", "text/tab-separated-values"),
    ],
)
def test_format_suffixes(suffix: str, media_type: str) -> None:
    fmt = format_for_suffix(suffix)
    assert fmt is not None and fmt.media_type == media_type


def test_unknown_suffix_is_none() -> None:
    assert format_for_suffix(".exe") is None


def test_no_two_formats_share_a_suffix_or_media_type() -> None:
    suffixes = [s for f in FORMATS for s in f.suffixes]
    types = [f.media_type for f in FORMATS]
    assert (len(suffixes), len(types)) == (len(set(suffixes)), len(set(types)))


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_every_format_is_found_by_its_name_suffix_and_media_type(fmt: Format) -> None:
    found = (
        format_for_name(fmt.name, fmt.kind),
        format_for_suffix(fmt.suffix, fmt.kind),
        format_for_media_type(fmt.media_type.upper() + "; charset=UTF-8"),
    )
    assert found == (fmt, fmt, fmt)


def test_media_types_for_a_page_start_with_html() -> None:
    assert media_types("html", "rdf") == PAGE


def test_text_formats_declare_utf8() -> None:
    fmt = format_for_name("ttl")
    assert fmt is not None and fmt.content_type == "text/turtle; charset=utf-8"


# -- serialisation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("media_type", list(RDF_PARSERS))
def test_seed_film_survives_every_format(seed_graph: Graph, media_type: str) -> None:
    body = serialize_graph(seed_graph, media_type)
    assert isomorphic(Graph().parse(data=body, format=RDF_PARSERS[media_type]), seed_graph)


@pytest.mark.parametrize("media_type", list(RDF_PARSERS))
def test_tricky_literals_survive_every_format(tricky_graph: Graph, media_type: str) -> None:
    body = serialize_graph(tricky_graph, media_type)
    assert isomorphic(Graph().parse(data=body, format=RDF_PARSERS[media_type]), tricky_graph)


def test_language_tags_come_out_lower_cased() -> None:
    g = Graph()
    g.add((URIRef("http://films.example.org/film/x"), SDO.name, Literal("禪", lang="zh-Hant")))
    assert serialize_graph(g, NTRIPLES).decode().endswith('"禪"@zh-hant .\n')


def test_ntriples_bytes_and_rdflib_graph_serialise_alike(seed_graph: Graph) -> None:
    lines = seed_graph.serialize(format="nt", encoding="utf-8")
    assert serialize_graph(lines, TURTLE) == serialize_graph(seed_graph, TURTLE)


def test_turtle_uses_our_prefixes(seed_graph: Graph) -> None:
    body = serialize_graph(seed_graph, TURTLE).decode()
    assert "@prefix schema: <http://schema.org/> ." in body
    assert "<http://films.example.org/film/illegal-2010> a schema:Movie ;" in body


def test_serialising_is_deterministic_and_drops_duplicate_lines(seed_graph: Graph) -> None:
    lines = seed_graph.serialize(format="nt", encoding="utf-8")
    once = serialize_graph(lines, NTRIPLES)
    assert serialize_graph(lines + lines, NTRIPLES) == once
    assert len(once.splitlines()) == len(seed_graph)


@pytest.mark.parametrize("media_type", [HTML, SRJ, "application/pdf"])
def test_non_graph_media_types_are_refused(seed_graph: Graph, media_type: str) -> None:
    with pytest.raises(ValueError, match="not an RDF graph format"):
        serialize_graph(seed_graph, media_type)
