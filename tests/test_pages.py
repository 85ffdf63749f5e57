"""What people see on the pages, in-process (Flask's test client over the real app and a real store on disk,
pages read with lxml's HTML parser): no empty sections, no fact twice, emphasis as emphasis and markup in records
still as text, the film's image, descriptions and OpenGraph tags for link previews, and the favicon.

The store holds the bundled ``data/`` and a few records made for what ``data/`` lacks: images (https, http
elsewhere, on this site), an award that is no prize edition, a film with only a title, and hostile text around
emphasis.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import html as lxml_html
from lxml.html import HtmlElement

from lodfilm import pipeline
from lodfilm.settings import Settings
from lodfilm.store import open_store
from lodfilm.web import close_app, create_app
from lodfilm.web.pages import emphasis, plain, summary
from tests.conftest import DATA

BASE = "http://films.example.org/"
HTTPS_IMAGE = "https://images.example.org/posters/winter-light.jpg"
HTTP_IMAGE = "http://old-archive.example.org/stills/summer.jpg"
OWN_IMAGE = f"{BASE}static/favicon.svg"

RECORDS = [
    {"title": "Winter Light", "year": 1998, "directors": ["Ana Berg"], "countries": ["Sweden"],
     "runtime_minutes": 81, "image": HTTPS_IMAGE, "awards": ["Golden Tulip 1998"],
     "synopsis": "A *quiet* film about **ice** and a <b>bold</b> *<i>claim</i>* & 2*3*4 stays as written.\n\n"
                 "A second paragraph, *too*."},
    {"title": "Summer Still", "year": 1999, "directors": ["Ana Berg"], "image": HTTP_IMAGE},
    {"title": "Own Picture", "year": 2001, "image": OWN_IMAGE},
    {"title": "Only A Title"},
]


def import_into(store_dir: Path, *paths: Path) -> pipeline.Report:
    store = open_store(store_dir)
    try:
        return pipeline.run(list(paths), base=BASE, store=store, progress=False)
    finally:
        store.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    root = tmp_path_factory.mktemp("pages")
    extra = root / "records"
    extra.mkdir()
    (extra / "films.json").write_text(json.dumps(RECORDS, ensure_ascii=False), encoding="utf-8")
    report = import_into(root / "store", DATA, extra)
    assert not report.errors, report.errors
    app = create_app(Settings(store=root / "store", base=BASE))
    yield app
    close_app(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def page(client: FlaskClient, path: str, status: int = 200) -> HtmlElement:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == status, (path, response.status_code)
    assert response.mimetype == "text/html"
    return lxml_html.fromstring(response.get_data(as_text=True))


def visible_text(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())


def meta(doc: HtmlElement) -> dict[str, str]:
    """``<meta name|property=… content=…>`` of a page, by name or property."""
    return {m.get("name") or m.get("property"): m.get("content") for m in doc.xpath("//head/meta[@content]")}


def film_paths(client: FlaskClient) -> list[str]:
    """Every film page of the store, from the ``/films`` pages."""
    paths: list[str] = []
    number = 1
    while True:
        doc = page(client, f"/films?page={number}")
        found = [a.get("href") for a in doc.xpath("//ol[contains(@class, 'list')]//a")]
        paths += found
        if not found or not doc.xpath("//a[@rel='next']"):
            return paths
        number += 1


def empty_parts(doc: HtmlElement) -> list[str]:
    """Sections with a heading and nothing under it, and lists with no entries."""
    empty = []
    for section in doc.xpath("//section"):
        heading = " ".join(section.xpath("./h2//text()")).strip()
        body = [child for child in section if child.tag != "h2"]
        if not any(visible_text(child) for child in body):
            empty.append(f"section {heading!r}")
    for listing in doc.xpath("//dl | //ul | //ol"):
        if not visible_text(listing):
            empty.append(f"<{listing.tag} class={listing.get('class')!r}>")
    return empty


# -- no empty sections -------------------------------------------------------------------------------------------


def test_no_film_page_has_an_empty_section(client: FlaskClient) -> None:
    paths = film_paths(client)
    assert len(paths) == 130 + len(RECORDS)
    found = {path: parts for path in paths if (parts := empty_parts(page(client, path)))}
    assert found == {}


def test_a_film_with_only_a_title_shows_its_title_and_sources_and_nothing_empty(client: FlaskClient) -> None:
    doc = page(client, "/film/only-a-title")
    assert visible_text(doc.xpath("//h1")[0]) == "Only A Title"
    assert [visible_text(h) for h in doc.xpath("//section/h2")] == ["Facts and their sources", "Sources"]
    assert doc.xpath("//dl[contains(@class, 'facts')]") == []


# -- no fact twice -----------------------------------------------------------------------------------------------


def head_facts(doc: HtmlElement) -> list[tuple[str, str]]:
    """(label, value) of the film's main facts, beside its title."""
    facts = doc.xpath("//dl[contains(@class, 'facts')]")
    if not facts:
        return []
    return [(visible_text(dt), visible_text(dt.getnext())) for dt in facts[0].xpath("./dt")]


