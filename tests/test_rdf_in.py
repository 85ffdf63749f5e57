"""RDF in (issue 14, point 4): schema.org ``Movie`` data as others publish it — JSON-LD as film sites embed it
(``"@context": "https://schema.org"``), Turtle with ``https`` terms — imports as records, under the same identity
rules, shapes and one-line errors; no context is ever fetched; and lodfilm's own dumps re-import to the same graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import BASE, DATA, Cli, select
from tests.test_server import Listener

EXPORTS = Path(__file__).resolve().parent / "fixtures" / "exports"


def values(cli: Cli, store: Path, film: str) -> set[tuple[str, str]]:
    rows = select(cli, store, f"SELECT ?p ?o WHERE {{ <{film}> ?p ?o }}")
    return {(row["p"].removeprefix("http://schema.org/"), row["o"]) for row in rows}


def test_json_ld_as_a_film_site_embeds_it(cli: Cli, store_dir: Path) -> None:
    result = cli("import", "--store", store_dir, "--base", BASE, EXPORTS / "film-site.jsonld")
    assert result.exit_code == 0, result.stderr
    film = f"{BASE}film/el-sur-1983"
    facts = values(cli, store_dir, film)
    assert {("name", "El Sur"), ("alternateName", "The South"), ("dateCreated", "1983"),
            ("datePublished", "1983-05-19"), ("duration", "PT1H35M"), ("genre", "Drama"),
            ("genre", "Coming-of-age"), ("inLanguage", "es"), ("keywords", "memory"),
            ("director", f"{BASE}person/victor-erice"), ("countryOfOrigin", f"{BASE}country/ES"),
            ("sameAs", "http://www.wikidata.org/entity/Q2564386"), ("sameAs", "https://www.imdb.com/title/tt0085482/"),
            ("http://www.w3.org/2000/01/rdf-schema#seeAlso", "https://films.example.net/title/el-sur-1983"),
            } <= facts
    cast = select(cli, store_dir, f"""SELECT ?actor ?character WHERE {{ <{film}> schema:actor ?role .
        ?role a schema:PerformanceRole ; schema:actor/schema:name ?actor .
        OPTIONAL {{ ?role schema:characterName ?character }} }}""")
    assert {(r["actor"], r.get("character")) for r in cast} == {("Omero Antonutti", None),
                                                               ("Sonsoles Aranguren", "Estrella (8 years)")}
    # A film with a text director and an ISO date in dateCreated (the second node of the @graph).
    assert {("name", "2046"), ("dateCreated", "2004"), ("director", f"{BASE}person/wong-kar-wai"),
            ("contentRating", "R"), ("duration", "PT2H9M")} <= values(cli, store_dir, f"{BASE}film/2046-2004")
    # What has no record field is named once per file, not dropped silently.
    assert f"note: {EXPORTS / 'film-site.jsonld'}: property <http://schema.org/review> has no field (1 value not " \
           "imported)" in result.stderr


def test_turtle_with_https_schema_org_terms(cli: Cli, store_dir: Path) -> None:
    result = cli("import", "--store", store_dir, "--base", BASE, EXPORTS / "archive.ttl")
    assert result.exit_code == 0, result.stderr
    le_havre = values(cli, store_dir, f"{BASE}film/le-havre-2011")
    assert {("name", "Le Havre"), ("countryOfOrigin", f"{BASE}country/FI"), ("countryOfOrigin", f"{BASE}country/FR"),
            ("inLanguage", "fr"), ("duration", "PT1H33M"), ("genre", "Comedy")} <= le_havre
    other = values(cli, store_dir, f"{BASE}film/toivon-tuolla-puolen-2017")
    assert ("award", "Silver Bear for Best Director") in other
    # One director, one node, by the identifier both films give him.
    directors = select(cli, store_dir, "SELECT DISTINCT ?d WHERE { ?f schema:director ?d }")
    assert directors == [{"d": f"{BASE}person/aki-kaurismaki"}]


def test_a_movie_without_a_name_is_one_line_naming_its_field(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "nameless.ttl"
    path.write_text("@prefix schema: <http://schema.org/> .\n<https://x.example/f/1> a schema:Movie ; "
                    "schema:dateCreated \"20l1\" .\n<https://x.example/f/2> a schema:Movie ; schema:name \"Named\" .\n",
                    encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, path)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"{path}: <https://x.example/f/1>: title: is required; year: '20l1' is not a year"
    assert values(cli, store_dir, f"{BASE}film/named") >= {("name", "Named")}


@pytest.mark.parametrize("context", ["https://schema.org", "http://schema.org/", "https://schema.org/",
                                     "https://schema.org/docs/jsonldcontext.jsonld"])
def test_schema_org_s_own_context_is_read_from_the_shipped_copy(cli: Cli, store_dir: Path, tmp_path: Path,
                                                                context: str) -> None:
    path = tmp_path / "film.jsonld"
    path.write_text(json.dumps({"@context": context, "@type": "Movie", "name": "Shipped", "dateCreated": "2001"}),
                    encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, path)
    assert result.exit_code == 0, result.stderr
    assert ("name", "Shipped") in values(cli, store_dir, f"{BASE}film/shipped-2001")


def test_any_other_remote_context_is_refused_and_never_fetched(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    listener = Listener()
    try:
        url = f"http://127.0.0.1:{listener.port}/context.jsonld"
        path = tmp_path / "film.jsonld"
        path.write_text(json.dumps({"@context": [url, {"x": "http://x/"}], "@type": "https://schema.org/Movie",
                                    "https://schema.org/name": "Fetched?"}), encoding="utf-8")
        result = cli("import", "--store", store_dir, "--base", BASE, path)
        assert listener.connections == 0
    finally:
        listener.close()
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"{path}: @context: remote context '{url}' refused: lodfilm fetches nothing "
                                     "(only schema.org's context is known; inline any other)")


@pytest.mark.parametrize("fmt", ["nq", "ttl", "nt", "jsonld"])
def test_lodfilm_s_own_dumps_re_import_to_the_same_graph(cli: Cli, tmp_path: Path, fmt: str) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert cli("import", "--store", first, "--base", BASE, DATA).exit_code == 0
    dump = tmp_path / f"lodfilm.{fmt}"
    assert cli("dump", "--store", first, "--format", fmt, "--output", dump).exit_code == 0
    result = cli("import", "--store", second, "--base", BASE, dump)
    assert result.exit_code == 0, result.stderr
    before = set(cli("dump", "--store", first, "--format", "nt").stdout.splitlines())
    after = set(cli("dump", "--store", second, "--format", "nt").stdout.splitlines())
    assert after == before
    assert len(before) > 3000
    again = cli("import", "--store", second, "--base", BASE, dump)  # and re-importing it changes nothing
    assert " 0 stored," in again.stdout


def test_a_dump_made_under_another_base_is_refused(cli: Cli, tmp_path: Path) -> None:
    first = tmp_path / "first"
    assert cli("import", "--store", first, "--base", BASE, DATA / "illegal-2010.yaml").exit_code == 0
    dump = tmp_path / "lodfilm.nq"
    assert cli("dump", "--store", first, "--format", "nq", "--output", dump).exit_code == 0
    result = cli("import", "--store", tmp_path / "second", "--base", "http://elsewhere.example/", dump)
    assert result.exit_code == 1
    assert "a record published under another base IRI" in result.stderr
