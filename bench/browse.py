"""Browsing and search at size: the index build against the import, search, faceted ``/films`` and a person page of
50,000 credits, through the real app (``create_app`` over the store on disk, in process).

``python -m bench.browse --size 58000 [--work DIR] [--keep] [--requests 200] [--out bench/results]``

Generates ``--size`` YAML films (``bench/generate.py``), credits one extra person ("Ennio Prolifico", a cast
member) on the first ``--prolific`` films (default 50,000, at most the size), imports them with
``lodfilm import`` (timed), builds the index of that checkpoint (timed), then sends ``--requests`` requests of each
kind and reports p50/p99: search (words drawn from the films' titles and people, some as prefixes), ``/films``
with two facet filters (a decade and a country), and the prolific person's first page. Writes
``bench/results/browse-<date>-<size>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.engines import percentile
from bench.generate import write

PROLIFIC = "Ennio Prolifico"
TARGETS = {"search_p50_ms": 20, "search_p99_ms": 100, "facets_p50_ms": 50, "person_first_page_ms": 100,
           "index_over_import": 0.20}


def prepare(size: int, prolific: int, work: Path) -> Path:
    """The generated YAML, with the prolific person added to the cast of the first ``prolific`` films."""
    data = work / "data"
    write(size, "yaml", data)
    left = prolific
    for path in sorted(data.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        count = min(left, text.count("\n  cast:\n"))
        text = text.replace("\n  cast:\n", f"\n  cast:\n  - name: {PROLIFIC}\n    character: Narrator\n", count)
        path.write_text(text, encoding="utf-8")
        left -= count
    return data


def timed(samples: list[float], call: Any) -> Any:
    start = time.perf_counter()
    answer = call()
    samples.append((time.perf_counter() - start) * 1000)
    return answer


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"n": len(ordered), "p50_ms": round(percentile(ordered, 50), 2), "p99_ms": round(percentile(ordered, 99), 2),
            "max_ms": round(ordered[-1], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=58_000)
    parser.add_argument("--prolific", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--import-only", action="store_true", help="generate and import, measure nothing")
    parser.add_argument("--reuse-index", action="store_true",
                        help="with --work DIR of an earlier run: time the requests on the index built then")
    parser.add_argument("--build-only", action="store_true", help="time the index build, send no requests")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="lodfilm-browse-"))
    work.mkdir(parents=True, exist_ok=True)
    store = work / "store"
    result: dict[str, Any] = {"size": args.size, "prolific": min(args.prolific, args.size),
                              "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    try:
        if not (store / "snapshots" / "CURRENT").is_file():
            data = prepare(args.size, min(args.prolific, args.size), work)
            start = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([sys.executable, "-m", "lodfilm", "import", "--no-progress", "--store", str(store),
                            "--base", "http://localhost:8080/", str(data)], check=True)
            result["import_s"] = round(time.perf_counter() - start, 1)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            result["import_cpu_s"] = round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1)
            result["import_load"] = os.getloadavg()[0]
            (work / "import.json").write_text(json.dumps({k: result[k] for k in ("import_s", "import_cpu_s",
                                                                                 "import_load")}), encoding="utf-8")
        elif (work / "import.json").is_file():  # a store kept from an earlier run (--work DIR --keep)
            result.update(json.loads((work / "import.json").read_text(encoding="utf-8")))
        if not args.import_only:
            result.update(measure(store, args.requests, reuse=args.reuse_index, build_only=args.build_only))
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    if "import_s" in result and "index_build_s" in result:
        result["index_over_import"] = round(result["index_build_s"] / result["import_s"], 3)
    result["targets"] = TARGETS
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "-requests" if "index_build_s" not in result else "-build" if args.build_only else ""
    out = args.out / f"browse-{dt.date.today().isoformat()}-{args.size}{suffix}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


def measure(store: Path, requests: int, *, reuse: bool = False, build_only: bool = False) -> dict[str, Any]:
    from lodfilm.index import Indexes, build
    from lodfilm.settings import Settings
    from lodfilm.store.embedded import EmbeddedStore
    from lodfilm.web import close_app, create_app

    reader = EmbeddedStore(store, read_only=True)
    assert reader.generation is not None
    # where the app looks for this checkpoint's index, so its first request finds it built
    path = Indexes(store / "index").path(reader.generation)
    out: dict[str, Any] = {}
    if not (reuse and path.is_file()):
        load = os.getloadavg()[0]
        start, cpu = time.perf_counter(), time.process_time()
        build(reader, path, reader.generation)
        out["index_build_s"] = round(time.perf_counter() - start, 1)
        out["index_build_cpu_s"] = round(time.process_time() - cpu, 1)  # this process's CPU, all its threads
        out["index_build_load"] = [load, os.getloadavg()[0]]  # the 1-minute load average before and after
    out["index_mb"] = round(path.stat().st_size / 1e6, 1)
    reader.close()
    if build_only:
        return out
    app = create_app(Settings.load(store=store, base="http://localhost:8080/"))
    client = app.test_client()
    start = time.perf_counter()
    assert client.get("/films").status_code == 200  # builds this checkpoint's index for the app
    out["first_request_s"] = round(time.perf_counter() - start, 1)
    site = app.extensions["lodfilm"]
    index = site.index
    rng = random.Random(7)
    names = [row[0] for row in index.rows("SELECT name FROM docs ORDER BY random() LIMIT 500")]
    words = [w for n in names for w in re.findall(r"\w{3,}", n)]
    queries = [rng.choice(words) if i % 3 else rng.choice(words)[:3] + "*" for i in range(requests)]
    queries += ["love", "the", "illeg*"]
    search: list[float] = []
    for q in queries:
        response = timed(search, lambda q=q: client.get("/search", query_string={"q": q}))
        assert response.status_code in (200, 404), (q, response.status_code)
    out["search"] = stats(search)
    pairs = index.rows("SELECT d.value, c.value FROM facets d JOIN facets c ON c.film = d.film "
                       "WHERE d.facet = 'decade' AND c.facet = 'country' ORDER BY random() LIMIT ?", [requests])
    faceted: list[float] = []
    for decade, country in pairs:
        response = timed(faceted, lambda d=decade, c=country: client.get("/films", query_string={
            "decade": d, "country": c}))
        assert response.status_code == 200
    out["facets_two_filters"] = stats(faceted)
    person = index.value("SELECT iri FROM agents WHERE name = ?", [PROLIFIC])
    if person:
        path_of = "/" + person.split("/", 3)[3]
        first: list[float] = []
        for _ in range(20):
            response = timed(first, lambda: client.get(path_of))
            assert response.status_code == 200
        out["person_credits"] = index.value("SELECT COUNT(*) FROM credits WHERE agent = ?", [person])
        out["person_first_page"] = stats(first)
    close_app(app)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
