"""`lodfilm suggest-map PATH` (issue 14, point 1): a starting map from an export's columns, recognising the common
names film exports give them, listing the rest under `ignore:` — a map `import --map` takes as it is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from lodfilm.records.maps import load_map
from tests.conftest import BASE, Cli, select

HEADER = ["Original title", "Title", "Director(s)", "Year", "Release date", "Running time", "Country", "Genre",
          "Cast", "Language", "IMDb id", "Wikidata", "Budget"]
ROW = ["Illégal", "Illegal", "Olivier Masset-Depasse", "2010", "2010-05-20", "95 min", "Belgium | France | "
       "Luxembourg", "Drama", "Anne Coesens (Tania)", "French", "tt1592281", "Q2359046", "2500000"]


def test_common_column_names_become_their_record_fields_and_the_rest_is_ignored_aloud(
        cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    export = tmp_path / "archive.csv"
    export.write_text(",".join(HEADER) + "\n" + ",".join(f'"{c}"' for c in ROW) + "\n", encoding="utf-8")
    result = cli("suggest-map", export)
    assert result.exit_code == 0, result.stderr
    suggested = yaml.safe_load(result.stdout)
    assert suggested["fields"] == {
        "title": "Original title", "alternate_titles": "Title", "directors": "Director(s)", "year": "Year",
        "release_date": "Release date", "runtime_minutes": "Running time", "countries": "Country",
        "genres": "Genre", "cast": "Cast", "languages": "Language", "imdb": "IMDb id", "wikidata": "Wikidata",
    }
    assert suggested["ignore"] == ["Budget"]
    assert "- Budget  # 1 value\n" in result.stdout
    map_file = tmp_path / "archive.map.yaml"
    map_file.write_text(result.stdout, encoding="utf-8")
    load_map(map_file)  # the map is one import takes as it is
    imported = cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, export)
    assert imported.exit_code == 0, imported.stderr
    rows = select(cli, store_dir, "SELECT ?f ?alt ?same WHERE { ?f schema:alternateName ?alt ; schema:sameAs ?same }")
    assert {row["same"] for row in rows} == {"http://www.wikidata.org/entity/Q2359046",
                                             "https://www.imdb.com/title/tt1592281/"}


@pytest.mark.parametrize("name", ["Runtime", "Running time", "Length", "runtimeMinutes", "Running Time (min)",
                                  "running_time"])
def test_the_runtime_goes_by_many_names(cli: Cli, tmp_path: Path, name: str) -> None:
    export = tmp_path / "e.csv"
    export.write_text(f"Title,{name}\nX,95\n", encoding="utf-8")
    assert yaml.safe_load(cli("suggest-map", export).stdout)["fields"]["runtime_minutes"] == name


def test_a_json_export_nested_keys_and_genre_flags(cli: Cli, tmp_path: Path) -> None:
    export = tmp_path / "e.json"
    export.write_text(json.dumps({"films": [{"Movie": {"Title": "A"}, "Directed by": "X", "Action": 1, "Drama": 0,
                                             "Ratings": {"IMDB": {"Rating": 7.1, "Votes": 10}}}]}), encoding="utf-8")
    suggested = yaml.safe_load(cli("suggest-map", export).stdout)
    assert suggested["fields"] == {"title": "Movie.Title", "directors": "Directed by", "genres": {"flags": ["Action",
                                   "Drama"]}, "rating.value": "Ratings.IMDB.Rating",
                                   "rating.count": "Ratings.IMDB.Votes"}
    assert suggested["constants"] == {"rating.source": "IMDb", "rating.best": 10}


def test_suggest_map_is_for_exports(cli: Cli, tmp_path: Path) -> None:
    page = tmp_path / "film.txt"
    page.write_text("A Film\n\nJane Doe\n", encoding="utf-8")
    result = cli("suggest-map", page)
    assert result.exit_code == 2
    assert "a map is for CSV, JSON and YAML exports" in result.stderr


# The shape of a Wikidata Query Service answer downloaded as CSV (SELECT ?film ?filmLabel ?directorLabel
# ?publicationDate ?duration …): items as entity IRIs, labels in ?xLabel columns, dates as xsd:dateTime. The
# second row repeats the first film, as a query's answer has a row per value (two publication dates).
WDQS = ("film,filmLabel,directorLabel,countryLabel,publicationDate,duration\n"
        "http://www.wikidata.org/entity/Q2359046,Illégal,Olivier Masset-Depasse,Belgium,2010-05-17T00:00:00Z,95\n"
        "http://www.wikidata.org/entity/Q2359046,Illégal,Olivier Masset-Depasse,Belgium,2010-10-06T00:00:00Z,95\n"
        "http://www.wikidata.org/entity/Q104123,Pulp Fiction,Quentin Tarantino,United States,1994-05-21T00:00:00Z,"
        "154\n")


def test_a_wikidata_query_answer_its_items_labels_and_repeated_rows(cli: Cli, store_dir: Path,
                                                                     tmp_path: Path) -> None:
    export = tmp_path / "query.csv"
    export.write_text(WDQS, encoding="utf-8")
    result = cli("suggest-map", export)
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(result.stdout)["fields"] == {
        "wikidata": "film", "title": "filmLabel", "directors": "directorLabel", "countries": "countryLabel",
        "release_date": "publicationDate", "runtime_minutes": "duration"}
    map_file = tmp_path / "map.yaml"
    map_file.write_text(result.stdout, encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, export)
    assert result.exit_code == 1
    assert (f"{export}: line 3 (Illégal): wikidata: same film as line 2 (Illégal) in this file, both Q2359046 (one "
            "record a film") in result.stderr
    rows = select(cli, store_dir, "SELECT ?n ?d ?same WHERE { ?f a schema:Movie ; schema:name ?n ; "
                                  "schema:datePublished ?d ; schema:sameAs ?same FILTER(CONTAINS(STR(?same), "
                                  "'wikidata')) }")
    assert {(r["n"], r["d"], r["same"]) for r in rows} == {
        ("Illégal", "2010-05-17", "http://www.wikidata.org/entity/Q2359046"),
        ("Pulp Fiction", "1994-05-21", "http://www.wikidata.org/entity/Q104123")}


@pytest.mark.parametrize(("field", "given", "kept"), [
    ("wikidata", "http://www.wikidata.org/entity/Q2359046", "Q2359046"),
    ("wikidata", "https://www.wikidata.org/wiki/Q2359046", "Q2359046"),
    ("wikidata", "wd:Q2359046", "Q2359046"),
    ("imdb", "https://www.imdb.com/title/tt1592281/", "tt1592281"),
    ("imdb", "https://m.imdb.com/title/tt1592281/?ref_=fn_al_tt_1", "tt1592281"),
])
def test_identifiers_given_as_their_addresses_are_kept_as_ids(field: str, given: str, kept: str) -> None:
    from lodfilm.records import make_film

    assert getattr(make_film({"title": "Illégal", field: given}, "f.csv", "line 2"), field) == kept


@pytest.mark.parametrize(("field", "given"), [("imdb", "https://www.imdb.com/name/nm0000233/"),
                                              ("wikidata", "http://www.wikidata.org/entity/P31")])
def test_an_address_of_another_kind_of_id_is_refused_as_given(field: str, given: str) -> None:
    from lodfilm.errors import RecordError
    from lodfilm.records import make_film

    with pytest.raises(RecordError, match=f"{field}: '{given}' is not an? "):
        make_film({"title": "Illégal", field: given}, "f.csv", "line 2")


def test_the_split_is_guessed_from_short_value_lists_not_from_titles_or_names(cli: Cli, tmp_path: Path) -> None:
    export = tmp_path / "films.csv"
    export.write_text('Title,Also known as,Director,Genre\n"Amour","Amour, le film","Haneke, Michael",Drama\n'
                      '"Tabu","Tabou, un film","Gomes, Miguel",Drama | Romance\n', encoding="utf-8")
    result = cli("suggest-map", export)
    assert result.exit_code == 0, result.stderr
    assert 'split: " | "  # separator of multi-valued cells\n' in result.stdout
