"""Records as real archives have them (issue 14, point 2): only a title is required, a title may be a number,
years and runtimes come in the forms exports write them, in every input form, and every message names the value
it refuses and lists all of a record's problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lodfilm.records.values import latest_year
from tests.conftest import BASE, Cli, select

XSD = "http://www.w3.org/2001/XMLSchema#"


def film_values(cli: Cli, store: Path, prop: str) -> dict[str, set[str]]:
    rows = select(cli, store, f"SELECT ?name ?v WHERE {{ ?f a schema:Movie ; schema:name ?name ; schema:{prop} ?v }}")
    out: dict[str, set[str]] = {}
    for row in rows:
        out.setdefault(row["name"], set()).add(row["v"])
    return out


def test_a_film_with_only_a_title_is_stored_and_the_search_engine_lint_notes_no_director(
        cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    record = tmp_path / "bare.yaml"
    record.write_text("title: Nobody Knows Who Made It\n", encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, record)
    assert result.exit_code == 0, result.stderr
    rows = select(cli, store_dir, "SELECT ?f ?p WHERE { ?f a schema:Movie ; ?p ?o }")
    assert {row["f"] for row in rows} == {f"{BASE}film/nobody-knows-who-made-it"}
    assert "http://schema.org/director" not in {row["p"] for row in rows}  # no director invented
    lint = cli("validate", "--search-engines", "--base", BASE, record)
    assert "warning: missing director (recommended)" in lint.stdout


@pytest.mark.parametrize(("name", "content"), [
    ("numbers.yaml", "- {title: 2046, year: 2004, directors: [Wong Kar-wai]}\n- {title: 1941, year: 1979}\n"
                     "- {title: 300, year: 2006}\n"),
    ("numbers.json", json.dumps([{"title": 2046, "year": 2004}, {"title": 1941, "year": 1979},
                                 {"title": 300.0, "year": 2006}])),
    ("numbers.csv", "title,year\n2046,2004\n1941,1979\n300,2006\n"),
])
def test_a_title_that_is_a_number_is_a_title(cli: Cli, store_dir: Path, tmp_path: Path, name: str,
                                              content: str) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, tmp_path / name)
    assert result.exit_code == 0, result.stderr
    names = {row["n"] for row in select(cli, store_dir, "SELECT ?n WHERE { ?f a schema:Movie ; schema:name ?n }")}
    assert names == {"2046", "1941", "300"}


YEARS = ["1998", "1998-06-12", "Jun 12 1998", "12 June 1998"]


@pytest.mark.parametrize("form", ["yaml", "json", "csv"])
def test_years_as_exports_write_them_and_a_full_date_is_kept_as_the_release_date(
        cli: Cli, store_dir: Path, tmp_path: Path, form: str) -> None:
    films = [{"title": f"Film {n}", "year": year} for n, year in enumerate(YEARS)]
    path = tmp_path / f"years.{form}"
    if form == "csv":
        path.write_text("title,year\n" + "".join(f"{f['title']},{f['year']}\n" for f in films), encoding="utf-8")
    else:
        path.write_text(json.dumps(films), encoding="utf-8")  # JSON is YAML
    result = cli("import", "--store", store_dir, "--base", BASE, path)
    assert result.exit_code == 0, result.stderr
    assert film_values(cli, store_dir, "dateCreated") == {f"Film {n}": {"1998"} for n in range(4)}
    assert film_values(cli, store_dir, "datePublished") == {f"Film {n}": {"1998-06-12"} for n in (1, 2, 3)}


def test_a_release_date_with_no_year_gives_the_year(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text("title: Released\nrelease_date: Jun 12 1998\n", encoding="utf-8")
    assert cli("import", "--store", store_dir, "--base", BASE, tmp_path / "r.yaml").exit_code == 0
    assert film_values(cli, store_dir, "dateCreated") == {"Released": {"1998"}}
    rows = select(cli, store_dir, "SELECT ?d WHERE { ?f schema:datePublished ?d FILTER(datatype(?d) = xsd:date) }")
    assert rows == [{"d": "1998-06-12"}]


@pytest.mark.parametrize("form", ["yaml", "json", "csv"])
def test_a_year_more_than_five_years_ahead_is_in_the_future(cli: Cli, store_dir: Path, tmp_path: Path,
                                                            form: str) -> None:
    ahead = latest_year() + 1
    path = tmp_path / f"future.{form}"
    if form == "csv":
        path.write_text(f"title,year\nSoon,{ahead}\nNow,2020\n", encoding="utf-8")
        label = "line 2 (Soon)"
    else:
        path.write_text(json.dumps([{"title": "Soon", "year": ahead}, {"title": "Now", "year": 2020}]),
                        encoding="utf-8")
        label = "Soon (record 1)"
    result = cli("import", "--store", store_dir, "--base", BASE, path)
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"{path}: {label}: year: {ahead} is in the future (a film's year is at most "
                                     f"{latest_year()})")
    assert film_values(cli, store_dir, "dateCreated") == {"Now": {"2020"}}


RUNTIMES = [95, 95.0, "95", "95.0", "95 min", "1h 35", "95'"]
# A page's header has no field names: a runtime there says its unit ("95" alone could be anything).
PAGE_RUNTIMES = ["95 min", "95.0 min", "1h 35", "95'", "95 mins"]


@pytest.mark.parametrize("form", ["yaml", "json", "csv", "txt"])
def test_runtimes_in_every_form(cli: Cli, store_dir: Path, tmp_path: Path, form: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    runtimes: list[object] = list(PAGE_RUNTIMES if form == "txt" else RUNTIMES)
    for n, runtime in enumerate(runtimes):
        name = f"Film {n}"
        if form == "csv":
            (folder / f"f{n}.csv").write_text(f"title,runtime_minutes\n{name},{runtime}\n", encoding="utf-8")
        elif form == "txt":
            (folder / f"f{n}.txt").write_text(f"{name}\n\nJane Doe\n\n{runtime}\n\n2010\n", encoding="utf-8")
        else:
            (folder / f"f{n}.{form}").write_text(json.dumps({"title": name, "runtime_minutes": runtime}),
                                                 encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, folder)
    assert result.exit_code == 0, result.stderr
    assert film_values(cli, store_dir, "duration") == {f"Film {n}": {"PT1H35M"} for n in range(len(runtimes))}


def test_a_message_names_each_refused_value_and_lists_all_of_a_record_s_problems(
        cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("title: Broken\nyear: 20l1\nruntime_minutes: ninety\ncountries: [Narnia]\nwikidata: X12\n"
                    "image: not a url\n", encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, path)
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"{path}: Broken: ")
    for problem in ("year: '20l1' is not a year", "runtime_minutes: 'ninety' is not a number of minutes",
                    "countries: unknown country 'Narnia'", "wikidata: 'X12' is not a Wikidata id",
                    "image: 'not a url' is not a web address"):
        assert problem in line, line
    assert "more problem" not in line


def test_a_file_of_a_format_lodfilm_does_not_read_is_a_usage_error(cli: Cli, store_dir: Path,
                                                                   tmp_path: Path) -> None:
    (tmp_path / "film.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "good.yaml").write_text("title: Good\n", encoding="utf-8")
    result = cli("import", "--store", store_dir, "--base", BASE, tmp_path / "good.yaml", tmp_path / "film.docx")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: unknown format: {tmp_path / 'film.docx'} (lodfilm reads ")
    assert not store_dir.exists()  # nothing was read or stored
