"""The index (``lodfilm/index``) built from real stores: facet counts agree with SPARQL over the same store, a
value two records of a film disagree on is marked, search folds accents and case, takes prefixes, ranks and pages,
hostile text is only text, the index of a new checkpoint follows a re-import, and a SPARQL server's data gives the
same index as the embedded store's."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from lodfilm import index as ix
from lodfilm.cli import main
from lodfilm.errors import UsageError
from lodfilm.index.fold import match_expression
from lodfilm.settings import Settings
from lodfilm.store.embedded import EmbeddedStore
from lodfilm.store.remote import RemoteStore
from tests.conftest import DATA

BASE = "http://films.example.org/"

FILMS = """
- title: Ängel över staden
  year: 2015
  directors: [Åsa Öberg]
  countries: [Sweden]
  genres: [Drama]
  languages: [sv]
  image: https://images.example.org/angel.jpg
  synopsis: A lighthouse keeper on the Baltic coast finds a letter nobody sent.
- title: Illusions perdues
  year: 2016
  directors: [Åsa Öberg]
  countries: [Denmark]
  genres: [Comedy]
  languages: [da]
  synopsis: Two brothers inherit a cinema and a debt.
- title: Kärlek
  year: 1999
  directors: [Bo Ek]
  countries: [Sweden, Norway]
  genres: [Drama]
  synopsis: A lighthouse, a storm and a wedding.
"""
# A second record of "Ängel över staden" that disagrees on its countries.
OTHER = """
- title: Ängel över staden
  year: 2015
  directors: [Åsa Öberg]
  countries: [Sweden, Denmark]
