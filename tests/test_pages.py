"""What people see on the pages, in-process (Flask's test client over the real app and a real store on disk,
pages read with lxml's HTML parser): no empty sections, no fact twice.

The store holds the bundled ``data/`` and a few records made for what ``data/`` lacks: images (https, http
elsewhere, on this site), an award that is no prize edition, a film with only a title, and hostile text around
emphasis.
"""

from __future__ import annotations

import json
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
