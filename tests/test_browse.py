"""Browsing over HTTP (the real app, Flask's test client, a real store on disk): faceted ``/films`` whose counts
match SPARQL, combinable filters and their add/remove links, the one-source note, ranked and paged search, paging
with 400/404 and ``Link`` headers everywhere, JSON twins whose ``next`` walks to the end, and the index following a
re-import while the app serves."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import html as lxml_html

from lodfilm.settings import Settings
from lodfilm.store.embedded import EmbeddedStore
from lodfilm.web import close_app, create_app
from tests.conftest import DATA
from tests.test_index import BASE, FILMS, MANY, run, write_data


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browse")
    run("import", "--no-progress", "--store", root / "store", "--base", BASE, DATA, write_data(root / "data"))
    return root / "store"


@pytest.fixture(scope="module")
def app(store_dir: Path) -> Iterator[Flask]:
    app = create_app(Settings(store=store_dir, base=BASE))
    yield app
    close_app(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def sparql_count(store_dir: Path, where: str) -> int:
    store = EmbeddedStore(store_dir, read_only=True)
    try:
        query = f"SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE {{ ?f a schema:Movie . {where} }}"
        return int(store.select(query)[0]["n"])
    finally:
        store.close()


def get_json(client: FlaskClient, url: str, **headers: str) -> dict:
    parts = urlsplit(url)
    response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    data: dict = json.loads(response.get_data(as_text=True))
    return data


def walk(client: FlaskClient, url: str) -> tuple[int, list[dict]]:
    """Follow ``next`` from ``url`` to the last page: (total, every item)."""
    first = get_json(client, url)
    items, data = list(first["items"]), first
    while data["next"] is not None:
        assert data["next"].startswith("http://")
        data = get_json(client, data["next"])
        assert data["total"] == first["total"]
        items += data["items"]
    return first["total"], items


def page(client: FlaskClient, path: str) -> lxml_html.HtmlElement:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return lxml_html.fromstring(response.get_data(as_text=True))


# -- facets --------------------------------------------------------------------------------------------------------
def test_facet_counts_on_films_match_sparql(client: FlaskClient, store_dir: Path) -> None:
    data = get_json(client, "/films.json")
    assert data["total"] == sparql_count(store_dir, "")
    countries = {v["value"]: v["count"] for v in data["facets"]["country"]["values"]}
    for code in ("SE", "FR", "DE"):
        assert countries[code] == sparql_count(store_dir, f'?f schema:countryOfOrigin/schema:identifier "{code}"')
    statuses = {v["value"]: v["count"] for v in data["facets"]["status"]["values"]}
    assert statuses["winner"] == sparql_count(store_dir, '?f schema:subjectOf/fiaf:hasAchievement "winner"')
    assert set(data["facets"]) == {"year", "decade", "country", "director", "person", "genre", "language", "prize",
                                   "status", "role"}


def test_filters_combine_and_links_add_and_remove_them(client: FlaskClient, store_dir: Path) -> None:
    data = get_json(client, "/films.json?country=SE")
    assert data["total"] == sparql_count(store_dir, '?f schema:countryOfOrigin/schema:identifier "SE"')
    drama = next(v for v in data["facets"]["genre"]["values"] if v["value"] == "Drama")
    assert drama["add"] == "/films?country=SE&genre=Drama"
    both = get_json(client, drama["add"].replace("/films", "/films.json"))
    assert both["total"] == drama["count"] == sparql_count(
        store_dir, '?f schema:countryOfOrigin/schema:identifier "SE" ; schema:genre "Drama"') == 2
    assert {i["name"] for i in both["items"]} == {"Ängel över staden", "Kärlek"}
    chosen = next(v for v in both["facets"]["genre"]["values"] if v["value"] == "Drama")
    assert chosen["selected"] and chosen["remove"] == "/films?country=SE"
    # the HTML page has the same links
    doc = page(client, "/films?country=SE&genre=Drama")
    assert doc.xpath("//aside[@class='facets']//a[@href='/films?country=SE']")
    assert len(doc.xpath("//ol[@class='list']/li")) == 2


def test_the_facet_says_how_many_films_rest_on_one_source(client: FlaskClient) -> None:
    data = get_json(client, "/films.json?director=asa-oberg")
    denmark = next(v for v in data["facets"]["country"]["values"] if v["value"] == "DK")
    assert denmark["single_source"] == 1 and data["facets"]["country"]["films_on_one_source"] == 1
    text = client.get("/films?director=asa-oberg").get_data(as_text=True)
    assert "(1 on one source only)" in text
    assert "1 of these films rest on one source only for their country" in text


def test_unknown_values_find_nothing_and_malformed_ones_are_400(client: FlaskClient) -> None:
    assert get_json(client, "/films.json?country=ZZ")["total"] == 0
    assert get_json(client, "/films.json?status=nominated")["items"] == []
    assert client.get("/films?country=ZZ&page=2").status_code == 404
    for query, named in (("year=abc", "year='abc'"), ("decade=19x", "decade='19x'"), ("year=12345", "year='12345'")):
        response = client.get(f"/films?{query}")
        assert response.status_code == 400 and named in response.get_data(as_text=True)


# -- search --------------------------------------------------------------------------------------------------------
def test_search_shows_kind_year_director_and_country(client: FlaskClient) -> None:
    doc = page(client, "/search?q=angel")
    first = doc.xpath("//ol[@class='results']/li")[0]
    text = first.text_content()
    assert "Film" in text and "Ängel över staden" in text and "(2015)" in text and "Åsa Öberg" in text
    assert "Sweden" in text
    assert first.xpath(".//img[@src='https://images.example.org/angel.jpg']")
    assert "1 result for" in doc.text_content()


def test_search_folds_and_finds_people(client: FlaskClient) -> None:
    data = get_json(client, "/search.json?q=ostlund")
    assert data["items"][0]["name"] == "Ruben Östlund" and data["items"][0]["kind"] == "Person"
    assert any(i["name"] == "Illégal" for i in get_json(client, "/search.json?q=illegal")["items"])
    assert any(i["name"] == "Illégal" for i in get_json(client, "/search.json?q=illeg*")["items"])


def test_search_pages_with_its_total(client: FlaskClient) -> None:
    total, items = walk(client, "/search.json?q=serie")
    assert total == len(items) == MANY == len({i["iri"] for i in items})
    assert client.get("/search?q=serie&page=4").status_code == 404


@pytest.mark.parametrize("q", ['"', "AND(", "*", "NEAR", 'NEAR("a" "b")', "x" * 7000, "%ff", "a:b", "((((", "^"])
def test_hostile_search_text_is_never_a_500(client: FlaskClient, q: str) -> None:
    for path in ("/search", "/search.json"):
        response = client.get(path, query_string={"q": q})
        assert response.status_code == 200, (q, response.status_code)


# -- paging --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/films", "/people", "/search?q=serie", "/person/pia-mangfald",
                                  "/award/lux-prize", "/films.json", "/person/pia-mangfald.json"])
@pytest.mark.parametrize("bad", ["abc", "-1", "0", "1.5", "", "٣"])
def test_a_page_that_is_no_page_number_is_400(client: FlaskClient, path: str, bad: str) -> None:
    joiner = "&" if "?" in path else "?"
    response = client.get(f"{path}{joiner}page={bad}")
    assert response.status_code == 400
    assert f"page={bad!r}" in response.get_data(as_text=True)


@pytest.mark.parametrize("path, last", [("/films", 6), ("/search?q=serie", 3), ("/person/pia-mangfald", 3),
                                        ("/award/lux-prize", 3), ("/people", None)])
def test_a_page_past_the_end_is_404(client: FlaskClient, path: str, last: int | None) -> None:
    joiner = "&" if "?" in path else "?"
    if last is None:
        last = get_json(client, path + ".json")["pages"]
    assert client.get(f"{path}{joiner}page={last}").status_code == 200
    assert client.get(f"{path}{joiner}page={last + 1}").status_code == 404


def links(header: str) -> dict[str, str]:
    return {m.group(2) + (f" {m.group(3)}" if m.group(3) else ""): m.group(1) for m in re.finditer(
        r'<([^>]+)>; rel="([^"]+)"(?:; type="([^"]+)")?', header)}


def test_link_headers_and_head_links_name_prev_next_and_the_twin(client: FlaskClient) -> None:
    response = client.get("/person/pia-mangfald?page=2")
    found = links(response.headers["Link"])
    assert found["prev"] == "http://localhost/person/pia-mangfald"
    assert found["next"] == "http://localhost/person/pia-mangfald?page=3"
    assert found["alternate application/json"] == "http://localhost/person/pia-mangfald.json?page=2"
    assert found["canonical"] == f"{BASE}person/pia-mangfald"
    doc = lxml_html.fromstring(response.get_data(as_text=True))
    assert doc.xpath("//head/link[@rel='next']/@href") == ["/person/pia-mangfald?page=3"]
    assert doc.xpath("//a[@rel='prev']/@href") == ["/person/pia-mangfald"]
    assert len(doc.xpath("//ol[@class='films']/li")) == 50
    twin = get_json(client, "/films.json?decade=2010s")
    found = links(client.get("/films.json?decade=2010s").headers["Link"])
    assert found["alternate text/html"] == "http://localhost/films?decade=2010s"
    assert twin["next"] == found.get("next")


# -- JSON twins ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path, where", [
    ("/films.json", ""),
    ("/films.json?decade=2000s", "?f schema:dateCreated ?y FILTER(YEAR(?y) >= 2000 && YEAR(?y) < 2010)"),
    ("/people.json", None), ("/person/pia-mangfald.json", f"?f schema:actor/schema:actor <{BASE}person/pia-mangfald>"),
    ("/award/lux-prize.json", f"?f schema:subjectOf/schema:superEvent/schema:superEvent <{BASE}award/lux-prize>"),
    ("/country/FI.json", '?f schema:countryOfOrigin/schema:identifier "FI"'),
])
def test_json_twins_walk_to_the_end_with_exactly_total_items(client: FlaskClient, store_dir: Path, path: str,
                                                             where: str | None) -> None:
    total, items = walk(client, path)
    assert len(items) == total and len({i["iri"] for i in items}) == total
    assert all({"iri", "name"} <= set(i) for i in items)
    if where is not None:
        assert total == sparql_count(store_dir, where) > 50


@pytest.mark.parametrize("path", ["/films?decade=2010s", "/people", "/search?q=serie", "/award/lux-prize",
                                  "/person/pia-mangfald"])
def test_html_advertises_its_twin_and_accept_json_gets_it(client: FlaskClient, path: str) -> None:
    doc = page(client, path)
    twin = doc.xpath("//head/link[@rel='alternate'][@type='application/json']/@href")
    assert len(twin) == 1
    by_url = get_json(client, twin[0])
    by_accept = get_json(client, path, Accept="application/json")
    assert by_url == by_accept and by_url["total"] > 0
    assert client.get(path, headers={"Accept": "text/html"}).mimetype == "text/html"


def test_films_keeps_its_item_list_and_shows_what_each_film_is(client: FlaskClient) -> None:
    doc = page(client, "/films?genre=Drama")
    data = json.loads(doc.xpath("//script[@type='application/ld+json']/text()")[0])
    assert data["@type"] == "ItemList" and len(data["itemListElement"]) == 2
    line = doc.xpath("//ol[@class='list']/li")[0].text_content()
    assert "Ängel över staden" in line and "(2015)" in line and "Åsa Öberg" in line and "Sweden" in line


# -- a re-import while serving -------------------------------------------------------------------------------------
def test_the_index_follows_a_reimport(tmp_path: Path) -> None:
    data = write_data(tmp_path / "data")
    store_dir = tmp_path / "store"
    run("import", "--no-progress", "--store", store_dir, "--base", BASE, data)
    app = create_app(Settings(store=store_dir, base=BASE))
    try:
        client = app.test_client()
        assert get_json(client, "/search.json?q=karlek")["total"] == 1
        (data / "films.yaml").write_text(FILMS.split("- title: Kärlek")[0] + "- title: Nyfiken\n  year: 2020\n",
                                         encoding="utf-8")
        run("import", "--no-progress", "--store", store_dir, "--base", BASE, data)
        deadline = time.monotonic() + 10
        while get_json(client, "/search.json?q=nyfiken")["total"] == 0:
            assert time.monotonic() < deadline, "the app did not switch to the new checkpoint's index"
            time.sleep(0.2)
        assert get_json(client, "/search.json?q=karlek")["total"] == 0
        assert get_json(client, "/films.json?year=2020")["items"][0]["name"] == "Nyfiken"
        assert client.get("/film/karlek-1999").status_code == 404
    finally:
        close_app(app)
