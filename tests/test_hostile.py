"""Markup and ``</script>`` in every text field of a record: stored as text, shown as text, never run."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import extruct
import pytest
from flask import Flask

from lodfilm import pipeline
from lodfilm.settings import Settings
from lodfilm.store import open_store
from lodfilm.web import close_app, create_app

BASE = "http://films.example.org/"
EVIL = '</script><script>alert(1)</script><b>x</b><!-- "q" & \'a\''


def record() -> dict[str, object]:
    def e(text: str) -> str:
        return f"{text} {EVIL}"

    return {
        "title": e("Title"),
        "alternate_titles": [{"text": e("Other"), "language": "en"}],
        "year": 2012,
        "directors": [{"name": e("Director"), "description": e("Biography")}],
        "countries": ["Belgium"],
        "synopsis": e("Synopsis"),
        "screenplay": [e("Writer")],
        "music": [e("Composer")],
        "producers": [e("Producer")],
        "production_companies": [e("Company")],
        "coproduction_companies": [e("Partner")],
        "cast": [{"name": e("Actor"), "character": e("Character")}],
        "crew": [{"role": e("Role"), "name": e("Crew member")}],
        "world_sales": [{"name": e("Sales"), "telephone": e("+1"), "fax": e("+2"),
                         "address": {"street": e("Street"), "locality": e("Town"), "postal_code": e("1000")}}],
        "selections": [{"prize": e("Prize"), "year": 2012, "status": "winner"}],
    }


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "hostile.json").write_text(json.dumps(record()), encoding="utf-8")
    store = open_store(folder / "store")
    try:
        report = pipeline.run([folder / "hostile.json"], base=BASE, store=store, progress=False)
    finally:
        store.close()
    assert report.errors == [] and report.written == 1
    app = create_app(Settings(store=folder / "store", base=BASE))
    yield app
    close_app(app)


def pages(app: Flask) -> list[str]:
    """Every HTML page the hostile record makes: the film, its people, organisations, prize edition."""
    site = app.extensions["lodfilm"]
    iris = [row["s"] for row in site.store.select("SELECT DISTINCT ?s WHERE { ?s a ?t FILTER(!CONTAINS(STR(?s), '#')) "
                                                   "FILTER(STRSTARTS(STR(?s), «base»)) }", base=BASE)]
    assert len(iris) >= 12
    client = app.test_client()
    out = []
    for iri in iris:
        response = client.get(iri.removeprefix(BASE.rstrip("/")), headers={"Accept": "text/html"})
        assert response.status_code == 200, iri
        out.append(response.get_data(as_text=True))
    return out


def test_no_page_lets_record_text_become_markup(app: Flask) -> None:
    for html in pages(app):
        assert "<b>x</b>" not in html
        assert "<script>alert(1)" not in html
        assert "<!--" not in html
        assert html.count("</script>") == len(re.findall(r"<script[ >]", html))
        assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html  # the text is there, escaped


def test_embedded_json_ld_carries_the_exact_text(app: Flask) -> None:
    html = app.test_client().get("/film/title-script-script-alert-1-script-b-x-b-q-a-2012",
                                 headers={"Accept": "text/html"})
    assert html.status_code == 200
    data = extruct.extract(html.get_data(as_text=True), syntaxes=["json-ld"])["json-ld"]
    movie = next(d for d in data if d.get("@type") == "Movie")
    assert movie["name"] == f"Title {EVIL}"
    assert movie["description"] == f"Synopsis {EVIL}"
    assert movie["actor"]["characterName"] == f"Character {EVIL}"
