"""The collection's charts (issue 15 point 6) over a real ``lodfilm serve`` and a store imported by the real CLI:
``data/`` and forty films spread over seven decades and a dozen countries, two of them with records that disagree
on their countries.

Each SVG is read by lxml as a program would read it: it must hold no script and nothing to fetch, one bar per year
(or per country shown), bars as long as their counts; its JSON twin's numbers must equal what a SPARQL count over
the same store says, under the same filters as ``/films``; and the pages that show the charts embed them as images
whose URLs carry the page's filters.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import lxml.etree
import lxml.html
import pytest

from tests.conftest import DATA
from tests.test_server import Reply, fetch, free_port, lodfilm, stop

COUNTRIES = ["SE", "DK", "NO", "FI", "IS", "EE", "LV", "LT", "PL", "DE", "NL", "PT"]
SVG = "{http://www.w3.org/2000/svg}"


def films() -> list[dict[str, Any]]:
    """Forty films: years 1955–2019 (some years with several films, most decades with gaps), countries weighted
    towards the start of ``COUNTRIES``; the first two are co-productions."""
    out: list[dict[str, Any]] = []
    for i in range(40):
        year = 1955 + (i * 7) % 65
        countries = [COUNTRIES[(i * i) % len(COUNTRIES) if i % 3 else 0]]
        if i < 2:
            countries.append("IS")
        out.append({"title": f"Chart Film {i}", "year": year, "countries": countries, "directors": [f"Dir {i % 5}"]})
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("charts")
    records = root / "records"
    records.mkdir()
    (records / "charted.json").write_text(json.dumps(films()), encoding="utf-8")
    # a second source for film 0 that names another country: the film counts under each
    (records / "other-source.yaml").write_text(json.dumps(
        {"title": "Chart Film 0", "year": 1955, "countries": ["LT"], "directors": ["Dir 0"]}), encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LODFILM_")}
    store = root / "store"
    imported = subprocess.run(lodfilm("import", "--store", store, "--base", base, "--no-progress", DATA, records),
                              capture_output=True, text=True, env=env, timeout=300)
    assert imported.returncode == 0, imported.stderr
    log = root / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(lodfilm("serve", "--store", store, "--base", base, "--host", "127.0.0.1",
                                           "--port", port), stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"lodfilm serve exited:\n{log.read_text()}"
            try:
                if fetch(base, timeout=5).status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"lodfilm serve did not answer within 60 s:\n{log.read_text()}"
            time.sleep(0.1)
        yield base
    finally:
        stop(process)


def get(base: str, path: str, **params: str | list[str]) -> Reply:
    url = base + path.lstrip("/") + (f"?{urlencode(params, doseq=True)}" if params else "")
    return fetch(url, headers={"Accept": "*/*"})


def numbers(base: str, chart: str, **params: str | list[str]) -> dict[str, Any]:
    reply = get(base, f"/charts/{chart}.json", **params)
    assert reply.status == 200 and reply.media_type == "application/json", reply.body[:300]
    data: dict[str, Any] = json.loads(reply.body)
    return data


def svg(base: str, chart: str, **params: str | list[str]) -> Any:
    reply = get(base, f"/charts/{chart}.svg", **params)
    assert reply.status == 200 and reply.media_type == "image/svg+xml", reply.body[:300]
    return lxml.etree.fromstring(reply.body, parser=lxml.etree.XMLParser(resolve_entities=False, no_network=True))


def bars(root: Any) -> list[Any]:
    """The bars pygal drew: the ``rect`` of each ``g.bar`` (a bar chart) or ``g.histbar`` (a histogram)."""
    return [rect for group in root.iter(f"{SVG}g") if {"bar", "histbar"} & set((group.get("class") or "").split())
            for rect in group.iter(f"{SVG}rect")]


def sparql_counts(base: str, facet: str, where: str = "") -> dict[str, int]:
    """What the SPARQL endpoint says: films per year or per country code, under the pattern ``where``."""
    pattern = {"year": "?film schema:dateCreated ?d . BIND(SUBSTR(STR(?d), 1, 4) AS ?v)",
               "country": "?film schema:countryOfOrigin/schema:identifier ?v ."}[facet]
    query = f"SELECT ?v (COUNT(DISTINCT ?film) AS ?n) WHERE {{ ?film a schema:Movie . {pattern} {where} }} GROUP BY ?v"
    reply = fetch(f"{base}sparql?{urlencode({'query': query})}", headers={"Accept": "application/sparql-results+json"})
    rows = json.loads(reply.body)["results"]["bindings"]
    return {row["v"]["value"]: int(row["n"]["value"]) for row in rows}


def test_the_charts_are_svg_with_no_script_and_nothing_to_fetch(server: str) -> None:
    for chart in ("years", "countries"):
        reply = get(server, f"/charts/{chart}.svg")
        root = svg(server, chart)
        assert root.tag == f"{SVG}svg"
        assert list(root.iter(f"{SVG}script")) == [] and b"<script" not in reply.body
        assert b"javascript:" not in reply.body and b"href" not in reply.body  # no link, no image, no stylesheet
        assert not [e for e in root.iter() if isinstance(e.tag, str) and e.tag.endswith("foreignObject")]
        assert "script-src" not in reply.header("Content-Security-Policy")
        assert reply.header("Content-Security-Policy").startswith("default-src 'none'")
        assert reply.header("X-Content-Type-Options") == "nosniff"
        assert reply.header("ETag") and reply.header("Last-Modified")
        again = fetch(f"{server}charts/{chart}.svg", headers={"If-None-Match": reply.header("ETag")})
        assert again.status == 304


def test_films_per_year_has_one_bar_per_year_and_its_numbers_equal_sparql(server: str) -> None:
    data = numbers(server, "years")
    expected = sparql_counts(server, "year")
    assert {item["value"]: item["count"] for item in data["items"]} == expected
    assert [item["value"] for item in data["items"]] == sorted(expected)  # oldest first
    assert data["values"] == len(expected) > 20
    drawn = bars(svg(server, "years"))
    assert len(drawn) == len(expected)
    # a histogram on a year axis: bars left to right in year order, as tall as their counts
    by_x = sorted(drawn, key=lambda r: float(r.get("x")))
    heights = [float(r.get("height")) for r in by_x]
    counts = [item["count"] for item in data["items"]]
    unit = heights[0] / counts[0]
    assert all(abs(h - c * unit) < 0.5 for h, c in zip(heights, counts, strict=True)), (heights, counts)


def test_countries_are_ranked_bars_labelled_by_name_and_a_coproduction_counts_under_each(server: str) -> None:
    data = numbers(server, "countries")
    expected = sparql_counts(server, "country")
    assert {item["value"]: item["count"] for item in data["items"]} == {
        code: n for code, n in expected.items() if code in {i["value"] for i in data["items"]}}
    ranked = [item["count"] for item in data["items"]]
    assert ranked == sorted(ranked, reverse=True) and data["values"] == len(expected)
    assert len(data["items"]) == min(20, len(expected))
    # film 0: its two records name SE and IS, and LT: it counts under all three
    film0 = sparql_counts(server, "country", '?film schema:name "Chart Film 0" .')
    assert film0 == {"SE": 1, "IS": 1, "LT": 1}
    root = svg(server, "countries")
    drawn = bars(root)
    assert len(drawn) == len(data["items"])
    widths = sorted((float(r.get("width")) for r in drawn), reverse=True)
    unit = widths[0] / ranked[0]
    assert all(abs(w - c * unit) < 0.5 for w, c in zip(widths, ranked, strict=True))
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {"Sweden", "Iceland", "France"} <= texts
    assert {item["label"] for item in data["items"]} <= texts


@pytest.mark.parametrize(("params", "where"), [
    ({"country": "SE"}, '?film schema:countryOfOrigin/schema:identifier "SE" .'),
    ({"decade": "1970s"}, '?film schema:dateCreated ?fd FILTER(SUBSTR(STR(?fd), 1, 3) = "197")'),
    ({"decade": "1980s", "country": "DK"}, '?film schema:dateCreated ?fd FILTER(SUBSTR(STR(?fd), 1, 3) = "198") '
     '?film schema:countryOfOrigin/schema:identifier "DK" .'),
    ({"country": ["SE", "IS"]}, '?film schema:countryOfOrigin/schema:identifier "SE", "IS" .'),
], ids=["country", "decade", "decade-and-country", "two-countries"])
def test_filters_change_the_numbers_and_the_bars_as_on_films(server: str, params: dict[str, Any],
                                                              where: str) -> None:
    whole = numbers(server, "years")
    for chart, facet in (("years", "year"), ("countries", "country")):
        data = numbers(server, chart, **params)
        expected = sparql_counts(server, facet, where)
        shown = {item["value"]: item["count"] for item in data["items"]}
        assert shown == {k: v for k, v in expected.items() if k in shown} and len(shown) == min(20, len(expected))
        assert len(bars(svg(server, chart, **params))) == len(data["items"])
        assert data["filters"] == [{"facet": k, "value": v} for k, vs in params.items()
                                   for v in (vs if isinstance(vs, list) else [vs])]
        listed = json.loads(get(server, "/films.json", **params).body)
        assert data["films"] == listed["total"] < whole["films"]
    assert numbers(server, "years", **params)["items"] != whole["items"]


def test_each_bar_links_to_the_films_behind_it(server: str) -> None:
    data = numbers(server, "countries", decade="1960s")
    for item in data["items"][:3]:
        assert item["films"].startswith("/films?")
        listed = json.loads(fetch(server + item["films"].lstrip("/").replace("films?", "films.json?", 1)).body)
        assert listed["total"] == item["count"]


def test_a_bad_filter_is_a_400_naming_it(server: str) -> None:
    for chart in ("years.svg", "countries.json"):
        reply = get(server, f"/charts/{chart}", year="abc")
        assert reply.status == 400 and "year" in reply.text and "abc" in reply.text
    assert get(server, "/charts/nothing.svg").status == 404


def test_the_home_page_and_films_embed_the_charts_as_images_under_their_filters(server: str) -> None:
    home = lxml.html.document_fromstring(get(server, "/").body)
    assert [img.get("src") for img in home.xpath("//figure[@class='chart']/img")] == [
        "/charts/years.svg", "/charts/countries.svg"]
    reply = fetch(f"{server}films?decade=1970s&country=SE&page=1", headers={"Accept": "text/html"})
    page = lxml.html.document_fromstring(reply.body)
    sources = [img.get("src") for img in page.xpath("//figure[@class='chart']/img")]
    assert sources == ["/charts/years.svg?decade=1970s&country=SE", "/charts/countries.svg?decade=1970s&country=SE"]
    twins = [a.get("href") for a in page.xpath("//figure[@class='chart']//a")]
    assert twins == ["/charts/years.json?decade=1970s&country=SE", "/charts/countries.json?decade=1970s&country=SE"]
    for src in sources + twins:
        assert fetch(server + src.lstrip("/")).status == 200
    assert "img-src 'self'" in reply.header("Content-Security-Policy")
    assert page.xpath("//script[not(@type='application/ld+json')]") == []
    people = lxml.html.document_fromstring(get(server, "/people").body)
    assert people.xpath("//figure[@class='chart']") == []  # charts of films belong on the films' pages


def test_drawing_charts_leaves_failed_imports_as_import_errors() -> None:
    """pygal's map-plugin finder turned every unresolved import into an ImportWarning (an error under ``-W
    error``), which broke bs4's probe for ``cchardet`` in any process that had drawn a chart."""
    code = ("import lodfilm.publish.charts\n"
            "try:\n    import lodfilm_no_such_module\nexcept ImportError:\n    print('ImportError')\n")
    run = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout == "ImportError\n", run.stderr[-500:]
