"""The query page and the charts at size, through the real app (``create_app`` over the store on disk, in
process, with its real query workers).

``python -m bench.query_page --size 10000 [--work DIR] [--keep] [--requests 50] [--out bench/results]``

Generates ``--size`` YAML films (``bench/generate.py``) and imports them with ``lodfilm import`` (or reuses the
store of ``--work DIR`` from an earlier ``--keep`` run), then measures, each as p50/p99 over ``--requests``:

* the query page for a SELECT of 10,000 rows (the default ``LODFILM_MAX_ROWS``) beside the same answer as SPARQL
  JSON — what the page costs on top of the protocol's answer — and for a CONSTRUCT of 10,000 triples;
* each chart (SVG and its JSON twin) cold — a filter set not asked before, so the counts are read from the index
  and the SVG drawn — and warm (the same again, from the site's cache).

Writes ``bench/results/query-page-<date>-<size>.json``. No target is set for these in the issue; the numbers are
there to see what a page of 10,000 rows and a chart cost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.engines import percentile
from bench.generate import write

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ROWS = "SELECT ?film ?name ?year WHERE { ?film schema:name ?name . OPTIONAL { ?film schema:dateCreated ?year } }"
TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"n": len(ordered), "p50_ms": round(percentile(ordered, 50), 2), "p99_ms": round(percentile(ordered, 99), 2),
            "max_ms": round(ordered[-1], 2)}


def timed(samples: list[float], call: Any) -> Any:
    start = time.perf_counter()
    answer = call()
    samples.append((time.perf_counter() - start) * 1000)
    return answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="lodfilm-qpage-"))
    work.mkdir(parents=True, exist_ok=True)
    store = work / "store"
    result: dict[str, Any] = {"size": args.size, "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    try:
        if not (store / "snapshots" / "CURRENT").is_file():
            data = work / "data"
            write(args.size, "yaml", data)
            subprocess.run([sys.executable, "-m", "lodfilm", "import", "--no-progress", "--store", str(store),
                            "--base", "http://localhost:8080/", str(data)], check=True, stdout=subprocess.DEVNULL)
        result.update(measure(store, args.requests))
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"query-page-{dt.date.today().isoformat()}-{args.size}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


def measure(store: Path, requests: int) -> dict[str, Any]:
    from lodfilm.settings import Settings
    from lodfilm.web import close_app, create_app

    app = create_app(Settings.load(store=store, base="http://localhost:8080/"))
    client = app.test_client()
    out: dict[str, Any] = {}
    try:
        assert client.get("/films").status_code == 200  # the index of this checkpoint, and the workers, are up
        kinds = (("select_page", ROWS, BROWSER), ("select_json", ROWS, "application/sparql-results+json"),
                 ("construct_page", TRIPLES, BROWSER), ("construct_nt", TRIPLES, "application/n-triples"))
        for name, query, accept in kinds:
            samples: list[float] = []
            size = 0
            for _ in range(max(3, requests // 10)):
                reply = timed(samples, lambda q=query, a=accept: client.get("/sparql", query_string={"query": q},
                                                                            headers={"Accept": a}))
                assert reply.status_code == 200, (name, reply.status_code, reply.get_data()[:300])
                size = len(reply.get_data())
            out[name] = {**stats(samples), "bytes": size}
        index = app.extensions["lodfilm"].index
        pairs = index.rows("SELECT d.value, c.value FROM facets d JOIN facets c ON c.film = d.film "
                           "WHERE d.facet = 'decade' AND c.facet = 'country' GROUP BY d.value, c.value")
        random.Random(7).shuffle(pairs)
        for chart in ("years.svg", "years.json", "countries.svg", "countries.json"):
            cold: list[float] = []
            warm: list[float] = []
            for decade, country in pairs[:requests]:
                params = {"decade": decade, "country": country}
                url = f"/charts/{chart}"
                assert timed(cold, lambda u=url, p=params: client.get(u, query_string=p)).status_code == 200
                assert timed(warm, lambda u=url, p=params: client.get(u, query_string=p)).status_code == 200
            whole: list[float] = []
            for _ in range(requests):
                assert timed(whole, lambda u=f"/charts/{chart}": client.get(u)).status_code == 200
            out[f"chart_{chart}"] = {"cold_two_filters": stats(cold), "warm_two_filters": stats(warm),
                                     "unfiltered": stats(whole)}
    finally:
        close_app(app)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
