"""Real archive exports in, through a map (issue 14, point 1): a wide CSV table in the shape of an IMDb-derived
film list and a nested JSON export, neither in lodfilm's own columns; `suggest-map` writes a starting map; every
column is mapped, ignored, or named once per file in the report; a map lodfilm cannot use is a usage error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from lodfilm.records.maps import TRUE_FLAGS, ExportMap, Flags, is_list_field, put
from tests.conftest import BASE, Cli, select

EXPORTS = Path(__file__).resolve().parent / "fixtures" / "exports"
WIDE = EXPORTS / "wide-table.csv"
NESTED = EXPORTS / "nested-export.json"
PIRATES = "Pirates of the Caribbean: Dead Man's Chest"


def movies(cli: Cli, store: Path) -> dict[str, str]:
    rows = select(cli, store, "SELECT ?f ?n WHERE { ?f a schema:Movie ; schema:name ?n }")
    return {row["n"]: row["f"] for row in rows}


def notes(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("note: ")]


def test_the_suggested_map_imports_every_row_of_a_wide_table(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    suggested = cli("suggest-map", WIDE)
    assert suggested.exit_code == 0, suggested.stderr
    map_file = tmp_path / "wide.map.yaml"
    map_file.write_text(suggested.stdout, encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, WIDE)
    assert result.exit_code == 0, result.stderr
    assert notes(result.stderr) == []  # every column mapped or ignored on purpose
    assert result.stdout.startswith("10 records read: 10 stored, 0 unchanged, 0 rejected; 10 films")
    films = movies(cli, store_dir)
    assert {"2046", "1941", "$", "Ângela"} <= set(films)  # titles that are numbers, or a sign
    # Titles one slug apart in one year are two films (no directors tell them apart here).
    assert films["Good Boy"] != films["Good Boy!"] and films["Lost"] != films["...Lost"]
    rows = select(cli, store_dir, f"""SELECT ?duration ?rating ?votes ?mpaa ?genre WHERE {{
        <{films['2046']}> schema:duration ?duration ; schema:contentRating ?mpaa ; schema:genre ?genre ;
        schema:aggregateRating [ schema:ratingValue ?rating ; schema:ratingCount ?votes ] }}""")
    assert {(r["duration"], r["rating"], r["votes"], r["mpaa"]) for r in rows} == {("PT2H9M", "7.6", "9826", "R")}
    assert {r["genre"] for r in rows} == {"Drama", "Romance"}  # from its two set flag columns


def test_a_column_neither_mapped_nor_ignored_is_reported_once_per_file(cli: Cli, store_dir: Path,
                                                                      tmp_path: Path) -> None:
    map_file = tmp_path / "map.yaml"
    map_file.write_text("fields:\n  title: title\n  year: year\n  runtime_minutes: length\n"
                        "ignore: [r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, Action, Animation, Comedy, Drama,"
                        " Documentary, Romance, Short, rating, votes]\n", encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, WIDE)
    assert result.exit_code == 0, result.stderr
    assert notes(result.stderr) == [f"note: {WIDE}: column 'budget' has no field (3 values not imported)",
                                    f"note: {WIDE}: column 'mpaa' has no field (4 values not imported)"]
    check = cli("validate", "--base", BASE, "--map", map_file, WIDE)  # validate reports them too, storing nothing
    assert check.exit_code == 0 and notes(check.stderr) == notes(result.stderr)


NESTED_MAP = """
fields:
  title: Title
  directors: Director
  release_date: Release Date
  runtime_minutes: Running Time min
  content_rating: MPAA Rating
  distributors: Distributor
  genres: Genre.Major
  rating.value: Ratings.IMDB.Rating
  rating.count: Ratings.IMDB.Votes
constants:
  rating.source: IMDb
  rating.best: 10