def test_a_win_is_shown_once_as_the_prize_edition_it_won(client: FlaskClient) -> None:
    facts = head_facts(page(client, "/film/ida-2014"))
    assert [fact for fact in facts if "LUX Prize 2014" in fact[1]] == [("Prize", "LUX Prize 2014 — winner")]


def test_every_winner_of_the_bundled_table_shows_its_win_once(app: Flask, client: FlaskClient) -> None:
    winners = app.extensions["lodfilm"].store.select(
        'SELECT ?film ?award WHERE { ?film schema:award ?award FILTER(STRSTARTS(?award, "LUX Prize")) }')
    assert len(winners) >= 10
    for row in winners:
        rows = [fact for fact in head_facts(page(client, row["film"].removeprefix(BASE[:-1]))) if fact[0] != "Runtime"
                and "LUX Prize" in fact[1]]
        assert rows == [("Prize", f"{row['award']} — winner")], row


def test_an_award_that_is_no_prize_edition_is_still_shown(client: FlaskClient) -> None:
    assert ("Award", "Golden Tulip 1998") in head_facts(page(client, "/film/winter-light-1998"))


def credits(doc: HtmlElement) -> dict[str, list[str]]:
    listing = doc.xpath("//dl[contains(@class, 'credits')]")
    return {visible_text(dt): [visible_text(a) for a in dt.getnext().xpath(".//a")]
            for dt in (listing[0].xpath("./dt") if listing else [])}


def test_a_co_producer_is_credited_once(client: FlaskClient) -> None:
    shown = credits(page(client, "/film/illegal-2010"))
    assert shown["Production"] == ["Versus Production"]
    assert shown["Co-production"] == ["Dharamsala", "Iris Productions", "Prime Time", "RTBF"]


def test_world_sales_are_shown_once_with_their_contact(client: FlaskClient) -> None:
    doc = page(client, "/film/illegal-2010")
    assert "World sales" not in credits(doc)
    contact = doc.xpath("//section[contains(@class, 'contact')]")
    assert len(contact) == 1 and visible_text(contact[0].xpath("./h2")[0]) == "World sales"
    assert "Films distribution" in visible_text(contact[0]) and "34 rue du Louvre" in visible_text(contact[0])
    main = doc.xpath("//main")[0]
    outside_facts = [a for a in main.xpath(".//a[@href='/organization/films-distribution']")
                     if not a.xpath("ancestor::section[contains(@class, 'facts-sources')]")]
    assert len(outside_facts) == 1


def test_the_year_is_in_the_title_not_again_beside_it(client: FlaskClient) -> None:
    doc = page(client, "/film/illegal-2010")
    assert visible_text(doc.xpath("//h1")[0]) == "Illégal (2010)"
    assert [label for label, _ in head_facts(doc)] == ["Directed by", "Countries", "Runtime", "Prize"]


def test_each_source_is_one_entry_however_many_pages_it_cites(client: FlaskClient) -> None:
    doc = page(client, "/film/illegal-2010")
    ids = doc.xpath("//@id")
    assert len(ids) == len(set(ids))
    sources = doc.xpath("//section[contains(@class, 'sources')]/ol/li")
    assert [s.get("id") for s in sources] == ["source-1", "source-2", "source-3"]
    assert len(sources[2].xpath(".//a[@rel='nofollow']")) == 3  # the LUX table's row cites three pages
    for link in doc.xpath("//a[starts-with(@href, '#source-')]"):
        assert link.get("href")[1:] in ids


