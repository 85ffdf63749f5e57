"""Tables separated by semicolons or tabs, TSV and JSON Lines: the forms real exports come in besides CSV and JSON.
Spreadsheets in locales whose decimal mark is a comma save "CSV" with semicolons, so lodfilm's own CSV and a mapped
export both take their separator from the header line; IMDb's datasets are TSV without quoting, with ``\\N`` for no
value; databases and scrapers write JSON Lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from lodfilm.records.table import header_delimiter
from tests.conftest import BASE, Cli, select


@pytest.mark.parametrize(("line", "delimiter"), [
    ("title,year,directors\n", ","),
    ("Titre;Réalisateur;Année\r\n", ";"),
    ("Title\tDirector\tYear\n", "\t"),
    ('"Director, Co";Title;Year\n', ";"),  # a quoted comma is part of a name
    ("Title;Director, Co-director;Year\n", ";"),  # an unquoted one is outnumbered
    ("title,year;note\n", ","),  # a tie keeps the comma
    ("title\n", ","),
])
def test_the_header_line_names_the_separator(line: str, delimiter: str) -> None:
    assert header_delimiter(line) == delimiter


def films(cli: Cli, store: Path) -> dict[str, tuple[str, str]]:
    rows = select(cli, store, "SELECT ?n ?d ?y WHERE { ?f a schema:Movie ; schema:name ?n ; schema:dateCreated ?y ;"
                              " schema:director/schema:name ?d }")
    return {row["n"]: (row["d"], row["y"]) for row in rows}


def test_a_semicolon_table_of_lodfilm_columns_imports(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    table = tmp_path / "films.csv"
    table.write_text('title;year;directors;runtime_minutes\n"Le Havre";2011;Aki Kaurismäki;93\n'
                     '"Amour; a love";2012;Michael Haneke;127\n', encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, table)
    assert result.exit_code == 0, result.stderr
    assert films(cli, store_dir) == {"Le Havre": ("Aki Kaurismäki", "2011"),
                                     "Amour; a love": ("Michael Haneke", "2012")}


def test_a_tab_separated_export_through_a_map_and_its_suggested_map(cli: Cli, store_dir: Path,
                                                                    tmp_path: Path) -> None:
    table = tmp_path / "export.csv"
    table.write_text("Title\tDirector\tYear\tBox office\nTabu\tMiguel Gomes\t2012\t1,000,000\n", encoding="utf-8")
    suggested = cli("suggest-map", table)
    assert suggested.exit_code == 0, suggested.stderr
    assert "title: Title" in suggested.stdout and "directors: Director" in suggested.stdout
    map_file = tmp_path / "map.yaml"
    map_file.write_text("fields:\n  title: Title\n  directors: Director\n  year: Year\n", encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, table)
    assert result.exit_code == 0, result.stderr
    assert "column 'Box office' has no field (1 value not imported)" in result.stderr
    assert films(cli, store_dir) == {"Tabu": ("Miguel Gomes", "2012")}


def test_a_row_short_of_cells_in_a_semicolon_table_is_refused_by_its_line(cli: Cli, store_dir: Path,
                                                                          tmp_path: Path) -> None:
    table = tmp_path / "films.csv"
    table.write_text("title;year;directors\nLe Havre;2011;Aki Kaurismäki\nAmour;2012\n", encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, table)
    assert result.exit_code == 1
    assert "line 3 (Amour): has 2 cells, the header has 3" in result.stderr
    assert list(films(cli, store_dir)) == ["Le Havre"]


IMDB_BASICS = (  # the columns of IMDb's title.basics.tsv; the first title starts with a quote mark, unclosed
    "tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear\tendYear\truntimeMinutes\tgenres\n"
    'tt0000009\tmovie\t"Miss Jerry\tMiss Jerry\t0\t1894\t\\N\t45\tRomance\n'
    "tt0000147\tmovie\tThe Corbett-Fitzsimmons Fight\tThe Corbett-Fitzsimmons Fight\t0\t1897\t\\N\t\\N\t"
    "Documentary,News,Sport\n")


def test_an_imdb_style_tsv_through_its_suggested_map(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    table = tmp_path / "title.basics.tsv"
    table.write_text(IMDB_BASICS, encoding="utf-8")
    suggested = cli("suggest-map", table)
    assert suggested.exit_code == 0, suggested.stderr
    assert "title: originalTitle" in suggested.stdout and "- endYear  # 0 values" in suggested.stdout
    assert 'split: ","  # separator of multi-valued cells, as in genres' in suggested.stdout  # seen in the cells
    map_file = tmp_path / "imdb.map.yaml"
    map_file.write_text(suggested.stdout, encoding="utf-8")  # as suggested
    result = cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, table)
    assert result.exit_code == 0, result.stderr
    rows = select(cli, store_dir, "SELECT ?n ?y ?r (GROUP_CONCAT(?g; separator='|') AS ?gs) WHERE { ?f a schema:Movie ;"
                                  " schema:name ?n ; schema:dateCreated ?y . OPTIONAL { ?f schema:duration ?r }"
                                  " OPTIONAL { ?f schema:genre ?g } } GROUP BY ?n ?y ?r")
    found = {row["n"]: (row["y"], row.get("r"), sorted(row["gs"].split("|"))) for row in rows}
    assert found == {"Miss Jerry": ("1894", "PT45M", ["Romance"]),
                     "The Corbett-Fitzsimmons Fight": ("1897", None, ["Documentary", "News", "Sport"])}
    alternate = select(cli, store_dir, "SELECT ?a WHERE { ?f schema:alternateName ?a }")
    assert [row["a"] for row in alternate] == ['"Miss Jerry']  # read as written, not as the start of a quoted cell


def test_json_lines_with_a_map_without_one_and_with_a_bad_line(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    export = tmp_path / "films.jsonl"
    export.write_text('{"Title": "Tabu", "Director": "Miguel Gomes"}\n\n{"Title": "Amour", "Director": '
                      '"Michael Haneke"}\n', encoding="utf-8")
    map_file = tmp_path / "map.yaml"
    map_file.write_text("fields:\n  title: Title\n  directors: Director\n", encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, export)
    assert result.exit_code == 0, result.stderr
    own = tmp_path / "own" / "records.ndjson"
    own.parent.mkdir()
    own.write_text('{"title": "Le Havre", "year": 2011, "directors": ["Aki Kaurismäki"]}\n', encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, own.parent)  # a folder: .ndjson is taken
    assert result.exit_code == 0, result.stderr
    names = {row["n"] for row in select(cli, store_dir, "SELECT ?n WHERE { ?f a schema:Movie ; schema:name ?n }")}
    assert names == {"Tabu", "Amour", "Le Havre"}
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"Title": "X"}\n\n{"Title": "Y", oops}\n', encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, bad)
    assert result.exit_code == 1
    assert f"{bad}: not valid JSON: Expecting property name enclosed in double quotes at line 3" in result.stderr


def test_a_french_spreadsheet_export_semicolons_and_decimal_commas(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    table = tmp_path / "catalogue.csv"
    table.write_text("Titre;Réalisateur;Année;Note;Votes\nLe Havre;Aki Kaurismäki;2011;7,5;1 204\n"
                     "Amour;Michael Haneke;2012;7,9;\nHolly Motors;Leos Carax;2012;1,234;\n", encoding="utf-8")
    map_file = tmp_path / "map.yaml"
    map_file.write_text("fields:\n  title: Titre\n  directors: Réalisateur\n  year: Année\n  rating.value: Note\n"
                        "constants:\n  rating.source: Cinémathèque\nignore: [Votes]\n", encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, table)
    assert result.exit_code == 1
    # three digits after the comma could be thousands: refused, naming the value
    assert "line 4 (Holly Motors): rating.value: '1,234': input should be a valid number" in result.stderr
    rows = select(cli, store_dir, "SELECT ?n ?v WHERE { ?f schema:name ?n ; schema:aggregateRating/schema:ratingValue"
                                  " ?v }")
    assert {row["n"]: float(row["v"]) for row in rows} == {"Le Havre": 7.5, "Amour": 7.9}


def test_an_excel_sep_line_names_the_separator_and_lines_keep_their_numbers(cli: Cli, store_dir: Path,
                                                                              tmp_path: Path) -> None:
    table = tmp_path / "films.csv"
    table.write_text("\ufeffsep=;\r\ntitle;year;directors\r\nAmour;2012;Michael Haneke\r\nBad;20l1;Nobody\r\n",
                     encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, table)
    assert result.exit_code == 1
    assert f"{table}: line 4 (Bad): year: '20l1' is not a year" in result.stderr  # the file's own line number
    assert films(cli, store_dir) == {"Amour": ("Michael Haneke", "2012")}
    export = tmp_path / "export.csv"
    export.write_text("sep=,\nTitle,Year\nTabu,2012\n", encoding="utf-8")
    map_file = tmp_path / "map.yaml"
    map_file.write_text("fields:\n  title: Title\n  year: Year\n", encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, "--map", map_file, export)
    assert result.exit_code == 0 and "note:" not in result.stderr, result.stderr
