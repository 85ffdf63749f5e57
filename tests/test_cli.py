"""The ``lodfilm`` command line: every command's contract, output formats, exit codes and messages."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import IO

import jsonschema
import pytest
import rdflib
import yaml

from lodfilm.publish.dumps import write_atomically
from tests.conftest import BASE, SEED_PAGE, SEED_YAML, Cli

DIRECTORS = "SELECT ?name WHERE { ?f schema:director ?p . ?p schema:name ?name }"


@pytest.fixture
def filled(cli: Cli, store_dir: Path) -> Path:
    assert cli("import", "--store", store_dir, "--base", BASE, SEED_PAGE).exit_code == 0
    return store_dir


def test_help_lists_every_command(cli: Cli) -> None:
    result = cli("--help")
    for command in ("import", "validate", "query", "dump", "stats", "schema"):
        assert command in result.stdout


@pytest.mark.parametrize("command", ["import", "validate", "query", "dump", "stats", "schema"])
def test_every_command_has_help(cli: Cli, command: str) -> None:
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert "Usage: lodfilm " + command in result.stdout


def test_import_reports_counts(cli: Cli, store_dir: Path) -> None:
    result = cli("import", "--store", store_dir, "--base", BASE, SEED_PAGE, SEED_YAML)
    assert result.exit_code == 0
    assert result.stdout == f"2 records read: 2 stored, 0 unchanged, 0 rejected; 1 films, in {store_dir}\n"


def test_query_select_as_json(cli: Cli, filled: Path) -> None:
    result = cli("query", "--store", filled, DIRECTORS)
    data = json.loads(result.stdout)
    assert data["results"]["bindings"] == [{"name": {"type": "literal", "value": "Olivier Masset-Depasse"}}]


def test_query_select_as_xml(cli: Cli, filled: Path) -> None:
    root = ET.fromstring(cli("query", "--store", filled, "--format", "xml", DIRECTORS).stdout_bytes)
    ns = {"s": "http://www.w3.org/2005/sparql-results#"}
    assert [e.text for e in root.findall(".//s:literal", ns)] == ["Olivier Masset-Depasse"]


@pytest.mark.parametrize(("fmt", "delimiter"), [("csv", ","), ("tsv", "\t")])
def test_query_select_as_table(cli: Cli, filled: Path, fmt: str, delimiter: str) -> None:
    text = cli("query", "--store", filled, "--format", fmt, DIRECTORS).stdout
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert rows[0][0].lstrip("?") == "name"
    assert rows[1][0].strip('"') == "Olivier Masset-Depasse"


def test_query_ask(cli: Cli, filled: Path) -> None:
    result = cli("query", "--store", filled, 'ASK { ?f schema:name "Illégal" }')
    assert json.loads(result.stdout)["boolean"] is True


@pytest.mark.parametrize(("fmt", "parser"), [("ttl", "turtle"), ("nt", "nt"), (None, "turtle")])
def test_query_construct_as_rdf(cli: Cli, filled: Path, fmt: str | None, parser: str) -> None:
    args = ["query", "--store", filled] + (["--format", fmt] if fmt else [])
    result = cli(*args, f"CONSTRUCT WHERE {{ <{BASE}film/illegal-2010> ?p ?o }}")
    graph = rdflib.Graph().parse(data=result.stdout, format=parser)
    assert (rdflib.URIRef(f"{BASE}film/illegal-2010"), rdflib.URIRef("http://schema.org/name"),
            rdflib.Literal("Illégal")) in graph


def test_query_construct_as_jsonld(cli: Cli, filled: Path) -> None:
    query = f"CONSTRUCT WHERE {{ <{BASE}film/illegal-2010> ?p ?o }}"
    result = cli("query", "--store", filled, "--format", "jsonld", query)
    data = json.loads(result.stdout)
    assert any(node.get("@id") == f"{BASE}film/illegal-2010" for node in data)


def test_query_from_stdin_and_file(cli: Cli, filled: Path, tmp_path: Path) -> None:
    from_stdin = cli("query", "--store", filled, "-", input=DIRECTORS)
    query_file = tmp_path / "q.rq"
    query_file.write_text(DIRECTORS, encoding="utf-8")
    from_file = cli("query", "--store", filled, f"@{query_file}")
    assert from_stdin.stdout == from_file.stdout == cli("query", "--store", filled, DIRECTORS).stdout


def test_malformed_query_is_one_line_and_exit_3(cli: Cli, filled: Path) -> None:
    result = cli("query", "--store", filled, "SELEC ?x WHERE {}")
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: malformed query:")
    assert result.stderr.count("\n") == 1


def test_update_is_not_a_query(cli: Cli, filled: Path) -> None:
    result = cli("query", "--store", filled, "DROP ALL")
    assert result.exit_code == 3
    assert cli("stats", "--store", filled, "--json").stdout.count('"films": 1') == 1


def test_table_format_for_a_graph_result_is_a_usage_error(cli: Cli, filled: Path) -> None:
    result = cli("query", "--store", filled, "--format", "csv", "CONSTRUCT WHERE { ?s ?p ?o }")
    assert result.exit_code == 2
    assert "CONSTRUCT or DESCRIBE result is RDF" in result.stderr


@pytest.mark.parametrize("command", [["query", "ASK {}"], ["dump"], ["stats"]])
def test_commands_on_a_missing_store_say_what_to_do(cli: Cli, tmp_path: Path, command: list[str]) -> None:
    result = cli(command[0], "--store", tmp_path / "nothing", *command[1:])
    assert result.exit_code == 2
    assert "run `lodfilm import PATH...` first" in result.stderr
    assert not (tmp_path / "nothing").exists()


def test_stats_counts(cli: Cli, filled: Path) -> None:
    text = cli("stats", "--store", filled).stdout
    figures = dict(line.split(": ") for line in text.splitlines())
    assert figures["films"] == "1"
    assert figures["people"] == "22"  # 1 director + 3 music + 2 producers + 9 crew credits (one person each) + 7 cast
    assert figures["organisations"] == "7"  # Versus, 4 co-producers, Films distribution, LUX Prize
    assert figures["countries"] == "3"
    assert int(figures["triples"]) > 150


def test_dump_to_a_file(cli: Cli, filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "dump.ttl"
    result = cli("dump", "--store", filled, "--format", "ttl", "--output", out)
    graph = rdflib.Graph().parse(out, format="turtle")
    assert result.stderr == f"{len(graph)} triples written to {out}\n"
    assert not list(out.parent.glob("*.part"))


def test_gzip_dump_is_one_gzip_stream_of_every_triple(cli: Cli, filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "dump.nt.gz"
    result = cli("dump", "--store", filled, "--format", "nt", "--output", out)
    reader = zlib.decompressobj(31)
    data = reader.decompress(out.read_bytes())
    assert reader.eof and reader.unused_data == b""  # one gzip member, whole
    graph = rdflib.Graph().parse(data=data, format="nt")
    assert result.stderr == f"{len(graph)} triples written to {out}\n" and len(graph) > 150


def test_compressed_write_keeps_every_byte_across_chunks(tmp_path: Path) -> None:
    pieces = [bytes([i % 251]) * (i * 997 % 70_000) for i in range(200)]  # ~7 MB in uneven writes

    def write(out: IO[bytes]) -> int:
        for piece in pieces:
            out.write(piece)
        return len(pieces)

    target = tmp_path / "big.gz"
    assert write_atomically(target, write, compress=True) == 200
    assert gzip.decompress(target.read_bytes()) == b"".join(pieces)


def test_failed_compressed_write_leaves_no_file_and_no_thread(tmp_path: Path) -> None:
    def write(out: IO[bytes]) -> int:
        out.write(b"x" * (3 << 20))
        raise OSError("the store went away")

    target = tmp_path / "dump.nt.gz"
    with pytest.raises(OSError, match="the store went away"):
        write_atomically(target, write, compress=True)
    assert list(tmp_path.iterdir()) == []
    assert not [t for t in threading.enumerate() if t.name == "lodfilm-gzip"]


def test_validate_stores_nothing(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("validate", SEED_PAGE, SEED_YAML)
    assert result.exit_code == 0
    assert result.stdout == "2 records read: 2 valid, 0 rejected; 1 films\n"
    assert list(tmp_path.iterdir()) == []


def test_environment_sets_store_and_base(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LODFILM_STORE", str(tmp_path / "env-store"))
    monkeypatch.setenv("LODFILM_BASE", "https://archive.example.net/lod/")
    assert cli("import", SEED_PAGE).exit_code == 0
    rows = json.loads(cli("query", "SELECT ?f WHERE { ?f a schema:Movie }").stdout)["results"]["bindings"]
    assert rows[0]["f"]["value"] == "https://archive.example.net/lod/film/illegal-2010"


def test_flag_wins_over_environment(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LODFILM_STORE", str(tmp_path / "env-store"))
    assert cli("import", "--store", tmp_path / "flag-store", SEED_PAGE).exit_code == 0
    assert (tmp_path / "flag-store").is_dir()
    assert not (tmp_path / "env-store").exists()


def test_bad_base_iri_is_a_usage_error(cli: Cli, store_dir: Path) -> None:
    result = cli("import", "--store", store_dir, "--base", "not an iri", SEED_PAGE)
    assert result.exit_code == 2
    assert "must be an absolute http(s) IRI" in result.stderr


def test_schema_is_a_json_schema_the_seed_yaml_meets(cli: Cli) -> None:
    schema = json.loads(cli("schema").stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    # As JSON: YAML reads `retrieved: 2017-11-23` as a date, JSON has strings.
    seed = json.loads(json.dumps(yaml.safe_load(SEED_YAML.read_text(encoding="utf-8")), default=str))
    jsonschema.validate(seed, schema)
    jsonschema.validate({"title": "No director known"}, schema)  # only a title is required
    jsonschema.validate({"title": 2046, "year": "Jun 12 1998", "runtime_minutes": "1h 35"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"directors": ["Wong Kar-wai"]}, schema)


def test_console_script_runs(filled: Path) -> None:
    done = subprocess.run([Path(sys.executable).parent / "lodfilm", "stats", "--store", str(filled)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "films: 1" in done.stdout
