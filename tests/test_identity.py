"""When two records are one film, and when they are two: identity by title, year and directors."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import BASE, Cli, select

HOME = """
- title: Home
  year: 2008
  directors: [Yann Arthus-Bertrand]
- title: Home
  year: 2008
  directors: [Ursula Meier]
"""


def films(cli: Cli, store: Path) -> dict[str, str]:
    rows = select(cli, store, "SELECT ?f ?d WHERE { ?f a schema:Movie ; schema:director/schema:name ?d }")
    return {row["d"]: row["f"] for row in rows}


def test_two_films_with_one_title_and_year_are_told_apart(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "home.yaml").write_text(HOME, encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, tmp_path / "home.yaml")
    assert result.exit_code == 0, result.stderr
    assert films(cli, store_dir) == {"Yann Arthus-Bertrand": f"{BASE}film/home-2008",
                                     "Ursula Meier": f"{BASE}film/home-2008-ursula-meier"}


def test_telling_films_apart_is_stable_on_reimport(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "home.yaml").write_text(HOME, encoding="utf-8")
    cli("import", "--store", store_dir, "--base", BASE, tmp_path / "home.yaml")
    first = films(cli, store_dir)
    again = cli("import", "--store", store_dir, "--base", BASE, tmp_path / "home.yaml")
    assert "0 stored, 2 unchanged" in again.stdout
    assert films(cli, store_dir) == first


def test_a_second_file_about_the_forked_film_joins_it(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "home.yaml").write_text(HOME, encoding="utf-8")
    (tmp_path / "meier.yaml").write_text("title: Home\nyear: 2008\ndirectors: [Ursula Meier]\nruntime_minutes: 97\n",
                                         encoding="utf-8")
    assert cli("import", "--store", store_dir, "--base", BASE, tmp_path / "home.yaml").exit_code == 0
    assert cli("import", "--store", store_dir, "--base", BASE, tmp_path / "meier.yaml").exit_code == 0
    rows = select(cli, store_dir, "SELECT ?f WHERE { ?f schema:duration ?d }")
    assert rows == [{"f": f"{BASE}film/home-2008-ursula-meier"}]
    assert len(films(cli, store_dir)) == 2


def test_the_same_film_twice_in_one_file_is_rejected(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "twice.yaml").write_text(HOME + "- {title: Home, year: 2008, directors: [Ursula Meier]}\n",
                                         encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, tmp_path / "twice.yaml")
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"{tmp_path / 'twice.yaml'}: Home (record 3): title: same film as "
                                     "Home (record 2) in this file (give one of them an 'id')")
    assert len(films(cli, store_dir)) == 2


def test_a_five_megabyte_synopsis_is_rejected_by_field(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "huge.yaml").write_text("title: Huge\ndirectors: [A B]\nsynopsis: " + "x" * 5_000_000 + "\n",
                                        encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, tmp_path / "huge.yaml")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{tmp_path / 'huge.yaml'}: Huge: synopsis: String should have at most 100000")
