"""The query page (issue 15 point 5): ``/sparql?query=…`` asked by a browser shows the answer as an HTML table, over
a real ``lodfilm serve`` on 127.0.0.1 and a store imported by the real CLI (``data/`` and one record with a
language-tagged title and markup in its text).

What is checked as a person and as a program would: the table's terms (IRIs linked to their pages, language tags,
datatypes, blank nodes, markup shown as text), the links to the same answer as CSV/TSV/JSON/XML and as
Turtle/N-Triples/JSON-LD (read back by rdflib: the same answer), ASK as yes/no, CONSTRUCT as a table of triples,
errors on the page under the status a program gets, the row cap and time limit said on the page — and that every
client that is not a browser (``*/*``, no Accept, SPARQLWrapper) gets exactly the machine format it got before.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urljoin

import lxml.html
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.query import Result
from SPARQLWrapper import JSON, SPARQLWrapper

from tests.conftest import DATA
from tests.test_server import Reply, fetch, free_port, lodfilm, stop

#: what Chromium sends for a page it navigates to
BROWSER = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
           "application/signed-exchange;v=b3;q=0.7")
MAX_ROWS = 20
MAX_TRIPLES = 10
MARKUP = "<script>alert('x')</script> & <b>bold</b>"
TITLE = f"Nuit {MARKUP}"
ENGLISH_TITLE = "White Night"


def record() -> dict[str, object]:
    return {"title": TITLE, "title_language": "fr", "year": 2004, "runtime_minutes": 101,
            "alternate_titles": [{"text": ENGLISH_TITLE, "language": "en"}],
            "directors": ["Anna Lys"], "countries": ["France"], "synopsis": f"A night. {MARKUP}"}


@dataclass
class Server:
    base: str

    @property
    def sparql(self) -> str:
        return f"{self.base}sparql"

    def query_url(self, query: str, **params: str) -> str:
        return f"{self.sparql}?{urlencode({'query': query, **params})}"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("query-page")
    records = root / "records"
    records.mkdir()
    (records / "night.json").write_text(json.dumps(record(), ensure_ascii=False), encoding="utf-8")
    base = f"http://127.0.0.1:{free_port()}/"
    store = root / "store"
    imported = subprocess.run(lodfilm("import", "--store", store, "--base", base, "--no-progress", DATA, records),
                              capture_output=True, text=True, env=clean_env(), timeout=300)
    assert imported.returncode == 0, imported.stderr
    return store, base


def clean_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LODFILM_")}
    env.update(settings)
    return env


@contextmanager
def serving(store: Path, base: str, log: Path, port: int | None = None, **settings: str) -> Iterator[Server]:
    """``lodfilm serve`` over ``store`` (IRIs minted under ``base``) on ``port`` (by default the base's), polled
    until a query answers."""
    port = port or int(base.rsplit(":", 1)[1].strip("/"))
    address = f"http://127.0.0.1:{port}/"
    with log.open("wb") as out:
        process = subprocess.Popen(
            lodfilm("serve", "--store", store, "--base", base, "--host", "127.0.0.1", "--port", port),
            stdout=out, stderr=subprocess.STDOUT, env=clean_env(**settings))
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"lodfilm serve exited:\n{log.read_text()}"
            try:
                if fetch(f"{address}sparql?query=ASK%7B%7D", timeout=5).status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"lodfilm serve did not answer within 60 s:\n{log.read_text()}"
            time.sleep(0.1)
        yield Server(address)
    finally:
        stop(process)


@pytest.fixture(scope="module")
def server(store: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path, base = store
    with serving(path, base, tmp_path_factory.mktemp("serve") / "serve.log", LODFILM_MAX_ROWS=str(MAX_ROWS),
                 LODFILM_MAX_TRIPLES=str(MAX_TRIPLES), LODFILM_QUERY_TIMEOUT="7") as running:
        yield running


# -- reading the page as a browser gets it -------------------------------------------------------------------


@dataclass
class Page:
    reply: Reply
    doc: lxml.html.HtmlElement
    url: str

    @property
    def table(self) -> list[list[lxml.html.HtmlElement]]:
        return [row.findall("td") for row in self.doc.xpath("//table[@class='results']/tbody/tr")]

    @property
    def header(self) -> list[str]:
        return [th.text_content() for th in self.doc.xpath("//table[@class='results']/thead//th")]

    @property
    def box(self) -> str:
        """The query in the form's textarea, as the browser would submit it."""
        (area,) = self.doc.xpath("//form[@class='query']/textarea[@name='query']")
        return str(area.text or "")

    def text(self, xpath: str) -> str:
        return " ".join(" ".join(e.text_content() for e in self.doc.xpath(xpath)).split())

    def links(self) -> dict[str, str]:
        """The links to the same answer in other formats: label → absolute URL."""
        return {a.text_content(): urljoin(self.url, a.get("href")) for a in self.doc.xpath("//p[@class='formats']/a")}


def page(server: Server, query: str, accept: str = BROWSER, **params: str) -> Page:
    url = server.query_url(query, **params)
    reply = fetch(url, headers={"Accept": accept})
    assert reply.media_type == "text/html", (reply.status, reply.media_type, reply.body[:300])
    return Page(reply, lxml.html.document_fromstring(reply.body), url)


def value(cell: lxml.html.HtmlElement) -> str:
    """The term a cell shows, as a machine format carries it: an IRI in full, a literal's lexical form."""
    if "iri" in cell.get("class", ""):
        link = cell.find("a")  # a prefixed name says its IRI in its title
        return (link.get("title") or link.text_content()) if link is not None else cell.text_content()
    if "literal" in cell.get("class", ""):
        return cell.find("span[@class='value']").text_content()
    return cell.text_content()


def film_iri(server: Server) -> str:
    reply = fetch(server.query_url(f'SELECT ?f WHERE {{ ?f schema:alternateName "{ENGLISH_TITLE}"@en }}'),
                  headers={"Accept": "application/sparql-results+json"})
    (row,) = json.loads(reply.body)["results"]["bindings"]
    return str(row["f"]["value"])


# -- the table -----------------------------------------------------------------------------------------------


def test_a_browser_gets_the_answer_as_a_table_of_terms(server: Server) -> None:
    film = film_iri(server)
    shown = page(server, f"SELECT ?film ?type ?title ?english ?year ?runtime ?none WHERE {{ BIND(<{film}> AS ?film) "
                         "?film a ?type ; schema:name ?title ; schema:alternateName ?english ; "
                         "schema:dateCreated ?year ; schema:duration ?runtime OPTIONAL { ?film schema:genre ?none } }")
    assert shown.reply.status == 200
    assert shown.header == ["?film", "?type", "?title", "?english", "?year", "?runtime", "?none"]
    ((film_cell, type_cell, title, english, year, runtime, none),) = shown.table
    # our own IRI links to its page on this server (path-absolute); another site's IRI is a plain link to it
    assert film_cell.find("a").get("href") == film.removeprefix(server.base.rstrip("/"))
    assert film_cell.find("a").get("href").startswith("/film/")
    assert type_cell.find("a").get("href") == "http://schema.org/Movie"
    assert type_cell.text_content() == "schema:Movie"
    # literals with their language tag or datatype, markup as text
    assert value(title) == TITLE and title.find("span[@class='lang']").text_content() == "@fr"
    assert value(english) == ENGLISH_TITLE and english.find("span[@class='lang']").text_content() == "@en"
    assert value(year) == "2004" and year.find("span[@class='datatype']").text_content() == "xsd:gYear"
    assert year.find("span[@class='datatype']").get("title") == "http://www.w3.org/2001/XMLSchema#gYear"
    assert value(runtime) == "PT1H41M" and runtime.find("span[@class='datatype']").text_content() == "xsd:duration"
    assert none.get("class") == "unbound" and none.text_content() == ""
    assert "1 row." in shown.text("//p[@class='count']")


def test_record_markup_in_an_answer_is_text_and_no_script_reaches_the_page(server: Server) -> None:
    shown = page(server, 'SELECT ?t ?s WHERE { ?f schema:name ?t ; schema:description ?s '
                         'FILTER(CONTAINS(?t, "Nuit")) }')
    ((title, synopsis),) = shown.table
    assert value(title) == TITLE and value(synopsis) == f"A night. {MARKUP}"
    assert shown.doc.xpath("//script") == [] and shown.doc.xpath("//main//b") == []
    assert "<script>alert(&#39;x&#39;)</script>" not in shown.reply.text
    assert "&lt;script&gt;" in shown.reply.text
    assert "script-src" not in shown.reply.header("Content-Security-Policy")  # no script allowed at all
    assert "default-src 'none'" in shown.reply.header("Content-Security-Policy")


def test_blank_nodes_are_marked_and_iris_a_browser_cannot_follow_are_not_links(server: Server) -> None:
    shown = page(server, 'SELECT ?b ?js ?mail WHERE { BIND(BNODE() AS ?b) BIND(IRI("javascript:alert(1)") AS ?js) '
                         'BIND(IRI("mailto:someone@example.org") AS ?mail) }')
    ((blank, js, mail),) = shown.table
    assert blank.get("class") == "bnode" and blank.text_content().startswith("_:")
    assert blank.find("span").get("title") == "a blank node"
    assert js.get("class") == "iri" and js.text_content() == "javascript:alert(1)" and js.find("a") is None
    assert mail.find("a") is None
    assert shown.doc.xpath("//a[starts-with(@href, 'javascript:')]") == []


def test_the_query_stays_in_an_editable_box_that_gets_the_same_page_again(server: Server) -> None:
    query = 'SELECT ?x WHERE { VALUES ?x { "</textarea><b>x</b>" } }'
    shown = page(server, query)
    assert shown.box == query
    (form,) = shown.doc.xpath("//form[@class='query']")
    assert form.get("method") == "get" and form.get("action") == "/sparql"
    # the form's GET is the shareable URL: the same answer again
    again = page(server, shown.box)
    assert [[value(c) for c in row] for row in again.table] == [["</textarea><b>x</b>"]]


RESULT_PARSERS = {"CSV": "csv", "TSV": "tsv", "SPARQL JSON": "json", "SPARQL XML": "xml"}


def test_the_csv_tsv_json_and_xml_links_are_the_same_answer(server: Server) -> None:
    shown = page(server, "SELECT ?film ?title ?year WHERE { ?film a schema:Movie ; schema:name ?title . "
                         "OPTIONAL { ?film schema:dateCreated ?year } } ORDER BY DESC(?year) ?film ?title LIMIT 8")
    table = [[value(c) for c in row] for row in shown.table]
    assert len(table) == 8 and any(row[2] == "" for row in table) and any(row[2] for row in table)
    links = shown.links()
    assert sorted(links) == sorted(RESULT_PARSERS)
    for label, parser in RESULT_PARSERS.items():
        reply = fetch(links[label], headers={"Accept": BROWSER})
        assert reply.status == 200 and reply.media_type != "text/html", (label, reply.media_type)
        result = Result.parse(io.BytesIO(reply.body), format=parser)
        rows = [["" if term is None else str(term) for term in row] for row in result]  # type: ignore[union-attr]
        assert rows == table, label


def test_ask_shows_yes_or_no(server: Server) -> None:
    yes = page(server, "ASK { ?f a schema:Movie }")
    no = page(server, "ASK { ?f a schema:Galaxy }")
    assert yes.text("//p[@class='boolean']") == "Yes" and no.text("//p[@class='boolean']") == "No"
    assert yes.table == []
    reply = fetch(yes.links()["SPARQL JSON"])
    assert json.loads(reply.body)["boolean"] is True


def test_construct_and_describe_show_their_triples_as_a_table_with_links_to_rdf(server: Server) -> None:
    film = film_iri(server)
    query = f"CONSTRUCT {{ <{film}> ?p ?o }} WHERE {{ <{film}> ?p ?o FILTER(isLiteral(?o)) }}"
    shown = page(server, query)
    assert shown.header == ["subject", "predicate", "object"]
    assert sorted(shown.links()) == ["JSON-LD", "N-Triples", "RDF/XML", "Turtle"]
    turtle = rdflib.Graph().parse(data=fetch(shown.links()["Turtle"]).body, format="turtle")
    assert len(shown.table) == len(turtle) > 3
    shown_triples = {tuple(value(c) for c in row) for row in shown.table}
    assert shown_triples == {(str(s), str(p), str(o)) for s, p, o in turtle}
    for label, parser in (("N-Triples", "nt"), ("JSON-LD", "json-ld")):
        assert isomorphic(rdflib.Graph().parse(data=fetch(shown.links()[label]).body, format=parser), turtle), label
    described = page(server, f"DESCRIBE <{film}>")
    assert described.header == ["subject", "predicate", "object"] and described.table
    blank = page(server, 'CONSTRUCT { _:x schema:name "n" } WHERE { }')
    assert [c.get("class") for c in blank.table[0]] == ["bnode", "iri", "literal"]


# -- caps, limits, errors ------------------------------------------------------------------------------------


def test_the_row_cap_and_time_limit_are_said_and_a_cut_answer_says_it_was_cut(server: Server) -> None:
    whole = page(server, "SELECT ?f WHERE { ?f a schema:Movie } LIMIT 3")
    limits = whole.text("//p[@class='limits']")
    assert f"{MAX_ROWS} rows" in limits and f"{MAX_TRIPLES} triples" in limits and "7.0 s" in limits
    assert "LODFILM_MAX_ROWS" in limits
    assert whole.doc.xpath("//p[@class='truncated']") == []
    cut = page(server, "SELECT ?f WHERE { ?f a schema:Movie }")
    assert len(cut.table) == MAX_ROWS
    said = cut.text("//p[@class='truncated']")
    assert f"more than {MAX_ROWS} rows" in said and "LODFILM_MAX_ROWS" in said
    cut_graph = page(server, "CONSTRUCT WHERE { ?s a ?o }")
    assert len(cut_graph.table) == MAX_TRIPLES
    assert f"more than {MAX_TRIPLES} triples" in cut_graph.text("//p[@class='truncated']")
    assert cut_graph.doc.xpath("//p[@class='shown']") == []  # the triple cap (10) is under the row cap (20)


def test_a_graph_longer_than_the_row_cap_shows_its_first_rows_and_says_how_many_there_are(
        store: tuple[Path, str], tmp_path: Path) -> None:
    path, base = store
    with serving(path, base, tmp_path / "serve.log", free_port(), LODFILM_MAX_ROWS="7",
                 LODFILM_MAX_TRIPLES="1000") as running:
        film = film_iri(running)
        shown = page(running, f"DESCRIBE <{film}>")
        whole = rdflib.Graph().parse(data=fetch(shown.links()["N-Triples"]).body, format="nt")
        assert len(shown.table) == 7 < len(whole)
        assert f"{len(whole)} triples" in shown.text("//p[@class='count']")
        assert "shows the first 7" in shown.text("//p[@class='shown']")
        assert shown.doc.xpath("//p[@class='truncated']") == []  # the answer itself is whole


@pytest.mark.parametrize(("query", "status", "said"), [
    ("SELECT ?x WHERE { ?x ", 400, "malformed query"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", 403, "SERVICE is not allowed"),
    ("SELECT * FROM <http://elsewhere.example/g> WHERE { ?s ?p ?o }", 403, "FROM"),
    ("   ", 400, "the query is empty"),
], ids=["syntax", "service", "from", "empty"])
def test_an_error_is_shown_on_the_page_with_the_query_kept_and_the_status_a_program_gets(
        server: Server, query: str, status: int, said: str) -> None:
    shown = page(server, query)
    machine = fetch(server.query_url(query), headers={"Accept": "application/sparql-results+json"})
    assert shown.reply.status == machine.status == status
    assert said in shown.text("//section[@class='failure']")
    assert shown.box == query
    assert shown.table == []


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_the_time_limit_and_a_busy_server_are_shown_on_the_page_with_503(
        store: tuple[Path, str], tmp_path: Path) -> None:
    path, base = store
    with serving(path, base, tmp_path / "serve.log", free_port(), LODFILM_QUERY_TIMEOUT="2", LODFILM_QUERY_WORKERS="1",
                 LODFILM_QUERY_QUEUE="0") as running:
        outcome: dict[str, Page] = {}

        def run_away() -> None:  # again if an ASK below took the one place first
            deadline = time.monotonic() + 20
            while "runaway" not in outcome or ("busy" in outcome["runaway"].text("//section[@class='failure']")
                                               and time.monotonic() < deadline):
                outcome["runaway"] = page(running, RUNAWAY)

        runner = threading.Thread(target=run_away)
        runner.start()
        deadline = time.monotonic() + 20
        busy = page(running, "ASK {}")
        while busy.reply.status == 200 and runner.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)  # until the runaway holds the one place
            busy = page(running, "ASK {}")
        runner.join(30)
        assert busy.reply.status == 503 and busy.reply.header("Retry-After")
        assert "busy" in busy.text("//section[@class='failure']") and busy.box == "ASK {}"
        stopped = outcome["runaway"]
        assert stopped.reply.status == 503 and stopped.reply.header("Retry-After")
        assert "2 s time limit" in stopped.text("//section[@class='failure']") and stopped.box == RUNAWAY


# -- everyone else gets what they got before -----------------------------------------------------------------


@pytest.mark.parametrize(("accept", "media_type"), [
    ("*/*", "application/sparql-results+json"),
    (None, "application/sparql-results+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml, text/html;q=0.9", "application/sparql-results+xml"),
    ("text/csv, */*;q=0.1", "text/csv"),
], ids=["any", "none", "json", "xml-over-html", "csv"])
def test_clients_that_are_not_browsers_keep_their_machine_formats(server: Server, accept: str | None,
                                                                  media_type: str) -> None:
    reply = fetch(server.query_url("SELECT ?f WHERE { ?f a schema:Movie } LIMIT 2"),
                  headers={"Accept": accept} if accept else {})
    assert reply.status == 200 and reply.media_type == media_type


def test_a_format_parameter_still_wins_over_a_browsers_accept(server: Server) -> None:
    reply = fetch(server.query_url("SELECT ?f WHERE { ?f a schema:Movie } LIMIT 2", format="csv"),
                  headers={"Accept": BROWSER})
    assert reply.media_type == "text/csv" and reply.text.splitlines()[0] == "f"
    assert page(server, "ASK {}", accept="*/*", format="html").text("//p[@class='boolean']") == "Yes"


def test_sparqlwrapper_gets_sparql_json_as_before(server: Server) -> None:
    client = SPARQLWrapper(server.sparql)
    client.setQuery("SELECT (COUNT(?f) AS ?n) WHERE { ?f a schema:Movie }")
    client.setReturnFormat(JSON)
    client.setTimeout(30)
    data = client.query().convert()
    assert isinstance(data, dict)
    assert int(data["results"]["bindings"][0]["n"]["value"]) == 131


def test_the_example_queries_run_in_one_click_as_tables(server: Server) -> None:
    form = fetch(server.sparql, headers={"Accept": BROWSER})
    doc = lxml.html.document_fromstring(form.body)
    runs = [a.get("href") for a in doc.xpath("//a[.='Run']")]
    assert len(runs) == 5
    for href in runs:
        reply = fetch(urljoin(server.sparql, href), headers={"Accept": BROWSER})
        assert reply.status == 200 and reply.media_type == "text/html", href
        shown = lxml.html.document_fromstring(reply.body)
        assert shown.xpath("//table[@class='results']/tbody/tr"), href
