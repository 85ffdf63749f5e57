"""``lodfilm query --format table`` (issue 15 point 6): an answer as an aligned table in a terminal, run as a user
runs it — the real ``lodfilm`` command in a subprocess, its terminal as wide as ``COLUMNS`` says — over a store
imported by the real CLI, with titles in scripts whose characters are not one terminal cell each.

Alignment is checked in terminal cells, measured by ``wcwidth``: each column starts at the same cell on every line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from wcwidth import wcswidth

from tests.conftest import BASE

WIDE = "花様年華"  # East Asian wide: two cells a character
COMBINING = "Ame\u0301lie"  # a combining acute accent: no cell of its own
EMOJI = "Film 🎬 night"
LONG = "A very long title " * 8
FILMS = [
    {"title": WIDE, "year": 2000, "directors": ["王家衛"], "countries": ["HK"]},
    {"title": COMBINING, "year": 2001, "directors": ["Jean-Pierre Jeunet"], "countries": ["France"]},
    {"title": EMOJI, "year": 2002, "directors": ["Ann Lee"], "countries": ["Denmark"],
     "synopsis": "Line one.\nLine two.\ttabbed"},
    {"title": LONG.strip(), "year": 2003, "directors": ["Bo Long"], "countries": ["Sweden"]},
]
TITLES = "SELECT ?title ?year ?director WHERE { ?f a schema:Movie ; schema:name ?title ; schema:dateCreated ?year ; " \
         "schema:director/schema:name ?director } ORDER BY ?year"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("table")
    (root / "films.json").write_text(json.dumps(FILMS, ensure_ascii=False), encoding="utf-8")
    imported = run(root / "store", "import", "--base", BASE, "--no-progress", root / "films.json", columns=80)
    assert imported.returncode == 0, imported.stderr
    return root / "store"


def run(store: Path, *args: str | Path, columns: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LODFILM_")}
    env.update(COLUMNS=str(columns), LINES="24", PYTHONIOENCODING="utf-8")
    command, *rest = args
    return subprocess.run([sys.executable, "-m", "lodfilm", str(command), "--store", str(store), *map(str, rest)],
                          capture_output=True, text=True, env=env, timeout=120)


def table(store: Path, query: str, columns: int = 200) -> list[str]:
    result = run(store, "query", "--format", "table", query, columns=columns)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout.splitlines()


def json_rows(store: Path, query: str) -> list[list[str]]:
    result = run(store, "query", "--format", "json", query, columns=200)
    data = json.loads(result.stdout)
    names = data["head"]["vars"]
    return [[row[n]["value"] if n in row else "" for n in names] for row in data["results"]["bindings"]]


def column_starts(rule: str) -> list[int]:
    """The cells where each column starts, from the rule under the header (``-----  ---``)."""
    starts = [i for i, char in enumerate(rule) if char == "-" and (i == 0 or rule[i - 1] == " ")]
    return starts


def split_at(line: str, starts: list[int]) -> list[str]:
    """``line``'s values at these cell offsets (each value measured in terminal cells)."""
    values: list[str] = []
    cell = 0
    current = ""
    column = 0
    for char in line:
        if column + 1 < len(starts) and cell >= starts[column + 1]:
            values.append(current.rstrip())
            current = ""
            column += 1
        current += char
        cell += max(0, wcswidth(char))
    values.append(current.rstrip())
    return values + [""] * (len(starts) - len(values))


def test_a_select_is_an_aligned_table_with_its_row_count(store: Path) -> None:
    lines = table(store, TITLES)
    header, rule, *rows, count = lines
    assert header.split() == ["?title", "?year", "?director"]
    starts = column_starts(rule)
    assert len(starts) == 3
    assert count == "4 rows"
    values = [split_at(row, starts) for row in rows]
    expected = [[title, f"{year}^^xsd:gYear", director] for title, year, director in json_rows(store, TITLES)]
    assert values == expected
    for row in rows:  # each column starts at the same cell on every line: the cells before it add up
        for start, value in zip(starts[1:], split_at(row, starts)[1:], strict=True):
            index = row.index(value)
            assert wcswidth(row[:index]) == start, (row, value)


