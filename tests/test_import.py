"""Importing into the embedded store: the three input forms agree, re-imports are idempotent, corrected records
replace their old facts, and dumps re-parse to the stored triples."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from lodfilm.iris import file_key
from lodfilm.store.base import RecordWrite
from lodfilm.store.embedded import EmbeddedStore, new_records
from tests.conftest import (
    BASE,
    LUX_TABLE,
    LUX_TABLES,
    SEED_PAGE,
    SEED_YAML,
    SHARED_LUX_TABLE,
    Cli,
    ask,
    default_graph,
    imported_store,
    select,
)


def stats(cli: Cli, store: Path) -> dict[str, int]:
    result = cli("stats", "--store", store, "--json")
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def dump_graph(cli: Cli, store: Path, fmt: str = "nt") -> rdflib.Graph:
    result = cli("dump", "--store", store, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    return parse_rdf(result.stdout_bytes, fmt)


def parse_rdf(data: bytes, fmt: str) -> rdflib.Graph:
    """Parse with rdflib; JSON-LD goes through a Dataset (rdflib's JSON-LD parser into a plain Graph warns)."""
    graph = rdflib.Graph()
    if fmt == "jsonld":
        dataset = rdflib.Dataset()
        dataset.parse(data=data, format="json-ld")
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            graph.add((s, p, o))
        return graph
    graph.parse(data=data, format={"nt": "nt", "ttl": "turtle"}[fmt])
    return graph


def without_records(graph: rdflib.Graph) -> set[tuple[rdflib.term.Node, ...]]:
    """The facts about films, people… without the record (provenance) nodes, which name their own file."""
    record = f"{BASE}record/"
    return {t for t in graph if not str(t[0]).startswith(record)}


def test_yaml_form_of_the_seed_gives_the_same_graph_as_the_page(cli: Cli, tmp_path: Path) -> None:
    page_store, yaml_store = tmp_path / "page", tmp_path / "yaml"
    assert cli("import", "--store", page_store, "--base", BASE, SEED_PAGE).exit_code == 0
    assert cli("import", "--store", yaml_store, "--base", BASE, SEED_YAML).exit_code == 0
    from_page = without_records(dump_graph(cli, page_store))
    from_yaml = without_records(dump_graph(cli, yaml_store))
    assert len(from_page) > 150
    assert from_page == from_yaml


@pytest.mark.parametrize("table", list(LUX_TABLES.values()), ids=list(LUX_TABLES))
def test_lux_table_imports_whole(cli: Cli, store_dir: Path, table: Path) -> None:
    result = cli("import", "--store", store_dir, "--base", BASE, table)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == ""
    assert stats(cli, store_dir)["films"] == 130


@pytest.fixture(scope="module")
def lux_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_store(tmp_path_factory, "lux", BASE, SHARED_LUX_TABLE)


def test_lux_co_directors_are_split(cli: Cli, lux_store: Path) -> None:
    rows = select(cli, lux_store, 'SELECT ?name WHERE { ?f schema:name "Le Silence de Lorna" ; schema:director ?p . '
                                  "?p schema:name ?name } ORDER BY ?name")
    assert [r["name"] for r in rows] == ["Jean-Pierre Dardenne", "Luc Dardenne"]


def test_lux_returning_director_is_one_person(cli: Cli, lux_store: Path) -> None:
    rows = select(cli, lux_store, 'SELECT ?p (COUNT(DISTINCT ?f) AS ?films) WHERE { ?f schema:director ?p . '
                                  '?p schema:name "Ruben Östlund" } GROUP BY ?p')
    assert rows == [{"p": f"{BASE}person/ruben-ostlund", "films": "2"}]


def test_lux_returning_directors_counted_once_per_film(cli: Cli, lux_store: Path) -> None:
    """COUNT without DISTINCT must not see a triple twice because two records state it."""
    rows = select(cli, lux_store, "SELECT ?name (COUNT(?f) AS ?n) WHERE { ?f schema:director ?p . "
                                  "?p schema:name ?name } GROUP BY ?name HAVING (COUNT(?f) > 1) ORDER BY ?name")
    assert {r["name"] for r in rows} >= {"Ruben Östlund", "Aki Kaurismäki", "Jonas Carpignano", "Alice Rohrwacher",
                                          "Arash T. Riahi", "Kornél Mundruczó", "Tobias Lindholm",
                                          "Kristina Grozeva", "Petar Valchanov"}
    assert {r["n"] for r in rows} == {"2"}


def test_lux_english_title_kept_beside_the_original(cli: Cli, lux_store: Path) -> None:
    assert ask(cli, lux_store, 'ASK { ?f schema:name "Le Silence de Lorna" ; '
                               'schema:alternateName "Lorna\'s Silence"@en }')
    assert ask(cli, lux_store, 'ASK { ?f schema:name "Светът е голям и спасение дебне отвсякъде" ; '
                               'schema:alternateName "The World Is Big and Salvation Lurks Around the Corner"@en }')


def test_lux_title_with_comma_is_one_title(cli: Cli, lux_store: Path) -> None:
    assert ask(cli, lux_store, 'ASK { ?f schema:name "4 luni, 3 săptămâni şi 2 zile" ; '
                               'schema:alternateName "4 Months, 3 Weeks and 2 Days"@en }')


def test_lux_sources_are_kept(cli: Cli, lux_store: Path) -> None:
    rows = select(cli, lux_store, 'SELECT ?page WHERE { ?f schema:name "Auf der anderen Seite" ; '
                                  "schema:subjectOf ?page . ?page a schema:WebPage }")
    assert len(rows) == 2


def test_lux_winner_gets_award_and_others_do_not(cli: Cli, lux_store: Path) -> None:
    assert ask(cli, lux_store, 'ASK { ?f schema:name "Auf der anderen Seite" ; schema:award "LUX Prize 2007" }')
    rows = select(cli, lux_store, "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f schema:award ?a }")
    assert rows == [{"n": "13"}]


def test_seed_page_and_lux_row_are_one_film(cli: Cli, store_dir: Path) -> None:
    result = cli("import", "--store", store_dir, "--base", BASE, SEED_PAGE, SHARED_LUX_TABLE)
    assert result.exit_code == 0, result.stderr
    assert stats(cli, store_dir)["films"] == 130
    rows = select(cli, store_dir, 'SELECT DISTINCT ?f WHERE { ?f schema:name "Illégal" }')
    assert rows == [{"f": f"{BASE}film/illegal-2010"}]


def test_bundled_data_folder_shows_the_lux_films_and_the_seed(cli: Cli, store_dir: Path) -> None:
    result = cli("import", "--store", store_dir, "--base", BASE, SEED_PAGE.parent)
    assert result.exit_code == 0, result.stderr
    figures = stats(cli, store_dir)
    assert figures["films"] == 130
    assert figures["records"] == 132  # the page, its YAML twin and 130 rows


def test_importing_twice_changes_nothing(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    assert cli("import", "--store", store_dir, "--base", BASE, SEED_PAGE, LUX_TABLE).exit_code == 0
    first = cli("dump", "--store", store_dir, "--format", "nq").stdout_bytes
    again = cli("import", "--store", store_dir, "--base", BASE, SEED_PAGE, LUX_TABLE)
    assert again.exit_code == 0
    assert "0 stored, 131 unchanged, 0 rejected" in again.stdout
    assert cli("dump", "--store", store_dir, "--format", "nq").stdout_bytes == first


def write_yaml(path: Path, **changes: object) -> Path:
    import yaml

    record = yaml.safe_load(SEED_YAML.read_text(encoding="utf-8"))
    record.update(changes)
    path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    return path


def test_corrected_record_replaces_old_facts_and_leaves_none_stale(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    record = write_yaml(tmp_path / "illegal.yaml")
    assert cli("import", "--store", store_dir, "--base", BASE, record).exit_code == 0
    assert ask(cli, store_dir, 'ASK { ?p schema:name "Tomasz Bialkowski" }')

    import yaml

    data = yaml.safe_load(record.read_text(encoding="utf-8"))
    write_yaml(record, runtime_minutes=96, cast=data["cast"][:-1], music=["Lingo"])
    result = cli("import", "--store", store_dir, "--base", BASE, record)
    assert result.exit_code == 0, result.stderr
    assert "1 stored" in result.stdout
    f = f"<{BASE}film/illegal-2010>"
    assert ask(cli, store_dir, f'ASK {{ {f} schema:duration ?d FILTER(?d = "PT96M"^^xsd:duration) }}')
    assert not ask(cli, store_dir, f'ASK {{ {f} schema:duration ?d FILTER(?d = "PT95M"^^xsd:duration) }}')
    assert not ask(cli, store_dir, 'ASK { ?p schema:name "Tomasz Bialkowski" }')
    assert not ask(cli, store_dir, 'ASK { ?p schema:name "Marc Mergen" }')
    assert select(cli, store_dir, f"SELECT (COUNT(*) AS ?n) WHERE {{ {f} schema:actor ?r }}") == [{"n": "6"}]


def test_corrected_title_in_a_record_file_leaves_no_old_film(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    record = write_yaml(tmp_path / "illegal.yaml", title="Illegal")
    assert cli("import", "--store", store_dir, "--base", BASE, record).exit_code == 0
    write_yaml(record, title="Illégal")
    assert cli("import", "--store", store_dir, "--base", BASE, record).exit_code == 0
    rows = select(cli, store_dir, "SELECT ?name WHERE { ?f a schema:Movie ; schema:name ?name }")
    assert rows == [{"name": "Illégal"}]


def test_row_removed_from_a_table_leaves_the_store(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    table = tmp_path / "lux-selection.csv"
    shutil.copy(LUX_TABLE, table)
    assert cli("import", "--store", store_dir, "--base", BASE, table).exit_code == 0
    lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
    table.write_text("".join(line for line in lines if "Illégal" not in line), encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, table)
    assert result.exit_code == 0
    assert "1 removed" in result.stdout
    assert stats(cli, store_dir)["films"] == 129
    assert not ask(cli, store_dir, 'ASK { ?f schema:name "Illégal" }')


def test_a_table_with_a_rejected_row_keeps_its_removed_rows(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    """Records leave with their rows only when every row of the file is accepted: a rejected row's old version,
    and rows that are gone, stay until the file imports cleanly."""
    table = tmp_path / "lux-selection.csv"
    shutil.copy(LUX_TABLE, table)
    assert cli("import", "--store", store_dir, "--base", BASE, table).exit_code == 0
    lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if "Illégal" not in line]
    broken = next(i for i, line in enumerate(kept) if "The Edge of Heaven" in line)
    kept[broken] = kept[broken].replace("Germany | Turkey", "Narnia")
    table.write_text("".join(kept), encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, table)
    assert result.exit_code == 1 and "unknown country 'Narnia'" in result.stderr
    assert "removed" not in result.stdout
    assert stats(cli, store_dir)["films"] == 130
    assert ask(cli, store_dir, 'ASK { ?f schema:name "Illégal" }')
    assert ask(cli, store_dir, 'ASK { ?f schema:name "Auf der anderen Seite" ; schema:countryOfOrigin ?c }')


def test_a_film_stated_by_two_records_keeps_facts_when_one_goes(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    """The merged graph keeps a triple as long as any record states it."""
    table = tmp_path / "lux-selection.csv"
    shutil.copy(LUX_TABLE, table)
    assert cli("import", "--store", store_dir, "--base", BASE, SEED_PAGE, table).exit_code == 0
    table.write_text("".join(line for line in LUX_TABLE.read_text(encoding="utf-8").splitlines(keepends=True)
                             if "Illégal" not in line), encoding="utf-8")
    assert cli("import", "--store", store_dir, "--base", BASE, table).exit_code == 0
    f = f"<{BASE}film/illegal-2010>"
    assert ask(cli, store_dir, f'ASK {{ {f} schema:name "Illégal" ; schema:countryOfOrigin ?c }}')
    assert select(cli, store_dir, f"SELECT (COUNT(*) AS ?n) WHERE {{ {f} schema:director ?d }}") == [{"n": "1"}]


SHARED = f'<{BASE}country/fr> <http://schema.org/name> "France" .'


def record(name: str, *lines: str) -> RecordWrite:
    return RecordWrite(f"{BASE}record/{name}", frozenset(lines), replaces=False)


def test_new_records_state_each_triple_in_their_graph_and_once_in_the_merge() -> None:
    a = record("a", SHARED, f'<{BASE}film/a> <http://schema.org/name> "A ." .')  # a literal ending " ."
    b = record("b", SHARED, f"<{BASE}film/b> <http://schema.org/name> \"B\\nline two\" .")
    quads = list(ox.parse(new_records([a, b]), format=ox.RdfFormat.N_QUADS))
    by_graph: dict[str, list[str]] = {}
    for q in quads:
        graph = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else "default"
        by_graph.setdefault(graph, []).append(f"{q.subject} {q.predicate} {q.object} .")
    assert sorted(by_graph[a.graph]) == sorted(a.triples) and sorted(by_graph[b.graph]) == sorted(b.triples)
    assert sorted(by_graph["default"]) == sorted(a.triples | b.triples)  # the shared triple once


def test_a_triple_loaded_dropped_and_stated_again_is_in_the_merge(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    try:
        store.write([record("a", SHARED)])
        store.write([], drops=[f"{BASE}record/a"])
        assert SHARED not in default_graph(store)
        store.write([record("c", SHARED, f'<{BASE}film/c> <http://schema.org/name> "C" .')])
        assert SHARED in default_graph(store)
    finally:
        store.close()


def test_a_triple_two_new_records_state_stays_when_one_goes(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    try:
        store.write([record("a", SHARED)])
        store.write([record("b", SHARED)])
        store.write([], drops=[f"{BASE}record/a"])
        assert SHARED in default_graph(store)
        assert store.record_triples(f"{BASE}record/b") == {SHARED}
    finally:
        store.close()


@pytest.mark.parametrize("fmt", ["nt", "ttl", "jsonld"])
def test_dump_reparses_to_the_stored_triples(cli: Cli, store_dir: Path, fmt: str) -> None:
    assert cli("import", "--store", store_dir, "--base", BASE, SEED_PAGE, LUX_TABLE).exit_code == 0
    construct = cli("query", "--store", store_dir, "--format", "nt", "CONSTRUCT WHERE { ?s ?p ?o }")
    stored = rdflib.Graph().parse(data=construct.stdout_bytes, format="nt")
    dumped = dump_graph(cli, store_dir, fmt)
    assert len(stored) == stats(cli, store_dir)["triples"] > 2000
    assert set(dumped) == set(stored)


def test_nquads_dump_keeps_each_record_graph(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    assert cli("import", "--store", store_dir, "--base", BASE, SEED_PAGE, LUX_TABLE).exit_code == 0
    out = tmp_path / "dump.nq.gz"
    result = cli("dump", "--store", store_dir, "--format", "nq", "--output", out)
    assert result.exit_code == 0
    import gzip

    dataset = rdflib.Dataset()
    dataset.parse(data=gzip.decompress(out.read_bytes()), format="nquads")
    graphs = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert f"{BASE}record/{file_key(SEED_PAGE.resolve())}" in graphs
    assert f"{BASE}record/{file_key(LUX_TABLE.resolve())}/illegal-2010" in graphs
    assert len(graphs) == 131
    union = {(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None))}
    assert union == set(dump_graph(cli, store_dir))


def test_store_in_use_by_another_process_is_a_clear_error(cli: Cli, store_dir: Path) -> None:
    (store_dir / "db").mkdir(parents=True)
    holder = ox.Store(str(store_dir / "db"))
    try:
        import subprocess
        import sys

        done = subprocess.run([sys.executable, "-m", "lodfilm", "import", "--store", str(store_dir), str(SEED_PAGE)],
                              capture_output=True, text=True, timeout=60)
    finally:
        del holder
    assert done.returncode == 4
    assert "in use by another lodfilm process" in done.stderr
    assert "Traceback" not in done.stderr


def test_identifiers_decide_identity_before_names(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "films.yaml").write_text(
        """
- title: One
  year: 2001
  directors: [{name: Jan Novák, wikidata: Q1001}]
- title: Two
  year: 2002
  directors: [{name: Jan Novák, wikidata: Q2002}]
- title: Three
  year: 2003
  directors: [{name: Jan Novak, wikidata: Q1001}]
""",
        encoding="utf-8",
    )
    result = cli("import", "--store", store_dir, "--base", BASE, tmp_path / "films.yaml")
    assert result.exit_code == 0, result.stderr
    rows = select(cli, store_dir, "SELECT ?t ?p WHERE { ?f schema:name ?t ; schema:director ?p } ORDER BY ?t")
    by_title = {r["t"]: r["p"] for r in rows}
    assert by_title["One"] == by_title["Three"]
    assert by_title["One"] != by_title["Two"]
    assert ask(cli, store_dir, f"ASK {{ <{by_title['Two']}> schema:sameAs <http://www.wikidata.org/entity/Q2002> }}")


def test_queries_read_the_last_finished_import_while_another_import_writes(cli: Cli, store_dir: Path) -> None:
    assert cli("import", "--store", store_dir, "--base", BASE, SEED_PAGE).exit_code == 0
    writer = ox.Store(str(store_dir / "db"))  # an import in progress holds the database
    try:
        writer.update(f'INSERT DATA {{ GRAPH <{BASE}record/x> {{ <{BASE}film/x> a <http://schema.org/Movie> }} }}')
        assert stats(cli, store_dir)["films"] == 1
    finally:
        del writer


@pytest.mark.parametrize("spill_after", [None, 5], ids=["held", "spilled"])
def test_a_file_whose_sources_pass_a_load_goes_in_by_pieces_and_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      spill_after: int | None) -> None:
    """A table's settled sources are bulk-loaded LOG_LOAD_LINES at a time after the records (a 60,000-row file's in
    one load held 60 MB more): every record, its event and its source land, and the next import skips the file.
    Spilled: the file's source lines were written to a temporary file as they were made, and read from it."""
    from lodfilm import changelog, pipeline
    from lodfilm.importing import events, spill
    from lodfilm.store import embedded

    monkeypatch.setattr(embedded, "LOG_LOAD_LINES", 7)
    made: list[spill.SpilledLines] = []
    if spill_after is not None:
        def spilled_lines() -> spill.SpilledLines:
            made.append(spill.SpilledLines(limit=spill_after))
            return made[-1]
        monkeypatch.setattr(events, "SpilledLines", spilled_lines)
    table = tmp_path / "films.csv"
    table.write_text("title,year,directors\n" + "".join(f"Film {n},{1950 + n},Director {n}\n" for n in range(40)),
                     encoding="utf-8")
    loads: list[bool] = []  # whether each bulk load was given a piece (bytes) rather than the journal's path

    class Counted:
        def __init__(self, inner: ox.Store) -> None:
            self.inner = inner

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

        def bulk_load(self, data: bytes | None = None, **options: object) -> None:
            loads.append(data is not None)
            self.inner.bulk_load(data, **options)

    store = EmbeddedStore(tmp_path / "store")
    store._store = Counted(store._store)  # type: ignore[assignment]
    try:
        report = pipeline.run([table], base=BASE, store=store, progress=False, workers=1)
        assert (report.written, report.rejected) == (40, 0)
        assert sum(loads) > 40 // 7  # the file's 40 sources went in by pieces
        log = ox.NamedNode(f"{embedded.LOG_GRAPH}")
        sources = [q for q in store._store.quads_for_pattern(None, None, None, log)
                   if q.predicate.value == f"{changelog.NS}source"]
        assert len(sources) == 40
        if spill_after is not None:  # the file's 40 lines were one SpilledLines, and it had gone to its file
            assert [len(lines) for lines in made if lines.spilled] == [40]
        again = pipeline.run([table], base=BASE, store=store, progress=False, workers=1)
        assert (again.skipped, again.written) == (40, 0)
    finally:
        store.close()