"""
MANY = 120  # films crediting one actor: three pages of 50


def many_films() -> str:
    return "".join(f"- title: Serie {i:03d}\n  year: {2000 + i % 20}\n  directors: [Director {i % 7}]\n"
                   f"  countries: [Finland]\n  cast:\n  - {{name: Pia Mångfald, character: Role {i}}}\n"
                   for i in range(MANY))


def write_data(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "films.yaml").write_text(FILMS, encoding="utf-8")
    (folder / "other.yaml").write_text(OTHER, encoding="utf-8")
    (folder / "many.yaml").write_text(many_films(), encoding="utf-8")
    return folder


def run(*args: str | Path) -> None:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("index")
    run("import", "--no-progress", "--store", root / "store", "--base", BASE, DATA, write_data(root / "data"))
    return root / "store"


@pytest.fixture(scope="module")
def store(store_dir: Path) -> Iterator[EmbeddedStore]:
    opened = EmbeddedStore(store_dir, read_only=True)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def index(store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> ix.Index:
    assert store.generation is not None
    return ix.Indexes(tmp_path_factory.mktemp("built")).current(store, store.generation)


def sparql_count(store: EmbeddedStore, where: str) -> int:
    return int(store.select(f"SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE {{ ?f a schema:Movie . {where} }}")[0]["n"])


# -- facets --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("facet, value, where", [
    ("country", "SE", '?f schema:countryOfOrigin/schema:identifier "SE"'),
    ("country", "BE", '?f schema:countryOfOrigin/schema:identifier "BE"'),
    ("decade", "2010s", "?f schema:dateCreated ?y FILTER(YEAR(?y) >= 2010 && YEAR(?y) < 2020)"),
    ("year", "2015", '?f schema:dateCreated ?y FILTER(STR(?y) = "2015")'),
    ("genre", "Drama", '?f schema:genre "Drama"'),
    ("language", "sv", '?f schema:inLanguage "sv"'),
    ("director", "asa-oberg", f"?f schema:director <{BASE}person/asa-oberg>"),
    ("person", "pia-mangfald", f"?f schema:actor/schema:actor <{BASE}person/pia-mangfald>"),
    ("prize", "lux-prize", f"?f schema:subjectOf/schema:superEvent/schema:superEvent <{BASE}award/lux-prize>"),
    ("status", "winner", '?f schema:subjectOf/fiaf:hasAchievement "winner"'),
    ("status", "finalist", '?f schema:subjectOf/fiaf:hasAchievement "finalist"'),
    ("role", "CastMember", "?f schema:actor ?r"),
    ("role", "Cinematographer", "?f schema:contributor/schema:roleName fiaf:Cinematographer"),
])
def test_facet_counts_match_a_sparql_count_over_the_same_store(
        index: ix.Index, store: EmbeddedStore, facet: str, value: str, where: str) -> None:
    expected = sparql_count(store, where)
    assert expected > 0
    counted = {v.value: v.count for v in ix.facet_counts(index, facet)}
    assert counted[value] == expected
    assert ix.count_films(index, ((facet, value),)) == expected


def test_filters_combine_and_counts_follow_them(index: ix.Index, store: EmbeddedStore) -> None:
    both = (("country", "SE"), ("genre", "Drama"))
    expected = sparql_count(store, '?f schema:countryOfOrigin/schema:identifier "SE" ; schema:genre "Drama"')
    assert ix.count_films(index, both) == expected == 2
    names = {f.name for f in ix.films(index, both)}
    assert names == {"Ängel över staden", "Kärlek"}
    # under the filters, the country facet counts only those films: Norway is Kärlek's, Denmark Ängel's (one record)
    countries = {v.value: v.count for v in ix.facet_counts(index, "country", both)}
    assert countries == {"SE": 2, "NO": 1, "DK": 1}
    # a facet repeated is AND-ed too
    assert ix.count_films(index, (("country", "SE"), ("country", "NO"))) == sparql_count(
        store, '?f schema:countryOfOrigin/schema:identifier "SE", "NO"') > 1
    assert ix.count_films(index, (("country", "SE"), ("country", "XX"))) == 0


def test_a_value_only_one_record_states_is_marked(index: ix.Index) -> None:
    facets = ix.facets(index, (("director", "asa-oberg"),))
    denmark = next(v for v in facets["country"].values if v.value == "DK")
    sweden = next(v for v in facets["country"].values if v.value == "SE")
    assert (denmark.count, denmark.single) == (2, 1)  # Illusions (one record) and Ängel (one of its two records)
    assert (sweden.count, sweden.single) == (1, 0)  # both of Ängel's records say Sweden
    assert facets["country"].single == 1
    db = sqlite3.connect(index.path)
    records = db.execute("SELECT f.record_ids, films.records FROM facets f JOIN films ON films.id = f.film "
                         "WHERE facet = 'country' AND value = 'DK' AND films.name = 'Ängel över staden'").fetchone()
    assert len(records[0].split()) == 1 and records[1] == 2


@pytest.mark.parametrize("name, value", [("year", "abc"), ("year", "20155"), ("decade", "19x"), ("decade", "2015s"),
                                         ("decade", "")])
def test_a_malformed_value_is_an_error_naming_it(name: str, value: str) -> None:
    with pytest.raises(UsageError, match=f"{name}={value!r}"):
        ix.parse_filters([(name, value)])


# -- search --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed, found", [
    ("ostlund", "Ruben Östlund"), ("ÖSTLUND", "Ruben Östlund"), ("illegal", "Illégal"), ("illeg*", "Illégal"),
    ("angel over", "Ängel över staden"), ("asa oberg", "Åsa Öberg"), ("mangfald", "Pia Mångfald"),
])
def test_search_folds_accents_and_case_and_takes_prefixes(index: ix.Index, typed: str, found: str) -> None:
    assert found in [h.name for h in ix.search(index, typed)]


def test_search_reaches_alternate_titles_people_and_synopses(index: ix.Index) -> None:
    assert "Illégal" in [h.name for h in ix.search(index, "Illegal", kinds=("Movie",))]
    by_director = ix.search(index, "oberg", kinds=("Movie",))
    assert {h.name for h in by_director} == {"Ängel över staden", "Illusions perdues"}
    assert all(h.directors == ("Åsa Öberg",) for h in by_director)
    assert {h.name for h in ix.search(index, "lighthouse")} == {"Ängel över staden", "Kärlek"}


def test_search_ranks_a_title_above_a_synopsis(index: ix.Index) -> None:
    hits = ix.search(index, "illusions")
    assert hits[0].name == "Illusions perdues" and hits[0].kind == "Movie" and hits[0].year == 2016
    assert hits == sorted(hits, key=lambda h: -h.score)


def test_search_pages_and_counts(index: ix.Index) -> None:
    total = ix.search_count(index, "serie")
    assert total == MANY
    seen = [h.iri for start in range(0, total, 50) for h in ix.search(index, "serie", limit=50, offset=start)]
    assert len(seen) == len(set(seen)) == MANY
    assert ix.search(index, "serie", limit=50, offset=MANY) == []


@pytest.mark.parametrize("hostile", ['"', 'AND(', "*", "NEAR", 'NEAR("a" "b")', "a OR b", "^x", "x:y", "-", "(((",
                                     "x" * 10_000, "\x00", "' OR 1=1 --", '"""', "*illeg", "names: lux"])
