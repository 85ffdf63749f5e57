"""The web app in-process (Flask's test client over the real app and a real store on disk): what each page
shows, content negotiation, documents, lists, errors, base paths, and switching to a new import while serving."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from flask import Flask
from flask.testing import FlaskClient

from lodfilm import pipeline
from lodfilm.iris import file_key, record_key
from lodfilm.settings import Settings
from lodfilm.store import open_store
from lodfilm.web import close_app, create_app
from tests.conftest import DATA

BASE = "http://films.example.org/"
SDO = rdflib.Namespace("http://schema.org/")


def record_iri(name: str, film: str | None = None) -> str:
    """The IRI of a record of the bundled file ``name`` (keyed by the file's path)."""
    return f"{BASE}record/{record_key(file_key((DATA / name).resolve()), film)}"


def import_into(store_dir: Path, base: str, *paths: Path) -> pipeline.Report:
    store = open_store(store_dir)
    try:
        return pipeline.run(list(paths), base=base, store=store, progress=False)
    finally:
        store.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    store = tmp_path_factory.mktemp("web") / "store"
    assert not import_into(store, BASE, DATA).errors
    app = create_app(Settings(store=store, base=BASE))
    yield app
    close_app(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def text_of(client: FlaskClient, path: str, **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_film_page_shows_every_part_of_the_record(client: FlaskClient) -> None:
    page = text_of(client, "/film/illegal-2010", Accept="text/html")
    for expected in ("Illégal", "Illegal", "(2010)", "95 min", "Belgium", "France", "Luxembourg",
                     "Olivier Masset-Depasse", "Anne Coesens", "Tania", "Monsieur Nowak", "Cinematography",
                     "Tommaso Fiorilli", "Art direction", "Jacques-Henri Bronckart", "Versus Production",
                     "Iris Productions", "a mother&#39;s struggle against the State", "youtube.com/embed/UnwI5Fk9Hrg",
                     "Films distribution", "34 rue du Louvre", "75001 Paris", "+33 1 53 10 33 99",
                     "info@filmsdistribution.com", "https://luxprize.eu/movies/2010/ill%C3%A9gal-illegal",
                     "retrieved 2017-11-23", "LUX Prize"):
        assert expected in page, expected


def test_film_page_links_people_and_countries_to_their_pages(client: FlaskClient) -> None:
    page = text_of(client, "/film/illegal-2010", Accept="text/html")
    # links to our own IRIs are path-absolute, so they work from whatever address served the page
    assert 'href="/person/anne-coesens"' in page
    assert 'href="/country/BE"' in page
    assert 'href="/organization/films-distribution"' in page


def test_person_page_lists_every_film_and_role(client: FlaskClient) -> None:
    page = text_of(client, "/person/olivier-masset-depasse", Accept="text/html")
    assert "Illégal (2010)" in page
    assert "Director, Screenplay" in page
    assert "likes to portray headstrong female characters" in page
    actor = text_of(client, "/person/anne-coesens", Accept="text/html")
    assert "Cast (Tania)" in actor


def test_organisation_and_country_pages(client: FlaskClient) -> None:
    org = text_of(client, "/organization/films-distribution", Accept="text/html")
    assert "34 rue du Louvre" in org and "World sales" in org
    country = text_of(client, "/country/BE", Accept="text/html")
    assert "Belgium" in country and "Illégal (2010)" in country


def test_film_document_names_everything_it_links_to(client: FlaskClient) -> None:
    graph = rdflib.Graph().parse(data=text_of(client, "/film/illegal-2010.ttl"), format="turtle")
    film = rdflib.URIRef(f"{BASE}film/illegal-2010")
    linked = {o for p, o in graph.predicate_objects(film) if isinstance(o, rdflib.URIRef) and str(o).startswith(BASE)}
    linked |= {o for role in linked for o in graph.objects(role, SDO.actor) if str(role).startswith(f"{film}#")}
    linked |= {o for role in linked for o in graph.objects(role, SDO.contributor) if str(role).startswith(f"{film}#")}
    agents = {node for node in linked if "#" not in str(node)}
    assert len(agents) > 25
    assert all(graph.value(node, SDO.name) is not None for node in agents), [
        str(n) for n in agents if graph.value(n, SDO.name) is None]


def test_film_document_carries_its_provenance(client: FlaskClient) -> None:
    graph = rdflib.Graph().parse(data=text_of(client, "/film/illegal-2010.nt"), format="nt")
    records = set(graph.subjects(SDO.about, rdflib.URIRef(f"{BASE}film/illegal-2010")))
    assert {str(r) for r in records} == {record_iri("illegal-2010.txt"), record_iri("illegal-2010.yaml"),
                                          record_iri("lux-selection.csv", "illegal-2010")}


@pytest.mark.parametrize(("accept", "media_type"), [
    ("text/turtle;q=0.9, application/ld+json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml, text/html;q=0.5", "application/rdf+xml"),
    ("*/*", "text/html"),
    ("text/*", "text/html"),
])
def test_content_negotiation(client: FlaskClient, accept: str, media_type: str) -> None:
    response = client.get("/film/illegal-2010", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]


def test_unknown_format_parameter_is_406(client: FlaskClient) -> None:
    response = client.get("/film/illegal-2010?format=docx")
    assert response.status_code == 406
    assert "unknown format 'docx'" in response.get_data(as_text=True)


def test_missing_resource_is_404_in_the_shape_the_client_wants(client: FlaskClient) -> None:
    as_json = client.get("/film/no-such-film", headers={"Accept": "application/json"})
    assert as_json.status_code == 404
    assert as_json.get_json()["error"]["status"] == 404
    as_html = client.get("/person/nobody", headers={"Accept": "text/html"})
    assert as_html.status_code == 404 and as_html.mimetype == "text/html"
    plain = client.get("/country/ZZ")
    assert plain.status_code == 404 and plain.mimetype == "text/plain"


def test_post_to_a_resource_is_405_with_allow(client: FlaskClient) -> None:
    response = client.post("/film/illegal-2010")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_head_request_has_no_body(client: FlaskClient) -> None:
    response = client.head("/film/illegal-2010", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.data == b""
    assert response.headers["ETag"]


def test_conditional_request_answers_304(client: FlaskClient) -> None:
    first = client.get("/person/ruben-ostlund", headers={"Accept": "text/turtle"})
    etag = first.headers["ETag"]
    again = client.get("/person/ruben-ostlund", headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304
    since = client.get("/person/ruben-ostlund", headers={"Accept": "text/turtle",
                                                         "If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_a_film_is_last_modified_when_its_newest_record_was_written(client: FlaskClient) -> None:
    import email.utils

    graph = rdflib.Graph().parse(data=text_of(client, "/film/illegal-2010.ttl"), format="turtle")
    stamps = [o.toPython() for record in graph.subjects(SDO.about, rdflib.URIRef(f"{BASE}film/illegal-2010"))
              for o in graph.objects(record, rdflib.URIRef("http://purl.org/dc/terms/modified"))]
    assert stamps
    header = client.get("/film/illegal-2010", headers={"Accept": "text/turtle"}).headers["Last-Modified"]
    assert email.utils.parsedate_to_datetime(header) == max(stamps)


def test_record_iri_dereferences_to_its_graph(client: FlaskClient) -> None:
    path = record_iri("illegal-2010.txt").removeprefix(BASE)
    graph = rdflib.Graph().parse(data=text_of(client, f"/{path}.ttl"), format="turtle")
    assert (rdflib.URIRef(f"{BASE}film/illegal-2010"), SDO.name, rdflib.Literal("Illégal")) in graph
    assert not any(str(s).startswith(f"{BASE}film/") and "illegal" not in str(s) for s in graph.subjects())


def test_films_list_pages_and_item_list(client: FlaskClient) -> None:
    last = text_of(client, "/films?page=3")
    listed = last[last.index('<ol class="list"'):]
    assert listed[:listed.index("</ol>")].count("<li>") == 30  # 130 films, 50 a page
    assert "Page 3 of 3" in last and 'rel="prev"' in last and 'rel="next"' not in last
    start = last.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    data = json.loads(last[start : last.index("</script>", start)])
    assert data["@type"] == "ItemList"
    assert [item["position"] for item in data["itemListElement"]] == list(range(101, 131))


def test_people_list_and_bad_page_number(client: FlaskClient) -> None:
    assert "Page 1 of" in text_of(client, "/people")
    response = client.get("/people?page=abc")  # issue 15: no longer read as page 1
    assert response.status_code == 400 and "page='abc'" in response.get_data(as_text=True)


def test_home_page_shows_the_figures(client: FlaskClient) -> None:
    page = text_of(client, "/")
    assert "<strong>130</strong> films" in page
    assert 'action="/search"' in page


def test_search_is_safe_with_any_text(client: FlaskClient) -> None:
    assert "Ruben Östlund" in text_of(client, "/search?q=%C3%96STLUND")
    hostile = text_of(client, '/search?q="%20}%20.%20?s%20?p%20?o%20}%20%23')
    assert "0 results" in hostile


def test_security_headers_on_html(client: FlaskClient) -> None:
    response = client.get("/film/illegal-2010", headers={"Accept": "text/html"})
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_routes_live_under_the_base_path(tmp_path: Path) -> None:
    base = "https://archive.example.net/lod/"
    store = tmp_path / "store"
    import_into(store, base, DATA / "illegal-2010.txt")
    app = create_app(Settings(store=store, base=base))
    try:
        client = app.test_client()
        assert client.get("/lod/film/illegal-2010").status_code == 200
        assert client.get("/film/illegal-2010").status_code == 404
        assert f"Sitemap: {base}sitemap.xml" in client.get("/lod/robots.txt").get_data(as_text=True)
        assert "Disallow: /lod/sparql" in client.get("/lod/robots.txt").get_data(as_text=True)
    finally:
        close_app(app)


def test_an_import_while_serving_shows_up_when_it_finishes(tmp_path: Path) -> None:
    store = tmp_path / "store"
    import_into(store, BASE, DATA / "illegal-2010.txt")
    app = create_app(Settings(store=store, base=BASE))
    try:
        client = app.test_client()
        assert "<strong>1</strong> films" in client.get("/").get_data(as_text=True)
        assert client.get("/film/lorna-s-silence-2008").status_code == 404
        import_into(store, BASE, DATA / "lux-selection.csv")
        time.sleep(1.1)  # the server looks for a new checkpoint at most once a second
        assert "<strong>130</strong> films" in client.get("/").get_data(as_text=True)
        assert client.get("/film/le-silence-de-lorna-2008").status_code == 200
    finally:
        close_app(app)


def test_a_100_kilobyte_accept_header_is_a_400_not_a_crash(client: FlaskClient) -> None:
    huge = ", ".join(f"application/x-type-{i};q=0.{i % 9 + 1}" for i in range(4000))
    assert len(huge) > 100_000
    response = client.get("/film/illegal-2010", headers={"Accept": huge})
    assert response.status_code == 400
    assert client.get("/film/illegal-2010").status_code == 200


def test_a_ten_megabyte_query_is_a_413(client: FlaskClient) -> None:
    body = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 10_000_000
    response = client.post("/sparql", data=body, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413
