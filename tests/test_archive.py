"""Film-archive depth: prize editions with selection status, FIAF-grade credits, every fact with its source,
conflicting sources kept side by side, the credits vocabulary and the carousel list."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import extruct
import pytest
import rdflib
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from lodfilm.cli import main
from lodfilm.iris import file_key
from lodfilm.settings import Settings
from lodfilm.web import close_app, create_app
from tests.conftest import SEED_PAGE, SHARED_LUX_TABLE, Cli, ask, imported_store, select

BASE = "http://localhost:8080/"  # the README's queries use the default base
FIAF = "https://ontology.fiafcore.org/"
README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed page and the real LUX table, imported together."""
    return imported_store(tmp_path_factory, "archive", BASE, SEED_PAGE, SHARED_LUX_TABLE)


@pytest.fixture(scope="module")
def app(store: Path) -> Iterator[Flask]:
    app = create_app(Settings(store=store, base=BASE))
    yield app
    close_app(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_130_films_and_illegal_once(cli: Cli, store: Path) -> None:
    assert select(cli, store, "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a schema:Movie }") == [{"n": "130"}]
    assert select(cli, store, 'SELECT ?f WHERE { ?f schema:name "Illégal" }') == [{"f": f"{BASE}film/illegal-2010"}]


def test_the_2010_edition_has_its_ten_films_by_status_in_one_pattern(cli: Cli, store: Path) -> None:
    rows = select(cli, store, f"""SELECT ?status (COUNT(?film) AS ?n) WHERE {{
        ?film schema:subjectOf ?part .
        ?part schema:superEvent <{BASE}award/lux-prize-2010> ; fiaf:hasAchievement ?status
    }} GROUP BY ?status ORDER BY ?status""")
    assert rows == [{"status": "finalist", "n": "2"}, {"status": "official selection", "n": "7"},
                    {"status": "winner", "n": "1"}]


def test_illegal_was_a_finalist_of_the_2010_edition(cli: Cli, store: Path) -> None:
    assert ask(cli, store, f"""ASK {{ <{BASE}film/illegal-2010> schema:subjectOf ?part .
        ?part a fiaf:AwardOrNominationEvent ; schema:superEvent <{BASE}award/lux-prize-2010> ;
              fiaf:hasAchievement "finalist" ; fiaf:nominationOnly true ; fiaf:hasAwardName "LUX Prize 2010" .
        <{BASE}award/lux-prize-2010> a schema:Event ; schema:superEvent <{BASE}award/lux-prize> .
        <{BASE}award/lux-prize> a schema:EventSeries ; schema:name "LUX Prize" }}""")


def test_award_means_won_and_is_on_winners_only(cli: Cli, store: Path) -> None:
    winners = select(cli, store, "SELECT DISTINCT ?f WHERE { ?f schema:subjectOf/fiaf:hasAchievement \"winner\" }")
    awarded = select(cli, store, "SELECT DISTINCT ?f WHERE { ?f schema:award ?a }")
    assert len(winners) == 13
    assert sorted(r["f"] for r in awarded) == sorted(r["f"] for r in winners)
    assert not ask(cli, store, f"ASK {{ <{BASE}film/illegal-2010> schema:award ?a }}")
    assert ask(cli, store, 'ASK { ?f schema:name "Die Fremde" ; schema:award "LUX Prize 2010" }')


@pytest.mark.parametrize(("label", "fiaf_class"), [
    ("Cinematography", "Cinematographer"), ("Editing", "FilmEditor"), ("Sound", "SoundActivity"),
    ("Art direction", "ArtDirector"), ("Costumes", "CostumeDesigner"), ("World sales", "WorldDistributor"),
    ("Co-production", "ProductionCompany"),
])
def test_seed_crew_roles_name_their_fiaf_class(cli: Cli, store: Path, label: str, fiaf_class: str) -> None:
    assert ask(cli, store, f"""ASK {{ <{BASE}film/illegal-2010> schema:contributor ?role .
        ?role schema:roleName "{label}" , <{FIAF}{fiaf_class}> }}""")


def test_the_readme_query_finds_which_source_said_a_fact(cli: Cli, store: Path) -> None:
    query = re.search(r"```sparql\n(.*?)\n```", README, re.S)
    assert query is not None
    rows = select(cli, store, query[1])
    page = "https://luxprize.eu/movies/2010/ill%C3%A9gal-illegal"
    assert {"country": f"{BASE}country/BE", "record": f"{BASE}record/{file_key(SEED_PAGE.resolve())}",
            "file": "illegal-2010.txt",
            "page": page, "retrieved": "2017-11-23"} in rows
    assert any(r["file"] == "lux-selection.csv" and r["country"] == f"{BASE}country/LU" for r in rows)


def test_reimporting_one_record_replaces_only_its_facts(cli: Cli, tmp_path: Path) -> None:
    store = tmp_path / "store"
    page = tmp_path / "illegal-2010.txt"
    page.write_text(SEED_PAGE.read_text(encoding="utf-8").replace("95 min", "96 min"), encoding="utf-8")
    assert cli("import", "--store", store, "--base", BASE, page, SHARED_LUX_TABLE).exit_code == 0
    page.write_text(SEED_PAGE.read_text(encoding="utf-8"), encoding="utf-8")
    result = cli("import", "--store", store, "--base", BASE, page, SHARED_LUX_TABLE)
    assert "1 stored, 130 unchanged" in result.stdout
    rows = select(cli, store, f"SELECT ?d WHERE {{ <{BASE}film/illegal-2010> schema:duration ?d }}")
    assert rows == [{"d": "PT1H35M"}]


CONFLICT_A = "title: Zoo\nyear: 2001\ndirectors: [Ann Lee]\ncountries: [Belgium, France]\n"
CONFLICT_B = "title: Zoo\nyear: 2001\ndirectors: [Ann Lee]\ncountries: [Belgium, Netherlands]\n"


@pytest.fixture
def conflict(tmp_path: Path) -> Iterator[tuple[Path, FlaskClient]]:
    (tmp_path / "a.yaml").write_text(CONFLICT_A, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(CONFLICT_B, encoding="utf-8")
    store = tmp_path / "store"
    result = CliRunner().invoke(main, ["import", "--store", str(store), "--base", BASE, str(tmp_path / "a.yaml"),
                                       str(tmp_path / "b.yaml")])
    assert result.exit_code == 0, result.output
    app = create_app(Settings(store=store, base=BASE))
    yield store, app.test_client()
    close_app(app)


def test_conflicting_values_are_both_kept_with_their_sources(cli: Cli, conflict: tuple[Path, FlaskClient]) -> None:
    store, _ = conflict
    rows = select(cli, store, f"""SELECT ?code ?file WHERE {{
        GRAPH ?g {{ <{BASE}film/zoo-2001> schema:countryOfOrigin ?c }} ?c schema:identifier ?code .
        ?g dcterms:source ?file }} ORDER BY ?code ?file""")
    assert [(r["code"], r["file"]) for r in rows] == [("BE", "a.yaml"), ("BE", "b.yaml"), ("FR", "a.yaml"),
                                                      ("NL", "b.yaml")]


def test_film_page_shows_each_facts_source(conflict: tuple[Path, FlaskClient]) -> None:
    _, client = conflict
    page = client.get("/film/zoo-2001", headers={"Accept": "text/html"}).get_data(as_text=True)
    section = page[page.index("Facts and their sources") : page.index('<section class="sources">')]
    rows = {re.sub(r"<[^>]+>", " ", row).split()[1]: re.findall(r"\[(\d)\]", row)
            for row in section.split("<tr>")[2:]}
    assert rows["France"] == ["1"] and rows["Netherlands"] == ["2"] and rows["Belgium"] == ["1", "2"]
    assert '<li id="source-1">[1]' in page and "record a.yaml" in page and "record b.yaml" in page


def test_film_page_shows_its_prize_edition_and_status(client: FlaskClient) -> None:
    page = client.get("/film/illegal-2010", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert '<a href="/award/lux-prize-2010">LUX Prize 2010</a> — finalist' in page


def test_edition_page_lists_its_films_by_status(client: FlaskClient) -> None:
    page = client.get("/award/lux-prize-2010", headers={"Accept": "text/html"}).get_data(as_text=True)
    sections = {m[0]: m[1] for m in re.findall(r"<h2>([^<]+)</h2><ul>(.*?)</ul>", page, re.S)}
    assert list(sections) == ["Winner", "Finalist", "Official selection"]
    assert sections["Winner"].count("<li>") == 1 and "Die Fremde" in sections["Winner"]
    assert sections["Finalist"].count("<li>") == 2 and "Illégal (2010)" in sections["Finalist"]
    assert sections["Official selection"].count("<li>") == 7


def test_edition_and_prize_dereference_as_rdf(client: FlaskClient) -> None:
    edition = rdflib.Graph().parse(data=client.get("/award/lux-prize-2010.ttl").data, format="turtle")
    assert (rdflib.URIRef(f"{BASE}award/lux-prize-2010"), rdflib.URIRef("http://schema.org/superEvent"),
            rdflib.URIRef(f"{BASE}award/lux-prize")) in edition
    prize = client.get("/award/lux-prize", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert prize.count('href="/award/lux-prize-20') == 13  # 2007–2019


def test_vocabulary_is_published_as_html_and_skos(client: FlaskClient) -> None:
    html = client.get("/vocabulary", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Director of photography" in html and f"{FIAF}Cinematographer" in html and "P344" in html
    graph = rdflib.Graph().parse(data=client.get("/vocabulary.ttl").data, format="turtle")
    skos = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
    cinematography = rdflib.URIRef(f"{BASE}vocabulary#cinematography")
    assert (cinematography, skos.exactMatch, rdflib.URIRef(f"{FIAF}Cinematographer")) in graph
    assert (cinematography, skos.altLabel, rdflib.Literal("DoP", lang="en")) in graph


def test_films_list_embeds_an_item_list_search_engines_read(client: FlaskClient) -> None:
    html = client.get("/films").get_data(as_text=True)
    data = extruct.extract(html, base_url=f"{BASE}films", syntaxes=["json-ld"])["json-ld"]
    item_list = next(d for d in data if d.get("@type") == "ItemList")
    items = item_list["itemListElement"]
    assert [i["position"] for i in items] == list(range(1, 51))
    assert all(i["@type"] == "ListItem" and i["url"].startswith(f"{BASE}film/") for i in items)


def test_yaml_records_can_state_prizes(cli: Cli, tmp_path: Path) -> None:
    record = tmp_path / "prize.yaml"
    record.write_text("title: Palme\nyear: 1999\ndirectors: [B C]\n"
                      "selections: [{prize: Festival Prize, year: 1999, status: winner}]\n", encoding="utf-8")
    store = tmp_path / "store"
    assert cli("import", "--store", store, "--base", BASE, record).exit_code == 0
    assert ask(cli, store, f"""ASK {{ <{BASE}film/palme-1999> schema:award "Festival Prize 1999" ;
        schema:subjectOf [ schema:superEvent <{BASE}award/festival-prize-1999> ; fiaf:hasAchievement "winner" ;
                           fiaf:nominationOnly false ] }}""")