def test_hostile_text_is_only_text(index: ix.Index, hostile: str) -> None:
    hits = ix.search(index, hostile)
    assert ix.search_count(index, hostile) >= len(hits)


def test_fts_syntax_words_are_words() -> None:
    assert match_expression('NEAR("a" "b")') == '"near" "a" "b"'
    assert match_expression("a OR b") == '"a" "or" "b"'
    assert ix.fold("Łódź Straße Ærø") == "lodz strasse aero"


# -- long lists ----------------------------------------------------------------------------------------------------
def test_an_agents_credits_come_a_page_at_a_time(index: ix.Index) -> None:
    person = f"{BASE}person/pia-mangfald"
    assert ix.count_credits(index, person) == MANY
    pages = [ix.credits(index, person, limit=50, offset=o) for o in (0, 50, 100)]
    assert [len(p) for p in pages] == [50, 50, 20]
    names = [c.film.name for page in pages for c in page]
    assert names == sorted(names) and len(set(names)) == MANY
    assert pages[0][0].notes == "Cast (Role 0)"


def test_an_awards_films_list_winners_first(index: ix.Index, store: EmbeddedStore) -> None:
    prize = f"{BASE}award/lux-prize"
    films = ix.award_films(index, prize, limit=1000)
    assert len(films) == ix.count_award_films(index, prize) == sparql_count(
        store, f"?f schema:subjectOf/schema:superEvent/schema:superEvent <{prize}>")
    statuses = [c.notes for c in films]
    assert statuses == sorted(statuses, key=["winner", "finalist", "official selection"].index)


# -- per checkpoint ------------------------------------------------------------------------------------------------
def test_a_reimport_gives_a_new_index_that_finds_the_new_and_not_the_removed(tmp_path: Path) -> None:
    data = write_data(tmp_path / "data")
    store_dir = tmp_path / "store"
    run("import", "--no-progress", "--store", store_dir, "--base", BASE, data)
    indexes = ix.Indexes(store_dir / "index")
    store = EmbeddedStore(store_dir, read_only=True)
    try:
        assert store.generation is not None
        first = indexes.current(store, store.generation)
        assert ix.search_count(first, "kärlek") == 1
        (data / "films.yaml").write_text(FILMS.split("- title: Kärlek")[0] + "- title: Nyfiken\n  year: 2020\n",
                                         encoding="utf-8")
        run("import", "--no-progress", "--store", store_dir, "--base", BASE, data)
        assert store.refresh(every=0)
        # the new checkpoint's index is built in the background; until it is in, the old one answers
        deadline = time.monotonic() + 30
        while (second := indexes.current(store, store.generation)).generation != store.generation:
            assert second is first
            assert time.monotonic() < deadline, "the new checkpoint's index was never built"
            time.sleep(0.05)
        assert second.path != first.path and second.generation == store.generation
        assert ix.search_count(second, "kärlek") == 0
        assert [h.name for h in ix.search(second, "nyfiken")] == ["Nyfiken"]
        assert ix.count_films(second, (("year", "2020"),)) == 1
        assert sorted(p.name for p in (store_dir / "index").iterdir()) == sorted({first.path.name, second.path.name})
    finally:
        store.close()


