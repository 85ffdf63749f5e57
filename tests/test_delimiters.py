"""Tables separated by semicolons or tabs: spreadsheets in locales whose decimal mark is a comma save "CSV" with
semicolons. lodfilm's own CSV and a mapped export both take their separator from the header line."""

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
