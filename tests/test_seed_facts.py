"""Every fact on the seed page (data/illegal-2010.txt, the LUX Prize page of *Illégal*) is found by SPARQL after
``lodfilm import`` of the page. Each case names the fact as the page prints it and the query that finds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import BASE, Cli, ask, select

F = f"<{BASE}film/illegal-2010>"

# (the fact as printed on the page, an ASK query that is true only if the graph holds it)
FACTS: list[tuple[str, str]] = [
    ("title Illégal", f'ASK {{ {F} a schema:Movie ; schema:name "Illégal" }}'),
    ("English title (Illegal)", f'ASK {{ {F} schema:alternateName "Illegal"@en }}'),
    ("director Olivier Masset-Depasse",
     f'ASK {{ {F} schema:director ?p . ?p a schema:Person ; schema:name "Olivier Masset-Depasse" }}'),
    ("country Belgium", f'ASK {{ {F} schema:countryOfOrigin ?c . ?c a schema:Country ; schema:identifier "BE" ; '
                        f'schema:name "Belgium"@en }}'),
    ("country France", f'ASK {{ {F} schema:countryOfOrigin ?c . ?c schema:identifier "FR" }}'),
    ("country Luxembourg", f'ASK {{ {F} schema:countryOfOrigin ?c . ?c schema:identifier "LU" }}'),
    ("runtime 95 min", f'ASK {{ {F} schema:duration ?d FILTER(?d = "PT95M"^^xsd:duration) }}'),
    ("year 2010", f'ASK {{ {F} schema:dateCreated "2010"^^xsd:gYear }}'),
    ("synopsis", f'ASK {{ {F} schema:description ?s FILTER(STRSTARTS(?s, "Tania, a 39-year-old Russian woman") '
                 f'&& STRENDS(?s, "a mother\'s struggle against the State.") && LANG(?s) = "en") }}'),
    ("paragraph about the director",
     f'ASK {{ {F} schema:director ?p . ?p schema:description ?d '
     f'FILTER(CONTAINS(?d, "*Cages* (2006)") && STRSTARTS(?d, "Olivier Masset-Depasse likes")) }}'),
    ("screenplay: Olivier Masset-Depasse, the director's own node",
     f"ASK {{ {F} schema:author ?p ; schema:director ?p }}"),
    ("cinematography: Tommaso Fiorilli",
     f'ASK {{ {F} schema:contributor ?r . ?r a schema:Role ; schema:roleName "Cinematography" ; '
     f'schema:contributor [ a schema:Person ; schema:name "Tommaso Fiorilli" ] }}'),
    ("editing (value on the next line): Damien Keyeux",
     f'ASK {{ {F} schema:contributor [ schema:roleName "Editing" ; '
     f'schema:contributor [ schema:name "Damien Keyeux" ] ] }}'),
    ("music: Lingo, André Dziezuk, Marc Mergen",
     f'ASK {{ {F} schema:musicBy [ schema:name "Lingo" ], [ schema:name "André Dziezuk" ], '
     f'[ schema:name "Marc Mergen" ] }}'),
    ("sound: 4 people", f'ASK {{ SELECT (COUNT(?p) AS ?n) WHERE {{ {F} schema:contributor ?r . '
                        f'?r schema:roleName "Sound" ; schema:contributor ?p }} HAVING (COUNT(?p) = 4) }}'),
    ("sound: Thomas Gauder",
     f'ASK {{ {F} schema:contributor [ schema:roleName "Sound" ; '
     f'schema:contributor [ schema:name "Thomas Gauder" ] ] }}'),
    ("art direction: Patrick Dechesne, Alain-Pascal Housiaux",
     f'ASK {{ {F} schema:contributor [ schema:roleName "Art direction" ; '
     f'schema:contributor [ schema:name "Patrick Dechesne" ] ], [ schema:roleName "Art direction" ; '
     f'schema:contributor [ schema:name "Alain-Pascal Housiaux" ] ] }}'),
    ("costumes: Magdalena Labuz",
     f'ASK {{ {F} schema:contributor [ schema:roleName "Costumes" ; '
     f'schema:contributor [ schema:name "Magdalena Labuz" ] ] }}'),
    ("cast: Anne Coesens (Tania)",
     f'ASK {{ {F} schema:actor ?r . ?r a schema:PerformanceRole ; schema:characterName "Tania" ; '
     f'schema:actor [ a schema:Person ; schema:name "Anne Coesens" ] }}'),
    ("cast: Essé Lawson (Aïssa)",
     f'ASK {{ {F} schema:actor [ schema:characterName "Aïssa" ; schema:actor [ schema:name "Essé Lawson" ] ] }}'),
    ("cast: Tomasz Bialkowski (Monsieur Nowak)",
     f'ASK {{ {F} schema:actor [ schema:characterName "Monsieur Nowak" ; '
     f'schema:actor [ schema:name "Tomasz Bialkowski" ] ] }}'),
    ("cast: 7 actors", f"ASK {{ SELECT (COUNT(?r) AS ?n) WHERE {{ {F} schema:actor ?r }} HAVING (COUNT(?r) = 7) }}"),
    ("producer: Jacques-Henri (Bronckart)",
     f'ASK {{ {F} schema:producer [ a schema:Person ; schema:name "Jacques-Henri Bronckart" ] }}'),
    ("producer: Olivier Bronckart", f'ASK {{ {F} schema:producer [ schema:name "Olivier Bronckart" ] }}'),
    ("production: Versus Production",
     f'ASK {{ {F} schema:productionCompany [ a schema:Organization ; schema:name "Versus Production" ] }}'),
    ("co-production: Iris Productions, Dharamsala, Prime Time, RTBF",
     f'ASK {{ {F} schema:productionCompany [ schema:name "Iris Productions" ], [ schema:name "Dharamsala" ], '
     f'[ schema:name "Prime Time" ], [ schema:name "RTBF" ] }}'),
    ("co-production kept apart from production",
     f'ASK {{ {F} schema:contributor [ schema:roleName "Co-production" ; schema:contributor [ schema:name "RTBF" ] ] '
     f'FILTER NOT EXISTS {{ {F} schema:contributor [ schema:roleName "Co-production" ; '
     f'schema:contributor [ schema:name "Versus Production" ] ] }} }}'),
    ("world sales: Films distribution",
     f'ASK {{ {F} schema:contributor [ schema:roleName "World sales" ; '
     f'schema:contributor [ a schema:Organization ; schema:name "Films distribution" ] ] }}'),
    ("world sales address: 34 rue du Louvre, 75001 Paris, France",
     'ASK { ?o schema:name "Films distribution" ; schema:address [ a schema:PostalAddress ; '
     'schema:streetAddress "34 rue du Louvre" ; schema:postalCode "75001" ; schema:addressLocality "Paris" ; '
     'schema:addressCountry "FR" ] }'),
    ("world sales telephone", 'ASK { ?o schema:name "Films distribution" ; schema:telephone "+33 1 53 10 33 99" }'),
    ("world sales fax", 'ASK { ?o schema:name "Films distribution" ; schema:faxNumber "+33 1 53 10 33 98" }'),
    ("world sales email", 'ASK { ?o schema:name "Films distribution" ; schema:email "info@filmsdistribution.com" }'),
    ("world sales web site",
     'ASK { ?o schema:name "Films distribution" ; schema:url <http://www.filmsdistribution.com> }'),
    ("source URL", f"ASK {{ {F} schema:subjectOf <https://luxprize.eu/movies/2010/ill%C3%A9gal-illegal> . "
                   f"<https://luxprize.eu/movies/2010/ill%C3%A9gal-illegal> a schema:WebPage }}"),
    ("source retrieved on 23-11-2017",
     f'ASK {{ ?record schema:about {F} ; prov:wasDerivedFrom <https://luxprize.eu/movies/2010/ill%C3%A9gal-illegal> ; '
     f'prov:wasGeneratedBy [ prov:used <https://luxprize.eu/movies/2010/ill%C3%A9gal-illegal> ; '
     f'dcterms:date "2017-11-23"^^xsd:date ] }}'),
    ("published on LUX Prize (https://luxprize.eu)",
     'ASK { <https://luxprize.eu/movies/2010/ill%C3%A9gal-illegal> schema:publisher '
     '[ a schema:Organization ; schema:name "LUX Prize" ; schema:url <https://luxprize.eu> ] }'),
    ("trailer link",
     f"ASK {{ {F} schema:trailer [ a schema:VideoObject ; schema:embedUrl "
     f"<http://www.youtube.com/embed/UnwI5Fk9Hrg?autoplay=1&width=500&height=300&iframe=true> ] }}"),
]


@pytest.mark.parametrize(("fact", "query"), FACTS, ids=[fact for fact, _ in FACTS])
def test_seed_fact_is_queryable(cli: Cli, seed_store: Path, fact: str, query: str) -> None:
    assert ask(cli, seed_store, query), f"not found: {fact}"


def test_seed_director_is_one_node_across_roles(cli: Cli, seed_store: Path) -> None:
    rows = select(cli, seed_store, 'SELECT DISTINCT ?p WHERE { ?p schema:name "Olivier Masset-Depasse" }')
    assert rows == [{"p": f"{BASE}person/olivier-masset-depasse"}]


def test_seed_graph_uses_only_published_vocabularies(cli: Cli, seed_store: Path) -> None:
    rows = select(cli, seed_store, "SELECT DISTINCT ?p WHERE { ?s ?p ?o }")
    allowed = ("http://schema.org/", "http://www.w3.org/ns/prov#", "http://purl.org/dc/terms/",
               "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    assert rows
    assert [r["p"] for r in rows if not r["p"].startswith(allowed)] == []


def test_seed_schema_terms_exist_in_schema_org(cli: Cli, seed_store: Path) -> None:
    """Every schema.org property and class we emit is one schema.org defines (release 30)."""
    defined = {
        "Movie", "Person", "Organization", "Country", "PerformanceRole", "Role", "VideoObject", "PostalAddress",
        "WebPage", "name", "alternateName", "director", "author", "musicBy", "producer", "productionCompany",
        "countryOfOrigin", "duration", "dateCreated", "description", "actor", "characterName", "contributor",
        "roleName", "trailer", "embedUrl", "address", "streetAddress", "postalCode", "addressLocality",
        "addressCountry", "telephone", "faxNumber", "email", "url", "identifier", "subjectOf", "publisher",
        "about", "sameAs", "image", "award", "thumbnailUrl",
    }
    rows = select(cli, seed_store, "SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION { ?s a ?t } "
                                   "FILTER(STRSTARTS(STR(?t), 'http://schema.org/')) }")
    used = {r["t"].removeprefix("http://schema.org/") for r in rows}
    assert used and used <= defined, used - defined


def test_every_seed_line_with_a_value_is_represented(cli: Cli, seed_store: Path) -> None:
    """A guard against facts silently dropped: every name and character printed after a credit label is a
    literal somewhere in the graph."""
    from lodfilm.records.model import split_character
    from lodfilm.records.page import labelled_sections, names, split_outside_parentheses
    from tests.conftest import SEED_PAGE

    lines = [line.strip() for line in SEED_PAGE.read_text(encoding="utf-8").splitlines()]
    literals = {r["o"] for r in select(cli, seed_store, "SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o)) }")}
    checked = 0
    for label, field, value in labelled_sections(lines):
        if field in ("screenplay", "music", "producers", "crew"):
            for name in names(value):
                assert name in literals, (label, name)
                checked += 1
        elif field == "cast":
            for item in split_outside_parentheses(value, ","):
                name, character = split_character(item)
                assert name in literals and character in literals, (label, item)
                checked += 1
    assert checked == 1 + 3 + 2 + 9 + 7  # screenplay, music, producers, crew credits, cast
