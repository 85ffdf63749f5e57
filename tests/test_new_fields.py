"""Every fact with a schema.org home is kept (issue 14, point 3): genres, content rating, release date, languages,
an aggregate rating, keywords, what a film is based on, distributors and awards — in YAML, JSON and CSV records,
in the graph, on the film page and in its embedded JSON-LD, each checked by a shape; and no term is invented."""

from __future__ import annotations

import json
from pathlib import Path

import extruct
import pytest
import rdflib
from rdflib.namespace import SDO as RDFLIB_SDO

from lodfilm.errors import RecordError
from lodfilm.settings import Settings
from lodfilm.validation import Validator
from lodfilm.web import close_app, create_app
from tests.conftest import BASE, Cli, select

FILM = f"{BASE}film/el-sur-1983"
RECORD = {
    "title": "El Sur",
    "year": 1983,
    "directors": ["Víctor Erice"],
    "release_date": "1983-05-19",
    "genres": ["Drama", "Coming-of-age"],
    "content_rating": "PG",
    "languages": ["Spanish", "fr"],
    "rating": {"value": 7.6, "count": 8123, "best": 10, "worst": 1, "source": "IMDb"},
    "keywords": "father and daughter, memory",
    "based_on": [{"title": "El sur", "author": "Adelaida García Morales"}, "https://example.org/books/el-sur"],
    "distributors": ["Les Films du Losange"],
    "awards": ["Gold Hugo"],
}
CSV = ("title,year,directors,release_date,genres,content_rating,languages,rating.value,rating.count,rating.best,"
       "rating.worst,rating.source,keywords,based_on,distributors,awards\n"
       "El Sur,1983,Víctor Erice,1983-05-19,Drama | Coming-of-age,PG,Spanish | fr,7.6,8123,10,1,IMDb,"
       "\"father and daughter, memory\",El sur,Les Films du Losange,Gold Hugo\n")
EXPECTED = {
    ("genre", "Drama"), ("genre", "Coming-of-age"), ("contentRating", "PG"), ("datePublished", "1983-05-19"),
    ("inLanguage", "es"), ("inLanguage", "fr"), ("keywords", "father and daughter"), ("keywords", "memory"),
    ("award", "Gold Hugo"),
}


def facts(cli: Cli, store: Path) -> set[tuple[str, str]]:
    rows = select(cli, store, f"SELECT ?p ?o WHERE {{ <{FILM}> ?p ?o FILTER(isLiteral(?o)) }}")
    return {(row["p"].removeprefix("http://schema.org/"), row["o"]) for row in rows}


@pytest.mark.parametrize("form", ["yaml", "json", "csv"])
def test_each_new_field_lands_on_its_schema_org_term(cli: Cli, store_dir: Path, tmp_path: Path, form: str) -> None:
    path = tmp_path / f"el-sur.{form}"
    path.write_text(CSV if form == "csv" else json.dumps(RECORD, ensure_ascii=False), encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, path)
    assert result.exit_code == 0, result.stderr
    assert EXPECTED <= facts(cli, store_dir)
    rating = select(cli, store_dir, f"""SELECT ?v ?n ?best ?worst ?author ?dv WHERE {{ <{FILM}> schema:aggregateRating
        ?r . ?r a schema:AggregateRating ; schema:ratingValue ?v ; schema:ratingCount ?n ; schema:bestRating ?best ;
        schema:worstRating ?worst ; schema:author/schema:name ?author . BIND(datatype(?v) AS ?dv) }}""")
    assert rating == [{"v": "7.6", "n": "8123", "best": "10", "worst": "1", "author": "IMDb",
                       "dv": "http://www.w3.org/2001/XMLSchema#double"}]
    based = select(cli, store_dir, f"""SELECT ?work ?name ?author WHERE {{ <{FILM}> schema:isBasedOn ?work .
        OPTIONAL {{ ?work schema:name ?name }} OPTIONAL {{ ?work schema:author/schema:name ?author }} }}""")
    works = {(row.get("name"), row.get("author")) for row in based}
    assert ("El sur", "Adelaida García Morales" if form != "csv" else None) in works
    distributor = select(cli, store_dir, f"""SELECT ?label ?org WHERE {{ <{FILM}> schema:contributor ?role .
        ?role schema:roleName ?label FILTER(isLiteral(?label)) ?role schema:contributor/schema:name ?org }}""")
    assert {"label": "Distribution", "org": "Les Films du Losange"} in distributor
    dates = select(cli, store_dir, f"SELECT ?d WHERE {{ <{FILM}> schema:datePublished ?d "
                                   "FILTER(datatype(?d) = xsd:date) }")
    assert dates == [{"d": "1983-05-19"}]


