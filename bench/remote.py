"""The remote-store row (issue 6): import and the researcher queries on a SPARQL server beside the embedded store.

``python -m bench.remote --size 1000 --store sparql+http://dba:dba@127.0.0.1:PORT/sparql-auth`` imports the same
generated films into a fresh embedded store and into the server (which should be empty: lodfilm's graphs there
are replaced, not added to), then runs each researcher query of :mod:`bench.run` ``--repeat`` times through
``RemoteStore.query`` and ``EmbeddedStore.query`` in-process (the store layer, without HTTP, so the two backends
are compared and nothing else). Start Virtuoso as ``.ci/run`` does. Results go to
``bench/results/remote/<date>-<size>.json`` and a table in ``bench/README.md`` between the remote markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.run import BASE, README, RESULTS, researcher_queries, write_section
from lodfilm.store import open_store

START, END = "<!-- bench-remote:start -->", "<!-- bench-remote:end -->"


def timed_import(store: str, data: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lodfilm", "import", "--no-progress", "--store", store, "--base", BASE,
                    str(data)], check=True, capture_output=True)
    return time.perf_counter() - started


def latencies(location: str, queries: list[dict[str, str]], repeat: int) -> dict[str, dict[str, float]]:
    store = open_store(location, read_only=True)
    out: dict[str, dict[str, float]] = {}
    try:
        for query in queries:
            fmt = "nt" if query["kind"] == "construct" else "json"
            store.query(query["text"], format=fmt)  # warm-up
            runs = []
            for _ in range(repeat):
                started = time.perf_counter()
                store.query(query["text"], format=fmt)
                runs.append((time.perf_counter() - started) * 1000)
            out[query["name"]] = {"p50_ms": round(statistics.median(runs), 2),
                                  "p95_ms": round(sorted(runs)[max(0, int(len(runs) * 0.95) - 1)], 2)}
    finally:
        store.close()
    return out


def table(result: dict[str, Any]) -> str:
    lines = [
        f"Remote store: {result['server']}, {result['size']:,} films, {result['date']}.",
        "",
        "| measure | embedded (pyoxigraph) | remote (SPARQL 1.1 server) | remote ÷ embedded |",
        "|---|---:|---:|---:|",
        f"| import films/s | {result['import']['embedded_films_per_s']} | {result['import']['remote_films_per_s']} "
        f"| {result['import']['remote_films_per_s'] / result['import']['embedded_films_per_s']:.2f} |",
    ]
    for name, embedded in result["queries"]["embedded"].items():
        remote = result["queries"]["remote"][name]
        lines.append(f"| {name} p50 ms | {embedded['p50_ms']} | {remote['p50_ms']} | "
                     f"{remote['p50_ms'] / max(embedded['p50_ms'], 0.01):.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--store", required=True, help="the server, as sparql+http://USER:PASSWORD@HOST:PORT/PATH")
    parser.add_argument("--server", default="Virtuoso Open Source 7 (Debian)", help="what it is, for the table")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lodfilm-remote-bench-") as work:
        data = Path(work) / "data"
        subprocess.run([sys.executable, "-m", "bench.generate", "--size", str(args.size), "--format", "yaml",
                        "--out", str(data)], check=True, capture_output=True)
        embedded = str(Path(work) / "store")
        embedded_seconds = timed_import(embedded, data)
        remote_seconds = timed_import(args.store, data)
        store = open_store(embedded, read_only=True)
        try:
            director = store.select("SELECT ?d (COUNT(?f) AS ?n) WHERE { ?f schema:director ?d } "
                                    "GROUP BY ?d ORDER BY DESC(?n) ?d LIMIT 1")[0]["d"]
            film = store.select("SELECT ?f WHERE { ?f a schema:Movie } ORDER BY ?f LIMIT 1")[0]["f"]
        finally:
            store.close()
        queries = researcher_queries(director, film)
        result = {
            "date": dt.date.today().isoformat(),
            "size": args.size,
            "server": args.server,
            "import": {"embedded_films_per_s": round(args.size / embedded_seconds, 1),
                       "remote_films_per_s": round(args.size / remote_seconds, 1)},
            "queries": {"embedded": latencies(embedded, queries, args.repeat),
                        "remote": latencies(args.store, queries, args.repeat)},
        }
    folder = RESULTS / "remote"  # apart from bench.run's files, which its tables read
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{result['date']}-{args.size}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    write_section(README, START, END, table(result), heading="Remote store (issue 6)")
    print(table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
