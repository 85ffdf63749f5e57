"""Records are keyed by their file's path, not its name: no import removes, or shares, another file's records.

Each case is one that broke when records were keyed by the file's name (issue 13, point 2), run through the real
CLI into a real store."""

from __future__ import annotations

import json
from pathlib import Path

from lodfilm.iris import file_key
from tests.conftest import BASE, Cli, select


def film(title: str, year: int, director: str = "Jane Doe") -> dict[str, object]:
    return {"title": title, "year": year, "directors": [director]}


def write(path: Path, records: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def imported(cli: Cli, store: Path, *paths: Path) -> str:
    """The import's summary line (stdout); it must have landed every record."""
    result = cli("import", "--store", store, "--base", BASE, *paths)
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


def titles(cli: Cli, store: Path) -> list[str]:
    rows = select(cli, store, "SELECT ?t WHERE { ?f a schema:Movie ; schema:name ?t } ORDER BY ?t")
    return [row["t"] for row in rows]


def records(cli: Cli, store: Path) -> dict[str, str]:
    """Each record graph → the film it is about."""
    rows = select(cli, store, "SELECT ?g ?f WHERE { GRAPH ?g { ?g schema:about ?f } }")
    return {row["g"]: row["f"] for row in rows}


def test_importing_b_films_keeps_the_films_of_a_file_of_the_same_name(cli: Cli, store_dir: Path,
                                                                      tmp_path: Path) -> None:
    a = write(tmp_path / "a" / "films.json", [film("Alpha", 2001), film("Beta", 2002)])
    b = write(tmp_path / "b" / "films.json", [film("Gamma", 2003), film("Delta", 2004)])
    imported(cli, store_dir, a)
    summary = imported(cli, store_dir, b)
    assert "removed" not in summary
    assert titles(cli, store_dir) == ["Alpha", "Beta", "Delta", "Gamma"]
    assert len(records(cli, store_dir)) == 4


def test_two_files_of_one_name_in_one_run_are_two_records(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    c = write(tmp_path / "c" / "film.json", film("Gamma", 2003))
    d = write(tmp_path / "d" / "film.json", film("Delta", 2004))
    assert "2 records read: 2 stored" in imported(cli, store_dir, c, d)
    assert len(records(cli, store_dir)) == 2
    # Re-importing c alone is about c alone: d's film stays.
    summary = imported(cli, store_dir, c)
    assert "1 records read: 0 stored, 1 unchanged, 0 rejected;" in summary and "removed" not in summary
    assert titles(cli, store_dir) == ["Delta", "Gamma"]


def test_names_one_slug_apart_in_one_folder_are_two_records(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    write(tmp_path / "in" / "Film.json", film("Upper", 2001))
    write(tmp_path / "in" / "film.json", film("Lower", 2002))
    assert "2 records read: 2 stored" in imported(cli, store_dir, tmp_path / "in")
    assert titles(cli, store_dir) == ["Lower", "Upper"]
    assert "0 stored, 2 unchanged" in imported(cli, store_dir, tmp_path / "in")
    assert titles(cli, store_dir) == ["Lower", "Upper"]


def test_a_file_that_becomes_a_list_and_back_leaves_no_stale_record(cli: Cli, store_dir: Path,
                                                                    tmp_path: Path) -> None:
    path = write(tmp_path / "f" / "films.json", film("Alpha", 2001))
    other = write(tmp_path / "g" / "films.json", [film("Other", 2009)])  # same name, another folder: never touched
    imported(cli, store_dir, path, other)

    write(path, [film("Alpha", 2001), film("Beta", 2002)])
    assert "1 removed" in imported(cli, store_dir, path)  # the single record, now the list's first
    assert titles(cli, store_dir) == ["Alpha", "Beta", "Other"]
    assert len(records(cli, store_dir)) == 3

    write(path, film("Alpha", 2001))
    assert "2 removed" in imported(cli, store_dir, path)  # both of the list's records
    assert titles(cli, store_dir) == ["Alpha", "Other"]
    assert sorted(records(cli, store_dir).values()) == [f"{BASE}film/alpha-2001", f"{BASE}film/other-2009"]


def test_a_record_is_keyed_by_its_path_and_names_only_its_file(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    """The record IRI is readable (the file's name) and unique (a digest of the path); the record says which file
    it came from by name, without publishing the folders it sits in."""
    path = write(tmp_path / "private" / "Films Of 2001.json", [film("Alpha", 2001)])
    imported(cli, store_dir, path)
    (record,) = records(cli, store_dir)
    assert record == f"{BASE}record/{file_key(path.resolve())}/alpha-2001"
    assert record.startswith(f"{BASE}record/films-of-2001-json-")
    rows = select(cli, store_dir, f"SELECT ?file WHERE {{ <{record}> dcterms:source ?file }}")
    assert rows == [{"file": "Films Of 2001.json"}]
    dump = cli("dump", "--store", store_dir, "--format", "nq")
    assert dump.exit_code == 0 and "private" not in dump.stdout and str(tmp_path) not in dump.stdout


def test_a_file_reached_through_a_link_is_the_file_itself(cli: Cli, store_dir: Path, tmp_path: Path) -> None:
    """A link in the folder to a file there is the same file: one record, read once, whichever name is given."""
    path = write(tmp_path / "in" / "films.json", [film("Alpha", 2001)])
    (tmp_path / "in" / "alias.json").symlink_to("films.json")
    assert "1 records read: 1 stored" in imported(cli, store_dir, tmp_path / "in")
    summary = imported(cli, store_dir, tmp_path / "in" / "alias.json")
    assert "1 records read: 0 stored, 1 unchanged" in summary and "removed" not in summary
    assert list(records(cli, store_dir)) == [f"{BASE}record/{file_key(path.resolve())}/alpha-2001"]
