"""When two records are one film, and when they are two: identity by title, year and directors."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    assert result.stderr.startswith(f"{tmp_path / 'huge.yaml'}: Huge: synopsis: '")
    assert result.stderr.strip().endswith("(5000000 characters): string should have at most 100000 characters")


# -- issue 14, point 5: identity never merges two films -----------------------------------------------------------


def names_and_durations(cli: Cli, store: Path) -> dict[str, tuple[set[str], set[str]]]:
    rows = select(cli, store, "SELECT ?f ?n ?d WHERE { ?f a schema:Movie ; schema:name ?n . "
                              "OPTIONAL { ?f schema:duration ?d } }")
    out: dict[str, tuple[set[str], set[str]]] = {}
    for row in rows:
        names, durations = out.setdefault(row["f"], (set(), set()))
        names.add(row["n"])
        if "d" in row:
            durations.add(row["d"])
    return out


def test_records_with_different_ids_are_two_films_with_two_iris(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    """The fix the old message suggested (give one an id) gave one IRI two names and two durations, exit 0."""
    (tmp_path / "two.yaml").write_text(
        "- {id: a, title: Home, year: 2008, directors: [Ursula Meier], runtime_minutes: 97}\n"
        "- {id: b, title: HOME, year: 2008, directors: [Ursula Meier], runtime_minutes: 90}\n", encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, tmp_path / "two.yaml")
    assert result.exit_code == 0, result.stderr
    films_found = names_and_durations(cli, store_dir)
    assert films_found == {f"{BASE}film/home-2008": ({"Home"}, {"PT1H37M"}),
                           f"{BASE}film/home-2008-ursula-meier": ({"HOME"}, {"PT1H30M"})}


def test_an_id_given_twice_in_one_file_is_rejected(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "twice.yaml").write_text("- {id: a, title: One}\n- {id: a, title: Two}\n", encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, tmp_path / "twice.yaml")
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"{tmp_path / 'twice.yaml'}: Two (record 2): id: 'a' is the id of One "
                                     "(record 1) too")


def test_records_with_different_identifiers_are_two_films(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("title: Home\nyear: 2008\ndirectors: [Ursula Meier]\nwikidata: Q1\n",
                                     encoding="utf-8")
    (tmp_path / "b.yaml").write_text("title: Home\nyear: 2008\ndirectors: [Ursula Meier]\nwikidata: Q2\n",
                                     encoding="utf-8")
    assert cli("import", "--store", store_dir, "--base", BASE, tmp_path / "a.yaml").exit_code == 0
    assert cli("import", "--store", store_dir, "--base", BASE, tmp_path / "b.yaml").exit_code == 0
    assert len(names_and_durations(cli, store_dir)) == 2
    # and a third record sharing one identifier joins that film, whatever it calls it
    (tmp_path / "c.yaml").write_text("title: Home (2008 film)\nwikidata: Q2\n", encoding="utf-8")
    assert cli("import", "--store", store_dir, "--base", BASE, tmp_path / "c.yaml").exit_code == 0
    named = names_and_durations(cli, store_dir)
    assert len(named) == 2 and any(names == {"Home", "Home (2008 film)"} for names, _ in named.values())


SLUG_TWINS = "title,year\nGood Boy,2003\nGood Boy!,2003\nLost,2004\n...Lost,2004\n"


def test_titles_whose_slugs_collide_in_one_year_are_two_films(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "twins.csv").write_text(SLUG_TWINS, encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, tmp_path / "twins.csv")
    assert result.exit_code == 0, result.stderr
    by_name = {next(iter(names)): film for film, (names, _) in names_and_durations(cli, store_dir).items()}
    assert by_name == {"Good Boy": f"{BASE}film/good-boy-2003", "Good Boy!": f"{BASE}film/good-boy-2003-2",
                       "Lost": f"{BASE}film/lost-2004", "...Lost": f"{BASE}film/lost-2004-2"}


@pytest.mark.parametrize("order", ["a-then-b", "b-then-a"])
def test_an_iri_once_minted_never_changes_and_is_never_given_to_another_film(
        cli: Cli, store_dir: Path, tmp_path: Path, order: str) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("title,year\nGood Boy,2003\n", encoding="utf-8")
    b.write_text("title,year\nGood Boy!,2003\n", encoding="utf-8")
    first, second = (a, b) if order == "a-then-b" else (b, a)
    assert cli("import", "--store", store_dir, "--base", BASE, first).exit_code == 0
    minted = names_and_durations(cli, store_dir)
    assert cli("import", "--store", store_dir, "--base", BASE, second).exit_code == 0
    both = names_and_durations(cli, store_dir)
    assert len(both) == 2 and set(minted) <= set(both) and both[next(iter(minted))] == minted[next(iter(minted))]
    # Re-importing either, in any order, moves nothing.
    for path in (second, first, second):
        assert cli("import", "--store", store_dir, "--base", BASE, path).exit_code == 0
        assert names_and_durations(cli, store_dir) == both


def test_a_corrected_title_keeps_its_film_iri(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    record = tmp_path / "film.yaml"
    record.write_text("title: Ilegal\nyear: 2010\ndirectors: [Olivier Masset-Depasse]\n", encoding="utf-8")
    assert cli("import", "--store", store_dir, "--base", BASE, record).exit_code == 0
    record.write_text("title: Illégal\nyear: 2010\ndirectors: [Olivier Masset-Depasse]\n", encoding="utf-8")
    assert cli("import", "--store", store_dir, "--base", BASE, record).exit_code == 0
    assert names_and_durations(cli, store_dir) == {f"{BASE}film/ilegal-2010": ({"Illégal"}, set())}


def test_a_claim_holds_its_sets_compactly_and_still_decides_alike() -> None:
    from lodfilm.identity import FilmClaim, same_film

    a = FilmClaim.of(record="r1", file="f", id=None, titles=["Été", "ÉTÉ ", "Summer"], year=2001,
                     directors=["d2", "d1", "d2"], identifiers=[])
    assert a.titles == ("summer", "été") and a.directors == ("d1", "d2") and a.identifiers == ()
    b = FilmClaim.of(record="r2", file="g", id=None, titles=["Ete"], year=2001, directors=["d2"], identifiers=[])
    c = FilmClaim.of(record="r3", file="g", id=None, titles=["Ete"], year=2001, directors=["d3"], identifiers=[])
    assert same_film(a, b) and not same_film(a, c)  # a director in common and the same slug; none in common


@pytest.mark.parametrize("limit", [2_000, 0], ids=["held", "spilled"])
def test_a_record_resolved_again_leaves_one_claim_on_its_film(limit: int) -> None:
    from lodfilm.identity import FilmClaim, FilmIdentities
    from lodfilm.importing.spill import SpilledDict
    from lodfilm.iris import Identities

    films = FilmIdentities(Identities(()), claims=SpilledDict(limit=limit))
    claim = FilmClaim.of(record="r1", file="f", id=None, titles=["X"], year=2001, directors=["d1"], identifiers=[])
    other = FilmClaim.of(record="r2", file="f", id=None, titles=["X"], year=2001, directors=["d1"], identifiers=[])
    assert films.resolve(claim, "film/x-2001", None) == "film/x-2001"
    assert films.resolve(other, "film/x-2001", None) == "film/x-2001"  # the same film: it shares the IRI
    assert films.resolve(claim, "film/x-2001", None) == "film/x-2001"
    assert [c.record for c in films.claims_of("film/x-2001")] == ["r2", "r1"]
    assert films.claims.spilled == (limit == 0)
    assert [c.record for c in films.holders("film/x-2001", "r1")] == ["r2"]
