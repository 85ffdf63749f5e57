"""Smoke test of the benchmark harness (bench/): a deterministic generator whose records import cleanly, and a
runner that goes end to end at a tiny size. The real runs (1k films and up) are never run here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import generate
from lodfilm.records import page, structured

ROOT = Path(__file__).resolve().parent.parent
QUERIES = {"films_by_director", "films_per_country", "director_regular_actors", "actor_pairs", "synopsis_text",
           "construct_film"}


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", ["page", "yaml"])
def test_same_seed_same_bytes(tmp_path: Path, fmt: str) -> None:
    generate.write(30, fmt, tmp_path / "a", seed=7, per_file=10)
    generate.write(30, fmt, tmp_path / "b", seed=7, per_file=10)
    generate.write(30, fmt, tmp_path / "c", seed=8, per_file=10)
    first = files(tmp_path / "a")
    assert len(first) == (30 if fmt == "page" else 3)
    assert first == files(tmp_path / "b")
    assert first != files(tmp_path / "c")


def test_records_are_realistic_and_unique() -> None:
    films = list(generate.films(300, seed=3))
    keys = {(generate.fold(f["title"]), f["year"]) for f in films}
    assert len(keys) == 300
    for film in films:
        assert 5 <= len(film["cast"]) <= 15
        assert 1 <= len(film["countries"]) <= 3
        roles = {c["role"] for c in film.get("crew", [])} | {r for r in ("screenplay", "music") if film.get(r)}
        assert 3 <= len(roles) <= 8
        assert 450 <= len(film["synopsis"]) <= 720
    credits: dict[str, int] = {}
    for film in films:
        for credit in film["cast"]:
            credits[credit["name"]] = credits.get(credit["name"], 0) + 1
    counts = sorted(credits.values(), reverse=True)
    assert counts[0] >= 5 and counts.count(1) > len(counts) / 4  # a few prolific people, a long tail


def test_page_and_yaml_are_the_same_records(tmp_path: Path) -> None:
    pages = generate.write(30, "page", tmp_path / "pages", seed=2)
    yamls = generate.write(30, "yaml", tmp_path / "yaml", seed=2, per_file=1)
    for page_path, yaml_path in zip(pages, yamls, strict=True):
        [from_page] = page.read(page_path.read_text(encoding="utf-8"), page_path)
        [from_yaml] = structured.read(yaml_path.read_text(encoding="utf-8"), yaml_path)
        assert from_page.error is None and from_yaml.error is None
        assert from_page.film == from_yaml.film


@pytest.mark.parametrize("fmt", ["page", "yaml"])
def test_generated_records_validate(tmp_path: Path, fmt: str) -> None:
    generate.write(30, fmt, tmp_path / "data", seed=5, per_file=10)
    done = subprocess.run([sys.executable, "-m", "lodfilm", "validate", str(tmp_path / "data")],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "30 valid, 0 rejected; 30 films" in done.stdout


def test_runner_end_to_end(tmp_path: Path) -> None:
    readme = (ROOT / "bench" / "README.md").read_bytes()
    out = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--sizes", "40", "--out", str(out), "--work", str(tmp_path),
         "--repeat", "2", "--rdflib-repeat", "1", "--rdflib-cap", "20", "--requests", "20", "--concurrency", "4"],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    [path] = out.glob("*-40.json")
    result = json.loads(path.read_text(encoding="utf-8"))
    assert result["size"] == 40 and result["store"]["films"] == 40
    assert {"cpus", "versions"} <= set(result["machine"]) and result["machine"]["versions"]["pyoxigraph"]
    for fmt in ("page", "yaml"):
        assert result["import"][fmt]["films_per_s"] > 0 and result["import"][fmt]["peak_rss_mb"] > 0
    assert result["import"]["page"]["store_bytes"] > 0
    assert result["dump"]["lodfilm"]["triples_per_s"] > 0 and result["dump"]["oxigraph"]["triples_per_s"] > 0
    assert result["dump"]["oxigraph-disk"]["uncompressed_triples_per_s"] > 0
    # the import's floor: pyoxigraph alone loads exactly the quads lodfilm's store holds (records + their merge)
    store = result["store"]
    assert result["engines"]["oxigraph-disk"]["load"]["quads"] == store["triples"] + store["record_quads"]
    assert result["import_floor"]["films_per_s"] > 0 and result["import_floor"]["cpu_ms_per_film"] > 0
    for engine in ("lodfilm", "oxigraph-memory", "oxigraph-disk", "rdflib"):
        assert set(result["queries"][engine]) == QUERIES, engine
        for figures in result["queries"][engine].values():
            assert figures["p50_ms"] is not None and figures["p95_ms"] >= figures["p50_ms"]
    for name, ratio in result["queries"]["ratios"].items():
        assert ratio["same_answer_as_oxigraph_memory"] and ratio["same_answer_as_oxigraph_disk"], name
        assert ratio["ours_over_oxigraph_memory"] > 0 and "rdflib_over_ours" in ratio
    for kind in ("html", "turtle"):
        for phase in ("cold", "warm"):
            assert result["pages"][kind][phase]["requests_per_s"] > 0
            assert result["pages"][kind][phase]["p99_ms"] >= result["pages"][kind][phase]["p50_ms"]
    assert result["targets"] and result["server"]["peak_rss_mb"] > 0
    assert result["server"]["empty_query"]["p50_ms"] > 0  # the fixed cost of a query over HTTP
    assert (ROOT / "bench" / "README.md").read_bytes() == readme  # a run elsewhere leaves the README alone
    assert not list((ROOT / "bench" / "results").glob("*-40.json"))
