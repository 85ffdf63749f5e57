"""Bad records through the real ``lodfilm import`` into a real store: exit status 1, one ``path: record: field:
reason`` line per rejected record, no traceback, and every good record of the same command stored."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from lodfilm.cli import main
from lodfilm.records.structured import MAYBE_ANCHOR

ROOT = Path(__file__).resolve().parent.parent
SEED_PAGE = ROOT / "data" / "illegal-2010.txt"
SEED_YAML = ROOT / "data" / "illegal-2010.yaml"
LUX_TABLE = ROOT / "data" / "lux-selection.csv"
BASE = "http://films.example.org/"

GOOD_PAGE = "Bonne Nouvelle (Good News)\n\nJane Doe\n\nFrance\n\n88 min\n\n2015\n\nScreenplay: Bob Smith\n"
GOOD_TITLES = {"Bonne Nouvelle", "Illégal"}


def cli(*args: str | Path) -> Result:
    # click >= 8.2 keeps stderr apart from stdout by default (result.stderr / result.stdout).
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def import_(store: Path, *paths: Path) -> Result:
    return cli("import", "--store", store, "--base", BASE, *paths)


def stats(store: Path) -> dict[str, int]:
    result = cli("stats", "--store", store, "--json")
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def titles(store: Path) -> set[str]:
    """Original titles of the films in the store, via ``lodfilm query``."""
    result = cli(
        "query",
        "--store",
        store,
        "--format",
        "json",
        "SELECT ?t WHERE { ?f a schema:Movie ; schema:name ?t . FILTER NOT EXISTS { ?f schema:alternateName ?t } }",
    )
    assert result.exit_code == 0, result.stderr
    return {row["t"]["value"] for row in json.loads(result.stdout)["results"]["bindings"]}


def film_literals(store: Path, title: str) -> dict[str, set[str]]:
    query = (
        "SELECT ?p ?o WHERE { ?f a schema:Movie ; schema:name " + json.dumps(title) + " ; ?p ?o . "
        "FILTER(isLiteral(?o)) }"
    )
    result = cli("query", "--store", store, "--format", "json", query)
    assert result.exit_code == 0, result.stderr
    out: dict[str, set[str]] = {}
    for row in json.loads(result.stdout)["results"]["bindings"]:
        out.setdefault(row["p"]["value"].removeprefix("http://schema.org/"), set()).add(row["o"]["value"])
    return out


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def good_inputs(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "good.txt"
    page.write_text(GOOD_PAGE, encoding="utf-8")
    yaml_copy = folder / "illegal-2010.yaml"
    shutil.copy(SEED_YAML, yaml_copy)
    return [page, yaml_copy]


@dataclass(frozen=True)
class Bad:
    """A bad input file and what its one stderr line must say after ``path: ``."""

    name: str
    content: bytes
    record: str | None  # None: the file as a whole is refused (no record, no field)
    field: str | None
    reason: str  # the start of the reason


def text(value: str) -> bytes:
    return value.encode("utf-8")


BAD = [
    Bad("empty.txt", b"", None, None, "file is empty"),
    Bad("empty.yaml", b"", None, None, "file is empty"),
    Bad("empty.json", b"", None, None, "file is empty"),
    Bad("empty.csv", b"", None, None, "file is empty"),
    Bad("blank.txt", b" \n\r\n\t\n", None, None, "file is empty"),
    Bad(
        "notitle.txt",
        text("Synopsis: A woman crosses a border.\n"),
        "notitle.txt",
        "title",
        "the page has no title line",
    ),
    Bad(
        "runtime-words.txt",
        text("Long Film\n\nJane Doe\n\nRuntime: ninety minutes\n"),
        "Long Film",
        "runtime_minutes",
        "'ninety minutes' is not a number of minutes",
    ),
    Bad(
        "year-letter.txt",
        text("Typo Film\n\nJane Doe\n\n95 min\n\n20l1\n"),
        "Typo Film",
        "year",
        "'20l1' is not a year",
    ),
    Bad(
        "runtime-negative.txt",
        text("Short Film\n\nJane Doe\n\n-5 min\n\n2011\n"),
        "Short Film",
        "runtime_minutes",
        "'-5 min' is not a number of minutes",
    ),
    Bad(
        "latin1.txt",
        "Illégal\n\nOlivier Masset-Depasse\n".encode("latin-1"),
        None,
        None,
        "not UTF-8 text (bad byte 0xe9 at offset 3)",
    ),
    Bad(
        "garbage.txt",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        None,
        None,
        "not UTF-8 text (bad byte 0x89 at offset 0)",
    ),
    Bad(
        "nul.yaml",
        b"title: A\x00\x01\x02\ndirectors: [B]\x00\n",
        None,
        None,
        "binary data, not a text record",
    ),
    Bad("truncated.yaml", text("title: Truncated\ndirectors: [Jane Doe,\n"), None, None, "not valid YAML: "),
    Bad(
        "truncated.json",
        text('{"title": "Truncated", "directors": ["Jane Doe"'),
        None,
        None,
        "not valid JSON: ",
    ),
    Bad(
        "alias.yaml",
        text("title: &t Alias Film\ndirectors: [*t]\n"),
        None,
        None,
        "not valid YAML: YAML anchors and aliases are not allowed in film records",
    ),
    Bad(
        "typo.yaml",
        text("title: Typo Film\ndirecter: [Jane Doe]\nyear: 2011\n"),
        "Typo Film",
        "directer",
        "is not a field of a film record",
    ),
    Bad(
        "narnia.txt",
        text("Lion Film\n\nJane Doe\n\nNarnia\n\n95 min\n\n2011\n"),
        "Lion Film",
        "countries",
        "unknown country 'Narnia'",
    ),
    Bad(
        "narnia.yaml",
        text("title: Lion Film\ndirectors: [Jane Doe]\ncountries: [France, Narnia]\n"),
        "Lion Film",
        "countries",
        "unknown country 'Narnia'",
    ),
    Bad(
        "wikidata.yaml",
        text("title: Wrong Id\ndirectors: [Jane Doe]\nwikidata: X12\n"),
        "Wrong Id",
        "wikidata",
        "'X12' is not a Wikidata id (Q followed by digits)",
    ),
    Bad(
        "baddate.yaml",
        text("title: Bad Date\ndirectors: [Jane Doe]\nyear: 2010-02-30\n"),
        None,
        None,
        "not valid YAML: ",
    ),
    Bad(
        "nocolumn.csv",
        text("directors,countries\nJane Doe,France\n"),
        "header",
        "title",
        "missing column(s) title",
    ),
    # Python's int() refuses more than 4,300 digits with a ValueError, which escaped the JSON reader.
    Bad(
        "long-number.json",
        text('{"title": "Long Number", "directors": ["Jane Doe"], "year": ' + "1" * 5000 + "}"),
        None,
        None,
        "not valid JSON: a number of 5000 digits (at most 4300)",
    ),
    Bad(
        "long-number.yaml",
        text("title: Long Number\ndirectors: [Jane Doe]\nyear: " + "1" * 5000 + "\n"),
        None,
        None,
        "not valid YAML: a number of 5000 digits (at most 4300) at line 3",
    ),
    # PyYAML's constructors trust an explicitly tagged value to look like its type.
    Bad("tagged-bool.yaml", text("title: !!bool maybe\ndirectors: [Jane Doe]\n"), None, None,
        "not valid YAML: 'maybe' is not a valid bool at line 1"),
    Bad("tagged-timestamp.yaml", text("title: Tagged\ndirectors: [Jane Doe]\nyear: !!timestamp soon\n"), None, None,
        "not valid YAML: 'soon' is not a valid timestamp at line 3"),
    Bad("tagged-int.yaml", text("title: Tagged\ndirectors: [Jane Doe]\nyear: !!int ''\n"), None, None,
        "not valid YAML: '' is not a valid int at line 3"),
    Bad("tagged-map.yaml", text("title: Tagged\ndirectors: !!map [Jane Doe]\n"), None, None,
        "not valid YAML: a !!map tag on what is not a mapping at line 2"),
    # A key given twice was "last one wins": the record said two things and lodfilm kept one silently.
    Bad("twice.json", text('{"title": "Twice", "directors": ["Jane Doe"], "year": 2011, "year": 2012}'),
        "Twice", "year", "is given twice"),
    Bad("twice.yaml", text("title: Twice\ndirectors: [Jane Doe]\nyear: 2011\nyear: 2012\n"),
        "Twice", "year", "is given twice"),
    Bad("twice-nested.yaml", text("title: Twice\ndirectors: [{name: Jane Doe, name: John Doe}]\n"),
        "Twice", "directors[0].name", "is given twice"),
    Bad("twice.csv", text("title,directors,year,year\nTwice,Jane Doe,2011,2012\n"),
        "header", "year", "repeated column(s) year"),
    # Files that are not records at all: named, never quoted.
    Bad("passwd.txt", text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"),
        None, None, "not a film page: "),
    Bad("passwd.csv", text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"),
        "header", None, "not a film table: no column names a record field"),
    Bad("config.yaml", text("database: {user: admin, password: hunter2}\n"), None, None,
        "not a film record: none of its keys is a field of a film record"),
]


@pytest.mark.parametrize("bad", BAD, ids=[b.name for b in BAD])
def test_bad_record_is_rejected_and_good_ones_land(tmp_path: Path, bad: Bad) -> None:
    good = good_inputs(tmp_path / "in")
    bad_path = tmp_path / "in" / bad.name
    bad_path.write_bytes(bad.content)
    store = tmp_path / "store"

    result = import_(store, *good, bad_path)

    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = error_lines(result)
    assert len(lines) == 1, lines
    where = [str(bad_path)] + [part for part in (bad.record, bad.field) if part is not None]
    prefix = ": ".join(where) + ": "
    assert lines[0].startswith(prefix + bad.reason), lines[0]
    assert "3 records read: 2 stored, 0 unchanged, 1 rejected" in result.stdout
    assert titles(store) == GOOD_TITLES
    assert stats(store)["records"] == 2


def test_csv_row_with_wrong_number_of_cells_is_rejected_and_other_rows_land(tmp_path: Path) -> None:
    table = tmp_path / "table.csv"
    table.write_text(
        "title,directors,year\n"
        "First Film,Jane Doe,2011\n"
        "Broken Film,Jane Doe,2012,extra\n"
        "Third Film,Bob Smith | Ann Lee,2013\n",
        encoding="utf-8",
    )
    store = tmp_path / "store"
    result = import_(store, table)
    assert result.exit_code == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert error_lines(result) == [f"{table}: line 3 (Broken Film): has 4 cells, the header has 3"]
    assert titles(store) == {"First Film", "Third Film"}
    assert stats(store)["records"] == 2


def test_bad_records_inside_one_yaml_list_do_not_hide_the_others(tmp_path: Path) -> None:
    films = tmp_path / "films.yaml"
    films.write_text(
        "- {title: One, directors: [Jane Doe], year: 2011}\n"
        "- {title: Two, directors: [Ann Roe], year: 20l2}\n"
        "- {title: Three, directors: [Bob Smith], year: 2013}\n",
        encoding="utf-8",
    )
    store = tmp_path / "store"
    result = import_(store, films)
    assert result.exit_code == 1
    lines = error_lines(result)
    assert len(lines) == 1
    assert lines[0] == f"{films}: Two (record 2): year: '20l2' is not a year"
    assert titles(store) == {"One", "Three"}


def test_several_bad_files_give_one_line_each(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    good_inputs(folder)
    (folder / "a.json").write_text('{"title": "A"', encoding="utf-8")
    (folder / "b.txt").write_text("B Film\n\nJane Doe\n\n20l1\n", encoding="utf-8")
    (folder / "c.yaml").write_text("title: C\ndirectors: [D]\nruntime_minutes: -5\n", encoding="utf-8")
    store = tmp_path / "store"
    result = import_(store, folder)
    assert result.exit_code == 1
    lines = sorted(error_lines(result))
    assert len(lines) == 3, lines
    assert lines[0].startswith(f"{folder / 'a.json'}: not valid JSON: ")
    assert lines[1].startswith(f"{folder / 'b.txt'}: B Film: year: ")
    assert lines[2].startswith(f"{folder / 'c.yaml'}: C: runtime_minutes: ")
    assert titles(store) == GOOD_TITLES


def test_all_good_import_exits_zero(tmp_path: Path) -> None:
    store = tmp_path / "store"
    result = import_(store, SEED_PAGE, SEED_YAML, LUX_TABLE)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    with LUX_TABLE.open(encoding="utf-8", newline="") as table:
        rows = list(csv.DictReader(table))
    expected = 2 + len(rows)
    assert f"{expected} records read: {expected} stored, 0 unchanged, 0 rejected" in result.stdout
    assert stats(store)["records"] == expected
    assert {"Illégal", rows[0]["original_title"], rows[-1]["original_title"]} <= titles(store)


def test_rejected_correction_keeps_the_stored_version(tmp_path: Path) -> None:
    record = tmp_path / "in" / "illegal-2010.yaml"
    record.parent.mkdir()
    shutil.copy(SEED_YAML, record)
    store = tmp_path / "store"
    assert import_(store, record).exit_code == 0
    before_stats = stats(store)
    before = film_literals(store, "Illégal")
    assert before["duration"] == {"PT1H35M"}
    assert before["dateCreated"] == {"2010"}

    # The same file, "corrected" but broken: a runtime that is no runtime, and a new year.
    broken = SEED_YAML.read_text(encoding="utf-8")
    assert "runtime_minutes: 95\n" in broken and "year: 2010\n" in broken
    broken = broken.replace("runtime_minutes: 95\n", "runtime_minutes: -5\n").replace(
        "year: 2010\n", "year: 2011\n"
    )
    record.write_text(broken, encoding="utf-8")
    result = import_(store, record)

    assert result.exit_code == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert error_lines(result) == [f"{record}: Illégal: runtime_minutes: '-5' is not a runtime (more than 0 and at "
                                   "most 100000 minutes)"]
    assert film_literals(store, "Illégal") == before
    assert stats(store) == before_stats


def test_rejected_csv_row_keeps_its_stored_version_and_the_others(tmp_path: Path) -> None:
    table = tmp_path / "table.csv"
    table.write_text(
        "title,directors,year\nFirst Film,Jane Doe,2011\nSecond Film,Bob Smith,2012\n", encoding="utf-8"
    )
    store = tmp_path / "store"
    assert import_(store, table).exit_code == 0
    before = stats(store)
    table.write_text(
        "title,directors,year\nFirst Film,Jane Doe,2011\nSecond Film,Bob Smith,20l2\n", encoding="utf-8"
    )
    result = import_(store, table)
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert line.startswith(f"{table}: line 3 (Second Film): year: ")
    assert titles(store) == {"First Film", "Second Film"}
    assert film_literals(store, "Second Film")["dateCreated"] == {"2012"}
    assert stats(store) == before


def lodfilm_script() -> str:
    script = Path(sys.executable).parent / "lodfilm"
    found = str(script) if script.exists() else shutil.which("lodfilm")
    assert found, "the lodfilm console script is not installed"
    return found


def test_console_script_rejects_bad_page_without_traceback(tmp_path: Path) -> None:
    good = good_inputs(tmp_path / "in")
    bad = tmp_path / "in" / "bad.txt"
    bad.write_text("Typo Film\n\nJane Doe\n\n95 min\n\n20l1\n", encoding="utf-8")
    garbage = tmp_path / "in" / "garbage.json"
    garbage.write_bytes(b"\xff\xfe\x00\x00garbage")
    store = tmp_path / "store"

    done = subprocess.run(
        [
            lodfilm_script(),
            "import",
            "--store",
            str(store),
            "--base",
            BASE,
            *map(str, good),
            str(bad),
            str(garbage),
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )

    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = sorted(line for line in done.stderr.splitlines() if line.strip())
    assert lines == [
        f"{bad}: Typo Film: year: '20l1' is not a year (four digits)",
        f"{garbage}: not UTF-8 text (bad byte 0xff at offset 0)",
    ]
    assert "4 records read: 2 stored, 0 unchanged, 2 rejected" in done.stdout
    assert titles(store) == GOOD_TITLES


scalars = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@st.composite
def shared_documents(draw: st.DrawFn) -> str:
    """YAML texts in which PyYAML writes anchors and aliases (an object used twice), in block and flow style,
    with or without tags, a document start and a byte-order mark."""
    shared = draw(st.one_of(st.lists(scalars, min_size=1, max_size=3),
                            st.dictionaries(scalars, scalars, min_size=1, max_size=3)))
    extra = draw(st.lists(scalars, max_size=3))
    document = draw(st.sampled_from([
        {"title": shared, "directors": [shared, *extra]},
        [extra, shared, {"x": shared}],
        {"a": {"b": [shared]}, "c": shared},
    ]))
    text = yaml.dump(document, allow_unicode=draw(st.booleans()), default_flow_style=draw(st.sampled_from(
        [None, True, False])), explicit_start=draw(st.booleans()), canonical=draw(st.booleans()))
    return ("\ufeff" if draw(st.booleans()) else "") + text


@settings(max_examples=300, deadline=None)
@given(shared_documents())
def test_every_anchor_libyaml_finds_is_seen_before_the_scan(text: str) -> None:
    tokens = list(yaml.scan(text, Loader=yaml.SafeLoader))
    assert any(isinstance(t, yaml.AnchorToken | yaml.AliasToken) for t in tokens)
    assert MAYBE_ANCHOR.search(text)


# Bad files cost one line each (issue 13, point 5).


def run_script(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The real console script in its own process, with 1.5 GB of address space: a file read without end (a
    device, a FIFO) fails this rather than the machine."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))

    return subprocess.run([lodfilm_script(), *map(str, args)], capture_output=True, text=True, encoding="utf-8",
                          timeout=timeout, check=False, preexec_fn=limit)


def test_a_link_to_dev_zero_is_refused_not_read(tmp_path: Path) -> None:
    good = good_inputs(tmp_path / "in")
    zero = tmp_path / "zero.txt"
    zero.symlink_to("/dev/zero")
    store = tmp_path / "store"
    done = run_script("import", "--store", store, "--base", BASE, *good, zero)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [f"{zero}: not a regular file (a character device); not read"]
    assert titles(store) == GOOD_TITLES


def test_a_fifo_named_on_the_command_line_is_refused_without_waiting(tmp_path: Path) -> None:
    import os

    good = good_inputs(tmp_path / "in")
    fifo = tmp_path / "films.yaml"
    os.mkfifo(fifo)
    store = tmp_path / "store"
    done = run_script("import", "--store", store, "--base", BASE, fifo, *good, timeout=60)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [f"{fifo}: not a regular file (a FIFO); not read"]
    assert titles(store) == GOOD_TITLES


def test_a_fifo_in_a_folder_is_reported_not_passed_over(tmp_path: Path) -> None:
    import os

    good_inputs(tmp_path / "in")
    os.mkfifo(tmp_path / "in" / "films.json")
    result = import_(tmp_path / "store", tmp_path / "in")
    assert result.exit_code == 1
    assert error_lines(result) == [f"{tmp_path / 'in' / 'films.json'}: not a regular file (a FIFO); not read"]
    assert titles(tmp_path / "store") == GOOD_TITLES


SECRET_PAGE = "Secret Film\n\nJane Doe\n\n95 min\n\n2011\n\nSynopsis: hunter2 is the password.\n"


def test_a_link_out_of_the_folder_is_refused_and_its_file_never_read(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    good_inputs(folder)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text(SECRET_PAGE, encoding="utf-8")
    (folder / "secret.txt").symlink_to(tmp_path / "outside" / "secret.txt")
    (folder / "passwd.csv").symlink_to("../outside/secret.txt")
    (folder / "inside.txt").symlink_to("good.txt")  # a link within the folder is the file it names
    store = tmp_path / "store"
    result = import_(store, folder)
    assert result.exit_code == 1
    target = tmp_path / "outside" / "secret.txt"
    assert sorted(error_lines(result)) == [
        f"{folder / 'passwd.csv'}: a link that leads out of {folder} (to {target}); not read",
        f"{folder / 'secret.txt'}: a link that leads out of {folder} (to {target}); not read",
    ]
    assert "Secret" not in result.stdout + result.stderr and "hunter2" not in result.stderr
    assert "4 records read: 2 stored, 0 unchanged, 2 rejected" in result.stdout
    assert titles(store) == GOOD_TITLES


@pytest.mark.parametrize(("name", "content"), [
    ("notes.txt", "root:x:0:0:root:/root:/bin/bash\npassword hunter2\nsecret lines\n"),
    ("notes.csv", "password,hunter2\nsecret,lines\n"),
    ("notes.yaml", "password: hunter2\nsecret: lines\n"),
    ("notes.json", '[{"password": "hunter2", "secret": "lines"}]'),
])
def test_a_file_that_is_not_a_record_is_named_not_quoted(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = import_(tmp_path / "store", path)
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert line.startswith(f"{path}: ")
    said = line.removeprefix(f"{path}: ")
    assert "not a film" in said
    for word in ("root", "password", "hunter2", "secret"):
        assert word not in said


def test_a_ten_thousand_character_title_costs_a_short_line(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(f"title: {'x' * 10_000}\ndirectors: [Jane Doe]\n", encoding="utf-8")
    result = import_(tmp_path / "store", path)
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert line == (f"{path}: {'x' * 79}…: title: '{'x' * 59}…' (10000 characters): string should have at most 2000 "
                    "characters")
    assert len(result.stderr) < 300


def test_a_long_value_is_quoted_cut_with_its_length(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(f"title: Long\ndirectors: [Jane Doe]\ncountries: [{'N' * 1500}]\n", encoding="utf-8")
    result = import_(tmp_path / "store", path)
    (line,) = error_lines(result)
    assert line == (f"{path}: Long: countries: unknown country '{'N' * 59}…' (1500 characters) "
                    "(use an English name or an ISO 3166-1 code)")


def test_a_long_unknown_key_is_named_cut(tmp_path: Path) -> None:
    path = tmp_path / "typo.json"
    path.write_text(json.dumps({"title": "Typo", "directors": ["Jane Doe"], "k" * 5000: 1}), encoding="utf-8")
    result = import_(tmp_path / "store", path)
    (line,) = error_lines(result)
    assert line.startswith(f"{path}: Typo: {'k' * 79}…: is not a field of a film record")
    assert len(line) < len(str(path)) + 250


def test_the_same_file_given_twice_is_read_once(tmp_path: Path) -> None:
    good = good_inputs(tmp_path / "in")
    store = tmp_path / "store"
    again = tmp_path / "in" / ".." / "in" / good[0].name
    result = import_(store, good[0], *good, again, tmp_path / "in")
    assert result.exit_code == 0, result.stderr
    assert "2 records read: 2 stored, 0 unchanged, 0 rejected" in result.stdout
    assert stats(store)["records"] == 2


@pytest.mark.parametrize("command", ["import", "validate"])
def test_a_missing_path_among_existing_ones_exits_2_before_anything_is_read(tmp_path: Path, command: str) -> None:
    good = good_inputs(tmp_path / "in")
    missing = tmp_path / "in" / "typo.yaml"
    store = tmp_path / "store"
    args = ["--store", store, "--base", BASE] if command == "import" else []
    result = cli(command, *args, good[0], missing, good[1], tmp_path / "gone")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: no such file or folder: {missing}, {tmp_path / 'gone'}\n"
    assert not store.exists()


def test_a_missing_path_leaves_an_existing_store_as_it_was(tmp_path: Path) -> None:
    good = good_inputs(tmp_path / "in")
    store = tmp_path / "store"
    assert import_(store, good[0]).exit_code == 0
    before = stats(store)
    result = import_(store, good[1], tmp_path / "typo.yaml")
    assert result.exit_code == 2
    assert stats(store) == before


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    from lodfilm.records import MAX_FILE_BYTES

    big = tmp_path / "big.txt"
    with big.open("wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk, and the size the file says it has
    result = import_(tmp_path / "store", big)
    assert error_lines(result) == [f"{big}: file is {MAX_FILE_BYTES + 1} bytes, over the {MAX_FILE_BYTES}-byte limit"]


# What PyYAML's constructors, JSON's scanner and the readers were seen to raise on: tagged values, long numbers,
# escapes, odd scalars. Any of these may land anywhere in a record.
NASTY = ["!!bool maybe", "!!int ''", "!!float :", "!!timestamp soon", "!!map [a]", "!!set {a}", "!!omap [a: 1]",
         "!!binary x", "!!python/object:os.system", "1" * 4400, "-" + "9" * 4400, "1e999", "0x" + "f" * 40,
         "2010-02-30", "\\ud800", '"\\ud800"', "&a x", "*a", "<<: {a: 1}", "? [a]", "[", "{", "~", ":", "|", "'",
         '"', ",", "\t", "NaN", "null", "[]", "{}", "²", "Cast:", "Synopsis:", "95 min", "1h 99999999999999999999",
         "Source URL (retrieved on 99-99-9999): http://x", "Links: http://youtube.com/x", "http://a b", "0" * 30]
SEEDS = {".yaml": SEED_YAML.read_text(encoding="utf-8"), ".txt": SEED_PAGE.read_text(encoding="utf-8"),
         ".csv": "".join(LUX_TABLE.read_text(encoding="utf-8").splitlines(keepends=True)[:3]),
         ".json": json.dumps({"title": "A", "directors": ["B C"], "year": 2010, "runtime_minutes": 95,
                              "cast": [{"name": "D E", "character": "F"}], "countries": ["BE"]})}


@st.composite
def damaged_records(draw: st.DrawFn) -> tuple[str, str]:
    """A real record of each form, with nasty tokens put in, or pieces cut out, at random places."""
    suffix = draw(st.sampled_from(sorted(SEEDS)))
    text = SEEDS[suffix]
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(st.sampled_from(NASTY)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
    return suffix, text


@settings(max_examples=400, deadline=None)
@given(damaged_records())
def test_reading_never_raises_for_bad_content(case: tuple[str, str]) -> None:
    """``read_path``'s contract: every record read or rejected with a RecordError, whatever the file holds."""
    import tempfile

    from lodfilm.records import read_path

    suffix, content = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"record{suffix}"
        path.write_bytes(content.encode("utf-8", "surrogatepass"))
        for result in read_path(path):
            assert (result.film is None) != (result.error is None)
            if result.error is not None:
                # One line, every problem of the record in it (issue 14), each cut short.
                bound = len(str(path)) + 600 * (1 + len(result.error.more))
                assert "\n" not in str(result.error) and len(str(result.error)) < bound