def test_the_film_page_and_its_embedded_json_ld_show_the_new_facts(cli: Cli, store_dir: Path,
                                                                    tmp_path: Path) -> None:
    path = tmp_path / "el-sur.json"
    path.write_text(json.dumps(RECORD, ensure_ascii=False), encoding="utf-8")
    assert cli("import", "--store", store_dir, "--base", BASE, path).exit_code == 0
    app = create_app(Settings.load(store=str(store_dir), base=BASE))
    try:
        page = app.test_client().get("/film/el-sur-1983").get_data(as_text=True)
    finally:
        close_app(app)
    for shown in ("Release date", "1983-05-19", "Drama", "Coming-of-age", "PG", "7.6 / 10 (8,123 ratings, IMDb)",
                  "father and daughter", "El sur", "Gold Hugo"):
        assert shown in page, shown
    (movie,) = [item for item in extruct.extract(page, syntaxes=["json-ld"])["json-ld"]
                if item.get("@type") == "Movie"]
    assert movie["aggregateRating"]["@type"] == "AggregateRating"
    assert (movie["aggregateRating"]["ratingValue"], movie["aggregateRating"]["ratingCount"]) == (7.6, 8123)
    assert movie["aggregateRating"]["author"]["name"] == "IMDb"
    assert sorted(movie["genre"]) == ["Coming-of-age", "Drama"]
    assert movie["contentRating"] == "PG" and movie["datePublished"] == "1983-05-19"
    assert sorted(movie["inLanguage"]) == ["es", "fr"]
    assert {w.get("name") for w in movie["isBasedOn"] if isinstance(w, dict)} >= {"El sur"}


def test_every_schema_org_term_lodfilm_writes_exists(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    """No term is invented: every schema.org property and class of a record with every field is one that
    schema.org defines (rdflib's list of schema.org terms)."""
    path = tmp_path / "el-sur.json"
    path.write_text(json.dumps({**RECORD, "cast": ["Omero Antonutti (Agustín)"], "countries": ["Spain"],
                                "runtime_minutes": 95, "crew": [{"role": "Cinematography", "name": "José Luis "
                                                                 "Alcaine"}],
                                "trailer": "https://www.youtube.com/watch?v=abcdefghijk",
                                "image": "https://example.org/el-sur.jpg"}, ensure_ascii=False), encoding="utf-8")
    assert cli("import", "--store", store_dir, "--base", BASE, path).exit_code == 0
    dump = cli("dump", "--store", store_dir, "--format", "nt")
    graph = rdflib.Graph().parse(data=dump.stdout, format="nt")
    schema = "http://schema.org/"
    used = {str(p) for p in graph.predicates() if str(p).startswith(schema)}
    used |= {str(o) for o in graph.objects(None, rdflib.RDF.type) if str(o).startswith(schema)}
    # rdflib's schema.org namespace is closed: it holds exactly the terms schema.org defines (https form).
    missing = sorted(t for t in used if rdflib.URIRef("https://schema.org/" + t.removeprefix(schema)) not in RDFLIB_SDO)
    assert not missing, missing
    assert {f"{schema}aggregateRating", f"{schema}isBasedOn", f"{schema}inLanguage"} <= used


SHAPE_CASES = [
    ("release_date", f'<{FILM}> <http://schema.org/datePublished> "19 May 1983" .'),
    ("release_date", f'<{FILM}> <http://schema.org/datePublished> "1983-05-19"^^'
                     f'<http://www.w3.org/2001/XMLSchema#date> .\n<{FILM}> <http://schema.org/datePublished> '
                     '"1983-05-20"^^<http://www.w3.org/2001/XMLSchema#date> .'),
    ("content_rating", f'<{FILM}> <http://schema.org/contentRating> "PG" .\n'
                       f'<{FILM}> <http://schema.org/contentRating> "R" .'),
    ("languages", f'<{FILM}> <http://schema.org/inLanguage> "not a tag!" .'),
    ("rating.value", f'<{FILM}> <http://schema.org/aggregateRating> <{FILM}#rating> .\n'
                     f'<{FILM}#rating> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
                     '<http://schema.org/AggregateRating> .'),
    ("genres", f'<{FILM}> <http://schema.org/genre> ""  .'),
    ("based_on.title", f'<{FILM}> <http://schema.org/isBasedOn> <{FILM}#based-on-1> .\n'
                       f'<{FILM}#based-on-1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
                       '<http://schema.org/CreativeWork> .'),
    ("title", f'<{FILM}> <http://schema.org/name> "Another name" .'),
    ("runtime_minutes", f'<{FILM}> <http://schema.org/duration> "PT1H36M"^^'
                        '<http://www.w3.org/2001/XMLSchema#duration> .'),
    ("year", f'<{FILM}> <http://schema.org/dateCreated> "1984"^^<http://www.w3.org/2001/XMLSchema#gYear> .'),
]


@pytest.mark.parametrize(("field", "extra"), SHAPE_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(SHAPE_CASES)])
def test_a_shape_checks_each_new_fact_and_one_record_gives_one_name_duration_and_year(field: str,
                                                                                       extra: str) -> None:
    base = "\n".join([
        f'<{FILM}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://schema.org/Movie> .',
        f'<{FILM}> <http://schema.org/name> "El Sur" .',
        f'<{FILM}> <http://schema.org/duration> "PT1H35M"^^<http://www.w3.org/2001/XMLSchema#duration> .',
        f'<{FILM}> <http://schema.org/dateCreated> "1983"^^<http://www.w3.org/2001/XMLSchema#gYear> .',
    ])
    validator = Validator(0)
    try:
        assert validator.submit([base.encode()]).result() == {}
        problems = validator.submit([f"{base}\n{extra}".encode()]).result()
    finally:
        validator.close()
    assert problems, f"a record with {extra!r} passed its shapes"
    assert problems[0][0] == field


def test_a_rating_above_its_best_is_refused_naming_both(tmp_path: Path) -> None:
    from lodfilm.records import make_film

    with pytest.raises(RecordError) as caught:
        make_film({"title": "X", "rating": {"value": 12, "best": 10}}, "f.yaml", "X")
    assert caught.value.field == "rating"
    assert "rating 12 is above its best rating 10" in caught.value.reason