# -- emphasis ------------------------------------------------------------------------------------------------------


def test_emphasis_in_the_seed_page_shows_as_emphasis(client: FlaskClient) -> None:
    doc = page(client, "/person/olivier-masset-depasse")
    assert [em.text for em in doc.xpath("//main//em")] == ["Chambre froide", "Dans l'ombre", "Cages"]
    assert "*" not in visible_text(doc.xpath("//main")[0])


def test_emphasis_comes_after_escaping_so_markup_stays_text(client: FlaskClient) -> None:
    doc = page(client, "/film/winter-light-1998")
    synopsis = doc.xpath("//section[contains(@class, 'synopsis')]")[0]
    paragraphs = synopsis.xpath("./p")
    assert len(paragraphs) == 2
    assert [(e.tag, e.text_content()) for e in paragraphs[0].iterdescendants()] == [
        ("em", "quiet"), ("strong", "ice"), ("em", "<i>claim</i>")]
    assert visible_text(paragraphs[0]) == ("A quiet film about ice and a <b>bold</b> <i>claim</i> & 2*3*4 stays as "
                                           "written.")
    assert [e.text for e in paragraphs[1]] == ["too"]


@pytest.mark.parametrize(("text", "shown"), [
    ("*a*", "<em>a</em>"),
    ("**a b**", "<strong>a b</strong>"),
    ("*<script>x</script>*", "<em>&lt;script&gt;x&lt;/script&gt;</em>"),
    ('*"q" & \'s\'*', "<em>&#34;q&#34; &amp; &#39;s&#39;</em>"),
    ("2*3*4", "2*3*4"),
    ("* a list item", "* a list item"),
    ("a * b * c", "a * b * c"),
    ("*open only", "*open only"),
    ("*two\nlines*", "*two\nlines*"),
    ("***", "***"),
])
def test_emphasis_reads_only_asterisks_around_text(text: str, shown: str) -> None:
    assert str(emphasis(text)) == shown


def test_descriptions_are_plain_and_short() -> None:
    assert plain("His *Cages* (2006)\n was  seen.") == "His Cages (2006) was seen."
    long = "One sentence here. " * 30
    assert summary(long) == ("One sentence here. " * 10).strip()
    assert len(summary("x" * 500)) <= 200


# -- the film's image ----------------------------------------------------------------------------------------------


def film_image(doc: HtmlElement) -> list[tuple[str, str]]:
    return [(img.get("src"), img.get("alt")) for img in doc.xpath("//main//figure[contains(@class, 'film-image')]/img")]


def test_a_film_page_shows_the_films_image_with_alt_text(client: FlaskClient) -> None:
    doc = page(client, "/film/winter-light-1998")
    assert film_image(doc) == [(HTTPS_IMAGE, "Image of Winter Light (1998)")]
    assert meta(doc)["og:image"] == HTTPS_IMAGE
    assert meta(doc)["og:image:alt"] == "Image of Winter Light (1998)"


def test_an_image_on_this_site_is_linked_path_absolute(client: FlaskClient) -> None:
    doc = page(client, "/film/own-picture-2001")
    assert film_image(doc) == [("/static/favicon.svg", "Image of Own Picture (2001)")]
    assert meta(doc)["og:image"] == OWN_IMAGE


def test_an_http_image_elsewhere_is_a_link_not_an_image_the_csp_would_block(client: FlaskClient) -> None:
    doc = page(client, "/film/summer-still-1999")
    assert film_image(doc) == [] and doc.xpath("//img[@src=$u]", u=HTTP_IMAGE) == []
    assert doc.xpath("//section[contains(@class, 'facts-sources')]//a[@href=$u]", u=HTTP_IMAGE)
    assert meta(doc)["og:image"] == HTTP_IMAGE  # a link preview fetches it itself


def test_a_film_without_an_image_has_no_image(client: FlaskClient) -> None:
    doc = page(client, "/film/illegal-2010")
    assert film_image(doc) == [] and "og:image" not in meta(doc)


# -- description and OpenGraph -------------------------------------------------------------------------------------