ignore: [Source, Genre.Creative Type, Money, Ratings.Rotten Tomatoes]
"""


def test_a_nested_json_export_through_a_map(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    map_file = tmp_path / "movies.map.yaml"
    map_file.write_text(NESTED_MAP, encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, NESTED)
    assert result.exit_code == 1  # one record is wrong in two ways, and says both
    errors = [line for line in result.stderr.splitlines() if not line.startswith("note: ")]
    assert errors == [f"{NESTED}: record 5 (Tomorrow's Promise): runtime_minutes: 'ninety' is not a number of "
                      "minutes; release_date: 2039 is in the future (a film's year is at most 2031)"]
    assert notes(result.stderr) == []
    films = movies(cli, store_dir)
    assert set(films) == {"Illegal Tender", "300", PIRATES, "The Land Girls"}
    land_girls = select(cli, store_dir, f"""SELECT ?year ?date ?rating ?best ?source WHERE {{
        <{films['The Land Girls']}> schema:dateCreated ?year ; schema:datePublished ?date ;
        schema:aggregateRating [ schema:ratingValue ?rating ; schema:bestRating ?best ;
                                 schema:author/schema:name ?source ] }}""")
    assert land_girls == [{"year": "1998", "date": "1998-06-12", "rating": "6.1", "best": "10", "source": "IMDb"}]
    pirates = select(cli, store_dir, f"SELECT ?d WHERE {{ <{films[PIRATES]}> schema:duration ?d }}")
    assert pirates == [{"d": "PT2H30M"}]  # "Running Time min": 150.0


def test_a_nested_constant_goes_only_with_its_group(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    export = tmp_path / "ratings.json"
    export.write_text(json.dumps([{"Title": "Rated", "Score": 7.5}, {"Title": "Unrated", "Score": None}]),
                      encoding="utf-8")
    map_file = tmp_path / "map.yaml"
    map_file.write_text("fields: {title: Title, rating.value: Score}\nconstants: {rating.source: IMDb}\n",
                        encoding="utf-8")
    assert cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, export).exit_code == 0
    rows = select(cli, store_dir, "SELECT ?n WHERE { ?f schema:name ?n ; schema:aggregateRating ?r }")
    assert rows == [{"n": "Rated"}]


def test_multi_valued_cells_several_columns_and_a_yaml_export(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    export = tmp_path / "export.yaml"
    export.write_text(yaml.safe_dump({"records": [
        {"Name": "Two Directors", "Made by": "Ann Roe; Bob Poe", "Genre 1": "Drama", "Genre 2": "War",
         "Country": "BE; FR", "Year": 2001},
    ]}, allow_unicode=True), encoding="utf-8")
    map_file = tmp_path / "map.yaml"
    map_file.write_text('fields:\n  title: Name\n  directors: Made by\n  genres: [Genre 1, Genre 2]\n'
                        '  countries: Country\n  year: Year\nsplit: "; "\n', encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, export)
    assert result.exit_code == 0, result.stderr
    rows = select(cli, store_dir, "SELECT ?p ?o WHERE { ?f a schema:Movie ; ?p ?o }")
    values = {(r["p"].rsplit("/", 1)[-1], r["o"]) for r in rows}
    assert {("genre", "Drama"), ("genre", "War"), ("countryOfOrigin", f"{BASE}country/BE"),
            ("countryOfOrigin", f"{BASE}country/FR"), ("director", f"{BASE}person/ann-roe"),
            ("director", f"{BASE}person/bob-poe")} <= values


@pytest.mark.parametrize(("content", "message"), [
    ("fields: {title: Title}\nfeilds: {}\n", "feilds: is not a key of a map (use constants, fields, ignore, "
                                             "missing, split)"),
    ("fields: {directer: Director}\n", "fields: directer: 'directer' is not a record field"),
    ("fields: {rating.stars: Score}\n", "fields: rating.stars: 'rating.stars' is not a record field"),
    ("fields: {title: {flags: [A, B]}}\n", "fields: title: flag columns fill only a list field"),
    ("fields: {title: Title}\nsplit: ''\n", "split: '' is not a separator"),
    ("constants: {rating.source: IMDb}\n", "fields: a map needs 'fields:'"),
    ("- just a list\n", "a map is a YAML mapping with 'fields:'"),
])
def test_a_map_lodfilm_cannot_use_is_a_usage_error_naming_the_key(cli: Cli, store_dir: Path, tmp_path: Path,
                                                                  content: str, message: str) -> None:
    map_file = tmp_path / "bad.map.yaml"
    map_file.write_text(content, encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, NESTED)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {map_file}: {message}"), result.stderr
    assert not store_dir.exists()


def test_a_missing_map_is_a_usage_error(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    result = cli("import", "--store", store_dir, "--map", tmp_path / "nowhere.yaml", NESTED)
    assert result.exit_code == 2
    assert "cannot read the map" in result.stderr


def general_record(export_map: ExportMap, row: dict[str, Any]) -> dict[str, Any]:
    """A row through the map the long way, every cell by ExportMap.values: what record's quick path must equal."""
    data: dict[str, Any] = {}
    for path, source in export_map.fields.items():
        many = is_list_field(path)
        if isinstance(source, Flags):
            values = [c for c in source.columns if str(row.get(c, "")).strip().lower() in TRUE_FLAGS]
        else:
            values = [v for key in ((source,) if isinstance(source, str) else source)
                      for v in export_map.values(row.get(key), many)]
        if values:
            put(data, path, values if many else values[0])
    for path, value in export_map.constants.items():
        group = path.rsplit(".", 1)[0] if "." in path else None
        if group is None or not any(f.startswith(f"{group}.") for f in export_map.fields) or group in data:
            put(data, path, value)
    return data


