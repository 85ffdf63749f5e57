"""The JSON-LD embedded in film pages: one Movie tree from the real seed page, offline, safe inside HTML."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import extruct
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html
from pyld import jsonld
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from lodfilm.iris import Identities, Iris, record_key
from lodfilm.mapping import Mapper
from lodfilm.publish.jsonld import (
    RemoteDocumentRefused,
    film_jsonld,
    refuse_remote_documents,
    schema_context,
    script_tag,
)
from lodfilm.records import read_path
from lodfilm.records.model import Film
from lodfilm.vocab import RDF, SDO
from tests.conftest import BASE, SEED_PAGE

FILM = f"{BASE}film/illegal-2010"
HOSTILE = "Tania flees. </script><script>alert(1)</script> <!-- & </SCRIPT > \u2028\u2029 end"


def seed_film() -> Film:
    result = next(iter(read_path(SEED_PAGE)))
    assert result.film is not None
    return result.film


def mapped(film: Film) -> tuple[str, Graph]:
    """(film IRI, record graph), as the pipeline maps a record."""
    iris = Iris(BASE)
    film_iri, graph = Mapper(iris, Identities()).map(film, iris.record(record_key(SEED_PAGE.name, None)),
                                                     SEED_PAGE.name)
    return film_iri, graph.graph()


@pytest.fixture(scope="module")
def seed_graph() -> Graph:
    film_iri, graph = mapped(seed_film())
    assert film_iri == FILM
    return graph


@pytest.fixture(scope="module")
def movie(seed_graph: Graph) -> dict[str, Any]:
    return film_jsonld(seed_graph, FILM)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def page(data: dict[str, Any]) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Illégal</title>'
        f"{script_tag(data)}</head><body><h1>Illégal</h1></body></html>"
    )


def walk(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair anywhere in a JSON tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


# -- the shape of the tree -----------------------------------------------------------------------------------


def test_context_is_the_official_one_and_comes_first(movie: dict[str, Any]) -> None:
    assert next(iter(movie.items())) == ("@context", "https://schema.org")


def test_one_movie_tree_with_its_name(movie: dict[str, Any]) -> None:
    assert (movie["@type"], movie["@id"], movie["name"], "@graph" in movie) == (
        "Movie",
        FILM,
        "Illégal",
        False,
    )


def test_director_is_nested_with_a_name(movie: dict[str, Any]) -> None:
    director = movie["director"]
    assert (director["@type"], director["name"]) == ("Person", "Olivier Masset-Depasse")


def test_a_person_in_two_roles_is_named_in_both(movie: dict[str, Any]) -> None:
    # The director also wrote the screenplay; framing must not leave one of the two a bare reference.
    assert movie["author"]["name"] == movie["director"]["name"] == "Olivier Masset-Depasse"


def test_seven_actors_as_performance_roles_with_characters(movie: dict[str, Any]) -> None:
    roles = as_list(movie["actor"])
    cast = {r["actor"]["name"]: r["characterName"] for r in roles}
    assert len(roles) == 7 and {r["@type"] for r in roles} == {"PerformanceRole"}
    assert {r["actor"]["@type"] for r in roles} == {"Person"}
    assert cast["Anne Coesens"] == "Tania" and cast["Tomasz Bialkowski"] == "Monsieur Nowak"


def test_duration_and_date_created_are_plain_strings(movie: dict[str, Any]) -> None:
    assert (movie["duration"], movie["dateCreated"]) == ("PT1H35M", "2010")


def test_three_countries_nested_with_names(movie: dict[str, Any]) -> None:
    countries = as_list(movie["countryOfOrigin"])
    assert {(c["@type"], c["name"]) for c in countries} == {
        ("Country", "Belgium"),
        ("Country", "France"),
        ("Country", "Luxembourg"),
    }


def test_crew_are_roles_with_role_name_and_named_contributor(movie: dict[str, Any]) -> None:
    roles = as_list(movie["contributor"])
    credits = {(r["@type"], r["roleName"], r["contributor"]["name"]) for r in roles}
    assert ("Role", "Cinematography", "Tommaso Fiorilli") in credits
    assert ("Role", "World sales", "Films distribution") in credits
    assert len(roles) == 14


def test_production_companies_nested_with_names(movie: dict[str, Any]) -> None:
    names = {c["name"] for c in as_list(movie["productionCompany"])}
    assert names == {"Versus Production", "Iris Productions", "Dharamsala", "Prime Time", "RTBF"}


def test_trailer_is_a_video_object_with_a_plain_embed_url(movie: dict[str, Any]) -> None:
    assert movie["trailer"]["@type"] == "VideoObject"
    assert movie["trailer"]["embedUrl"].startswith("http://www.youtube.com/embed/UnwI5Fk9Hrg")


def test_language_tagged_text_becomes_plain_strings(movie: dict[str, Any]) -> None:
    assert movie["alternateName"] == "Illegal"
    assert movie["description"].startswith("Tania, a 39-year-old Russian woman")


def test_every_type_and_key_is_a_schema_org_term_not_an_iri(movie: dict[str, Any]) -> None:
    keys = {k for k, _ in walk(movie) if not k.startswith("@")}
    types = {t for k, v in walk(movie) if k == "@type" for t in as_list(v)}
    assert not [term for term in keys | types if ":" in term]


def test_provenance_record_is_not_in_the_tree(movie: dict[str, Any]) -> None:
    assert not [k for k, _ in walk(movie) if k == "about"]


def test_iri_values_are_plain_strings() -> None:
    film = seed_film().model_copy(
        update={
            "image": "https://example.org/poster.jpg",
            "wikidata": "Q3147979",
            "links": ["https://x.org/"],
        }
    )
    film_iri, graph = mapped(film)
    graph.set((URIRef(f"{film_iri}#trailer"), SDO.thumbnailUrl, URIRef("https://example.org/thumb.jpg")))
    data = film_jsonld(graph, film_iri)
    sales = next(r for r in data["contributor"] if r["roleName"] == "World sales")["contributor"]
    assert data["image"] == "https://example.org/poster.jpg"
    assert data["sameAs"] == "http://www.wikidata.org/entity/Q3147979"
    assert data["trailer"]["thumbnailUrl"] == "https://example.org/thumb.jpg"
    assert sales["url"] == "http://www.filmsdistribution.com"


def test_non_schema_org_statements_are_left_out() -> None:
    film_iri, graph = mapped(seed_film().model_copy(update={"links": ["https://x.org/"]}))
    assert "https://x.org/" not in json.dumps(film_jsonld(graph, film_iri))


def test_the_tree_states_every_schema_org_fact_about_what_the_film_links_to(
    seed_graph: Graph, movie: dict[str, Any]
) -> None:
    # Read the tree back as RDF with the context we compacted with: nothing reachable from the film is lost
    # (literals compared by their text, since language tags and datatypes are dropped on purpose).
    document = {**movie, "@context": schema_context()}
    quads = jsonld.to_rdf(document, {"documentLoader": refuse_remote_documents})["@default"]
    got = {(q["subject"]["value"], q["predicate"]["value"], q["object"]["value"]) for q in quads}
    reachable = set(
        seed_graph.transitiveClosure(
            lambda n, g: [o for o in g.objects(n) if isinstance(o, URIRef)], URIRef(FILM)
        )
    )
    wanted = {
        (str(s), str(p), str(o))
        for s, p, o in seed_graph
        if (s == URIRef(FILM) or s in reachable) and is_schema_org(p, o)
    }
    assert got == wanted


def is_schema_org(predicate: Node, obj: Node) -> bool:
    """What the tree should state: schema.org, with roleName as printed text (its FIAF class URL is left to the
    RDF formats)."""
    if predicate == RDF.type:
        return str(obj).startswith(str(SDO))
    if predicate == SDO.roleName:
        return not isinstance(obj, URIRef)
    return str(predicate).startswith(str(SDO))


def test_a_link_back_to_the_film_is_a_reference_not_a_loop(seed_graph: Graph) -> None:
    graph = Graph()
    for triple in seed_graph:
        graph.add(triple)
    graph.add((URIRef(f"{BASE}person/anne-coesens"), SDO.subjectOf, URIRef(FILM)))
    tania = next(r for r in film_jsonld(graph, FILM)["actor"] if r["characterName"] == "Tania")
    assert tania["actor"]["subjectOf"] == {"@id": FILM}


def test_a_film_not_in_the_graph_is_a_lookup_error(seed_graph: Graph) -> None:
    with pytest.raises(LookupError):
        film_jsonld(seed_graph, f"{BASE}film/no-such-film")


def test_a_node_that_is_not_a_movie_is_a_lookup_error(seed_graph: Graph) -> None:
    with pytest.raises(LookupError):
        film_jsonld(seed_graph, f"{BASE}person/anne-coesens")


def test_output_is_the_same_on_every_run(seed_graph: Graph, movie: dict[str, Any]) -> None:
    assert json.dumps(film_jsonld(seed_graph, FILM)) == json.dumps(movie)


# -- never the network ---------------------------------------------------------------------------------------


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every attempt to open a network connection, each of which fails."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def test_framing_touches_no_network(seed_graph: Graph, connections: list[object]) -> None:
    data = film_jsonld(seed_graph, FILM)
    assert (data["name"], connections) == ("Illégal", [])


def test_the_loader_refuses_every_url() -> None:
    with pytest.raises(RemoteDocumentRefused):
        refuse_remote_documents("https://schema.org", {})


def test_a_remote_context_fails_through_pyld_without_connecting(connections: list[object]) -> None:
    document = {"@context": "https://schema.org", "@type": "Movie", "name": "x"}
    with pytest.raises(jsonld.JsonLdError) as raised:
        jsonld.expand(document, {"documentLoader": refuse_remote_documents})
    assert chain_has(raised.value, RemoteDocumentRefused) and connections == []


def chain_has(error: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


# -- the script tag ------------------------------------------------------------------------------------------


def test_extruct_reads_the_script_tag_back_to_the_same_dict(movie: dict[str, Any]) -> None:
    assert extruct.extract(page(movie), syntaxes=["json-ld"], uniform=False)["json-ld"] == [movie]


def test_script_tag_escapes_markup_characters() -> None:
    tag = script_tag({"text": "<b> & </script> \u2028 \u2029"})
    inner = tag.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert not set("<>&\u2028\u2029") & set(inner)
    assert json.loads(inner) == {"text": "<b> & </script> \u2028 \u2029"}


def test_script_tag_refuses_values_json_cannot_carry() -> None:
    with pytest.raises(ValueError):
        script_tag({"rating": float("nan")})


@given(st.text())
def test_any_text_stays_inside_the_script_and_reads_back(text: str) -> None:
    tag = script_tag({"description": text})
    inner = tag.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert "<" not in inner and json.loads(inner) == {"description": text}


@pytest.fixture(scope="module")
def hostile_page() -> tuple[dict[str, Any], str]:
    film_iri, graph = mapped(seed_film().model_copy(update={"synopsis": HOSTILE}))
    data = film_jsonld(graph, film_iri)
    return data, page(data)


def test_hostile_synopsis_is_carried_verbatim(hostile_page: tuple[dict[str, Any], str]) -> None:
    data, _ = hostile_page
    assert data["description"] == HOSTILE


def test_hostile_synopsis_cannot_close_the_script(hostile_page: tuple[dict[str, Any], str]) -> None:
    _, html = hostile_page
    assert html.lower().count("</script") == 1 and "<!--" not in html and "<script>" not in html


def test_hostile_synopsis_leaves_one_script_element(hostile_page: tuple[dict[str, Any], str]) -> None:
    _, html = hostile_page
    assert len(lxml_html.fromstring(html).xpath("//script")) == 1


def test_extruct_reads_the_hostile_synopsis_back(hostile_page: tuple[dict[str, Any], str]) -> None:
    data, html = hostile_page
    extracted = extruct.extract(html, syntaxes=["json-ld"], uniform=False)["json-ld"]
    assert extracted == [data] and extracted[0]["description"] == HOSTILE


def test_literal_with_markup_in_a_name_is_escaped_too(seed_graph: Graph) -> None:
    graph = Graph()
    for triple in seed_graph:
        graph.add(triple)
    graph.add((URIRef(FILM), SDO.alternateName, Literal("<img src=x onerror=alert(1)>", lang="fr")))
    tag = script_tag(film_jsonld(graph, FILM))
    assert "<img" not in tag and "\\u003cimg src=x onerror=alert(1)\\u003e" in tag