def test_a_film_page_carries_a_description_and_opengraph_tags(client: FlaskClient) -> None:
    tags = meta(page(client, "/film/illegal-2010"))
    assert tags["og:title"] == "Illégal (2010)"
    assert tags["og:type"] == "video.movie"
    assert tags["og:url"] == f"{BASE}film/illegal-2010"
    assert tags["og:site_name"] == "lodfilm"
    assert tags["description"] == tags["og:description"]
    assert tags["description"].startswith(
        "Illégal (2010): a film by Olivier Masset-Depasse; Belgium, France, Luxembourg; 95 min. Tania, a 39-year-old")
    assert len(tags["description"]) <= 300
    assert tags["video:director"] == f"{BASE}person/olivier-masset-depasse"
    assert tags["video:duration"] == "5700"


def test_a_description_drops_emphasis_marks_and_keeps_markup_as_text(client: FlaskClient) -> None:
    tags = meta(page(client, "/film/winter-light-1998"))
    assert tags["description"] == ("Winter Light (1998): a film by Ana Berg; Sweden; 81 min. A quiet film about ice "
                                   "and a <b>bold</b> <i>claim</i> & 2*3*4 stays as written. A second paragraph, too.")


@pytest.mark.parametrize("path", ["/", "/films", "/people", "/search?q=ida", "/sparql", "/dumps/",
                                  "/person/olivier-masset-depasse", "/country/BE", "/award/lux-prize-2010",
                                  "/organization/films-distribution", "/film/only-a-title"])
def test_every_page_carries_a_description_and_opengraph_tags(client: FlaskClient, path: str) -> None:
    tags = meta(page(client, path))
    for name in ("description", "og:title", "og:type", "og:url", "og:description", "og:site_name"):
        assert tags.get(name), (path, name)
    assert tags["og:url"] == BASE + path.lstrip("/")
    assert tags["og:type"] == ("video.movie" if path.startswith("/film/") else "website")


def test_the_home_page_describes_the_collection(client: FlaskClient) -> None:
    tags = meta(page(client, "/"))
    assert tags["description"].startswith(f"lodfilm: {130 + len(RECORDS)} films, ")


def test_a_person_page_is_described_by_the_persons_description(client: FlaskClient) -> None:
    tags = meta(page(client, "/person/olivier-masset-depasse"))
    assert tags["description"].startswith("Olivier Masset-Depasse: Olivier Masset-Depasse likes to portray headstrong "
                                          "female characters right from his first short films Chambre froide (2000)")


def test_an_error_page_carries_them_too(client: FlaskClient) -> None:
    tags = meta(page(client, "/film/no-such-film", status=404))
    assert tags["og:title"].startswith("404") and tags["og:url"] == f"{BASE}film/no-such-film"


# -- favicon ---------------------------------------------------------------------------------------------------------


def test_every_page_links_a_favicon_that_is_served(client: FlaskClient) -> None:
    for path in ("/", "/film/illegal-2010", "/sparql"):
        icons = page(client, path).xpath("//head/link[@rel='icon']")
        assert [(i.get("type"), i.get("href")) for i in icons] == [("image/svg+xml", "/static/favicon.svg")]
    for path in ("/static/favicon.svg", "/favicon.ico"):
        with client.get(path) as response:  # a file sent: closed when read
            assert response.status_code == 200 and response.mimetype == "image/svg+xml", path
            assert ET.fromstring(response.get_data()).tag == "{http://www.w3.org/2000/svg}svg"


def test_the_favicon_lives_under_the_base_path(tmp_path: Path) -> None:
    base = "https://archive.example.net/lod/"
    store = open_store(tmp_path / "store")
    try:
        assert not pipeline.run([DATA / "illegal-2010.txt"], base=base, store=store, progress=False).errors
    finally:
        store.close()
    app = create_app(Settings(store=tmp_path / "store", base=base))
    try:
        client = app.test_client()
        doc = lxml_html.fromstring(client.get("/lod/film/illegal-2010").get_data(as_text=True))
        assert doc.xpath("//head/link[@rel='icon']/@href") == ["/lod/static/favicon.svg"]
        with client.get("/lod/static/favicon.svg") as response:
            assert response.status_code == 200
        assert meta(doc)["og:url"] == f"{base}film/illegal-2010"
    finally:
        close_app(app)