CELLS = st.one_of(st.none(), st.integers(-3, 3), st.lists(st.sampled_from(["a", " b ", "NA", ""]), max_size=3),
                  st.text(st.sampled_from("ab |;NA-\t"), max_size=12), st.sampled_from(["NA", " | ", "x", "1"]))


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({"T": CELLS, "D": CELLS, "G": CELLS, "R": CELLS, "V": CELLS, "F1": CELLS,
                              "F2": CELLS}), st.sampled_from([" | ", ";", " ; "]))
def test_a_row_through_the_quick_path_is_the_row_through_values(row: dict[str, Any], split: str) -> None:
    export_map = ExportMap(Path("m.yaml"), {"title": "T", "directors": "D", "genres": Flags(("F1", "F2")),
                                            "countries": ("G", "V"), "rating.value": "R"},
                           {"rating.source": "IMDb", "rating.best": 10}, split=split)
    assert export_map.record(row) == general_record(export_map, row)


@pytest.mark.parametrize(("document", "titles"), [
    ({"data": {"movies": [{"Title": "Tabu", "Director": "Miguel Gomes"}, {"Title": "Amour"}]}}, ["Tabu", "Amour"]),
    # one film whose genres are objects: the film, not its genres, is the record
    ({"Title": "Tabu", "Director": "Miguel Gomes", "genres": [{"id": 18, "name": "Drama"}]}, ["Tabu"]),
    # a catalogue with a title of its own, and its films
    ({"Title": "Catalogue 2012", "films": [{"Title": "Tabu"}, {"Title": "Amour"}]}, ["Tabu", "Amour"]),
    ({"page": 1, "results": [{"Title": "Tabu"}], "facets": [{"name": "year"}]}, ["Tabu"]),
])
def test_the_records_of_a_json_export_are_the_objects_with_titles(cli: Cli, store_dir: Path, tmp_path: Path,
                                                                   document: dict[str, Any], titles: list[str]) -> None:
    export = tmp_path / "export.json"
    export.write_text(json.dumps(document), encoding="utf-8")
    map_file = tmp_path / "map.yaml"
    map_file.write_text("fields:\n  title: Title\nignore: [Director, genres, id, name, page, facets, data]\n",
                        encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, export)
    assert result.exit_code == 0, result.stderr
    assert sorted(movies(cli, store_dir)) == sorted(titles)