def test_a_sparql_servers_data_gives_the_same_index(
        index: ix.Index, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_store_contract import server_settings, wipe

    location = server_settings("oxigraph", request, monkeypatch)
    wipe(location)
    try:
        run("import", "--no-progress", "--store", location, "--base", BASE, DATA, write_data(tmp_path / "data"))
        endpoint = Settings.load(store=location).remote
        assert endpoint is not None
        remote = RemoteStore(endpoint, read_only=True)
        built = ix.Index(ix.build(remote, tmp_path / "remote.sqlite", "remote", slice_size=25))
        remote.close()
        for table, columns in (("films", "iri, name, year, directors, countries, image, records"),
                               ("credits", "agent, notes"), ("awards", "award, status"),
                               ("facet_counts", "facet, value, films, single"), ("agents", "iri, kind, name")):
            ours = sorted(index.rows(f"SELECT {columns} FROM {table}"))
            theirs = sorted(built.rows(f"SELECT {columns} FROM {table}"))
            assert ours == theirs, table
    finally:
        wipe(location)


# -- the embedded store's read -------------------------------------------------------------------------------------
def test_a_value_holding_the_reads_separators_is_read_by_slice_and_indexed_whole(tmp_path: Path) -> None:
    from lodfilm.index.stage import FIELD, ITEM

    title, character = f"Odd{FIELD}one{ITEM}out", f"Her{FIELD}self"
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "odd.yaml").write_text(
        '- title: "Odd\\x1fone\\x1eout"\n  year: 2001\n  directors: [Ida Udd]\n'
        '  cast:\n  - {name: Pia Udd, character: "Her\\x1fself"}\n'
        "- title: Even\n  year: 2002\n  directors: [Ida Udd]\n", encoding="utf-8")
    run("import", "--no-progress", "--store", tmp_path / "store", "--base", BASE, folder)
    store = EmbeddedStore(tmp_path / "store", read_only=True)
    try:
        assert store.select('SELECT ?n WHERE { ?f schema:name ?n FILTER(STRSTARTS(?n, "Odd")) }') == [{"n": title}]
        built = ix.Index(ix.build(store, tmp_path / "index.sqlite", "g"))
    finally:
        store.close()
    assert sorted(built.rows("SELECT name, year FROM films")) == [("Even", 2002), (title, 2001)]
    assert sorted(built.rows("SELECT notes FROM credits c JOIN agents a ON a.iri = c.agent WHERE a.name = ?",
                             ["Pia Udd"])) == [(f"Cast ({character})",)]
    assert ix.count_films(built, (("director", "ida-udd"),)) == 2


def test_tsv_terms_read_back_as_their_values() -> None:
    from lodfilm.index.stage import term_value

    assert term_value("<http://films.example.org/film/a>") == "http://films.example.org/film/a"
    assert term_value('"plain"') == "plain"
    assert term_value('"Ängel"@sv') == "Ängel"
    assert term_value('"2015"^^<http://www.w3.org/2001/XMLSchema#gYear>') == "2015"
    assert term_value('"a \\"b\\"\\t\\n\\\\ \\u00e9 \\U0001F600"') == 'a "b"\t\n\\ é 😀'
    assert term_value("42") == "42" and term_value("true") == "true"
    assert term_value("_:b1") == "b1"
    assert term_value("") is None
