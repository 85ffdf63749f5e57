"""The load test of issue 5: mixed film pages, RDF documents and SPARQL queries at 32 concurrent clients for 60 s.

``python -m bench.mixed [--size 1000] [--concurrency 32] [--seconds 60]`` generates films, imports them, starts
``lodfilm serve`` on 127.0.0.1 with a short query time limit, and drives it from a second process
(:mod:`bench.load`) with a shuffled mix: film HTML pages (50%), Turtle/JSON-LD/N-Triples documents of films and
people (25%), small researcher SELECTs (24%) and a runaway query (1%) that must end in a designed time-out (503).
The figures (throughput, p50/p99, statuses) go to ``bench/results/mixed/<date>-<size>.json`` and to
``bench/README.md`` between the mixed markers. Any 5xx other than those 503s is a failure (exit status 1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from bench.run import BASE, README, RESULTS, free_port, write_section

START, END = "<!-- bench-mixed:start -->", "<!-- bench-mixed:end -->"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def lodfilm(*args: str) -> list[str]:
    return [sys.executable, "-m", "lodfilm", *args]


def select(port: int, query: str) -> list[dict[str, str]]:
    url = f"http://127.0.0.1:{port}/sparql?" + urlencode({"query": query, "format": "json"})
    with urllib.request.urlopen(url, timeout=60) as response:
        rows = json.load(response)["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def path_of(iri: str) -> str:
    return quote(iri.removeprefix(BASE.rstrip("/")))


def mixed_paths(port: int, count: int, rng: random.Random) -> list[str]:
    films = [r["f"] for r in select(port, "SELECT ?f WHERE { ?f a <http://schema.org/Movie> }")]
    people = [r["p"] for r in select(port, "SELECT ?p WHERE { ?p a <http://schema.org/Person> }")]
    directors = [r["d"] for r in select(port, "SELECT DISTINCT ?d WHERE { ?f <http://schema.org/director> ?d }")]
    queries = [
        lambda: f"SELECT ?f ?t WHERE {{ ?f <http://schema.org/director> <{rng.choice(directors)}> ; "
                "<http://schema.org/name> ?t }",
        lambda: f"SELECT ?a ?c WHERE {{ <{rng.choice(films)}> <http://schema.org/actor> ?r . "
                "?r <http://schema.org/actor>/<http://schema.org/name> ?a . "
                "OPTIONAL { ?r <http://schema.org/characterName> ?c } }",
        lambda: "SELECT ?c (COUNT(?f) AS ?n) WHERE { ?f <http://schema.org/countryOfOrigin> ?c } GROUP BY ?c",
    ]
    out: list[str] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.50:
            out.append(path_of(rng.choice(films)))
        elif roll < 0.75:
            out.append(path_of(rng.choice(films + people)) + rng.choice([".ttl", ".jsonld", ".nt"]))
        elif roll < 0.99:
            out.append("/sparql?" + urlencode({"query": rng.choice(queries)(), "format": "json"}))
        else:
            out.append("/sparql?" + urlencode({"query": RUNAWAY, "format": "json"}))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--requests", type=int, default=200_000, help="the bound on requests sent")
    parser.add_argument("--timeout", type=float, default=2.0, help="the server's query time limit, seconds")
    args = parser.parse_args(argv)
    rng = random.Random(5)
    with tempfile.TemporaryDirectory(prefix="lodfilm-mixed-") as work:
        data, store = Path(work) / "data", Path(work) / "store"
        subprocess.run([sys.executable, "-m", "bench.generate", "--size", str(args.size), "--format", "yaml",
                        "--out", str(data)], check=True, capture_output=True)
        subprocess.run(lodfilm("import", "--no-progress", "--store", str(store), "--base", BASE, str(data)),
                       check=True, capture_output=True)
        port = free_port()
        env = {**os.environ, "LODFILM_QUERY_TIMEOUT": str(args.timeout)}
        server = subprocess.Popen(lodfilm("serve", "--store", str(store), "--base", BASE, "--port", str(port)),
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
                    break
                except OSError:
                    time.sleep(0.1)
            paths = Path(work) / "paths.txt"
            paths.write_text("\n".join(mixed_paths(port, args.requests, rng)) + "\n", encoding="utf-8")
            load = subprocess.run([sys.executable, "-m", "bench.load", "--port", str(port), "--paths", str(paths),
                                   "--accept", "text/html", "--concurrency", str(args.concurrency),
                                   "--max-seconds", str(args.seconds)], check=True, capture_output=True, text=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    figures: dict[str, Any] = json.loads(load.stdout)
    statuses = {int(k): v for k, v in figures["statuses"].items() if k.isdigit()}
    unexpected = {k: v for k, v in statuses.items() if k >= 500 and k != 503}
    result = {"date": dt.date.today().isoformat(), "size": args.size, "concurrency": args.concurrency,
              "seconds_limit": args.seconds, "query_timeout_s": args.timeout, "load": figures,
              "unexpected_5xx": unexpected}
    folder = RESULTS / "mixed"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{result['date']}-{args.size}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    table = (f"{args.size:,} films, {args.concurrency} clients, {figures['seconds']:.0f} s, query time limit "
             f"{args.timeout:g} s ({result['date']}):\n\n"
             "| requests | requests/s | p50 ms | p99 ms | statuses | 5xx other than designed 503s |\n"
             "|---:|---:|---:|---:|---|---:|\n"
             f"| {figures['requests']:,} | {figures['requests_per_s']:,} | {figures['p50_ms']} | {figures['p99_ms']} | "
             f"{', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))} | {sum(unexpected.values())} |")
    write_section(README, START, END, table, heading="Load test: mixed traffic (issue 5)")
    print(table)
    return 1 if unexpected else 0


if __name__ == "__main__":
    raise SystemExit(main())