def test_wide_values_are_cut_with_an_ellipsis_to_fit_the_terminal(store: Path) -> None:
    for columns in (40, 60):
        lines = table(store, TITLES, columns=columns)
        assert all(wcswidth(line) <= columns for line in lines), [(wcswidth(x), x) for x in lines]
        rows = [split_at(line, column_starts(lines[1])) for line in lines[2:-1]]
        long_title = rows[-1][0]
        assert long_title.endswith("…") and LONG.startswith(long_title[:-1])
        assert rows[0][0] == WIDE  # short values stay whole
    wide = table(store, TITLES, columns=200)
    assert not any("…" in line for line in wide)


def test_east_asian_wide_and_combining_characters_take_their_terminal_width(store: Path) -> None:
    lines = table(store, TITLES)
    starts = column_starts(lines[1])
    by_title = {split_at(line, starts)[0]: line for line in lines[2:-1]}
    for title in (WIDE, COMBINING, EMOJI):
        line = by_title[title]
        year = line.index("200")
        assert wcswidth(line[:year]) == starts[1], (title, line)
    # a wide title cut in a narrow terminal keeps whole characters: no half of a two-cell character
    query = f'SELECT ?t WHERE {{ ?f schema:name ?t FILTER(?t = "{WIDE}") }}'
    assert table(store, query, columns=5)[2] == "花様…"  # 2 + 2 + 1 cells
    assert table(store, query, columns=4)[2] == "花…"  # 花様 and the ellipsis would take 5 cells


def test_control_characters_in_a_value_keep_each_row_on_one_line(store: Path) -> None:
    lines = table(store, 'SELECT ?s WHERE { ?f schema:description ?s }')
    assert lines[2] == "Line one.\\nLine two.\\ttabbed"
    assert lines[-1] == "1 row"


def test_numbers_are_written_bare_other_datatypes_with_theirs(store: Path) -> None:
    lines = table(store, 'SELECT (COUNT(*) AS ?n) (1.5 AS ?d) (true AS ?b) ("2001"^^xsd:gYear AS ?y) WHERE { '
                         '?f a schema:Movie }')
    assert lines[2].split() == ["4", "1.5", "true", "2001^^xsd:gYear"]


def test_ask_prints_yes_or_no(store: Path) -> None:
    assert table(store, "ASK { ?f a schema:Movie }") == ["yes"]
    assert table(store, "ASK { ?f a schema:Galaxy }") == ["no"]


def test_construct_and_describe_print_subject_predicate_and_object(store: Path) -> None:
    query = "CONSTRUCT { ?f schema:name ?t } WHERE { ?f schema:name ?t ; schema:dateCreated ?y }"
    header, rule, *rows, count = table(store, query, columns=400)  # a wide terminal: no value is cut
    assert header.split() == ["subject", "predicate", "object"]
    assert count == "4 triples"
    starts = column_starts(rule)
    triples = {tuple(split_at(row, starts)) for row in rows}
    assert {t[1] for t in triples} == {"schema:name"}
    assert {t[2] for t in triples} == {WIDE, COMBINING, EMOJI, LONG.strip()}
    assert all(t[0].startswith(f"{BASE}film/") for t in triples)
    described = table(store, f"DESCRIBE <{next(iter(triples))[0]}>")
    assert described[0].split() == ["subject", "predicate", "object"] and described[-1].endswith("triples")


def test_an_empty_answer_still_has_its_header_and_count(store: Path) -> None:
    assert table(store, "SELECT ?x ?y WHERE { ?x a schema:Galaxy ; schema:name ?y }") == [
        "?x  ?y", "--  --", "0 rows"]


def test_a_malformed_query_is_an_error_with_status_3_and_no_table(store: Path) -> None:
    result = run(store, "query", "--format", "table", "SELECT ?x WHERE {", columns=80)
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.startswith("Error: malformed query: error at 1:18") and "Traceback" not in result.stderr
